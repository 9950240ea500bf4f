// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { ApiError } from '../../gateway/src/errors';
import { toLedgerApiError } from '../../gateway/src/ledger/ledger';
import { LedgerClient, toIdentityAndSigner } from '../../network/src/embedded';
import { CommitError, EndorseError, LedgerError, UnavailableError, type Ledger } from '../../network/src/ledger';
import { KvContract } from '../fixtures/kv-contract';
import { newTestLedger, type TestLedger } from '../helpers/ledger';

/** What a call failed with; fails the test when it did not fail. */
async function failureOf(call: Promise<unknown>): Promise<unknown> {
    try {
        await call;
    } catch (error) {
        return error;
    }
    assert.fail('expected a rejection');
}

describe('the embedded ledger as the gateway sees it', () => {
    let t: TestLedger;
    let client: LedgerClient;

    before(async () => {
        t = await newTestLedger({ contracts: [KvContract] });
        const org = t.orgs[0];
        assert.ok(org);
        client = t.ledger.connect(await org.identity('gateway'));
    });
    after(async () => {
        await t.close();
    });

    it('is a Ledger: the gateway uses the client as it is', async () => {
        const ledger: Ledger = client;
        assert.equal(ledger.mspId, 'Org1MSP');
        const committed = await ledger.submit('kv', 'put', { arguments: ['k', 'v'] });
        assert.equal(Buffer.from(await ledger.evaluate('kv', 'get', { arguments: ['k'] })).toString(), 'v');
        assert.equal((await ledger.getChainInfo()).height, committed.blockNumber + 1n);
    });

    it('fails a chaincode error with the interface’s EndorseError, which the gateway maps', async () => {
        const error = await failureOf(client.evaluate('kv', 'noSuchFunction'));
        assert.ok(error instanceof EndorseError);
        assert.equal(error.name, 'EndorseError');
        assert.equal(error.code, 'CHAINCODE_ERROR');
        const apiError = toLedgerApiError(error);
        assert.ok(apiError instanceof ApiError);
        assert.equal(apiError.code, 'INVALID_INPUT');
        assert.equal(apiError.cause, error);
    });

    it('maps every phase of ledger error to its API code, keeping the ledger code', () => {
        const cases = [
            { error: new EndorseError('NOT_FOUND', 'NOT_FOUND: no such record'), code: 'NOT_FOUND' },
            { error: new EndorseError('BAD_SIGNATURE', 'bad signature'), code: 'FORBIDDEN' },
            { error: new CommitError('MVCC_READ_CONFLICT', 'stale read'), code: 'CONFLICT' },
            { error: new CommitError('PHANTOM_READ_CONFLICT', 'stale range'), code: 'CONFLICT' },
            { error: new UnavailableError('node down'), code: 'LEDGER_UNAVAILABLE' },
            { error: new LedgerError('BAD_REQUEST', 'malformed'), code: 'INVALID_INPUT' },
        ];
        for (const { error, code } of cases) {
            const apiError = toLedgerApiError(error);
            assert.ok(apiError instanceof ApiError, error.name);
            assert.equal(apiError.code, code, error.code);
            assert.equal(apiError.cause, error);
            if (!(error instanceof UnavailableError)) {
                assert.equal(apiError.extra.ledgerCode, error.code);
            }
        }
    });

    it('passes anything that is not a ledger error through unchanged', () => {
        const error = new TypeError('not a ledger error');
        assert.equal(toLedgerApiError(error), error);
        assert.equal(toLedgerApiError('text'), 'text');
    });

    it('runs the owner’s onClose when the client is closed; a shared transport stays open', async () => {
        const org = t.orgs[0];
        assert.ok(org);
        const identity = await org.identity('closing');
        const closed: string[] = [];
        const owning = new LedgerClient(t.ledger, {
            ...toIdentityAndSigner(identity),
            channel: t.ledger.channel,
            chaincode: t.ledger.chaincode,
            onClose: () => closed.push('transport'),
        });
        owning.close();
        assert.deepEqual(closed, ['transport']);
        const sharing = t.ledger.connect(identity);
        sharing.close();
        // The in-process ledger, shared by every client, still answers.
        await client.getChainInfo();
    });
});
