// SPDX-License-Identifier: Apache-2.0
/**
 * `GET /records/{recordId}/explain` and `POST /patient/explain` over HTTP: who may ask, what comes back, what is
 * refused, and that nothing reaches the ledger.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import {
    grantPayload,
    newTestPatient,
    queryPayload,
    registerPayload,
    revokePayload,
    signPayload,
    type TestPatient,
} from '../chaincode/helpers/patients';
import { call, outcomeCode } from '../helpers/api-calls';
import { useTestRegion } from '../helpers/region';

interface Row {
    readonly requester: string;
    readonly purpose: string;
    readonly decision: string;
    readonly reason: string;
    readonly consentId: string | null;
}

interface Explanation {
    readonly recordId: string;
    readonly record: { readonly category: string } | null;
    readonly decisions: readonly Row[];
    readonly trace: (Row & { readonly steps: readonly { check: string; result: string }[] }) | null;
}

function now(offsetMs = 0): string {
    return new Date(Date.now() + offsetMs).toISOString();
}

function envelope(payload: Record<string, unknown>, patient: TestPatient): { payload: object; signature: string } {
    return { payload, signature: signPayload(payload, patient.privateKey) };
}

describe('explaining a decision over HTTP', () => {
    const region = useTestRegion();
    let patient: TestPatient;
    let recordId: string;
    let consentId: string;

    before(async () => {
        const { hospitalA } = region.gateways;
        patient = newTestPatient();
        await hospitalA.contracts.registerPatient(envelope(registerPayload(patient, now()), patient) as never);
        recordId = `rec-${randomUUID()}`;
        const contentHash = createHash('sha256').update(recordId).digest('hex');
        await hospitalA.contracts.anchorRecord({
            recordId,
            patientId: patient.patientId,
            category: 'lab',
            contentHash,
        });
        consentId = `c-${randomUUID()}`;
        const consent = grantPayload(patient, {
            consentId,
            grantee: 'HospitalBMSP',
            notBefore: now(-60_000),
            notAfter: now(86_400_000),
            issuedAt: now(),
        });
        await hospitalA.contracts.grantConsent(envelope(consent, patient) as never);
    });

    function explainPath(id: string, query = ''): string {
        return `/records/${encodeURIComponent(id)}/explain${query}`;
    }

    describe('GET /records/{recordId}/explain', () => {
        it('answers the commission’s auditor every active organisation and purpose, and writes nothing', async () => {
            const { commission } = region.gateways;
            const height = await region.height();
            const result = await call(commission, 'GET', explainPath(recordId), { token: commission.tokens.auditor });
            assert.equal(result.status, 200, result.text);
            const body = result.body as Explanation;
            assert.equal(body.recordId, recordId);
            assert.equal(body.record?.category, 'lab');
            assert.equal(body.decisions.length, 4 * 5);
            const granted = body.decisions.find((r) => r.requester === 'HospitalBMSP' && r.purpose === 'TREATMENT');
            assert.deepEqual(granted, {
                requester: 'HospitalBMSP',
                purpose: 'TREATMENT',
                decision: 'GRANTED',
                reason: 'CONSENT',
                consentId,
            });
            assert.equal(await region.height(), height);
        });

        it('traces one requester and purpose for the auditor', async () => {
            const { commission } = region.gateways;
            const result = await call(
                commission,
                'GET',
                explainPath(recordId, '?requester=InsurerMSP&purpose=PAYMENT'),
                {
                    token: commission.tokens.auditor,
                },
            );
            assert.equal(result.status, 200, result.text);
            const { trace } = result.body as Explanation;
            assert.ok(trace !== null);
            assert.equal(trace.reason, 'NO_CONSENT');
            assert.deepEqual(
                trace.steps.map((step) => step.result),
                ['pass', 'pass', 'pass', 'pass', 'fail'],
            );
        });

        it('answers a hospital clinician about its own organisation only (403 for another)', async () => {
            const { hospitalB } = region.gateways;
            const own = await call(hospitalB, 'GET', explainPath(recordId, '?purpose=TREATMENT'), {
                token: hospitalB.tokens.clinician,
            });
            assert.equal(own.status, 200, own.text);
            assert.deepEqual(
                (own.body as Explanation).decisions.map((r) => [r.requester, r.decision]),
                [['HospitalBMSP', 'GRANTED']],
            );
            const other = await call(hospitalB, 'GET', explainPath(recordId, '?requester=HospitalAMSP'), {
                token: hospitalB.tokens.clinician,
            });
            assert.equal(other.status, 403);
            assert.equal(outcomeCode(other), 'FORBIDDEN');
        });

        it('refuses an insurer a record it may not read (403), as the ledger does', async () => {
            const { insurer } = region.gateways;
            const result = await call(insurer, 'GET', explainPath(recordId), { token: insurer.tokens.claims });
            assert.equal(result.status, 403);
            assert.equal(outcomeCode(result), 'FORBIDDEN');
        });

        it('refuses other roles (403) and callers without a token of this organisation (401)', async () => {
            const { commission, hospitalA, insurer } = region.gateways;
            for (const [gateway, token] of [
                [commission, commission.tokens.admin],
                [hospitalA, hospitalA.tokens.auditor],
                [insurer, insurer.tokens.clinician],
            ] as const) {
                const result = await call(gateway, 'GET', explainPath(recordId), { token });
                assert.equal(result.status, 403, gateway.name);
            }
            const none = await call(commission, 'GET', explainPath(recordId));
            assert.equal(none.status, 401);
            const foreign = await call(commission, 'GET', explainPath(recordId), { token: hospitalA.tokens.auditor });
            assert.equal(foreign.status, 401);
        });

        it('refuses malformed input (400) and an unknown requester (404); a missing record is explained', async () => {
            const { commission } = region.gateways;
            const token = commission.tokens.auditor;
            for (const query of [
                '?purpose=SHOPPING',
                '?requester=not%20an%20msp',
                '?limit=5',
                '?purpose=A&purpose=B',
            ]) {
                const result = await call(commission, 'GET', explainPath(recordId, query), { token });
                assert.equal(result.status, 400, query);
                assert.equal(outcomeCode(result), 'INVALID_INPUT');
            }
            const badId = await call(commission, 'GET', explainPath('..%2Fetc'), { token });
            assert.equal(badId.status, 400);
            const unknown = await call(commission, 'GET', explainPath(recordId, '?requester=NobodyMSP'), { token });
            assert.equal(unknown.status, 404);
            const missing = await call(
                commission,
                'GET',
                explainPath('rec-missing', '?requester=HospitalBMSP&purpose=TREATMENT'),
                {
                    token,
                },
            );
            assert.equal(missing.status, 200);
            assert.ok((missing.body as Explanation).decisions.every((r) => r.reason === 'RECORD_NOT_FOUND'));
        });
    });

    describe('POST /patient/explain', () => {
        function query(fields: Record<string, unknown> = {}, signer = patient): object {
            const payload = {
                ...queryPayload(patient, { audience: 'HospitalAMSP', view: 'explain', issuedAt: now() }),
                recordId,
                ...fields,
            };
            return envelope(payload, signer);
        }

        it('answers the patient what the auditor sees, and traces one requester and purpose', async () => {
            const { hospitalA, commission } = region.gateways;
            const mine = await call(hospitalA, 'POST', '/patient/explain', { body: query() });
            assert.equal(mine.status, 200, mine.text);
            const audit = await call(commission, 'GET', explainPath(recordId), { token: commission.tokens.auditor });
            assert.deepEqual((mine.body as Explanation).decisions, (audit.body as Explanation).decisions);
            const traced = await call(hospitalA, 'POST', '/patient/explain?requester=HospitalBMSP&purpose=TREATMENT', {
                body: query(),
            });
            assert.equal((traced.body as Explanation).trace?.consentId, consentId);
        });

        it('shows a revocation at once: the row of the revoked consent says CONSENT_REVOKED', async () => {
            const { hospitalA } = region.gateways;
            const other = newTestPatient();
            await hospitalA.contracts.registerPatient(envelope(registerPayload(other, now()), other) as never);
            const id = `rec-${randomUUID()}`;
            const contentHash = createHash('sha256').update(id).digest('hex');
            await hospitalA.contracts.anchorRecord({
                recordId: id,
                patientId: other.patientId,
                category: 'lab',
                contentHash,
            });
            const grant = grantPayload(other, {
                consentId: `c-${randomUUID()}`,
                grantee: 'HospitalBMSP',
                notBefore: now(-60_000),
                notAfter: now(86_400_000),
                issuedAt: now(),
            });
            await hospitalA.contracts.grantConsent(envelope(grant, other) as never);
            await hospitalA.contracts.revokeConsent(
                envelope(revokePayload(other, String(grant.consentId), now()), other) as never,
            );
            const payload = {
                ...queryPayload(other, { audience: 'HospitalAMSP', view: 'explain', issuedAt: now() }),
                recordId: id,
            };
            const result = await call(hospitalA, 'POST', '/patient/explain?requester=HospitalBMSP&purpose=TREATMENT', {
                body: envelope(payload, other),
            });
            assert.equal((result.body as Explanation).trace?.reason, 'CONSENT_REVOKED');
        });

        it('refuses a replayed, misdirected, other-view or forged query (401), and one without its record (400)', async () => {
            const { hospitalA, hospitalB } = region.gateways;
            const once = query();
            assert.equal((await call(hospitalA, 'POST', '/patient/explain', { body: once })).status, 200);
            const refused = [
                await call(hospitalA, 'POST', '/patient/explain', { body: once }),
                await call(hospitalB, 'POST', '/patient/explain', { body: query() }),
                await call(hospitalA, 'POST', '/patient/explain', { body: query({}, newTestPatient()) }),
            ];
            for (const result of refused) {
                assert.equal(result.status, 401, result.text);
                assert.equal(outcomeCode(result), 'UNAUTHENTICATED');
            }
            const withoutRecord = envelope(
                queryPayload(patient, { audience: 'HospitalAMSP', view: 'explain', issuedAt: now() }),
                patient,
            );
            assert.equal((await call(hospitalA, 'POST', '/patient/explain', { body: withoutRecord })).status, 400);
            const recordsView = envelope(
                queryPayload(patient, { audience: 'HospitalAMSP', view: 'records', issuedAt: now() }),
                patient,
            );
            const otherView = await call(hospitalA, 'POST', '/patient/explain', { body: recordsView });
            assert.equal(otherView.status, 401);
            const badSelection = await call(hospitalA, 'POST', '/patient/explain?purpose=SHOPPING', { body: query() });
            assert.equal(badSelection.status, 400);
        });

        it('refuses another patient’s record (403) and a record that does not exist (404)', async () => {
            const { hospitalA } = region.gateways;
            const stranger = newTestPatient();
            await hospitalA.contracts.registerPatient(envelope(registerPayload(stranger, now()), stranger) as never);
            const theirs = {
                ...queryPayload(stranger, { audience: 'HospitalAMSP', view: 'explain', issuedAt: now() }),
                recordId,
            };
            const forbidden = await call(hospitalA, 'POST', '/patient/explain', { body: envelope(theirs, stranger) });
            assert.equal(forbidden.status, 403);
            const missing = await call(hospitalA, 'POST', '/patient/explain', {
                body: query({ recordId: 'rec-missing' }),
            });
            assert.equal(missing.status, 404);
        });
    });
});
