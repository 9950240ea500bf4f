// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { call, outcomeCode } from '../helpers/api-calls';
import { useTestRegion, type TestGateway } from '../helpers/region';
import { newClaimablePatient } from '../helpers/region-patients';

/** One answer of a list route. */
interface ListAnswer {
    readonly items: readonly Record<string, unknown>[];
    readonly nextCursor: string | null;
}

/** Follows `nextCursor` from the first page to the last; returns the ids of each page, in order. */
async function walk(gateway: TestGateway, token: string, path: string, idField: string): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
        const suffix: string = cursor === null ? '' : `&cursor=${cursor}`;
        const result = await call(gateway, 'GET', `${path}${suffix}`, { token });
        assert.equal(result.status, 200, result.text);
        const body = result.body as ListAnswer;
        pages.push(body.items.map((item) => String(item[idField])));
        cursor = body.nextCursor;
        assert.ok(pages.length <= 20, 'the walk ends');
    } while (cursor !== null);
    return pages;
}

describe('filtered lists fill their pages (docs/api.md "Lists and cursors")', () => {
    const region = useTestRegion();
    let patientId: string;
    /** Claim ids in the order they were filed (the listing's order). */
    const claimIds: string[] = [];
    const approved = new Set<number>([1, 4, 6]);
    /** Access events by hospital B on one record: three denials, two emergencies, interleaved. */
    const accessIds: { id: string; decision: string }[] = [];

    before(async () => {
        const { hospitalA, hospitalB, insurer } = region.gateways;
        patientId = await newClaimablePatient(region);
        for (let index = 0; index < 7; index += 1) {
            const recordId = `r-${randomUUID()}`;
            const contentHash = createHash('sha256').update(recordId).digest('hex');
            await hospitalA.contracts.anchorRecord({ recordId, patientId, category: 'billing', contentHash });
            const submitted = await hospitalA.contracts.submitClaim({
                patientId,
                insurer: 'InsurerMSP',
                serviceId: `visit-${randomUUID()}`,
                recordIds: [recordId],
                amount: { value: 10 + index, currency: 'CNY' },
            });
            claimIds.push(submitted.value.claimId);
        }
        for (const index of approved) {
            const claimId = claimIds[index] ?? '';
            await insurer.contracts.decideClaim({ claimId, decision: 'approved', reason: 'documents complete' });
        }
        const labId = `r-${randomUUID()}`;
        await hospitalA.contracts.anchorRecord({
            recordId: labId,
            patientId,
            category: 'lab',
            contentHash: 'c'.repeat(64),
        });
        for (const purpose of ['TREATMENT', 'EMERGENCY', 'TREATMENT', 'EMERGENCY', 'TREATMENT'] as const) {
            const justification = purpose === 'EMERGENCY' ? 'unconscious on arrival' : undefined;
            const event = await hospitalB.contracts.requestAccess({ recordId: labId, purpose, justification });
            accessIds.push({ id: event.txId, decision: event.value.decision });
        }
    });

    it('GET /claims?status=approved&limit=2 answers 2 then 1: no duplicates, no gaps', async () => {
        const expected = claimIds.filter((_, index) => approved.has(index));
        for (const gateway of [region.gateways.insurer, region.gateways.hospitalA]) {
            const pages = await walk(gateway, gateway.tokens.claims, '/claims?status=approved&limit=2', 'claimId');
            assert.deepEqual(pages, [expected.slice(0, 2), expected.slice(2)], gateway.name);
        }
    });

    it('fills every status filter and leaves unfiltered lists as they were', async () => {
        const { insurer } = region.gateways;
        const token = insurer.tokens.claims;
        const submitted = claimIds.filter((_, index) => !approved.has(index));
        assert.deepEqual(await walk(insurer, token, '/claims?status=submitted&limit=3', 'claimId'), [
            submitted.slice(0, 3),
            submitted.slice(3),
        ]);
        assert.deepEqual(await walk(insurer, token, '/claims?status=rejected&limit=3', 'claimId'), [[]]);
        assert.deepEqual(await walk(insurer, token, '/claims?limit=4', 'claimId'), [
            claimIds.slice(0, 4),
            claimIds.slice(4),
        ]);
        const all = await walk(insurer, token, '/claims?status=approved&limit=500', 'claimId');
        assert.deepEqual(all, [claimIds.filter((_, index) => approved.has(index))]);
    });

    it('GET /audit/events fills pages when a filter is applied after the index is read', async () => {
        const { commission } = region.gateways;
        const token = commission.tokens.auditor;
        const idsOf = (decision: string): string[] =>
            accessIds.filter((event) => event.decision === decision).map((event) => event.id);
        assert.equal(idsOf('DENIED').length, 3);
        assert.equal(idsOf('GRANTED_EMERGENCY').length, 2);
        const byPatient = `/audit/events?patientId=${patientId}&decision=GRANTED_EMERGENCY&limit=1`;
        assert.deepEqual(
            await walk(commission, token, byPatient, 'accessId'),
            idsOf('GRANTED_EMERGENCY').map((id) => [id]),
        );
        const byRequester = '/audit/events?requester=HospitalBMSP&decision=DENIED&limit=2';
        const denied = idsOf('DENIED');
        assert.deepEqual(await walk(commission, token, byRequester, 'accessId'), [denied.slice(0, 2), denied.slice(2)]);
        const byTime = '/audit/events?purpose=TREATMENT&limit=2';
        assert.deepEqual(await walk(commission, token, byTime, 'accessId'), [denied.slice(0, 2), denied.slice(2)]);
    });

    it('refuses a cursor it did not make (400)', async () => {
        const { insurer, commission } = region.gateways;
        const plain = Buffer.from('some bookmark', 'utf8').toString('base64url');
        for (const [gateway, token, path] of [
            [insurer, insurer.tokens.claims, `/claims?status=approved&cursor=${plain}`],
            [commission, commission.tokens.auditor, `/audit/events?purpose=TREATMENT&cursor=${plain}`],
            [commission, commission.tokens.auditor, '/audit/events?cursor=***'],
        ] as const) {
            const result = await call(gateway, 'GET', path, { token });
            assert.equal(result.status, 400, path);
            assert.equal(outcomeCode(result), 'INVALID_INPUT');
        }
    });
});
