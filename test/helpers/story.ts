// SPDX-License-Identifier: Apache-2.0
/**
 * The region story end to end, through the gateways' HTTP API only: a patient registered, a record published,
 * a request denied, consent granted, the record fetched, consent revoked and the refusal explained (a dry run that
 * writes nothing); break-the-glass and its review; a claim
 * verified, approved and its duplicate refused; the patient's access log; the commission's audit; attacks over
 * HTTP. Mocha tests shared by the embedded region suite (`test/e2e/story.test.ts`) and the Fabric suite
 * (`test/fabric/story.test.ts`).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { ApiClient } from '../../clients/shared/api-client';
import {
    newConsentGrant,
    newConsentRevoke,
    newExplainQuery,
    newPatientKey,
    newPatientQuery,
    newRegistration,
    signPayload,
} from '../../clients/shared/patient-keys';
import type { PatientKey } from '../../clients/shared/patient-keys';
import type { PatientQueryView, SignedEnvelope } from '../../chaincode/src/protocol/payloads';
import type { ConsentTerms } from '../../chaincode/src/protocol/payloads';
import { readNotice } from '../../clients/shared/notice';
import { fillFixture } from '../../network/src/region/demo-plan';
import labHba1c from '../../network/src/region/demo/lab-hba1c.json';
import { apiErrorOf, type LauncherRegion } from './launcher';

interface Item {
    readonly [key: string]: unknown;
}
interface List {
    readonly items: readonly Item[];
    readonly nextCursor: string | null;
}
interface ExplainedTrace {
    readonly requester: string;
    readonly purpose: string;
    readonly decision: string;
    readonly reason: string;
    readonly consentId: string | null;
    readonly steps: readonly Item[];
}
interface Explanation {
    readonly decisions: readonly Item[];
    readonly trace: ExplainedTrace | null;
}
interface Fetched {
    readonly entry: Item;
    readonly resource: unknown;
    readonly accessId: string;
    readonly deliveryTxId: string;
}

const A = 'HospitalAMSP';
const B = 'HospitalBMSP';
const INSURER = 'InsurerMSP';
const COMMISSION = 'CommissionMSP';

function window(): { notBefore: string; notAfter: string } {
    const now = Date.now();
    return { notBefore: new Date(now - 60_000).toISOString(), notAfter: new Date(now + 86_400_000).toISOString() };
}

/**
 * Registers the end-to-end story (patient, record, denial, consent, delivery, revocation, emergency, claim,
 * access log, audit, chain verification, attacks) as mocha tests in the calling suite, against a region that
 * `start` brings up in `before`; the region is stopped in `after`, once every test of the suite has run.
 * @param start - starts the region (embedded ledger or Fabric)
 * @returns the running region, for further tests in the same suite
 */
export function describeRegionStory(start: () => Promise<LauncherRegion>): () => LauncherRegion {
    let region: LauncherRegion;
    let patient: PatientKey;
    let clinicianA: ApiClient;
    let clinicianB: ApiClient;
    let auditor: ApiClient;
    let recordId: string;
    let contentHash: string;
    const resource = fillFixture(labHba1c, { patientId: '', name: 'Test Patient', custodianName: 'Hospital A' });
    /** Access ids by step, in the order the story makes them. */
    const accessIds: Record<string, string> = {};
    const channel = (): string => region.region.channel;
    /** A fresh signed query of the patient for one gateway and one view. */
    const query = (audience: string, view: PatientQueryView): SignedEnvelope =>
        newPatientQuery(patient, { audience, view, channel: channel() });
    /** The patient's grant, signed over the Chinese notice rendered from the grantee's directory entry. */
    const signedGrant = async (terms: ConsentTerms): Promise<SignedEnvelope> => {
        const { notice } = await readNotice(region.client(A), terms, 'zh-CN');
        return newConsentGrant(patient, terms, { channel: channel(), notice });
    };

    before(async () => {
        region = await start();
        patient = newPatientKey();
        clinicianA = region.client(A, 'clinician');
        clinicianB = region.client(B, 'clinician');
        auditor = region.client(COMMISSION, 'auditor');
    });

    after(async () => {
        await region.stop();
    });

    it('registers the patient at Hospital A', async () => {
        const body = await clinicianA.post<{ patientId: string; txId: string }>(
            '/patients',
            newRegistration(patient, channel()),
        );
        assert.equal(body.patientId, patient.patientId);
        assert.match(body.txId, /^[0-9a-f]{64}$/);
    });

    it('publishes a lab result at Hospital A and anchors it', async () => {
        const body = await clinicianA.post<{ recordId: string; contentHash: string; blockNumber: unknown }>(
            '/records',
            {
                patientId: patient.patientId,
                category: 'lab',
                resource,
            },
        );
        recordId = body.recordId;
        contentHash = body.contentHash;
        assert.match(contentHash, /^[0-9a-f]{64}$/);
        const entry = await clinicianB.get<Item>(`/records/${recordId}`);
        assert.equal(entry.custodian, A);
        assert.equal(entry.contentHash, contentHash);
    });

    it('denies Hospital B without consent and records the denial', async () => {
        const error = await apiErrorOf(clinicianB.post(`/records/${recordId}/fetch`, { purpose: 'TREATMENT' }));
        assert.equal(error.status, 403);
        assert.equal(error.code, 'ACCESS_DENIED');
        const body = error.body as Item;
        assert.equal(body.reason, 'NO_CONSENT');
        assert.equal(typeof body.accessId, 'string');
        accessIds.denied = String(body.accessId);
        const events = await auditor.get<List>(`/audit/events?patientId=${patient.patientId}`);
        const denial = events.items.find((e) => e.accessId === accessIds.denied);
        assert.equal(denial?.decision, 'DENIED');
    });

    it("serves Hospital B byte-identical content under the patient's TREATMENT consent", async () => {
        const grant = await signedGrant({
            grantee: B,
            purposes: ['TREATMENT'],
            categories: ['lab'],
            custodians: [A],
            ...window(),
        });
        const granted = await region.client(B).post<{ consentId: string }>('/consents', grant);
        accessIds.consent = granted.consentId;
        const fetched = await clinicianB.post<Fetched>(`/records/${recordId}/fetch`, { purpose: 'TREATMENT' });
        assert.equal(JSON.stringify(fetched.resource), JSON.stringify(resource));
        assert.deepEqual(fetched.resource, resource);
        assert.equal(fetched.entry.contentHash, contentHash);
        assert.equal(typeof fetched.deliveryTxId, 'string');
        accessIds.granted = fetched.accessId;
    });

    it('denies Hospital B again once the patient revokes', async () => {
        await region
            .client(A)
            .post(
                `/consents/${accessIds.consent}/revoke`,
                newConsentRevoke(patient, accessIds.consent ?? '', channel()),
            );
        const error = await apiErrorOf(clinicianB.post(`/records/${recordId}/fetch`, { purpose: 'TREATMENT' }));
        assert.equal(error.code, 'ACCESS_DENIED');
        const body = error.body as Item;
        assert.equal(body.reason, 'CONSENT_REVOKED');
        accessIds.revoked = String(body.accessId);
    });

    it('explains the refusal to Hospital B and to the patient, and what the commission sees, recording nothing', async () => {
        const own = await clinicianB.get<Explanation>(`/records/${recordId}/explain?purpose=TREATMENT`);
        assert.deepEqual(
            own.decisions.map((r) => [r.requester, r.decision, r.reason, r.consentId]),
            [[B, 'DENIED', 'CONSENT_REVOKED', accessIds.consent]],
        );
        const signed = newExplainQuery(patient, { audience: A, channel: channel(), recordId });
        const mine = await region
            .client(A)
            .post<Explanation>(`/patient/explain?requester=${B}&purpose=TREATMENT`, signed);
        assert.equal(mine.trace?.reason, 'CONSENT_REVOKED');
        assert.deepEqual(
            mine.trace.steps.map((step) => step.result),
            ['pass', 'pass', 'pass', 'pass', 'fail'],
        );
        const audit = await auditor.get<Explanation>(`/records/${recordId}/explain`);
        const open = audit.decisions
            .filter((r) => r.decision !== 'DENIED')
            .map((r) => `${String(r.requester)} ${String(r.purpose)}`);
        assert.deepEqual(open, [`${A} EMERGENCY`, `${B} EMERGENCY`]);
        // The commission's audit below counts exactly the story's five requests: explaining wrote no access event.
    });

    it('grants an emergency access, flags it and lets the commission review it', async () => {
        const fetched = await clinicianB.post<Fetched>(`/records/${recordId}/fetch`, {
            purpose: 'EMERGENCY',
            justification: 'unconscious patient in the emergency department',
        });
        assert.deepEqual(fetched.resource, resource);
        accessIds.emergency = fetched.accessId;
        const pending = await auditor.get<List>('/audit/emergency?status=pending');
        assert.ok(pending.items.some((e) => e.accessId === fetched.accessId));
        await auditor.post(`/audit/emergency/${fetched.accessId}/review`, { verdict: 'justified', note: 'checked' });
        const after = await auditor.get<List>('/audit/emergency?status=pending');
        assert.ok(!after.items.some((e) => e.accessId === fetched.accessId));
    });

    it('lets the insurer verify and approve a claim, and refuses a duplicate', async () => {
        const grant = await signedGrant({
            grantee: INSURER,
            purposes: ['PAYMENT'],
            categories: ['lab'],
            custodians: [A],
            ...window(),
        });
        await region.client(INSURER).post('/consents', grant);
        const claimsA = region.client(A, 'claims');
        const claim = {
            patientId: patient.patientId,
            insurer: INSURER,
            serviceId: 'visit-0001',
            recordIds: [recordId],
            amount: { value: 320.5, currency: 'CNY' },
        };
        const { claimId } = await claimsA.post<{ claimId: string }>('/claims', claim);
        const insurer = region.client(INSURER, 'claims');
        const verified = await insurer.post<{ verdict: string; checks: Item[] }>(`/claims/${claimId}/verify`, {});
        assert.equal(verified.verdict, 'verified');
        assert.equal(verified.checks.length, 1);
        const [check] = verified.checks;
        assert.ok(check);
        assert.equal(check.hashOk, true);
        assert.equal(check.decision, 'GRANTED');
        await insurer.post(`/claims/${claimId}/decide`, {
            decision: 'approved',
            reason: 'supported by the lab result',
        });
        const approved = await insurer.get<List>('/claims?status=approved');
        assert.ok(approved.items.some((c) => c.claimId === claimId));
        const duplicate = await apiErrorOf(claimsA.post('/claims', claim));
        assert.equal(duplicate.status, 409);
        assert.equal(duplicate.code, 'DUPLICATE_CLAIM');
    });

    it("lists every access in the patient's own access log", async () => {
        const log = await region.client(B).post<List>('/patient/access-log', query(B, 'access-log'));
        const seen = new Map(log.items.map((e) => [e.accessId, e.decision]));
        assert.equal(seen.get(accessIds.denied), 'DENIED');
        assert.equal(seen.get(accessIds.granted), 'GRANTED');
        assert.equal(seen.get(accessIds.revoked), 'DENIED');
        assert.equal(seen.get(accessIds.emergency), 'GRANTED_EMERGENCY');
        assert.ok(
            log.items.some((e) => e.requester === INSURER && e.purpose === 'PAYMENT' && e.decision === 'GRANTED'),
        );
    });

    it("agrees with the commission's events, stats, FHIR export and chain verification", async () => {
        const events = await auditor.get<List>(`/audit/events?patientId=${patient.patientId}&limit=500`);
        const log = await region.client(A).post<List>('/patient/access-log', query(A, 'access-log'));
        const ids = (list: List): string[] => list.items.map((e) => String(e.accessId)).sort();
        assert.deepEqual(ids(events), ids(log));
        assert.equal(events.items.length, 5);
        const stats = await auditor.get<{ total: number; byDecision: Record<string, number> }>('/audit/stats');
        assert.equal(stats.total, events.items.length);
        assert.deepEqual(stats.byDecision, { DENIED: 2, GRANTED: 2, GRANTED_EMERGENCY: 1 });
        const bundle = await auditor.get<{ resourceType: string; entry?: unknown[] }>('/audit/export?format=fhir');
        assert.equal(bundle.resourceType, 'Bundle');
        assert.equal(bundle.entry?.length, events.items.length);
        const text = JSON.stringify(bundle);
        assert.ok(ids(events).every((id) => text.includes(id)));
        const verify = await auditor.get<{ ok: boolean; height: number; checked: number }>('/ledger/verify');
        assert.equal(verify.ok, true);
        assert.equal(verify.checked, verify.height);
    });

    it('explains before each request what that request then decides, for every reason the story reaches', async () => {
        // Each row: who asks, for what, through which role. The auditor's trace is taken just before the real
        // request; the access event that request writes must say what the trace said.
        const rows = [
            { requester: B, role: 'clinician', purpose: 'TREATMENT' }, // the revoked consent
            { requester: B, role: 'clinician', purpose: 'RESEARCH' }, // no consent for the purpose
            { requester: INSURER, role: 'claims', purpose: 'PAYMENT' }, // the insurer's consent grants
            { requester: INSURER, role: 'claims', purpose: 'TREATMENT' }, // a purpose an insurer may not use
        ] as const;
        const expected = new Map<string, ExplainedTrace>();
        for (const row of rows) {
            const explained = await auditor.get<Explanation>(
                `/records/${recordId}/explain?requester=${row.requester}&purpose=${row.purpose}`,
            );
            assert.ok(explained.trace, `a trace for ${row.requester} ${row.purpose}`);
            const asked = region.client(row.requester, row.role).post<Fetched>(`/records/${recordId}/fetch`, {
                purpose: row.purpose,
            });
            const accessId = await asked.then(
                (fetched) => fetched.accessId,
                async () => String(((await apiErrorOf(asked)).body as Item).accessId),
            );
            expected.set(accessId, explained.trace);
        }
        const events = await auditor.get<List>(`/audit/events?patientId=${patient.patientId}&limit=500`);
        const recorded = new Map(events.items.map((e) => [String(e.accessId), e]));
        const reasons = new Set<string>();
        for (const [accessId, trace] of expected) {
            const event = recorded.get(accessId);
            const label = `${trace.requester} ${trace.purpose}`;
            assert.ok(event, `the access event of ${label}`);
            assert.deepEqual(
                [event.decision, event.reason, event.consentId ?? null],
                [trace.decision, trace.reason, trace.consentId],
                label,
            );
            reasons.add(trace.reason);
        }
        assert.deepEqual([...reasons].sort(), ['CONSENT', 'CONSENT_REVOKED', 'NO_CONSENT', 'PURPOSE_NOT_PERMITTED']);
    });

    describe('attacks over HTTP', () => {
        it("refuses one organisation's staff token at another's gateway (401)", async () => {
            const tokenA = region.client(A, 'clinician');
            const atB = region.client(B).withToken(undefined);
            const error = await apiErrorOf(atB.get('/orgs'));
            assert.equal(error.status, 401);
            const foreign = await apiErrorOf(
                region
                    .client(B, 'clinician')
                    .withToken(readTokenOf(region, A, 'clinician'))
                    .get('/orgs'),
            );
            assert.equal(foreign.status, 401);
            assert.equal(foreign.code, 'UNAUTHENTICATED');
            await tokenA.get('/orgs');
        });

        it('refuses a clinician on an auditor route (403)', async () => {
            const error = await apiErrorOf(region.client(COMMISSION, 'clinician').get('/audit/events'));
            assert.equal(error.status, 403);
            assert.equal(error.code, 'FORBIDDEN');
        });

        it('refuses a consent signed with the wrong key and writes nothing', async () => {
            const intruder = newPatientKey();
            const genuine = await signedGrant({
                grantee: B,
                purposes: ['TREATMENT'],
                categories: ['*'],
                custodians: ['*'],
                ...window(),
            });
            const forged = signPayload(intruder, genuine.payload);
            const error = await apiErrorOf(region.client(B).post('/consents', forged));
            assert.equal(error.status, 403);
            assert.equal(error.code, 'FORBIDDEN');
            const consents = await region.client(A).post<List>('/patient/consents', query(A, 'consents'));
            assert.ok(!consents.items.some((c) => c.consentId === genuine.payload.consentId));
        });
    });

    return () => region;
}

function readTokenOf(region: LauncherRegion, mspId: string, role: 'clinician'): string {
    const org = region.region.organizations.find((o) => o.mspId === mspId);
    assert.ok(org);
    return readFileSync(org.tokens[role], 'utf8').trim();
}
