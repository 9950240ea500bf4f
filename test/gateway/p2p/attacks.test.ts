// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { PeerUnreachableError, requestDelivery } from '../../../gateway/src/p2p/client';
import { newCertificateAuthority } from '../../../network/src/pki/ca';
import type { TestPatient } from '../../chaincode/helpers/patients';
import { call, field, outcomeCode, outcomeCodeOf } from '../../helpers/api-calls';
import { useTestRegion } from '../../helpers/region';
import { newConsentingPatient } from '../../helpers/region-patients';

const lab = {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'potassium' },
    valueQuantity: { value: 4.1 },
};

describe('p2p attacks', function () {
    this.timeout(30_000);
    const region = useTestRegion({ p2p: true });
    let patient: TestPatient;
    let recordId: string;
    let resource: Record<string, unknown>;

    before(async () => {
        patient = await newConsentingPatient(region);
    });
    beforeEach(async () => {
        const { hospitalA } = region.gateways;
        const published = await call(hospitalA, 'POST', '/records', {
            token: hospitalA.tokens.clinician,
            body: {
                patientId: patient.patientId,
                category: 'lab',
                // Each test publishes a result of its own: the same content is anchored once per custodian.
                resource: (resource = { ...lab, id: randomUUID() }),
            },
        });
        assert.equal(published.status, 201);
        recordId = field(published, 'recordId') as string;
    });

    async function grantToB(): Promise<string> {
        const grant = await region.gateways.hospitalB.contracts.requestAccess({ recordId, purpose: 'TREATMENT' });
        assert.equal(grant.value.decision, 'GRANTED');
        return grant.value.accessId;
    }

    async function assertUndelivered(accessId: string): Promise<void> {
        const event = await region.gateways.hospitalB.contracts.readAccess(accessId);
        assert.equal(event.delivery, null);
    }

    it('refuses another organisation’s accessId', async () => {
        const accessId = await grantToB();
        const response = await region.callP2p('hospitalA', region.gateways.insurer.tls, recordId, accessId);
        assert.equal(response.status, 403);
        assert.equal(outcomeCodeOf(response.body), 'FORBIDDEN');
        assert.equal((response.body as Record<string, unknown>).resource, undefined);
        await assertUndelivered(accessId);
    });

    it('refuses a replayed accessId', async () => {
        const accessId = await grantToB();
        const first = await region.callP2p('hospitalA', region.gateways.hospitalB.tls, recordId, accessId);
        assert.equal(first.status, 200);
        assert.deepEqual((first.body as Record<string, unknown>).resource, resource);
        const replay = await region.callP2p('hospitalA', region.gateways.hospitalB.tls, recordId, accessId);
        assert.equal(replay.status, 409);
        assert.equal(outcomeCodeOf(replay.body), 'CONFLICT');
        assert.equal((replay.body as Record<string, unknown>).resource, undefined);
    });

    it('refuses a grant presented for another record', async () => {
        const accessId = await grantToB();
        const { hospitalA } = region.gateways;
        const other = await call(hospitalA, 'POST', '/records', {
            token: hospitalA.tokens.clinician,
            body: { patientId: patient.patientId, category: 'lab', resource: lab },
        });
        const otherId = field(other, 'recordId') as string;
        const response = await region.callP2p('hospitalA', region.gateways.hospitalB.tls, otherId, accessId);
        assert.equal(response.status, 403);
        assert.equal(outcomeCodeOf(response.body), 'FORBIDDEN');
        await assertUndelivered(accessId);
    });

    it('refuses a client certificate from a CA outside the region at the TLS handshake', async () => {
        const accessId = await grantToB();
        const rogueCa = await newCertificateAuthority({
            commonName: 'tlsca.rogue',
            organization: 'Rogue',
            kind: 'tlsca',
        });
        const rogue = await rogueCa.issue({ commonName: 'gateway.rogue', ou: 'client', kind: 'tls-both' });
        await assert.rejects(region.callP2p('hospitalA', rogue, recordId, accessId), PeerUnreachableError);
        await assertUndelivered(accessId);
    });

    it('refuses a certificate from the requester’s own CA that is not its pinned one', async () => {
        const accessId = await grantToB();
        const b = region.gateways.hospitalB;
        const impostor = await b.tlsCa.issue({ commonName: `gateway.${b.mspId}`, ou: 'client', kind: 'tls-both' });
        const response = await region.callP2p('hospitalA', impostor, recordId, accessId);
        assert.equal(response.status, 403);
        assert.equal(outcomeCodeOf(response.body), 'FORBIDDEN');
        await assertUndelivered(accessId);
    });

    it('does not talk to a custodian presenting a certificate other than its pinned one', async () => {
        const accessId = await grantToB();
        const a = region.gateways.hospitalA;
        const b = region.gateways.hospitalB;
        const impostor = await a.tlsCa.issue({ commonName: `gateway.${a.mspId}`, ou: 'client', kind: 'tls-both' });
        await assert.rejects(
            requestDelivery(
                {
                    certPem: b.tls.certPem,
                    keyPem: b.tls.keyPem,
                    caPems: region.regionCaPems,
                    timeoutMs: 5000,
                    maxResponseBytes: 1 << 20,
                },
                { p2pUrl: a.p2pUrl, tlsCertPem: impostor.certPem },
                recordId,
                accessId,
            ),
            PeerUnreachableError,
        );
        await assertUndelivered(accessId);
    });

    describe('with the ledger closed', () => {
        it('fails closed on both sides: nothing granted, nothing served', async () => {
            const accessId = await grantToB();
            await region.ledger.close();
            const { hospitalB } = region.gateways;
            const fetched = await call(hospitalB, 'POST', `/records/${recordId}/fetch`, {
                token: hospitalB.tokens.clinician,
                body: { purpose: 'TREATMENT' },
            });
            assert.equal(fetched.status, 503);
            assert.equal(outcomeCode(fetched), 'LEDGER_UNAVAILABLE');
            const response = await region.callP2p('hospitalA', region.gateways.hospitalB.tls, recordId, accessId);
            assert.equal(response.status, 503);
            assert.equal(outcomeCodeOf(response.body), 'LEDGER_UNAVAILABLE');
            assert.equal((response.body as Record<string, unknown>).resource, undefined);
        });
    });
});
