// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import pino from 'pino';
import { toContentHash } from '../../../gateway/src/custody/content-hash';
import { ApiError } from '../../../gateway/src/errors';
import type { AccessRequestResult, Organization, RecordEntry, Submitted } from '../../../gateway/src/ledger/contracts';
import type { PeerResponse } from '../../../gateway/src/p2p/client';
import { CustodyFetcher } from '../../../gateway/src/p2p/fetcher';

const SALT = 'a'.repeat(64);
const resource = { resourceType: 'Observation', status: 'final', code: { text: 'potassium' } };

function grantOf(recordId: string, record?: RecordEntry): Submitted<AccessRequestResult> {
    const event = {
        ...(record === undefined ? {} : { record }),
        accessId: 'access-1',
        requester: 'HospitalBMSP',
        custodian: 'HospitalAMSP',
        recordId,
        decision: 'GRANTED',
        reason: 'CONSENT',
    } as AccessRequestResult;
    return { value: event, txId: 'access-1', blockNumber: 7n };
}

const notFound: PeerResponse = {
    status: 404,
    body: { resourceType: 'OperationOutcome', issue: [{ details: { text: 'NOT_FOUND' } }] },
};

function delivered(recordId: string): PeerResponse {
    return { status: 200, body: { recordId, resource, salt: SALT, contentHash: 'x', deliveryTxId: 'tx-9' } };
}

function entryOf(recordId: string, content: object = resource): RecordEntry {
    return { recordId, custodian: 'HospitalAMSP', contentHash: toContentHash(SALT, content) } as RecordEntry;
}

/**
 * A fetcher over fakes: the custodian answers from the given list, one answer per call; the grant carries
 * `entryInGrant` when given (a chaincode that returns the entry with the grant), else none (an older one).
 */
function newFetcher(
    answers: PeerResponse[],
    entryInGrant?: RecordEntry,
): { fetcher: CustodyFetcher; calls: () => number; reads: () => number } {
    let calls = 0;
    let reads = 0;
    const fetcher = new CustodyFetcher({
        contracts: {
            requestAccess: (input) => Promise.resolve(grantOf(input.recordId, entryInGrant)),
            readRecord: (recordId) => {
                reads += 1;
                return Promise.resolve(entryOf(recordId));
            },
        },
        directory: {
            readOrganization: (mspId) =>
                Promise.resolve({ mspId, p2pUrl: 'https://127.0.0.1:1', tlsCertPem: 'pinned' } as Organization),
        },
        p2p: {
            requestDelivery: () => {
                calls += 1;
                return Promise.resolve(answers[Math.min(calls, answers.length) - 1] ?? notFound);
            },
        },
        logger: pino({ level: 'silent' }),
    });
    return { fetcher, calls: () => calls, reads: () => reads };
}

describe('record fetcher (requester side)', () => {
    it('asks a custodian that does not know the grant yet again, and returns the verified content', async () => {
        const { fetcher, calls } = newFetcher([notFound, notFound, delivered('rec-1')]);
        const fetched = await fetcher.fetch({ recordId: 'rec-1', purpose: 'TREATMENT' });
        assert.deepEqual(fetched.resource, resource);
        assert.equal(fetched.deliveryTxId, 'tx-9');
        assert.equal(calls(), 3);
    });

    it('gives up after a few answers of NOT_FOUND with PEER_UNAVAILABLE and no content', async () => {
        const { fetcher, calls } = newFetcher([notFound]);
        await assert.rejects(fetcher.fetch({ recordId: 'rec-1', purpose: 'TREATMENT' }), (error: unknown) => {
            assert.ok(error instanceof ApiError);
            assert.equal(error.code, 'PEER_UNAVAILABLE');
            return true;
        });
        assert.equal(calls(), 5);
    });

    it('checks the content against the entry the grant carries, without reading the ledger again', async () => {
        const { fetcher, reads } = newFetcher([delivered('rec-1')], entryOf('rec-1'));
        const fetched = await fetcher.fetch({ recordId: 'rec-1', purpose: 'TREATMENT' });
        assert.deepEqual(fetched.resource, resource);
        assert.deepEqual(fetched.entry, entryOf('rec-1'));
        assert.equal(reads(), 0);
    });

    it('refuses content that matches the ledger’s entry read later but not the one in the grant', async () => {
        const { fetcher } = newFetcher([delivered('rec-1')], entryOf('rec-1', { ...resource, status: 'amended' }));
        await assert.rejects(fetcher.fetch({ recordId: 'rec-1', purpose: 'TREATMENT' }), (error: unknown) => {
            assert.ok(error instanceof ApiError);
            assert.equal(error.code, 'INTEGRITY_FAILURE');
            return true;
        });
    });

    it('reads the entry when the grant carries none, or one for another record', async () => {
        const older = newFetcher([delivered('rec-1')]);
        await older.fetcher.fetch({ recordId: 'rec-1', purpose: 'TREATMENT' });
        assert.equal(older.reads(), 1);
        const other = newFetcher([delivered('rec-1')], entryOf('rec-2'));
        const fetched = await other.fetcher.fetch({ recordId: 'rec-1', purpose: 'TREATMENT' });
        assert.equal(fetched.entry.recordId, 'rec-1');
        assert.equal(other.reads(), 1);
    });

    it('returns nothing when the content fails the ledger’s hash', async () => {
        const tampered = delivered('rec-1');
        const { fetcher } = newFetcher([
            { ...tampered, body: { ...(tampered.body as object), resource: { ...resource, status: 'amended' } } },
        ]);
        await assert.rejects(fetcher.fetch({ recordId: 'rec-1', purpose: 'TREATMENT' }), (error: unknown) => {
            assert.ok(error instanceof ApiError);
            assert.equal(error.code, 'INTEGRITY_FAILURE');
            return true;
        });
    });
});
