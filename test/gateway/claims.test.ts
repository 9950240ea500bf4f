// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { FetchResult, RecordFetcher } from '../../gateway/src/app';
import { ApiError } from '../../gateway/src/errors';
import type { RecordEntry } from '../../gateway/src/ledger/contracts';
import { call, outcomeCode } from '../helpers/api-calls';
import { useTestRegion } from '../helpers/region';
import { newClaimablePatient } from '../helpers/region-patients';

type Behaviour = 'ok' | 'denied' | 'tampered';

/** A stand-in for custody's requester side: each record id answers as told. */
class FakeFetcher implements RecordFetcher {
    readonly behaviour = new Map<string, Behaviour>();
    readonly calls: { recordId: string; purpose: string }[] = [];

    fetch(input: { recordId: string; purpose: string }): Promise<FetchResult> {
        this.calls.push({ recordId: input.recordId, purpose: input.purpose });
        switch (this.behaviour.get(input.recordId) ?? 'ok') {
            case 'ok':
                return Promise.resolve({
                    entry: { recordId: input.recordId } as RecordEntry,
                    resource: { resourceType: 'Observation' },
                    accessId: `a-${input.recordId}`,
                    deliveryTxId: 'd',
                });
            case 'denied':
                return Promise.reject(
                    new ApiError('ACCESS_DENIED', 'denied', { extra: { reason: 'NO_CONSENT', accessId: 'a-denied' } }),
                );
            case 'tampered':
                return Promise.reject(new ApiError('INTEGRITY_FAILURE', 'hash mismatch'));
        }
    }
}

describe('gateway claim routes', () => {
    const fetcher = new FakeFetcher();
    const region = useTestRegion({ custody: { insurer: { router: Router(), fetcher } } });
    let patientId: string;

    before(async () => {
        patientId = await newClaimablePatient(region);
    });

    const newServiceId = (): string => `visit-${randomUUID()}`;

    async function newRecord(): Promise<string> {
        const recordId = `r-${randomUUID()}`;
        await region.gateways.hospitalA.contracts.anchorRecord({
            recordId,
            patientId,
            category: 'billing',
            contentHash: createHash('sha256').update(recordId).digest('hex'),
        });
        return recordId;
    }

    async function fileClaim(recordIds: string[]): Promise<string> {
        const { hospitalA } = region.gateways;
        const result = await call(hospitalA, 'POST', '/claims', {
            token: hospitalA.tokens.claims,
            body: {
                patientId,
                insurer: 'InsurerMSP',
                serviceId: newServiceId(),
                recordIds,
                amount: { value: 120.5, currency: 'CNY' },
            },
        });
        assert.equal(result.status, 201, result.text);
        return (result.body as { claimId: string }).claimId;
    }

    it('files a claim, refuses a duplicate on the same record (409), and lists it to both parties', async () => {
        const { hospitalA, insurer } = region.gateways;
        const recordId = await newRecord();
        const claimId = await fileClaim([recordId]);
        assert.equal((await insurer.contracts.readClaim(claimId)).status, 'submitted');
        const duplicate = await call(hospitalA, 'POST', '/claims', {
            token: hospitalA.tokens.claims,
            body: {
                patientId,
                insurer: 'InsurerMSP',
                serviceId: newServiceId(),
                recordIds: [recordId],
                amount: { value: 1, currency: 'CNY' },
            },
        });
        assert.equal(duplicate.status, 409);
        assert.equal(outcomeCode(duplicate), 'DUPLICATE_CLAIM');
        for (const gateway of [hospitalA, insurer]) {
            const list = await call(gateway, 'GET', '/claims?status=submitted', { token: gateway.tokens.claims });
            assert.equal(list.status, 200);
            const ids = (list.body as { items: { claimId: string }[] }).items.map((claim) => claim.claimId);
            assert.ok(ids.includes(claimId));
        }
        const approvedOnly = await call(insurer, 'GET', '/claims?status=approved', { token: insurer.tokens.claims });
        assert.deepEqual((approvedOnly.body as { items: unknown[] }).items, []);
    });

    it('refuses claims by other roles (403), at an insurer (403), with foreign tokens (401) or bad bodies (400)', async () => {
        const { hospitalA, insurer } = region.gateways;
        const recordId = await newRecord();
        const body = {
            patientId,
            insurer: 'InsurerMSP',
            serviceId: newServiceId(),
            recordIds: [recordId],
            amount: { value: 1, currency: 'CNY' },
        };
        const before = await region.height();
        assert.equal(
            (await call(hospitalA, 'POST', '/claims', { token: hospitalA.tokens.clinician, body })).status,
            403,
        );
        assert.equal((await call(insurer, 'POST', '/claims', { token: insurer.tokens.claims, body })).status, 403);
        assert.equal((await call(hospitalA, 'POST', '/claims', { token: insurer.tokens.claims, body })).status, 401);
        const token = hospitalA.tokens.claims;
        for (const bad of [
            { ...body, amount: { value: -1, currency: 'CNY' } },
            { ...body, amount: { value: '1', currency: 'CNY' } },
            { ...body, recordIds: [] },
            { ...body, recordIds: ['../etc/passwd'] },
            { ...body, insurer: 'not an msp' },
            { ...body, extra: true },
            { ...body, serviceId: '../visit' },
        ]) {
            const result = await call(hospitalA, 'POST', '/claims', { token, body: bad });
            assert.equal(result.status, 400, JSON.stringify(bad));
            assert.equal(outcomeCode(result), 'INVALID_INPUT');
        }
        assert.equal(await region.height(), before);
    });

    it('verifies a claim by fetching every supporting record under PAYMENT', async () => {
        const { insurer } = region.gateways;
        const good = await newRecord();
        const claimId = await fileClaim([good]);
        const result = await call(insurer, 'POST', `/claims/${claimId}/verify`, { token: insurer.tokens.claims });
        assert.equal(result.status, 200);
        assert.deepEqual(result.body, {
            claimId,
            checks: [{ recordId: good, decision: 'GRANTED', reason: 'CONSENT', hashOk: true, accessId: `a-${good}` }],
            verdict: 'verified',
        });
        assert.deepEqual(fetcher.calls.at(-1), { recordId: good, purpose: 'PAYMENT' });
    });

    it('reports a claim unverifiable when a record is denied or fails its hash', async () => {
        const { insurer } = region.gateways;
        const denied = await newRecord();
        const tampered = await newRecord();
        fetcher.behaviour.set(denied, 'denied');
        fetcher.behaviour.set(tampered, 'tampered');
        const claimId = await fileClaim([denied, tampered]);
        const result = await call(insurer, 'POST', `/claims/${claimId}/verify`, { token: insurer.tokens.claims });
        const body = result.body as {
            checks: { decision: string; reason: string; hashOk: boolean }[];
            verdict: string;
        };
        assert.equal(body.verdict, 'unverifiable');
        assert.deepEqual(
            body.checks.map((check) => [check.decision, check.reason, check.hashOk]),
            [
                ['DENIED', 'NO_CONSENT', false],
                ['ERROR', 'INTEGRITY_FAILURE', false],
            ],
        );
    });

    it('lets only the insurer’s claims staff verify and decide (403, 401, 400 otherwise)', async () => {
        const { hospitalA, insurer } = region.gateways;
        const claimId = await fileClaim([await newRecord()]);
        const verifyPath = `/claims/${claimId}/verify`;
        const decidePath = `/claims/${claimId}/decide`;
        const decision = { decision: 'approved', reason: 'documents complete' };
        assert.equal((await call(insurer, 'POST', verifyPath, { token: insurer.tokens.clinician })).status, 403);
        assert.equal((await call(hospitalA, 'POST', verifyPath, { token: hospitalA.tokens.claims })).status, 403);
        assert.equal((await call(insurer, 'POST', verifyPath, { token: hospitalA.tokens.claims })).status, 401);
        const before = await region.height();
        for (const bad of [{ decision: 'maybe', reason: 'x' }, { decision: 'approved' }, { ...decision, x: 1 }]) {
            const result = await call(insurer, 'POST', decidePath, { token: insurer.tokens.claims, body: bad });
            assert.equal(result.status, 400);
        }
        const badId = await call(insurer, 'POST', '/claims/..%2Fx/decide', {
            token: insurer.tokens.claims,
            body: decision,
        });
        assert.equal(badId.status, 400);
        assert.equal(
            (await call(insurer, 'POST', decidePath, { token: insurer.tokens.admin, body: decision })).status,
            403,
        );
        assert.equal(await region.height(), before);
        const decided = await call(insurer, 'POST', decidePath, { token: insurer.tokens.claims, body: decision });
        assert.equal(decided.status, 200);
        const body = decided.body as { status: string; txId: string; blockNumber: number };
        assert.equal(body.status, 'approved');
        assert.equal((await insurer.contracts.readClaim(claimId)).status, 'approved');
        const again = await call(insurer, 'POST', decidePath, { token: insurer.tokens.claims, body: decision });
        assert.equal(again.status, 409);
    });
});
