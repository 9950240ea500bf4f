// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TxSimulator, type ReadWriteSet } from '../../../network/src/embedded/simulator';
import { LedgerStore } from '../../../network/src/embedded/store';
import { RecentWrites, compareKeys, validateBlock, type Candidate } from '../../../network/src/embedded/validator';

let blocks = 0;

/**
 * Commits one block writing `key = value` (as transaction 0), moving the chain's height on by one; `recent`
 * remembers it, as the ledger's does.
 */
async function commitWrite(store: LedgerStore, key: string, value: string, recent?: RecentWrites): Promise<void> {
    const number = store.head.height;
    recent?.add(number, [{ key }]);
    blocks += 1;
    await store.commitBlock({
        number,
        hash: blocks.toString(16).padStart(64, '0'),
        blockBytes: new Uint8Array(),
        writes: [
            {
                key,
                value: Buffer.from(value),
                version: { block: number, tx: 0 },
                txId: `w${String(blocks)}`,
                timestamp: 0,
            },
        ],
        transactions: [{ txId: `w${String(blocks)}`, validationCode: 'VALID' }],
    });
}

/** Simulates a transaction that reads `read`, scans [m, n) to its end and writes `write`. */
async function simulate(store: LedgerStore, read: string, write: string): Promise<ReadWriteSet> {
    const simulator = new TxSimulator(store);
    await simulator.getState(read);
    const { id } = await simulator.openRange('m', 'n');
    await simulator.closeRange(id);
    simulator.putState(write, Buffer.from('x'));
    return simulator.finish();
}

function candidate(txId: string, rwset: ReadWriteSet): Candidate {
    return { txId, timestamp: 0, rwset };
}

/** The store, counting the state reads and range scans made of it. */
function countingStore(store: LedgerStore): { store: LedgerStore; reads: () => number } {
    let reads = 0;
    const counted = {
        head: store.head,
        committedOf: (txIds: readonly string[]) => store.committedOf(txIds),
        getState: (key: string) => {
            reads += 1;
            return store.getState(key);
        },
        range: (start: string, end: string) => {
            reads += 1;
            return store.range(start, end);
        },
    } as unknown as LedgerStore;
    return { store: counted, reads: () => reads };
}

/** A store that must not be read: what a block validated without reading the store needs of it. */
function unreadableStore(height: number): LedgerStore {
    const refuse = (): never => {
        throw new Error('the store was read');
    };
    return {
        head: { height, currentHash: '' },
        committedOf: () => new Set<string>(),
        getState: refuse,
        range: refuse,
    } as unknown as LedgerStore;
}

describe('embedded ledger block validation', () => {
    let store: LedgerStore;

    beforeEach(async () => {
        store = await LedgerStore.open({ kind: 'memory' });
        await commitWrite(store, 'a', '1');
        await commitWrite(store, 'm1', '1');
    });

    afterEach(async () => {
        await store.close();
    });

    it('records the height at which a simulation began', async () => {
        assert.equal((await simulate(store, 'a', 'z')).simulatedAt, 2);
    });

    it('validates without reading the store again when no block committed since the simulation', async () => {
        const rwset = await simulate(store, 'a', 'z');
        const validation = await validateBlock(unreadableStore(2), 2, [candidate('t1', rwset)]);
        assert.deepEqual(validation.codes, ['VALID']);
        assert.deepEqual(
            validation.writes.map((write) => [write.key, write.version]),
            [['z', { block: 2, tx: 0 }]],
        );
    });

    it('still finds a key read that an earlier transaction of the same block wrote', async () => {
        const writer = await simulate(store, 'b', 'a');
        const reader = await simulate(store, 'a', 'y');
        const validation = await validateBlock(unreadableStore(2), 2, [
            candidate('t1', writer),
            candidate('t2', reader),
        ]);
        assert.deepEqual(validation.codes, ['VALID', 'MVCC_READ_CONFLICT']);
    });

    it('still finds a phantom that an earlier transaction of the same block wrote into a scanned range', async () => {
        const writer = await simulate(store, 'b', 'm2');
        const scanner = await simulate(store, 'c', 'y');
        const validation = await validateBlock(store, 2, [candidate('t1', writer), candidate('t2', scanner)]);
        assert.deepEqual(validation.codes, ['VALID', 'PHANTOM_READ_CONFLICT']);
    });

    it('checks a key read against the store when a block committed after the simulation began', async () => {
        const rwset = await simulate(store, 'a', 'z');
        await commitWrite(store, 'a', '2');
        const validation = await validateBlock(store, 3, [candidate('t1', rwset)]);
        assert.deepEqual(validation.codes, ['MVCC_READ_CONFLICT']);
    });

    it('rescans a range when a block committed after the simulation began', async () => {
        const rwset = await simulate(store, 'b', 'z');
        await commitWrite(store, 'm5', '1');
        const validation = await validateBlock(store, 3, [candidate('t1', rwset)]);
        assert.deepEqual(validation.codes, ['PHANTOM_READ_CONFLICT']);
    });

    it('validates a transaction whose reads a later block left alone', async () => {
        const rwset = await simulate(store, 'a', 'z');
        await commitWrite(store, 'q', '1');
        const validation = await validateBlock(store, 3, [candidate('t1', rwset)]);
        assert.deepEqual(validation.codes, ['VALID']);
    });
    describe('with the keys of the last blocks remembered', () => {
        it('reads nothing when the blocks committed since the simulation wrote elsewhere', async () => {
            const recent = new RecentWrites();
            const rwset = await simulate(store, 'a', 'z');
            await commitWrite(store, 'q', '1', recent);
            await commitWrite(store, 'n', '1', recent);
            const validation = await validateBlock(unreadableStore(4), 4, [candidate('t1', rwset)], recent);
            assert.deepEqual(validation.codes, ['VALID']);
        });

        it('finds a key read that one of them wrote', async () => {
            const recent = new RecentWrites();
            const rwset = await simulate(store, 'a', 'z');
            await commitWrite(store, 'q', '1', recent);
            await commitWrite(store, 'a', '2', recent);
            const validation = await validateBlock(store, 4, [candidate('t1', rwset)], recent);
            assert.deepEqual(validation.codes, ['MVCC_READ_CONFLICT']);
        });

        it('finds a phantom that one of them wrote into a scanned range', async () => {
            const recent = new RecentWrites();
            const rwset = await simulate(store, 'b', 'z');
            await commitWrite(store, 'm5', '1', recent);
            await commitWrite(store, 'q', '1', recent);
            const validation = await validateBlock(store, 4, [candidate('t1', rwset)], recent);
            assert.deepEqual(validation.codes, ['PHANTOM_READ_CONFLICT']);
        });

        it('checks in full a transaction simulated before the blocks it remembers', async () => {
            const recent = new RecentWrites(1);
            const rwset = await simulate(store, 'a', 'z');
            await commitWrite(store, 'q', '1', recent);
            await commitWrite(store, 'r', '1', recent);
            assert.equal(recent.since(2, 4), undefined);
            const counted = countingStore(store);
            const validation = await validateBlock(counted.store, 4, [candidate('t1', rwset)], recent);
            assert.deepEqual(validation.codes, ['VALID']);
            assert.equal(counted.reads(), 2, 'the key read and the range are checked against the store');
        });
    });

    it('orders keys by their UTF-8 bytes, as LevelDB does', () => {
        fc.assert(
            fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
                const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
                assert.equal(compareKeys(a, b), bytes);
            }),
        );
        assert.equal(compareKeys('\uffff', '\u{10000}'), -1);
        assert.equal(compareKeys('a\u0000b', 'a\u0000'), 1);
    });
});
