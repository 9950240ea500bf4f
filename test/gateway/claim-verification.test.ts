// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import type { FetchResult, RecordFetcher } from '../../gateway/src/app';
import { checkRecord, verifyClaim, type ClaimCheck } from '../../gateway/src/claims/verification';
import { ApiError } from '../../gateway/src/errors';
import type { Claim, RecordEntry } from '../../gateway/src/ledger/contracts';

/** A fetcher whose answer per record id is given: content, or an error to throw. */
function fetcherOf(answers: Readonly<Record<string, Error | 'ok'>>): RecordFetcher & { calls: string[] } {
    const calls: string[] = [];
    return {
        calls,
        fetch(input: { recordId: string; purpose: string }): Promise<FetchResult> {
            calls.push(`${input.recordId} ${input.purpose}`);
            const answer = answers[input.recordId] ?? 'ok';
            if (answer !== 'ok') {
                return Promise.reject(answer);
            }
            const entry = { recordId: input.recordId } as RecordEntry;
            return Promise.resolve({ entry, resource: {}, accessId: `a-${input.recordId}`, deliveryTxId: 'd' });
        },
    };
}

const claim: Claim = {
    claimId: 'c-1',
    claimant: 'HospitalAMSP',
    insurer: 'InsurerMSP',
    patientId: `pt${'a'.repeat(52)}`,
    serviceId: 'visit-1',
    recordIds: ['r1', 'r2', 'r3'],
    amount: { value: 1, currency: 'CNY' },
    status: 'submitted',
    submittedAt: '2030-01-01T00:00:00.000Z',
    txId: 'c-1',
    decidedAt: null,
    decisionReason: null,
    decisionTxId: null,
};

const denied = new ApiError('ACCESS_DENIED', 'denied', { extra: { reason: 'NO_CONSENT', accessId: 'a-1' } });

describe('claim verification', () => {
    const checks: [string, Error | 'ok', Omit<ClaimCheck, 'recordId'>][] = [
        ['content that matched', 'ok', { decision: 'GRANTED', reason: 'CONSENT', hashOk: true, accessId: 'a-r' }],
        ['a denial', denied, { decision: 'DENIED', reason: 'NO_CONSENT', hashOk: false, accessId: 'a-1' }],
        [
            'a denial without a reason',
            new ApiError('ACCESS_DENIED', 'denied'),
            { decision: 'DENIED', reason: 'ACCESS_DENIED', hashOk: false, accessId: null },
        ],
        [
            'a hash mismatch',
            new ApiError('INTEGRITY_FAILURE', 'mismatch', { extra: { accessId: 'a-2' } }),
            { decision: 'ERROR', reason: 'INTEGRITY_FAILURE', hashOk: false, accessId: 'a-2' },
        ],
        [
            'an unreachable custodian',
            new ApiError('PEER_UNAVAILABLE', 'down'),
            { decision: 'ERROR', reason: 'PEER_UNAVAILABLE', hashOk: false, accessId: null },
        ],
    ];
    for (const [name, answer, expected] of checks) {
        it(`reports ${name}`, async () => {
            const fetcher = fetcherOf({ r: answer });
            assert.deepEqual(await checkRecord(fetcher, 'r'), { recordId: 'r', ...expected });
            assert.deepEqual(fetcher.calls, ['r PAYMENT']);
        });
    }

    for (const error of [new ApiError('LEDGER_UNAVAILABLE', 'down'), new Error('bug')]) {
        it(`aborts on ${error instanceof ApiError ? error.code : 'an unexpected error'}`, async () => {
            await assert.rejects(checkRecord(fetcherOf({ r: error }), 'r'), error);
        });
    }

    const verdicts: [string, Record<string, Error | 'ok'>, string][] = [
        ['every record arrived and matched', {}, 'verified'],
        ['one record was denied', { r2: denied }, 'unverifiable'],
        ['one record failed its hash', { r1: new ApiError('INTEGRITY_FAILURE', 'x') }, 'unverifiable'],
    ];
    for (const [name, answers, verdict] of verdicts) {
        it(`is ${verdict} when ${name}, checking every record in order`, async () => {
            const fetcher = fetcherOf(answers);
            const result = await verifyClaim(fetcher, claim);
            assert.equal(result.claimId, 'c-1');
            assert.equal(result.verdict, verdict);
            assert.deepEqual(
                result.checks.map((check) => check.recordId),
                ['r1', 'r2', 'r3'],
            );
            assert.deepEqual(fetcher.calls, ['r1 PAYMENT', 'r2 PAYMENT', 'r3 PAYMENT']);
        });
    }
});
