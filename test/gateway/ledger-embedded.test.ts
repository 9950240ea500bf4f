// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { fromEmbeddedError, fromLedgerClient, type EmbeddedLedgerClient } from '../../gateway/src/ledger/embedded';
import {
    CommitError,
    EndorseError,
    LedgerError,
    UnavailableError,
    toLedgerApiError,
    type ChaincodeEvent,
    type CloseableAsyncIterable,
} from '../../gateway/src/ledger/ledger';
import { ApiError } from '../../gateway/src/errors';
import * as embedded from '../../network/src/embedded';

const EVENT: ChaincodeEvent = {
    blockNumber: 3n,
    transactionId: 'tx-event',
    chaincodeName: 'healthchain',
    eventName: 'RecordAnchored',
    payload: new Uint8Array(),
};

/** An embedded client whose every call fails with `error`, and whose event stream fails after one event. */
function failingClient(error: unknown, closed: string[]): EmbeddedLedgerClient {
    const fail = (): Promise<never> => Promise.reject(error instanceof Error ? error : new Error(String(error)));
    const events: CloseableAsyncIterable<ChaincodeEvent> = {
        close: () => closed.push('stream'),
        async *[Symbol.asyncIterator](): AsyncIterator<ChaincodeEvent> {
            yield await Promise.resolve(EVENT);
            throw error;
        },
    };
    return {
        mspId: 'Org1MSP',
        submit: fail,
        evaluate: fail,
        chaincodeEvents: () => Promise.resolve(events),
        getChainInfo: fail,
        verifyChain: fail,
        close: () => closed.push('client'),
    };
}

describe('the embedded ledger adapter', () => {
    const cases = [
        {
            from: new embedded.EndorseError('NOT_FOUND', 'NOT_FOUND: no such record', { txId: 'tx1' }),
            to: EndorseError,
            name: 'EndorseError',
        },
        {
            from: new embedded.CommitError('MVCC_READ_CONFLICT', 'invalidated', { txId: 'tx2' }),
            to: CommitError,
            name: 'CommitError',
        },
        {
            from: new embedded.UnavailableError('node down', { txId: 'tx3' }),
            to: UnavailableError,
            name: 'UnavailableError',
        },
        { from: new embedded.LedgerError('BAD_REQUEST', 'malformed'), to: LedgerError, name: 'LedgerError' },
    ];

    for (const { from, to, name } of cases) {
        it(`turns the embedded ledger's ${name} into the gateway's, with its code, transaction id and message`, () => {
            const converted = fromEmbeddedError(from);
            assert.ok(converted instanceof to);
            assert.ok(!(converted instanceof embedded.LedgerError));
            assert.equal(converted.name, name);
            assert.equal(converted.code, from.code);
            assert.equal(converted.txId, from.txId);
            assert.equal(converted.message, from.message);
            assert.equal(converted.cause, from);
        });
    }

    it('keeps the API mapping of every converted error', () => {
        for (const { from } of cases) {
            const apiError = toLedgerApiError(fromEmbeddedError(from));
            assert.ok(apiError instanceof ApiError);
        }
        const unavailable = toLedgerApiError(fromEmbeddedError(new embedded.UnavailableError('down')));
        assert.ok(unavailable instanceof ApiError && unavailable.code === 'LEDGER_UNAVAILABLE');
        const conflict = toLedgerApiError(fromEmbeddedError(new embedded.CommitError('MVCC_READ_CONFLICT', 'stale')));
        assert.ok(conflict instanceof ApiError && conflict.code === 'CONFLICT');
        assert.equal(conflict.extra.ledgerCode, 'MVCC_READ_CONFLICT');
    });

    it('passes anything else through unchanged', () => {
        const error = new TypeError('not a ledger error');
        assert.equal(fromEmbeddedError(error), error);
        assert.equal(fromEmbeddedError('text'), 'text');
    });

    it('converts what every call and the event stream throw, and closes client and transport', async () => {
        const closed: string[] = [];
        const ledger = fromLedgerClient(
            failingClient(new embedded.CommitError('MVCC_READ_CONFLICT', 'x'), closed),
            () => closed.push('transport'),
        );
        assert.equal(ledger.mspId, 'Org1MSP');
        await assert.rejects(ledger.submit('record', 'anchorRecord'), CommitError);
        await assert.rejects(ledger.evaluate('record', 'readRecord'), CommitError);
        await assert.rejects(ledger.getChainInfo(), CommitError);
        await assert.rejects(ledger.verifyChain(), CommitError);

        const stream = await ledger.chaincodeEvents({ startBlock: 3n });
        const seen: ChaincodeEvent[] = [];
        await assert.rejects(async () => {
            for await (const event of stream) {
                seen.push(event);
            }
        }, CommitError);
        assert.deepEqual(seen, [EVENT]);
        stream.close();
        ledger.close();
        assert.deepEqual(closed, ['stream', 'client', 'transport']);
    });
});
