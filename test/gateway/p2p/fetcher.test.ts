// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import pino from 'pino';
import { toContentHash } from '../../../gateway/src/custody/content-hash';
import { ApiError } from '../../../gateway/src/errors';
import type { AccessEvent, Organization, RecordEntry, Submitted } from '../../../gateway/src/ledger/contracts';
import type { PeerResponse } from '../../../gateway/src/p2p/client';
import { CustodyFetcher } from '../../../gateway/src/p2p/fetcher';

const SALT = 'a'.repeat(64);
const resource = { resourceType: 'Observation', status: 'final', code: { text: 'potassium' } };

function grantOf(recordId: string): Submitted<AccessEvent> {
    const event = {
        accessId: 'access-1',
        requester: 'HospitalBMSP',
        custodian: 'HospitalAMSP',
        recordId,
        decision: 'GRANTED',
        reason: 'CONSENT',
    } as AccessEvent;
    return { value: event, txId: 'access-1', blockNumber: 7n };
}

const notFound: PeerResponse = {
    status: 404,
    body: { resourceType: 'OperationOutcome', issue: [{ details: { text: 'NOT_FOUND' } }] },
};

function delivered(recordId: string): PeerResponse {
    return { status: 200, body: { recordId, resource, salt: SALT, contentHash: 'x', deliveryTxId: 'tx-9' } };
}

/** A fetcher over fakes: the custodian answers from the given list, one answer per call. */
function newFetcher(answers: PeerResponse[]): { fetcher: CustodyFetcher; calls: () => number } {
    let calls = 0;
    const fetcher = new CustodyFetcher({
        contracts: {
            requestAccess: (input) => Promise.resolve(grantOf(input.recordId)),
            readRecord: (recordId) =>
                Promise.resolve({
                    recordId,
                    custodian: 'HospitalAMSP',
                    contentHash: toContentHash(SALT, resource),
                } as RecordEntry),
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
    return { fetcher, calls: () => calls };
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
