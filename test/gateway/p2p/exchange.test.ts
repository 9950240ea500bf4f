// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { once } from 'node:events';
import canonicalize from 'canonicalize';
import type { ChaincodeEvent } from '../../../network/src/ledger';
import type { StoredRecord } from '../../../gateway/src/custody/record-store';
import type { SignedEnvelope } from '../../../gateway/src/ledger/contracts';
import { revokePayload, type TestPatient } from '../../chaincode/helpers/patients';
import { call, field, itemsOf, outcomeCode, type CallResult } from '../../helpers/api-calls';
import { useTestRegion } from '../../helpers/region';
import { newConsentingPatient } from '../../helpers/region-patients';

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
    // Grants may be 30 s from the custodian's clock: below the embedded ledger's one-minute bound on proposal
    // timestamps, so a skew can be shown.
    const region = useTestRegion({ p2p: true, grantMaxSkewMs: 30_000 });
    let patient: TestPatient;

    before(async () => {
        patient = await newConsentingPatient(region);
    });

    async function publish(resource: Record<string, unknown>, category = 'lab'): Promise<string> {
        const { hospitalA } = region.gateways;
        const published = await call(hospitalA, 'POST', '/records', {
            token: hospitalA.tokens.clinician,
            body: { patientId: patient.patientId, category, resource },
        });
        assert.equal(published.status, 201, JSON.stringify(published.body));
        return field(published, 'recordId') as string;
    }

    /** Hospital B's clinician asks for a record under TREATMENT. */
    function fetchAtB(recordId: string): Promise<CallResult> {
        const { hospitalB } = region.gateways;
        const path = `/records/${recordId}/fetch`;
        return call(hospitalB, 'POST', path, { token: hospitalB.tokens.clinician, body: { purpose: 'TREATMENT' } });
    }

    it('delivers a granted record byte-identical and records the delivery', async () => {
        const resource = labResult(13.2);
        const recordId = await publish(resource);
        const entry = await call(region.gateways.hospitalB, 'GET', `/records/${recordId}`, {
            token: region.gateways.hospitalB.tokens.clinician,
        });
        assert.equal(entry.status, 200);
        assert.equal(field(entry, 'custodian'), region.gateways.hospitalA.mspId);

        const fetched = await fetchAtB(recordId);
        assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
        assert.deepEqual(field(fetched, 'resource'), resource);
        assert.equal(canonicalize(field(fetched, 'resource')), canonicalize(resource));
        assert.deepEqual(field(fetched, 'entry'), entry.body);

        const event = await region.gateways.hospitalB.contracts.readAccess(field(fetched, 'accessId') as string);
        assert.equal(event.decision, 'GRANTED');
        assert.equal(event.delivery?.status, 'DELIVERED');
        assert.equal(event.delivery.contentHash, field(entry, 'contentHash'));
        assert.equal(event.delivery.txId, field(fetched, 'deliveryTxId'));
    });

    it('lists a patient’s records region-wide', async () => {
        const recordId = await publish(labResult(12.1));
        const listed = await call(region.gateways.hospitalB, 'GET', `/records?patientId=${patient.patientId}`, {
            token: region.gateways.hospitalB.tokens.clinician,
        });
        assert.equal(listed.status, 200);
        const ids = itemsOf<{ recordId: string }>(listed).map((item) => item.recordId);
        assert.ok(ids.includes(recordId));
    });

    it('refuses a fetch without consent with the recorded denial', async () => {
        const recordId = await publish({ resourceType: 'Condition', id: 'c1', code: { text: 'x' } }, 'condition');
        const fetched = await fetchAtB(recordId);
        assert.equal(fetched.status, 403);
        assert.equal(outcomeCode(fetched), 'ACCESS_DENIED');
        assert.equal(field(fetched, 'reason'), 'NO_CONSENT');
        assert.equal(field(fetched, 'resource'), undefined);
        const event = await region.gateways.hospitalB.contracts.readAccess(field(fetched, 'accessId') as string);
        assert.equal(event.decision, 'DENIED');
        assert.equal(event.delivery, null);
    });

    it('reports a record tampered with in the custodian’s store as INTEGRITY_FAILURE', async () => {
        const recordId = await publish(labResult(9.9));
        const store = region.custody('hospitalA').store;
        const stored = store.get(recordId) as StoredRecord;
        // An insider rewrites the content with the store's own key; salt and hash stay as anchored.
        await store.put({ ...stored, resource: labResult(15.5) });
        const fetched = await fetchAtB(recordId);
        assert.equal(fetched.status, 502);
        assert.equal(outcomeCode(fetched), 'INTEGRITY_FAILURE');
        assert.equal(field(fetched, 'resource'), undefined);
        assert.equal(typeof field(fetched, 'accessId'), 'string');
    });

    it('refuses, and records, a grant stamped further from the custodian’s clock than it tolerates', async () => {
        const recordId = await publish(labResult(11.0));
        // 45 s behind: inside the ledger's bound on proposal times, beyond the custodian's 30 s tolerance.
        region.setClockOffset('hospitalB', -45_000);
        try {
            const fetched = await fetchAtB(recordId);
            assert.equal(fetched.status, 403);
            assert.equal(outcomeCode(fetched), 'ACCESS_DENIED');
            assert.equal(field(fetched, 'reason'), 'GRANT_CLOCK_SKEW');
            const event = await region.gateways.hospitalA.contracts.readAccess(field(fetched, 'accessId') as string);
            assert.equal(event.delivery?.status, 'REFUSED');
            assert.equal(event.delivery.reason, 'GRANT_CLOCK_SKEW');
        } finally {
            region.setClockOffset('hospitalB', 0);
        }
    });

    it('refuses a suspended requester early, from the event listener', async () => {
        const recordId = await publish(labResult(10.5));
        const custodian = region.custody('hospitalA').events;
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
        await region.gateways.commission.contracts.suspendOrganization(requester);
        try {
            await seen;
            const response = await region.callP2p(
                'hospitalA',
                region.gateways.hospitalB.tls,
                recordId,
                grant.value.accessId,
            );
            assert.equal(response.status, 403);
            assert.equal((response.body as Record<string, unknown>).reason, 'ORG_NOT_ACTIVE');
        } finally {
            const reinstated = once(custodian, 'processed');
            await region.gateways.commission.contracts.reinstateOrganization(requester);
            await reinstated;
        }
    });

    it('refuses delivery when the consent was revoked after the grant', async () => {
        const patient = await newConsentingPatient(region);
        const { hospitalA } = region.gateways;
        const published = await call(hospitalA, 'POST', '/records', {
            token: hospitalA.tokens.clinician,
            body: { patientId: patient.patientId, category: 'lab', resource: labResult(7.7) },
        });
        const recordId = field(published, 'recordId') as string;
        const b = region.gateways.hospitalB;
        const grant = await b.contracts.requestAccess({ recordId, purpose: 'TREATMENT' });
        assert.equal(grant.value.decision, 'GRANTED');
        const consentId = grant.value.consentId as string;
        const revocation = revokePayload(patient, consentId, new Date().toISOString());
        await b.contracts.revokeConsent(JSON.parse(patient.signed(revocation)) as SignedEnvelope);
        const response = await region.callP2p('hospitalA', b.tls, recordId, grant.value.accessId);
        assert.equal(response.status, 403);
        const body = response.body as Record<string, unknown>;
        assert.equal(body.reason, 'CONSENT_REVOKED');
        assert.equal(body.resource, undefined);
    });

    it('tells the requester when the custodian is down, and the grant stays undelivered', async () => {
        const recordId = await publish(labResult(8.8));
        await region.stopP2p('hospitalA');
        const fetched = await fetchAtB(recordId);
        assert.equal(fetched.status, 502);
        assert.equal(outcomeCode(fetched), 'PEER_UNAVAILABLE');
        const event = await region.gateways.hospitalB.contracts.readAccess(field(fetched, 'accessId') as string);
        assert.equal(event.decision, 'GRANTED');
        assert.equal(event.delivery, null);
    });
});
