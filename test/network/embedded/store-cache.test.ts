// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { LedgerStore, type CommittedWrite } from '../../../network/src/embedded/store';

function write(key: string, value: string | null, block: number): CommittedWrite {
    return {
        key,
        value: value === null ? null : Buffer.from(value),
        version: { block, tx: 0 },
        txId: `tx-${block}`,
        timestamp: 0,
    };
}

async function commit(store: LedgerStore, writes: readonly CommittedWrite[]): Promise<void> {
    const number = store.head.height;
    await store.commitBlock({
        number,
        hash: String(number).padStart(64, '0'),
        blockBytes: Buffer.from('{}'),
        writes,
        transactions: [{ txId: `tx-${number}`, validationCode: 'VALID' }],
    });
}

async function valueOf(store: LedgerStore, key: string): Promise<string | undefined> {
    const state = await store.getState(key);
    return state === undefined ? undefined : Buffer.from(state.value).toString();
}

describe('ledger store reads of committed state', () => {
    let store: LedgerStore;

    beforeEach(async () => {
        store = await LedgerStore.open({ kind: 'memory' });
    });
    afterEach(async () => {
        await store.close();
    });

    it('reads what each block committed, a deletion included, after reading the key before', async () => {
        assert.equal(await valueOf(store, 'k'), undefined);
        await commit(store, [write('k', 'v1', 0)]);
        assert.equal(await valueOf(store, 'k'), 'v1');
        await commit(store, [write('k', 'v2', 1), write('other', 'x', 1)]);
        assert.deepEqual((await store.getState('k'))?.version, { block: 1, tx: 0 });
        assert.equal(await valueOf(store, 'k'), 'v2');
        await commit(store, [write('k', null, 2)]);
        assert.equal(await valueOf(store, 'k'), undefined);
    });

    it('does not keep a read that a commit overtook', async () => {
        await commit(store, [write('k', 'v1', 0)]);
        const reading = valueOf(store, 'k');
        await commit(store, [write('k', 'v2', 1)]);
        assert.ok(['v1', 'v2'].includes((await reading) ?? ''));
        assert.equal(await valueOf(store, 'k'), 'v2');
    });

    it('keeps the last of several writes of one key in a block', async () => {
        await commit(store, [write('k', 'first', 0), write('k', 'last', 0)]);
        assert.equal(await valueOf(store, 'k'), 'last');
    });
});
