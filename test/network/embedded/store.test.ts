// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { LedgerStore, type CommittedWrite } from '../../../network/src/embedded/store';
import { collect, newTempDir } from '../../helpers/ledger';

function write(key: string, value: string | null, block: number, tx: number): CommittedWrite {
    return {
        key,
        value: value === null ? null : Buffer.from(value),
        version: { block, tx },
        txId: `tx-${block}-${tx}`,
        timestamp: 1_000 * block + tx,
    };
}

describe('ledger store on disk', () => {
    let temp: ReturnType<typeof newTempDir>;

    beforeEach(() => {
        temp = newTempDir();
    });
    afterEach(() => {
        temp.remove();
    });

    it('reopens with the blocks, state, history, transaction index and head its commits wrote', async () => {
        const path = join(temp.dir, 'ledger');
        const writer = await LedgerStore.open({ kind: 'level', path });
        await writer.commitBlock({
            number: 0,
            hash: 'a'.repeat(64),
            blockBytes: Buffer.from('block 0'),
            writes: [write('\u0000access\u0000p1\u0000', 'one', 0, 0), write('plain', 'x', 0, 1)],
            transactions: [
                { txId: 'tx-0-0', validationCode: 'VALID' },
                { txId: 'tx-0-1', validationCode: 'VALID' },
            ],
        });
        await writer.commitBlock({
            number: 1,
            hash: 'b'.repeat(64),
            blockBytes: Buffer.from('block 1'),
            writes: [write('\u0000access\u0000p1\u0000', 'two', 1, 0), write('plain', null, 1, 0)],
            transactions: [
                { txId: 'tx-1-0', validationCode: 'VALID' },
                { txId: 'tx-1-1', validationCode: 'MVCC_READ_CONFLICT' },
            ],
        });
        await writer.close();

        const store = await LedgerStore.open({ kind: 'level', path });
        try {
            assert.deepEqual(store.head, { height: 2, currentHash: 'b'.repeat(64) });
            assert.equal(Buffer.from((await store.getBlock(0)) ?? []).toString(), 'block 0');
            assert.equal(Buffer.from((await store.getBlock(1)) ?? []).toString(), 'block 1');
            assert.equal(await store.getBlock(2), undefined);

            const state = await store.getState('\u0000access\u0000p1\u0000');
            assert.equal(Buffer.from(state?.value ?? []).toString(), 'two');
            assert.deepEqual(state?.version, { block: 1, tx: 0 });
            assert.equal(await store.getState('plain'), undefined);
            const range = await collect(store.range('', ''));
            assert.deepEqual(
                range.map((entry) => [entry.key, Buffer.from(entry.value).toString()]),
                [['\u0000access\u0000p1\u0000', 'two']],
            );

            const history = await collect(store.history('plain'));
            assert.deepEqual(
                history.map((entry) => [entry.txId, Buffer.from(entry.value).toString(), entry.isDelete]),
                [
                    ['tx-1-0', '', true],
                    ['tx-0-1', 'x', false],
                ],
            );
            assert.deepEqual([...store.committedOf(['tx-0-0', 'tx-1-1', 'tx-9-9'])].sort(), ['tx-0-0', 'tx-1-1']);
        } finally {
            await store.close();
        }

        // The bytes on disk are those a sublevel of the root database writes, so folders written by earlier
        // builds read the same.
        const raw = new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
        await raw.open();
        try {
            const keys = await raw.keys().all();
            assert.deepEqual(
                keys.map((key) => key.slice(0, 3)).filter((prefix, i, all) => all.indexOf(prefix) === i),
                ['!b!', '!h!', '!m!', '!s!', '!t!'],
            );
            assert.equal(await raw.get('!m!head'), JSON.stringify({ height: 2, currentHash: 'b'.repeat(64) }));
            const sublevel = raw.sublevel('t', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
            assert.deepEqual(JSON.parse((await sublevel.get('tx-1-1')) ?? 'null'), {
                blockNumber: 1,
                txNumber: 1,
                validationCode: 'MVCC_READ_CONFLICT',
            });
        } finally {
            await raw.close();
        }
    });
});
