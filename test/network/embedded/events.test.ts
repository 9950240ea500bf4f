// SPDX-License-Identifier: Apache-2.0
/**
 * The embedded ledger's chaincode event streams (network/src/embedded/events.ts) on a block source played by the
 * test: a stream that waits for block after block keeps no memory per block, and closing a stream that waits
 * ends it. Each gateway follows one such stream for as long as it runs, so memory kept per block grows without
 * bound (the soak, `npm run soak`, showed the ledger node's resident memory rising while it did).
 */
import { strict as assert } from 'node:assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { newBlock, type Block, type BlockTransaction } from '../../../network/src/embedded/block';
import { newEventStream, type BlockSource } from '../../../network/src/embedded/events';

/** A block whose one transaction sets an event. */
function blockWithEvent(number: number): Block {
    const tx: BlockTransaction = {
        txId: `tx${number}`,
        creator: '',
        timestamp: '2025-01-01T00:00:00.000Z',
        proposal: '',
        result: '',
        rwset: { reads: [], ranges: [], writes: [] },
        event: { name: 'Reached', payload: '' },
        validationCode: 'VALID',
    };
    return newBlock(number, '0'.repeat(64), [tx]);
}

/**
 * A chain that grows by one block each time the stream waits, up to `last`; blocks carry no event but the last.
 * Once at `last`, a wait stays pending.
 */
function growingSource(last: number): BlockSource & { readonly waits: () => number } {
    let height = 1;
    let waits = 0;
    return {
        height: () => height,
        readBlock: (number) => Promise.resolve(number === last - 1 ? blockWithEvent(number) : newBlock(number, '', [])),
        waitForHeight: () => {
            waits += 1;
            if (height >= last) {
                return new Promise<void>(() => undefined);
            }
            height += 1;
            return Promise.resolve();
        },
        closed: () => false,
        waits: () => waits,
    };
}

/** The collector, where V8 lends it (`--expose-gc` set at run time, read in a new context). */
function collector(): () => void {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
}

describe('embedded ledger event streams', () => {
    it('keeps no memory for the blocks it has waited for', async () => {
        const blocks = 100_000;
        const gc = collector();
        const source = growingSource(blocks);
        gc();
        const before = process.memoryUsage().heapUsed;
        const stream = newEventStream(source, 'healthchain', 1);
        const iterator = stream[Symbol.asyncIterator]();
        const first = await iterator.next();
        assert.equal(first.done, false);
        assert.equal(first.value.blockNumber, BigInt(blocks - 1));
        gc();
        const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
        // Kept per wait, 100,000 waits came to about 30 MB; a few MB of noise are allowed.
        assert.ok(grownMb < 8, `the heap grew by ${grownMb.toFixed(1)} MB over ${source.waits()} waits`);
        stream.close();
    });

    it('ends a stream that is waiting for the next block when it is closed', async () => {
        const source = growingSource(3);
        const stream = newEventStream(source, 'healthchain', 1);
        const iterator = stream[Symbol.asyncIterator]();
        assert.equal((await iterator.next()).done, false);
        const pending = iterator.next();
        stream.close();
        assert.deepEqual(await pending, { done: true, value: undefined });
    });
});
