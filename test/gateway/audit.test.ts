// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { newTestPatient, registerPayload, signPayload } from '../chaincode/helpers/patients';
import { call, outcomeCode } from '../helpers/api-calls';
import { useTestRegion } from '../helpers/region';

describe('gateway audit and ledger routes', () => {
    const region = useTestRegion();
    let patientId: string;
    let recordId: string;
    let deniedId: string;
    let emergencyId: string;
    const from = new Date(Date.now() - 60_000).toISOString();

    before(async () => {
        const { hospitalA, hospitalB } = region.gateways;
        const patient = newTestPatient();
        const payload = registerPayload(patient, new Date().toISOString());
        await hospitalA.contracts.registerPatient({ payload, signature: signPayload(payload, patient.privateKey) });
        patientId = patient.patientId;
        recordId = `r-${randomUUID()}`;
        await hospitalA.contracts.anchorRecord({ recordId, patientId, category: 'lab', contentHash: 'b'.repeat(64) });
        deniedId = (await hospitalB.contracts.requestAccess({ recordId, purpose: 'TREATMENT' })).txId;
        emergencyId = (
            await hospitalB.contracts.requestAccess({
                recordId,
                purpose: 'EMERGENCY',
                justification: 'unconscious, "allergies", unknown',
            })
        ).txId;
    });

    it('lists access events with filters', async () => {
        const { commission } = region.gateways;
        const token = commission.tokens.auditor;
        const all = await call(commission, 'GET', `/audit/events?patientId=${patientId}`, { token });
        assert.equal(all.status, 200);
        const ids = (all.body as { items: { accessId: string }[] }).items.map((event) => event.accessId);
        assert.deepEqual(ids, [deniedId, emergencyId]);
        const denied = await call(commission, 'GET', `/audit/events?requester=HospitalBMSP&decision=DENIED`, { token });
        const deniedIds = (denied.body as { items: { accessId: string }[] }).items.map((event) => event.accessId);
        assert.deepEqual(deniedIds, [deniedId]);
        const byTime = await call(commission, 'GET', `/audit/events?from=${from}&purpose=EMERGENCY`, { token });
        assert.deepEqual(
            (byTime.body as { items: { accessId: string }[] }).items.map((event) => event.accessId),
            [emergencyId],
        );
    });

    it('counts events by organisation, purpose and decision per bucket', async () => {
        const { commission } = region.gateways;
        await region.viewCaughtUp();
        const result = await call(commission, 'GET', `/audit/stats?bucket=hour&from=${from}`, {
            token: commission.tokens.auditor,
        });
        assert.equal(result.status, 200);
        const body = result.body as {
            total: number;
            byOrganization: Record<string, number>;
            byPurpose: Record<string, number>;
            byDecision: Record<string, number>;
            buckets: { start: string; total: number }[];
        };
        assert.equal(body.total, 2);
        assert.deepEqual(body.byOrganization, { HospitalBMSP: 2 });
        assert.deepEqual(body.byPurpose, { EMERGENCY: 1, TREATMENT: 1 });
        assert.deepEqual(body.byDecision, { DENIED: 1, GRANTED_EMERGENCY: 1 });
        assert.equal(
            body.buckets.reduce((sum, bucket) => sum + bucket.total, 0),
            2,
        );
        assert.ok(body.buckets.every((bucket) => bucket.start.endsWith(':00:00.000Z')));
    });

    it('lists pending emergencies and records the commission’s review', async () => {
        const { commission } = region.gateways;
        const token = commission.tokens.auditor;
        const pending = await call(commission, 'GET', '/audit/emergency?status=pending', { token });
        assert.deepEqual(
            (pending.body as { items: { accessId: string }[] }).items.map((event) => event.accessId),
            [emergencyId],
        );
        const before = await region.height();
        const bad = await call(commission, 'POST', `/audit/emergency/${emergencyId}/review`, {
            token,
            body: { verdict: 'fine', note: 'x' },
        });
        assert.equal(bad.status, 400);
        assert.equal(await region.height(), before);
        const reviewed = await call(commission, 'POST', `/audit/emergency/${emergencyId}/review`, {
            token,
            body: { verdict: 'justified', note: 'patient was unconscious' },
        });
        assert.equal(reviewed.status, 200);
        assert.equal(typeof (reviewed.body as { blockNumber: number }).blockNumber, 'number');
        assert.equal((await commission.contracts.readAccess(emergencyId)).review?.verdict, 'justified');
        const after = await call(commission, 'GET', '/audit/emergency', { token });
        assert.deepEqual((after.body as { items: unknown[] }).items, []);
    });

    it('exports FHIR R4 AuditEvents', async () => {
        const { commission } = region.gateways;
        const result = await call(commission, 'GET', `/audit/export?format=fhir&from=${from}`, {
            token: commission.tokens.auditor,
        });
        assert.equal(result.status, 200);
        const bundle = result.body as Bundle<AuditEvent>;
        assert.equal(bundle.resourceType, 'Bundle');
        assert.equal(bundle.type, 'collection');
        const events = (bundle.entry ?? []).map((entry) => entry.resource);
        const denied = events.find((event) => event?.id === deniedId);
        assert.ok(denied);
        assert.equal(denied.type.code, '110113');
        assert.equal(denied.action, 'E');
        assert.equal(denied.outcome, '4');
        assert.equal(denied.purposeOfEvent?.[0]?.coding?.[0]?.code, 'TREAT');
        const [requesting] = denied.agent;
        assert.ok(requesting);
        assert.equal(requesting.who?.identifier?.value, 'HospitalBMSP');
        assert.equal(requesting.requestor, true);
        assert.deepEqual(
            denied.entity?.map((entity) => entity.what?.identifier?.value),
            [recordId, patientId],
        );
        assert.equal(events.find((event) => event?.id === emergencyId)?.outcome, '0');
    });

    it('exports CSV with a header row and escaped fields', async () => {
        const { commission } = region.gateways;
        const result = await call(commission, 'GET', `/audit/export?format=csv&from=${from}`, {
            token: commission.tokens.auditor,
        });
        assert.equal(result.status, 200);
        assert.match(result.headers.get('content-type') ?? '', /text\/csv/);
        const lines = result.text.split('\r\n');
        assert.ok(lines[0]?.startsWith('accessId,requestedAt,requester,custodian,recordId,patientId'));
        assert.equal(lines.length, 4);
        assert.ok(result.text.includes('"unconscious, ""allergies"", unknown"'));
    });

    it('refuses audit routes to other roles (403), other organisations (403) and foreign tokens (401)', async () => {
        const { commission, hospitalA } = region.gateways;
        for (const path of ['/audit/events', '/audit/stats', '/audit/emergency', '/audit/export', '/ledger/verify']) {
            const clinician = await call(commission, 'GET', path, { token: commission.tokens.clinician });
            assert.equal(clinician.status, 403, path);
            assert.equal(outcomeCode(clinician), 'FORBIDDEN');
            const hospital = await call(hospitalA, 'GET', path, { token: hospitalA.tokens.auditor });
            assert.equal(hospital.status, 403, path);
            const foreign = await call(commission, 'GET', path, { token: hospitalA.tokens.auditor });
            assert.equal(foreign.status, 401, path);
        }
        const review = await call(hospitalA, 'POST', `/audit/emergency/${emergencyId}/review`, {
            token: hospitalA.tokens.clinician,
            body: { verdict: 'justified', note: 'x' },
        });
        assert.equal(review.status, 403);
    });

    it('refuses bad audit queries (400)', async () => {
        const { commission } = region.gateways;
        const token = commission.tokens.auditor;
        for (const path of [
            '/audit/events?purpose=SHOPPING',
            '/audit/events?from=yesterday',
            '/audit/events?patientId=../x',
            '/audit/stats?bucket=week',
            `/audit/stats?from=${new Date().toISOString()}&to=${from}`,
            '/audit/export?format=xml',
            '/audit/emergency?status=done',
        ]) {
            const result = await call(commission, 'GET', path, { token });
            assert.equal(result.status, 400, path);
            assert.equal(outcomeCode(result), 'INVALID_INPUT');
        }
    });

    it('reports the chain head to staff and verifies the chain for the commission auditor', async () => {
        const { commission, hospitalA } = region.gateways;
        const info = await call(hospitalA, 'GET', '/ledger/info', { token: hospitalA.tokens.clinician });
        assert.equal(info.status, 200);
        const head = info.body as { height: number; currentHash: string };
        assert.equal(head.height, Number(await region.height()));
        assert.match(head.currentHash, /^[0-9a-f]{64}$/);
        assert.equal((await call(hospitalA, 'GET', '/ledger/info')).status, 401);
        const verify = await call(commission, 'GET', '/ledger/verify', { token: commission.tokens.auditor });
        assert.equal(verify.status, 200);
        const body = verify.body as { ok: boolean; height: number; checked: number };
        assert.equal(body.ok, true);
        assert.equal(body.checked, body.height);
    });
});
