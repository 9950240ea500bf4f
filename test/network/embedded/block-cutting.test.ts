// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import type { BlockCommit } from '../../../network/src/embedded/store';
import type { LedgerClient } from '../../../network/src/embedded';
import { KvContract } from '../../fixtures/kv-contract';
import { newTestLedger, type TestLedger } from '../../helpers/ledger';

/** A gate the test opens: the ledger's block writes wait on it, so a block stays "committing" on demand. */
interface CommitGate {
    /** Resolves when a block write has begun and is held. */
    readonly held: () => Promise<void>;
    /** Lets held and later writes through. */
    open(): void;
    /** Transaction counts of the blocks written so far. */
    readonly blocks: number[];
}

function holdCommits(t: TestLedger): CommitGate {
    const store = t.ledger.store;
    const write = store.commitBlock.bind(store);
    const blocks: number[] = [];
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => (open = resolve));
    let began: () => void = () => undefined;
    const beginning = new Promise<void>((resolve) => (began = resolve));
    store.commitBlock = async (commit: BlockCommit): Promise<void> => {
        blocks.push(commit.transactions.length);
        began();
        await opened;
        await write(commit);
    };
    return { held: () => beginning, open, blocks };
}

/** Submits one put per key and resolves once all of them are queued for ordering. */
async function queueOf(t: TestLedger, client: LedgerClient, keys: readonly string[]): Promise<Promise<bigint>[]> {
    let waiting = keys.length;
    const queued = new Promise<void>((resolve) => {
        const onQueued = (): void => {
            waiting -= 1;
            if (waiting === 0) {
                t.ledger.events.off('queued', onQueued);
                resolve();
            }
        };
        t.ledger.events.on('queued', onQueued);
    });
    const submits = keys.map((key) =>
        client.submit('kv', 'put', { arguments: [key, 'v'] }).then((result) => result.blockNumber),
    );
    await queued;
    return submits;
}

describe('embedded ledger block cutting', () => {
    let t: TestLedger;
    let client: LedgerClient;

    afterEach(async () => {
        await t.close();
    });

    async function open(options: { maxBlockTransactions?: number } = {}): Promise<void> {
        t = await newTestLedger({ contracts: [KvContract], ...options });
        const org = t.orgs[0];
        assert.ok(org);
        client = t.ledger.connect(await org.identity('alice'));
    }

    it('cuts an idle ledger’s block for a lone transaction, without waiting for company', async () => {
        await open();
        const gate = holdCommits(t);
        const lone = client.submit('kv', 'put', { arguments: ['lone', 'v'] });
        await gate.held();
        assert.deepEqual(gate.blocks, [1]);
        gate.open();
        assert.equal((await lone).blockNumber, 0n);
    });

    it('puts every transaction queued while a block commits into the next block, one write for all', async () => {
        await open();
        const gate = holdCommits(t);
        const first = client.submit('kv', 'put', { arguments: ['first', 'v'] });
        await gate.held();
        const later = await queueOf(t, client, ['a', 'b', 'c', 'd']);
        gate.open();
        assert.equal((await first).blockNumber, 0n);
        const blockNumbers = await Promise.all(later);
        assert.deepEqual(new Set(blockNumbers), new Set([1n]));
        assert.deepEqual(gate.blocks, [1, 4]);
        assert.equal((await t.ledger.info()).height, 2n);
    });

    it('splits what queued meanwhile into blocks of at most maxBlockTransactions', async () => {
        await open({ maxBlockTransactions: 2 });
        const gate = holdCommits(t);
        const first = client.submit('kv', 'put', { arguments: ['first', 'v'] });
        await gate.held();
        const later = await queueOf(t, client, ['a', 'b', 'c', 'd', 'e']);
        gate.open();
        assert.equal((await first).blockNumber, 0n);
        const blockNumbers = await Promise.all(later);
        assert.deepEqual(
            blockNumbers.sort((a, b) => Number(a - b)),
            [1n, 1n, 2n, 2n, 3n],
        );
        assert.deepEqual(gate.blocks, [1, 2, 2, 1]);
    });
});
