// SPDX-License-Identifier: Apache-2.0
/**
 * `GET /audit/stats` from the commission's audit view, over the real chaincode: exact across a burst of
 * requests sharing blocks and across a suspension; `GET /audit/stats/verify` catches a view that lies, and a
 * rebuild from block 0 makes it honest again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AuditView } from '../../gateway/src/audit/audit-view';
import { toRowKey, toViewRow } from '../../gateway/src/audit/view-rows';
import type { AccessEvent } from '../../gateway/src/ledger/contracts';
import { call, outcomeCode } from '../helpers/api-calls';
import { newTestRegion, type TestRegion } from '../helpers/region';
import { newConsentingPatient } from '../helpers/region-patients';

interface Counts {
    readonly total: number;
    readonly byOrganization: Record<string, number>;
    readonly byCustodian: Record<string, number>;
    readonly byPurpose: Record<string, number>;
    readonly byDecision: Record<string, number>;
    readonly byReason: Record<string, number>;
}

interface StatsBody extends Counts {
    readonly from: string;
    readonly to: string;
    readonly buckets: (Counts & { start: string })[];
    readonly view: { generation: number; height: number; ledgerHeight: number };
}

interface Verification {
    readonly ok: boolean;
    readonly total: { ledger: number; view: number };
    readonly view: { generation: number; height: number };
    readonly ledgerHeight: number;
    readonly differences: { kind: string; start: string; requester: string; ledger: number; view: number }[];
    readonly differenceCount: number;
}

function expectedCounts(events: readonly AccessEvent[]): Counts {
    const by = (field: (event: AccessEvent) => string): Record<string, number> => {
        const counts: Record<string, number> = {};
        for (const event of events) {
            counts[field(event)] = (counts[field(event)] ?? 0) + 1;
        }
        return counts;
    };
    return {
        total: events.length,
        byOrganization: by((event) => event.requester),
        byCustodian: by((event) => event.custodian ?? 'unknown'),
        byPurpose: by((event) => event.purpose),
        byDecision: by((event) => event.decision),
        byReason: by((event) => event.reason),
    };
}

async function rebuilt(view: AuditView, generation: number, height: bigint): Promise<void> {
    while (view.status().generation !== generation || view.height < height) {
        await once(view, 'advanced');
    }
}

describe('audit statistics from the view', () => {
    let region: TestRegion;
    const events: AccessEvent[] = [];
    const blocks: bigint[] = [];
    let range: { from: string; to: string };

    before(async () => {
        region = await newTestRegion();
        const { hospitalA, hospitalB, insurer, commission } = region.gateways;
        // Hospital B holds a TREATMENT consent for lab records: its lab requests are granted, the imaging ones not.
        const patient = await newConsentingPatient(region);
        const anchor = async (gateway: typeof hospitalA, category: 'lab' | 'imaging'): Promise<string> => {
            const recordId = `r-${randomUUID()}`;
            const contentHash = randomUUID().replaceAll('-', '').repeat(2);
            await gateway.contracts.anchorRecord({ recordId, patientId: patient.patientId, category, contentHash });
            return recordId;
        };
        const lab = await anchor(hospitalA, 'lab');
        const imaging = await anchor(hospitalB, 'imaging');
        const request = async (
            gateway: typeof hospitalA,
            recordId: string,
            purpose: 'TREATMENT' | 'PAYMENT' | 'EMERGENCY',
        ): Promise<void> => {
            const justification = purpose === 'EMERGENCY' ? 'unconscious on arrival' : undefined;
            const submitted = await gateway.contracts.requestAccess({ recordId, purpose, justification });
            events.push(submitted.value);
            blocks.push(submitted.blockNumber);
        };
        // A burst: requests submitted together share blocks.
        await Promise.all([
            ...Array.from({ length: 12 }, () => request(hospitalB, lab, 'TREATMENT')),
            ...Array.from({ length: 6 }, () => request(hospitalA, imaging, 'TREATMENT')),
            ...Array.from({ length: 5 }, () => request(insurer, lab, 'PAYMENT')),
            ...Array.from({ length: 3 }, () => request(hospitalA, imaging, 'EMERGENCY')),
            request(hospitalB, `r-missing-${randomUUID()}`, 'TREATMENT'),
        ]);
        // A suspension: Hospital B's requests are refused while it lasts, and counted as such.
        await commission.contracts.suspendOrganization('HospitalBMSP');
        await Promise.all(Array.from({ length: 4 }, () => request(hospitalB, lab, 'TREATMENT')));
        await commission.contracts.reinstateOrganization('HospitalBMSP');
        await request(hospitalB, lab, 'TREATMENT');
        const times = events.map((event) => event.requestedAt).sort();
        range = { from: times[0] ?? '', to: new Date(Date.parse(times.at(-1) ?? '') + 1).toISOString() };
    });
    after(async () => {
        await region.close();
    });

    it('counts a burst and a suspension exactly, and says which block it reflects', async () => {
        const { commission } = region.gateways;
        await region.viewCaughtUp();
        const height = Number(await region.height());
        const result = await call(commission, 'GET', `/audit/stats?bucket=hour&from=${range.from}&to=${range.to}`, {
            token: commission.tokens.auditor,
        });
        assert.equal(result.status, 200);
        const body = result.body as StatsBody;
        const { total, byOrganization, byCustodian, byPurpose, byDecision, byReason } = body;
        assert.deepEqual(
            { total, byOrganization, byCustodian, byPurpose, byDecision, byReason },
            expectedCounts(events),
        );
        assert.ok(new Set(blocks).size < blocks.length, 'the burst shared blocks');
        assert.equal(body.byReason.ORG_NOT_ACTIVE, 4);
        assert.equal(body.byCustodian.unknown, 1);
        assert.equal(
            body.buckets.reduce((sum, bucket) => sum + bucket.total, 0),
            events.length,
        );
        assert.deepEqual(body.view, { generation: 1, height, ledgerHeight: height });
        assert.ok(body.from <= range.from && body.from.endsWith(':00:00.000Z'));
        assert.ok(body.to >= range.to && body.to.endsWith(':00:00.000Z'));
        const days = await call(commission, 'GET', `/audit/stats?bucket=day&from=${range.from}&to=${range.to}`, {
            token: commission.tokens.auditor,
        });
        assert.equal((days.body as StatsBody).total, events.length);
    });

    it('verifies the view against a recount of the ledger', async () => {
        const { commission } = region.gateways;
        await region.viewCaughtUp();
        const result = await call(commission, 'GET', `/audit/stats/verify?from=${range.from}&to=${range.to}`, {
            token: commission.tokens.auditor,
        });
        assert.equal(result.status, 200);
        const body = result.body as Verification;
        assert.equal(body.ok, true);
        assert.deepEqual(body.total, { ledger: events.length, view: events.length });
        assert.deepEqual(body.differences, []);
        assert.equal(body.view.height, body.ledgerHeight);
    });

    it('catches a view whose counts were altered, and a rebuild from block 0 makes it honest again', async () => {
        const { commission } = region.gateways;
        const token = commission.tokens.auditor;
        const { view, db } = region.audit;
        await region.viewCaughtUp();
        // Someone with access to the gateway's disk inflates one hour row.
        const event = events[0];
        assert.ok(event);
        const key = toRowKey('h', toViewRow(event));
        const generation = db.auditView.sublevel(`g${view.status().generation}`, {
            valueEncoding: 'utf8',
        });
        await generation.put(key, String(Number((await generation.get(key)) ?? '0') + 1000));
        const query = `from=${range.from}&to=${range.to}`;
        const caught = (await call(commission, 'GET', `/audit/stats/verify?${query}`, { token })).body as Verification;
        assert.equal(caught.ok, false);
        assert.equal(caught.differenceCount, 1, 'the hour row (no whole day lies in the range)');
        const [hour] = caught.differences.filter((difference) => difference.kind === 'hour');
        assert.ok(hour);
        assert.equal(hour.view - hour.ledger, 1000);
        assert.equal(hour.requester, event.requester);

        const started = await call(commission, 'POST', '/audit/view/rebuild', { token: commission.tokens.admin });
        assert.equal(started.status, 202);
        assert.equal((started.body as { started: boolean }).started, true);
        await rebuilt(view, 2, await region.height());
        const honest = (await call(commission, 'GET', `/audit/stats/verify?${query}`, { token })).body as Verification;
        assert.equal(honest.ok, true);
        assert.equal(honest.view.generation, 2);
        const status = await call(commission, 'GET', '/audit/view', { token });
        assert.equal(status.status, 200);
        assert.deepEqual(status.body, {
            generation: 2,
            height: Number(await region.height()),
            events: events.length,
            rebuild: null,
            ledgerHeight: Number(await region.height()),
        });
    });

    it('serves the view to the commission only: admin and auditor for its state, auditor for counts', async () => {
        const { commission, hospitalA } = region.gateways;
        const cases: [string, string, string, number][] = [
            ['GET', '/audit/view', commission.tokens.admin, 200],
            ['GET', '/audit/view', commission.tokens.clinician, 403],
            ['GET', '/audit/stats/verify', commission.tokens.admin, 403],
            ['GET', '/audit/stats', commission.tokens.admin, 403],
            ['POST', '/audit/view/rebuild', commission.tokens.claims, 403],
        ];
        for (const [method, path, token, status] of cases) {
            const result = await call(commission, method, path, { token });
            assert.equal(result.status, status, `${method} ${path}`);
        }
        for (const path of ['/audit/view', '/audit/stats', '/audit/stats/verify']) {
            const hospital = await call(hospitalA, 'GET', path, { token: hospitalA.tokens.auditor });
            assert.equal(hospital.status, 403, path);
            assert.equal(outcomeCode(hospital), 'FORBIDDEN');
            const foreign = await call(commission, 'GET', path, { token: hospitalA.tokens.auditor });
            assert.equal(foreign.status, 401, path);
        }
        const rebuildAtHospital = await call(hospitalA, 'POST', '/audit/view/rebuild', {
            token: hospitalA.tokens.admin,
        });
        assert.equal(rebuildAtHospital.status, 403);
    });

    it('refuses a statistics range of more than 1,000 buckets', async () => {
        const { commission } = region.gateways;
        const result = await call(
            commission,
            'GET',
            '/audit/stats?bucket=hour&from=2030-01-01T00:00:00.000Z&to=2030-03-01T00:00:00.000Z',
            { token: commission.tokens.auditor },
        );
        assert.equal(result.status, 400);
        assert.equal(outcomeCode(result), 'INVALID_INPUT');
    });
});
