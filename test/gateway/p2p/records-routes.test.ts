// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import type { TestPatient } from '../../chaincode/helpers/patients';
import { call, field, itemsOf, outcomeCode, type CallResult } from '../../helpers/api-calls';
import { useTestRegion, type OrgName } from '../../helpers/region';
import { newConsentingPatient } from '../../helpers/region-patients';

const resource = { resourceType: 'Observation', status: 'final', code: { text: 'sodium' } };

describe('record routes', function () {
    this.timeout(30_000);
    const region = useTestRegion({ p2p: true });
    let patient: TestPatient;
    let recordId: string;

    before(async () => {
        patient = await newConsentingPatient(region);
        const { hospitalA } = region.gateways;
        const published = await call(hospitalA, 'POST', '/records', {
            token: hospitalA.tokens.clinician,
            body: { patientId: patient.patientId, category: 'lab', resource },
        });
        assert.equal(published.status, 201);
        assert.match(field(published, 'recordId') as string, /^rec-[a-z2-7]{26}$/);
        assert.match(field(published, 'contentHash') as string, /^[0-9a-f]{64}$/);
        assert.equal(typeof field(published, 'txId'), 'string');
        assert.equal(typeof field(published, 'blockNumber'), 'number');
        recordId = field(published, 'recordId') as string;
    });

    /**
     * Calls a gateway's API with a token: by default that of the staff who fetch records there (clinicians at a
     * hospital, claims staff at the insurer).
     */
    function callAt(name: OrgName, method: string, path: string, body?: unknown, token?: string): Promise<CallResult> {
        const gateway = region.gateways[name];
        const fetcher = name === 'insurer' ? gateway.tokens.claims : gateway.tokens.clinician;
        return call(gateway, method, path, { body, token: token ?? fetcher });
    }

    async function storedCount(): Promise<number> {
        return (await region.custody('hospitalA').store.sublevel.keys().all()).length;
    }

    async function expectRefusal(status: number, code: string, pending: Promise<CallResult>): Promise<void> {
        const response = await pending;
        assert.equal(response.status, status, JSON.stringify(response.body));
        assert.equal(outcomeCode(response), code);
        assert.equal(field(response, 'resourceType'), 'OperationOutcome');
    }

    describe('POST /records', () => {
        const bad: [string, unknown][] = [
            ['an unknown category', { category: 'astrology' }],
            ['a non-FHIR resource', { resource: { resourceType: 'Spaceship', id: 'x' } }],
            ['a resource that is not an object', { resource: 'Observation' }],
            ['a malformed FHIR id', { resource: { ...resource, id: '../etc/passwd' } }],
            ['a null value', { resource: { ...resource, valueString: null } }],
            [
                'a Bundle with a bad entry',
                {
                    resource: {
                        resourceType: 'Bundle',
                        type: 'collection',
                        entry: [{ resource: { resourceType: 'Nope' } }],
                    },
                },
            ],
            ['a Bundle of no known type', { resource: { resourceType: 'Bundle', type: 'pile' } }],
            ['a malformed patient id', { patientId: 'patient-1' }],
            ['an extra field', { note: 'hello' }],
            ['a missing resource', { resource: undefined }],
        ];
        for (const [what, change] of bad) {
            it(`refuses ${what} and stores nothing`, async () => {
                const before = await storedCount();
                const body = { patientId: patient.patientId, category: 'lab', resource, ...(change as object) };
                await expectRefusal(400, 'INVALID_INPUT', callAt('hospitalA', 'POST', '/records', body));
                assert.equal(await storedCount(), before);
            });
        }

        it('refuses a __proto__ key anywhere in the resource', async () => {
            const text = `{"patientId":"${patient.patientId}","category":"lab","resource":{"resourceType":"Observation","code":{"__proto__":{"admin":true}}}}`;
            const response = await fetch(`${region.gateways.hospitalA.url}/records`, {
                method: 'POST',
                headers: {
                    authorization: `Bearer ${region.gateways.hospitalA.tokens.clinician}`,
                    'content-type': 'application/json',
                },
                body: text,
            });
            assert.equal(response.status, 400);
        });

        it('refuses a body over 5 MB', async () => {
            const big = { ...resource, note: [{ text: 'x'.repeat(5 * 1024 * 1024) }] };
            const body = { patientId: patient.patientId, category: 'lab', resource: big };
            await expectRefusal(413, 'PAYLOAD_TOO_LARGE', callAt('hospitalA', 'POST', '/records', body));
        });

        it('refuses an unknown patient (the ledger says so) and keeps nothing', async () => {
            const before = await storedCount();
            const body = { patientId: `pt${'q'.repeat(52)}`, category: 'lab', resource };
            await expectRefusal(404, 'NOT_FOUND', callAt('hospitalA', 'POST', '/records', body));
            assert.equal(await storedCount(), before);
        });

        it('refuses another role, another organisation’s token and an insurer gateway', async () => {
            const body = { patientId: patient.patientId, category: 'lab', resource };
            const auditor = region.gateways.hospitalA.tokens.auditor;
            await expectRefusal(403, 'FORBIDDEN', callAt('hospitalA', 'POST', '/records', body, auditor));
            const fromB = region.gateways.hospitalB.tokens.clinician;
            await expectRefusal(401, 'UNAUTHENTICATED', callAt('hospitalA', 'POST', '/records', body, fromB));
            const insurerClinician = region.gateways.insurer.tokens.clinician;
            await expectRefusal(403, 'FORBIDDEN', callAt('insurer', 'POST', '/records', body, insurerClinician));
        });
    });

    describe('GET /records', () => {
        it('reads one entry, refuses it to an insurer without a consent or claim, and refuses path separators', async () => {
            const entry = await callAt('hospitalB', 'GET', `/records/${recordId}`);
            assert.equal(entry.status, 200);
            assert.equal(field(entry, 'recordId'), recordId);
            await expectRefusal(403, 'FORBIDDEN', callAt('insurer', 'GET', `/records/${recordId}`));
            await expectRefusal(400, 'INVALID_INPUT', callAt('insurer', 'GET', '/records/..%2F..%2Fetc'));
            await expectRefusal(404, 'NOT_FOUND', callAt('insurer', 'GET', '/records/rec-none'));
        });

        it('lists by patient and needs a patient id and a token of this organisation', async () => {
            const listed = await callAt('hospitalA', 'GET', `/records?patientId=${patient.patientId}&limit=1`);
            assert.equal(listed.status, 200);
            assert.equal(itemsOf(listed).length, 1);
            await expectRefusal(400, 'INVALID_INPUT', callAt('hospitalA', 'GET', '/records'));
            await expectRefusal(400, 'INVALID_INPUT', callAt('hospitalA', 'GET', '/records?patientId=x&foo=1'));
            const fromB = region.gateways.hospitalB.tokens.clinician;
            await expectRefusal(
                401,
                'UNAUTHENTICATED',
                callAt('hospitalA', 'GET', `/records/${recordId}`, undefined, fromB),
            );
        });
    });

    describe('POST /records/:recordId/fetch', () => {
        it('refuses an unknown purpose, a stray justification and unknown fields', async () => {
            const path = `/records/${recordId}/fetch`;
            await expectRefusal(400, 'INVALID_INPUT', callAt('hospitalB', 'POST', path, { purpose: 'CURIOSITY' }));
            await expectRefusal(
                400,
                'INVALID_INPUT',
                callAt('hospitalB', 'POST', path, { purpose: 'TREATMENT', justification: 'because' }),
            );
            await expectRefusal(
                400,
                'INVALID_INPUT',
                callAt('hospitalB', 'POST', path, { purpose: 'TREATMENT', x: 1 }),
            );
        });

        it('is for hospital clinicians and insurer claims staff only', async () => {
            const path = `/records/${recordId}/fetch`;
            const hospitalClaims = region.gateways.hospitalB.tokens.claims;
            await expectRefusal(
                403,
                'FORBIDDEN',
                callAt('hospitalB', 'POST', path, { purpose: 'TREATMENT' }, hospitalClaims),
            );
            const insurerClinician = region.gateways.insurer.tokens.clinician;
            await expectRefusal(
                403,
                'FORBIDDEN',
                callAt('insurer', 'POST', path, { purpose: 'PAYMENT' }, insurerClinician),
            );
            const fromA = region.gateways.hospitalA.tokens.clinician;
            await expectRefusal(
                401,
                'UNAUTHENTICATED',
                callAt('hospitalB', 'POST', path, { purpose: 'TREATMENT' }, fromA),
            );
        });

        it('lets the insurer ask under PAYMENT, and records the denial without a consent', async () => {
            const fetched = await callAt('insurer', 'POST', `/records/${recordId}/fetch`, { purpose: 'PAYMENT' });
            assert.equal(fetched.status, 403);
            assert.equal(outcomeCode(fetched), 'ACCESS_DENIED');
            assert.equal(field(fetched, 'reason'), 'NO_CONSENT');
            const event = await region.gateways.insurer.contracts.readAccess(field(fetched, 'accessId') as string);
            assert.equal(event.requester, region.gateways.insurer.mspId);
            assert.equal(event.decision, 'DENIED');
        });
    });
});
