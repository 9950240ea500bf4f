// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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

function envelope(payload: Record<string, unknown>, patient: TestPatient): object {
    return { payload, signature: signPayload(payload, patient.privateKey) };
}

function now(offsetMs = 0): string {
    return new Date(Date.now() + offsetMs).toISOString();
}

function newGrant(patient: TestPatient, grantee: string): Record<string, unknown> {
    return grantPayload(patient, {
        consentId: `c-${randomUUID()}`,
        grantee,
        categories: ['lab'],
        notBefore: now(-60_000),
        notAfter: now(86_400_000),
        issuedAt: now(),
    });
}

describe('gateway patient and consent routes', () => {
    const region = useTestRegion();

    async function registered(): Promise<TestPatient> {
        const patient = newTestPatient();
        await region.gateways.hospitalA.contracts.registerPatient(
            envelope(registerPayload(patient, now()), patient) as never,
        );
        return patient;
    }

    describe('POST /patients', () => {
        it('registers a patient signed with the patient key', async () => {
            const { hospitalA } = region.gateways;
            const patient = newTestPatient();
            const result = await call(hospitalA, 'POST', '/patients', {
                token: hospitalA.tokens.clinician,
                body: envelope(registerPayload(patient, now()), patient),
            });
            assert.equal(result.status, 201);
            const body = result.body as { patientId: string; txId: string; blockNumber: number };
            assert.equal(body.patientId, patient.patientId);
            assert.match(body.txId, /^[0-9a-f]{64}$/);
            assert.ok(body.blockNumber > 0);
            assert.equal((await hospitalA.contracts.readPatient(patient.patientId)).registeredBy, 'HospitalAMSP');
        });

        it('refuses other roles (403), non-hospitals (403) and other organisations’ tokens (401)', async () => {
            const { hospitalA, insurer } = region.gateways;
            const patient = newTestPatient();
            const body = envelope(registerPayload(patient, now()), patient);
            const before = await region.height();
            const admin = await call(hospitalA, 'POST', '/patients', { token: hospitalA.tokens.admin, body });
            assert.equal(admin.status, 403);
            assert.equal(outcomeCode(admin), 'FORBIDDEN');
            const atInsurer = await call(insurer, 'POST', '/patients', { token: insurer.tokens.clinician, body });
            assert.equal(atInsurer.status, 403);
            const foreign = await call(hospitalA, 'POST', '/patients', { token: insurer.tokens.clinician, body });
            assert.equal(foreign.status, 401);
            assert.equal(outcomeCode(foreign), 'UNAUTHENTICATED');
            assert.equal(await region.height(), before);
        });

        it('refuses malformed input (400) and a signature by another key (403), writing nothing', async () => {
            const { hospitalA } = region.gateways;
            const patient = newTestPatient();
            const other = newTestPatient();
            const token = hospitalA.tokens.clinician;
            const before = await region.height();
            const missing = await call(hospitalA, 'POST', '/patients', {
                token,
                body: { payload: registerPayload(patient, now()) },
            });
            assert.equal(outcomeCode(missing), 'INVALID_INPUT');
            const wrongType = await call(hospitalA, 'POST', '/patients', {
                token,
                body: envelope({ ...registerPayload(patient, now()), type: 'consent.grant' }, patient),
            });
            assert.equal(outcomeCode(wrongType), 'INVALID_INPUT');
            const forged = await call(hospitalA, 'POST', '/patients', {
                token,
                body: envelope(registerPayload(patient, now()), other),
            });
            assert.equal(forged.status, 403);
            assert.equal(await region.height(), before);
        });
    });

    describe('consents', () => {
        it('grants and revokes a patient-signed consent, without a staff token', async () => {
            const { hospitalA, hospitalB } = region.gateways;
            const patient = await registered();
            const grant = newGrant(patient, 'HospitalBMSP');
            const granted = await call(hospitalA, 'POST', '/consents', { body: envelope(grant, patient) });
            assert.equal(granted.status, 201);
            const consentId = String(grant.consentId);
            assert.equal((granted.body as { consentId: string }).consentId, consentId);
            assert.equal((await hospitalB.contracts.readConsent(consentId)).status, 'active');
            const revoke = revokePayload(patient, consentId, now());
            const revoked = await call(hospitalB, 'POST', `/consents/${consentId}/revoke`, {
                body: envelope(revoke, patient),
            });
            assert.equal(revoked.status, 200);
            const body = revoked.body as { status: string; txId: string; blockNumber: number };
            assert.equal(body.status, 'revoked');
            assert.equal(typeof body.blockNumber, 'number');
            assert.equal((await hospitalB.contracts.readConsent(consentId)).status, 'revoked');
        });

        it('refuses a consent signed with the wrong key and malformed grants, writing nothing', async () => {
            const { hospitalA } = region.gateways;
            const patient = await registered();
            const before = await region.height();
            const forged = await call(hospitalA, 'POST', '/consents', {
                body: envelope(newGrant(patient, 'HospitalBMSP'), newTestPatient()),
            });
            assert.equal(forged.status, 403);
            assert.equal(outcomeCode(forged), 'FORBIDDEN');
            const bad = await call(hospitalA, 'POST', '/consents', {
                body: envelope({ ...newGrant(patient, 'HospitalBMSP'), purposes: ['EMERGENCY'] }, patient),
            });
            assert.equal(bad.status, 400);
            const notEnvelope = await call(hospitalA, 'POST', '/consents', { body: [1, 2] });
            assert.equal(notEnvelope.status, 400);
            assert.equal(await region.height(), before);
        });

        it('refuses a revocation whose payload names another consent than the path', async () => {
            const { hospitalA } = region.gateways;
            const patient = await registered();
            const before = await region.height();
            const result = await call(hospitalA, 'POST', '/consents/c-one/revoke', {
                body: envelope(revokePayload(patient, 'c-two', now()), patient),
            });
            assert.equal(result.status, 400);
            const traversal = await call(hospitalA, 'POST', '/consents/..%2F..%2Fx/revoke', {
                body: envelope(revokePayload(patient, '../../x', now()), patient),
            });
            assert.equal(traversal.status, 400);
            assert.equal(await region.height(), before);
        });

        it('lists to staff only the consents naming their organisation (the commission sees all)', async () => {
            const { hospitalA, hospitalB, commission } = region.gateways;
            const patient = await registered();
            for (const grantee of ['HospitalBMSP', 'HospitalBMSP', 'InsurerMSP']) {
                await hospitalA.contracts.grantConsent(envelope(newGrant(patient, grantee), patient) as never);
            }
            const path = `/consents?patientId=${patient.patientId}`;
            const atB = await call(hospitalB, 'GET', path, { token: hospitalB.tokens.clinician });
            assert.equal(atB.status, 200);
            assert.equal((atB.body as { items: unknown[] }).items.length, 2);
            const atA = await call(hospitalA, 'GET', path, { token: hospitalA.tokens.clinician });
            assert.equal((atA.body as { items: unknown[] }).items.length, 0);
            const atCommission = await call(commission, 'GET', path, { token: commission.tokens.auditor });
            assert.equal((atCommission.body as { items: unknown[] }).items.length, 3);
            const paged = await call(commission, 'GET', `${path}&limit=2`, { token: commission.tokens.auditor });
            const first = paged.body as { items: unknown[]; nextCursor: string | null };
            assert.equal(first.items.length, 2);
            assert.ok(first.nextCursor);
            const next = await call(commission, 'GET', `${path}&limit=2&cursor=${first.nextCursor}`, {
                token: commission.tokens.auditor,
            });
            assert.equal((next.body as { items: unknown[] }).items.length, 1);
        });

        it('refuses GET /consents without a token (401), with a foreign token (401) or bad query (400)', async () => {
            const { hospitalA, hospitalB } = region.gateways;
            const path = `/consents?patientId=pt${'a'.repeat(52)}`;
            assert.equal((await call(hospitalA, 'GET', path)).status, 401);
            assert.equal((await call(hospitalA, 'GET', path, { token: hospitalB.tokens.admin })).status, 401);
            const token = hospitalA.tokens.admin;
            for (const query of [
                '?patientId=nope',
                `${path}&limit=501`,
                `${path}&limit=0`,
                `${path}&cursor=!!`,
                `${path}&x=1`,
            ]) {
                const result = await call(hospitalA, 'GET', `/consents${query.replace(/^\/consents/, '')}`, { token });
                assert.equal(result.status, 400, query);
                assert.equal(outcomeCode(result), 'INVALID_INPUT');
            }
        });
    });

    describe('patient signed queries', () => {
        interface QueryOptions {
            readonly audience: string;
            readonly view: string;
            readonly issuedAt?: string;
            readonly nonce?: string;
        }

        function query(patient: TestPatient, signer: TestPatient, options: QueryOptions): object {
            return envelope(queryPayload(patient, { issuedAt: now(), ...options }), signer);
        }

        const atB = (view: string): QueryOptions => ({ audience: 'HospitalBMSP', view });

        it('serves the patient’s own records, consents and access log', async () => {
            const { hospitalA, hospitalB } = region.gateways;
            const patient = await registered();
            const recordId = `r-${randomUUID()}`;
            await hospitalA.contracts.anchorRecord({
                recordId,
                patientId: patient.patientId,
                category: 'lab',
                contentHash: 'a'.repeat(64),
            });
            await hospitalA.contracts.grantConsent(envelope(newGrant(patient, 'HospitalBMSP'), patient) as never);
            await hospitalB.contracts.requestAccess({ recordId, purpose: 'TREATMENT' });
            const records = await call(hospitalB, 'POST', '/patient/records', {
                body: query(patient, patient, atB('records')),
            });
            assert.equal(records.status, 200);
            assert.deepEqual(
                (records.body as { items: { recordId: string }[] }).items.map((item) => item.recordId),
                [recordId],
            );
            const consents = await call(hospitalB, 'POST', '/patient/consents', {
                body: query(patient, patient, atB('consents')),
            });
            assert.equal((consents.body as { items: unknown[] }).items.length, 1);
            const log = await call(hospitalB, 'POST', '/patient/access-log?limit=10', {
                body: query(patient, patient, atB('access-log')),
            });
            const events = (log.body as { items: { decision: string; requester: string }[] }).items;
            assert.deepEqual(
                events.map((event) => [event.requester, event.decision]),
                [['HospitalBMSP', 'GRANTED']],
            );
        });

        it('refuses a stale, future, replayed, misdirected or forged query and an unknown patient (401)', async () => {
            const { hospitalA } = region.gateways;
            const patient = await registered();
            const stranger = newTestPatient();
            const log = { audience: 'HospitalAMSP', view: 'access-log' };
            const once = query(patient, patient, log);
            assert.equal((await call(hospitalA, 'POST', '/patient/access-log', { body: once })).status, 200);
            for (const body of [
                once,
                query(patient, patient, { ...log, issuedAt: now(-2 * 60_000 - 1000) }),
                query(patient, patient, { ...log, issuedAt: now(31_000) }),
                query(patient, patient, { ...log, audience: 'HospitalBMSP' }),
                query(patient, patient, { ...log, view: 'records' }),
                query(patient, stranger, log),
                query(stranger, stranger, log),
            ]) {
                const result = await call(hospitalA, 'POST', '/patient/access-log', { body });
                assert.equal(result.status, 401);
                assert.equal(outcomeCode(result), 'UNAUTHENTICATED');
            }
        });

        it('refuses malformed queries (400)', async () => {
            const { hospitalA } = region.gateways;
            const patient = await registered();
            const payload = queryPayload(patient, { audience: 'HospitalAMSP', view: 'records', issuedAt: now() });
            for (const body of [
                { payload },
                envelope({ ...payload, extra: 1 }, patient),
                envelope({ ...payload, type: 'consent.grant' }, patient),
                envelope({ ...payload, issuedAt: 'yesterday' }, patient),
                envelope({ ...payload, nonce: 'short' }, patient),
                envelope({ ...payload, view: 'everything' }, patient),
            ]) {
                const result = await call(hospitalA, 'POST', '/patient/records', { body });
                assert.equal(result.status, 400);
                assert.equal(outcomeCode(result), 'INVALID_INPUT');
            }
        });
    });
});
