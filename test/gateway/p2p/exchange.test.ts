// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { once } from 'node:events';
import canonicalize from 'canonicalize';
import type { ChaincodeEvent } from '../../../network/src/ledger';
import type { StoredRecord } from '../../../gateway/src/custody/record-store';
import type { SignedEnvelope } from '../../../gateway/src/ledger/contracts';
import { revokePayload } from '../../chaincode/helpers/patients';
import { callP2p, codeOf, newP2pRegion, type P2pRegion } from './region';

function labResult(value: number): Record<string, unknown> {
    return {
        resourceType: 'Observation',
        id: 'hb-1',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin' }] },
        valueQuantity: { value, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
        note: [{ text: 'Ünïcödé ✓ and "quotes"' }],
    };
}

describe('p2p exchange', function () {
    this.timeout(30_000);
    let region: P2pRegion;

    before(async () => {
        region = await newP2pRegion();
    });
    after(async () => {
        await region.close();
    });

    async function publish(resource: Record<string, unknown>, category = 'lab'): Promise<string> {
        const published = await region.call('hospitalA', 'POST', '/records', {
            patientId: region.patient.patientId,
            category,
            resource,
        });
        assert.equal(published.status, 201, JSON.stringify(published.body));
        return published.body.recordId as string;
    }

    it('delivers a granted record byte-identical and records the delivery', async () => {
        const resource = labResult(13.2);
        const recordId = await publish(resource);
        const entry = await region.call('hospitalB', 'GET', `/records/${recordId}`);
        assert.equal(entry.status, 200);
        assert.equal(entry.body.custodian, region.gateways.hospitalA.mspId);

        const fetched = await region.call('hospitalB', 'POST', `/records/${recordId}/fetch`, { purpose: 'TREATMENT' });
        assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
        assert.deepEqual(fetched.body.resource, resource);
        assert.equal(canonicalize(fetched.body.resource), canonicalize(resource));
        assert.deepEqual(fetched.body.entry, entry.body);

        const event = await region.gateways.hospitalB.contracts.readAccess(fetched.body.accessId as string);
        assert.equal(event.decision, 'GRANTED');
        assert.equal(event.delivery?.status, 'DELIVERED');
        assert.equal(event.delivery.contentHash, entry.body.contentHash);
        assert.equal(event.delivery.txId, fetched.body.deliveryTxId);
    });

    it('lists a patient’s records region-wide', async () => {
        const recordId = await publish(labResult(12.1));
        const listed = await region.call('hospitalB', 'GET', `/records?patientId=${region.patient.patientId}`);
        assert.equal(listed.status, 200);
        const ids = (listed.body.items as { recordId: string }[]).map((item) => item.recordId);
        assert.ok(ids.includes(recordId));
    });

    it('refuses a fetch without consent with the recorded denial', async () => {
        const recordId = await publish({ resourceType: 'Condition', id: 'c1', code: { text: 'x' } }, 'condition');
        const fetched = await region.call('hospitalB', 'POST', `/records/${recordId}/fetch`, { purpose: 'TREATMENT' });
        assert.equal(fetched.status, 403);
        assert.equal(codeOf(fetched.body), 'ACCESS_DENIED');
        assert.equal(fetched.body.reason, 'NO_CONSENT');
        assert.equal(fetched.body.resource, undefined);
        const event = await region.gateways.hospitalB.contracts.readAccess(fetched.body.accessId as string);
        assert.equal(event.decision, 'DENIED');
        assert.equal(event.delivery, null);
    });

    it('reports a record tampered with in the custodian’s store as INTEGRITY_FAILURE', async () => {
        const recordId = await publish(labResult(9.9));
        const store = region.gateways.hospitalA.custody.store;
        const stored = (await store.get(recordId)) as StoredRecord;
        // An insider rewrites the content with the store's own key; salt and hash stay as anchored.
        await store.put({ ...stored, resource: labResult(15.5) });
        const fetched = await region.call('hospitalB', 'POST', `/records/${recordId}/fetch`, { purpose: 'TREATMENT' });
        assert.equal(fetched.status, 502);
        assert.equal(codeOf(fetched.body), 'INTEGRITY_FAILURE');
        assert.equal(fetched.body.resource, undefined);
        assert.equal(typeof fetched.body.accessId, 'string');
    });

    it('refuses, and records, a grant stamped further from the custodian’s clock than it tolerates', async () => {
        const recordId = await publish(labResult(11.0));
        const requester = region.gateways.hospitalB;
        // 45 s behind: inside the ledger's bound on proposal times, beyond the custodian's 30 s tolerance.
        requester.clockOffsetMs = -45_000;
        try {
            const fetched = await region.call('hospitalB', 'POST', `/records/${recordId}/fetch`, {
                purpose: 'TREATMENT',
            });
            assert.equal(fetched.status, 403);
            assert.equal(codeOf(fetched.body), 'ACCESS_DENIED');
            assert.equal(fetched.body.reason, 'GRANT_CLOCK_SKEW');
            const event = await region.gateways.hospitalA.contracts.readAccess(fetched.body.accessId as string);
            assert.equal(event.delivery?.status, 'REFUSED');
            assert.equal(event.delivery.reason, 'GRANT_CLOCK_SKEW');
        } finally {
            requester.clockOffsetMs = 0;
        }
    });

    it('refuses a suspended requester early, from the event listener', async () => {
        const recordId = await publish(labResult(10.5));
        const custodian = region.gateways.hospitalA.custody.events;
        const requester = region.gateways.hospitalB.mspId;
        const grant = await region.gateways.hospitalB.contracts.requestAccess({ recordId, purpose: 'TREATMENT' });
        const seen = new Promise<void>((resolve) => {
            const onEvent = (event: ChaincodeEvent): void => {
                if (event.eventName === 'OrganizationStatusChanged' && custodian.isOrgActive(requester) === false) {
                    custodian.off('processed', onEvent);
                    resolve();
                }
            };
            custodian.on('processed', onEvent);
        });
        await region.commission.suspendOrganization(requester);
        try {
            await seen;
            const response = await callP2p(
                region,
                'hospitalA',
                region.gateways.hospitalB.tls,
                recordId,
                grant.value.accessId,
            );
            assert.equal(response.status, 403);
            assert.equal((response.body as Record<string, unknown>).reason, 'ORG_NOT_ACTIVE');
        } finally {
            const reinstated = once(custodian, 'processed');
            await region.commission.reinstateOrganization(requester);
            await reinstated;
        }
    });

    it('refuses delivery when the consent was revoked after the grant', async () => {
        const patient = await region.newConsentingPatient();
        const published = await region.call('hospitalA', 'POST', '/records', {
            patientId: patient.patientId,
            category: 'lab',
            resource: labResult(7.7),
        });
        const recordId = published.body.recordId as string;
        const b = region.gateways.hospitalB;
        const grant = await b.contracts.requestAccess({ recordId, purpose: 'TREATMENT' });
        assert.equal(grant.value.decision, 'GRANTED');
        const consentId = grant.value.consentId as string;
        const revocation = revokePayload(patient, consentId, new Date().toISOString());
        await b.contracts.revokeConsent(JSON.parse(patient.signed(revocation)) as SignedEnvelope);
        const response = await callP2p(region, 'hospitalA', b.tls, recordId, grant.value.accessId);
        assert.equal(response.status, 403);
        const body = response.body as Record<string, unknown>;
        assert.equal(body.reason, 'CONSENT_REVOKED');
        assert.equal(body.resource, undefined);
    });

    it('tells the requester when the custodian is down, and the grant stays undelivered', async () => {
        const recordId = await publish(labResult(8.8));
        await region.gateways.hospitalA.stopP2p();
        const fetched = await region.call('hospitalB', 'POST', `/records/${recordId}/fetch`, { purpose: 'TREATMENT' });
        assert.equal(fetched.status, 502);
        assert.equal(codeOf(fetched.body), 'PEER_UNAVAILABLE');
        const event = await region.gateways.hospitalB.contracts.readAccess(fetched.body.accessId as string);
        assert.equal(event.decision, 'GRANTED');
        assert.equal(event.delivery, null);
    });
});
