// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { codeOf, newP2pRegion, type P2pRegion } from './region';

const resource = { resourceType: 'Observation', status: 'final', code: { text: 'sodium' } };

describe('record routes', function () {
    this.timeout(30_000);
    let region: P2pRegion;
    let recordId: string;

    before(async () => {
        region = await newP2pRegion();
        const published = await region.call('hospitalA', 'POST', '/records', {
            patientId: region.patient.patientId,
            category: 'lab',
            resource,
        });
        assert.equal(published.status, 201);
        assert.match(published.body.recordId as string, /^rec-[a-z2-7]{26}$/);
        assert.match(published.body.contentHash as string, /^[0-9a-f]{64}$/);
        assert.equal(typeof published.body.txId, 'string');
        assert.equal(typeof published.body.blockNumber, 'number');
        recordId = published.body.recordId as string;
    });
    after(async () => {
        await region.close();
    });

    async function storedCount(): Promise<number> {
        return (await region.gateways.hospitalA.custody.store.sublevel.keys().all()).length;
    }

    async function expectRefusal(
        status: number,
        code: string,
        call: Promise<{ status: number; body: Record<string, unknown> }>,
    ): Promise<void> {
        const response = await call;
        assert.equal(response.status, status, JSON.stringify(response.body));
        assert.equal(codeOf(response.body), code);
        assert.equal(response.body.resourceType, 'OperationOutcome');
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
                const body = { patientId: region.patient.patientId, category: 'lab', resource, ...(change as object) };
                await expectRefusal(400, 'INVALID_INPUT', region.call('hospitalA', 'POST', '/records', body));
                assert.equal(await storedCount(), before);
            });
        }

        it('refuses a __proto__ key anywhere in the resource', async () => {
            const text = `{"patientId":"${region.patient.patientId}","category":"lab","resource":{"resourceType":"Observation","code":{"__proto__":{"admin":true}}}}`;
            const response = await fetch(`${region.gateways.hospitalA.apiUrl}/records`, {
                method: 'POST',
                headers: {
                    authorization: `Bearer ${region.gateways.hospitalA.token}`,
                    'content-type': 'application/json',
                },
                body: text,
            });
            assert.equal(response.status, 400);
        });

        it('refuses a body over 5 MB', async () => {
            const big = { ...resource, note: [{ text: 'x'.repeat(5 * 1024 * 1024) }] };
            const body = { patientId: region.patient.patientId, category: 'lab', resource: big };
            await expectRefusal(413, 'PAYLOAD_TOO_LARGE', region.call('hospitalA', 'POST', '/records', body));
        });

        it('refuses an unknown patient (the ledger says so) and keeps nothing', async () => {
            const before = await storedCount();
            const body = { patientId: `pt${'q'.repeat(52)}`, category: 'lab', resource };
            await expectRefusal(404, 'NOT_FOUND', region.call('hospitalA', 'POST', '/records', body));
            assert.equal(await storedCount(), before);
        });

        it('refuses another role, another organisation’s token and an insurer gateway', async () => {
            const body = { patientId: region.patient.patientId, category: 'lab', resource };
            const auditor = region.gateways.hospitalA.newToken('auditor');
            await expectRefusal(403, 'FORBIDDEN', region.call('hospitalA', 'POST', '/records', body, auditor));
            const fromB = region.gateways.hospitalB.token;
            await expectRefusal(401, 'UNAUTHENTICATED', region.call('hospitalA', 'POST', '/records', body, fromB));
            const insurerClinician = region.gateways.insurer.newToken('clinician');
            await expectRefusal(403, 'FORBIDDEN', region.call('insurer', 'POST', '/records', body, insurerClinician));
        });
    });

    describe('GET /records', () => {
        it('reads one entry, refuses it to an insurer without a consent or claim, and refuses path separators', async () => {
            const entry = await region.call('hospitalB', 'GET', `/records/${recordId}`);
            assert.equal(entry.status, 200);
            assert.equal(entry.body.recordId, recordId);
            await expectRefusal(403, 'FORBIDDEN', region.call('insurer', 'GET', `/records/${recordId}`));
            await expectRefusal(400, 'INVALID_INPUT', region.call('insurer', 'GET', '/records/..%2F..%2Fetc'));
            await expectRefusal(404, 'NOT_FOUND', region.call('insurer', 'GET', '/records/rec-none'));
        });

        it('lists by patient and needs a patient id and a token of this organisation', async () => {
            const listed = await region.call(
                'hospitalA',
                'GET',
                `/records?patientId=${region.patient.patientId}&limit=1`,
            );
            assert.equal(listed.status, 200);
            assert.equal((listed.body.items as unknown[]).length, 1);
            await expectRefusal(400, 'INVALID_INPUT', region.call('hospitalA', 'GET', '/records'));
            await expectRefusal(400, 'INVALID_INPUT', region.call('hospitalA', 'GET', '/records?patientId=x&foo=1'));
            const fromB = region.gateways.hospitalB.token;
            await expectRefusal(
                401,
                'UNAUTHENTICATED',
                region.call('hospitalA', 'GET', `/records/${recordId}`, undefined, fromB),
            );
        });
    });

    describe('POST /records/:recordId/fetch', () => {
        it('refuses an unknown purpose, a stray justification and unknown fields', async () => {
            const path = `/records/${recordId}/fetch`;
            await expectRefusal(400, 'INVALID_INPUT', region.call('hospitalB', 'POST', path, { purpose: 'CURIOSITY' }));
            await expectRefusal(
                400,
                'INVALID_INPUT',
                region.call('hospitalB', 'POST', path, { purpose: 'TREATMENT', justification: 'because' }),
            );
            await expectRefusal(
                400,
                'INVALID_INPUT',
                region.call('hospitalB', 'POST', path, { purpose: 'TREATMENT', x: 1 }),
            );
        });

        it('is for hospital clinicians and insurer claims staff only', async () => {
            const path = `/records/${recordId}/fetch`;
            const hospitalClaims = region.gateways.hospitalB.newToken('claims');
            await expectRefusal(
                403,
                'FORBIDDEN',
                region.call('hospitalB', 'POST', path, { purpose: 'TREATMENT' }, hospitalClaims),
            );
            const insurerClinician = region.gateways.insurer.newToken('clinician');
            await expectRefusal(
                403,
                'FORBIDDEN',
                region.call('insurer', 'POST', path, { purpose: 'PAYMENT' }, insurerClinician),
            );
            const fromA = region.gateways.hospitalA.token;
            await expectRefusal(
                401,
                'UNAUTHENTICATED',
                region.call('hospitalB', 'POST', path, { purpose: 'TREATMENT' }, fromA),
            );
        });

        it('lets the insurer ask under PAYMENT, and records the denial without a consent', async () => {
            const fetched = await region.call('insurer', 'POST', `/records/${recordId}/fetch`, { purpose: 'PAYMENT' });
            assert.equal(fetched.status, 403);
            assert.equal(codeOf(fetched.body), 'ACCESS_DENIED');
            assert.equal(fetched.body.reason, 'NO_CONSENT');
            const event = await region.gateways.insurer.contracts.readAccess(fetched.body.accessId as string);
            assert.equal(event.requester, region.gateways.insurer.mspId);
            assert.equal(event.decision, 'DENIED');
        });
    });
});
