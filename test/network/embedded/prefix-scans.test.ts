// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import fc from 'fast-check';
import { PREFIX_SCAN_END, PrefixScanCache, prefixOfScan } from '../../../network/src/embedded/prefix-scans';
import { LedgerStore, type CommittedWrite, type VersionedEntry } from '../../../network/src/embedded/store';
import { collect, newTempDir } from '../../helpers/ledger';

/** A composite key as fabric-shim builds it: U+0000, the object type, each attribute followed by U+0000. */
function compositeKey(parts: readonly string[]): string {
    return `\u0000${parts.join('\u0000')}\u0000`;
}

function entry(key: string, value: string): VersionedEntry {
    return { key, value: Buffer.from(value), version: { block: 0, tx: 0 } };
}

/** What a scan read: keys, values and versions, comparable with the model's. */
function shown(entries: readonly VersionedEntry[]): string[] {
    return entries.map((e) => `${e.key}=${Buffer.from(e.value).toString('utf8')}@${e.version.block}.${e.version.tx}`);
}

describe('prefix scans kept by the ledger store', () => {
    describe('which ranges are prefix scans', () => {
        it('takes the range fabric-shim gives a partial composite key, and no other', () => {
            const prefix = compositeKey(['consent~patient', 'p1']);
            assert.equal(prefixOfScan(prefix, prefix + PREFIX_SCAN_END), prefix);
            assert.equal(prefixOfScan('', PREFIX_SCAN_END), '');
            assert.equal(prefixOfScan(prefix, prefix + '\uffff'), undefined);
            assert.equal(prefixOfScan(prefix, ''), undefined);
            assert.equal(prefixOfScan('a', 'c'), undefined);
            // Where a bookmark restarts a paginated scan, the range no longer ends at its start's prefix end.
            assert.equal(prefixOfScan(`${prefix}k`, prefix + PREFIX_SCAN_END), undefined);
        });

        it('leaves out a prefix whose string order may not be its bytes’ order', () => {
            for (const odd of ['\uD800', '\uDC00', '\uFFFD']) {
                const prefix = compositeKey(['t', odd]);
                assert.equal(prefixOfScan(prefix, prefix + PREFIX_SCAN_END), undefined);
            }
        });
    });

    describe('the cache', () => {
        it('drops exactly the scans whose prefix starts a written key', () => {
            const cache = new PrefixScanCache(100);
            const a = compositeKey(['t', 'a']);
            const ab = compositeKey(['t', 'a', 'b']);
            const b = compositeKey(['t', 'b']);
            cache.set(a, [entry(`${a}1`, 'x')]);
            cache.set(ab, []);
            cache.set(b, [entry(`${b}1`, 'y')]);
            cache.set('', [entry(`${a}1`, 'x'), entry(`${b}1`, 'y')]);
            cache.invalidate(`${ab}c`);
            assert.equal(cache.get(a), undefined);
            assert.equal(cache.get(ab), undefined);
            assert.equal(cache.get(''), undefined);
            assert.deepEqual(
                cache.get(b)?.map((e) => e.key),
                [`${b}1`],
            );
            assert.equal(cache.size, 1);
        });

        it('holds at most its number of entries, dropping the oldest scans first', () => {
            const cache = new PrefixScanCache(3);
            cache.set('p1', [entry('p1a', '1'), entry('p1b', '2')]);
            cache.set('p2', [entry('p2a', '3')]);
            cache.set('p3', [entry('p3a', '4')]);
            assert.equal(cache.get('p1'), undefined);
            assert.equal(cache.size, 2);
            cache.set('p4', [entry('p4a', '5'), entry('p4b', '6'), entry('p4c', '7'), entry('p4d', '8')]);
            assert.equal(cache.get('p4'), undefined, 'a scan larger than the whole cache is not kept');
            assert.ok(cache.get('p2') !== undefined && cache.get('p3') !== undefined);
        });
    });

    describe('in the store', () => {
        let temp: ReturnType<typeof newTempDir>;

        beforeEach(() => {
            temp = newTempDir();
        });
        afterEach(() => {
            temp.remove();
        });

        it('answers a repeated scan from memory until a block writes into it', async () => {
            const store = await LedgerStore.open({ kind: 'level', path: join(temp.dir, 'ledger') });
            try {
                const prefix = compositeKey(['consent~patient', 'p1']);
                const put = (key: string, value: string, block: number): CommittedWrite => ({
                    key,
                    value: Buffer.from(value),
                    version: { block, tx: 0 },
                    txId: `tx-${block}`,
                    timestamp: block,
                });
                const commit = (number: number, writes: CommittedWrite[]): Promise<void> =>
                    store.commitBlock({
                        number,
                        hash: String(number).padStart(64, '0'),
                        blockBytes: Buffer.from(`block ${number}`),
                        writes,
                        transactions: [{ txId: `tx-${number}`, validationCode: 'VALID' }],
                    });
                await commit(0, [put(`${prefix}c1`, 'one', 0)]);
                const first = await collect(store.range(prefix, prefix + PREFIX_SCAN_END));
                const again = await collect(store.range(prefix, prefix + PREFIX_SCAN_END));
                assert.equal(again[0], first[0], 'the second scan returns the entries the first one read');

                await commit(1, [put(compositeKey(['consent~patient', 'p2', 'c2']), 'other', 1)]);
                assert.equal((await collect(store.range(prefix, prefix + PREFIX_SCAN_END)))[0], first[0]);

                await commit(2, [put(`${prefix}c3`, 'three', 2)]);
                assert.deepEqual(shown(await collect(store.range(prefix, prefix + PREFIX_SCAN_END))), [
                    `${prefix}c1=one@0.0`,
                    `${prefix}c3=three@2.0`,
                ]);
            } finally {
                await store.close();
            }
        });

        it('shows committed state after any mix of commits and scans, scans started before a commit included', async () => {
            const types = ['a', 'ab', 'b'];
            const ids = ['1', '2'];
            const keyArb = fc
                .tuple(fc.constantFrom(...types), fc.constantFrom(...ids), fc.constantFrom('x', 'y'))
                .map((parts) => compositeKey(parts));
            const prefixArb = fc.oneof(
                fc.constant(''),
                fc.constantFrom(...types).map((type) => compositeKey([type])),
                fc.tuple(fc.constantFrom(...types), fc.constantFrom(...ids)).map((parts) => compositeKey(parts)),
            );
            const opArb = fc.oneof(
                fc.record({
                    kind: fc.constant('commit' as const),
                    writes: fc.array(fc.tuple(keyArb, fc.option(fc.constantFrom('v', 'w'))), {
                        minLength: 1,
                        maxLength: 3,
                    }),
                    scansDuring: fc.array(prefixArb, { maxLength: 2 }),
                }),
                fc.record({ kind: fc.constant('scan' as const), prefix: prefixArb }),
            );
            let run = 0;
            await fc.assert(
                fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
                    run += 1;
                    const store = await LedgerStore.open({ kind: 'level', path: join(temp.dir, `ledger-${run}`) });
                    const model = new Map<string, string>();
                    const expected = (prefix: string): string[] =>
                        [...model.entries()]
                            .filter(([key]) => key.startsWith(prefix))
                            .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
                            .map(([key, value]) => `${key}=${value}`);
                    const scan = async (prefix: string): Promise<string[]> =>
                        (await collect(store.range(prefix, prefix + PREFIX_SCAN_END))).map(
                            (e) => `${e.key}=${Buffer.from(e.value).toString('utf8')}`,
                        );
                    try {
                        let number = 0;
                        for (const op of ops) {
                            if (op.kind === 'scan') {
                                assert.deepEqual(await scan(op.prefix), expected(op.prefix));
                                continue;
                            }
                            // Scans that read their first entry before the commit and the rest after it: they show
                            // the state they started on, and must not leave it behind for the scans after the commit.
                            const before = op.scansDuring.map((prefix) => expected(prefix));
                            const racing = op.scansDuring.map((prefix) =>
                                store.range(prefix, prefix + PREFIX_SCAN_END)[Symbol.asyncIterator](),
                            );
                            const firsts = await Promise.all(racing.map((iterator) => iterator.next()));
                            const writes = new Map(op.writes);
                            await store.commitBlock({
                                number,
                                hash: String(number).padStart(64, '0'),
                                blockBytes: Buffer.from(`block ${number}`),
                                writes: [...writes].map(([key, value], tx) => ({
                                    key,
                                    value: value === null ? null : Buffer.from(value),
                                    version: { block: number, tx },
                                    txId: `tx-${number}-${tx}`,
                                    timestamp: number,
                                })),
                                transactions: [{ txId: `tx-${number}`, validationCode: 'VALID' }],
                            });
                            number += 1;
                            for (const [key, value] of writes) {
                                if (value === null) {
                                    model.delete(key);
                                } else {
                                    model.set(key, value);
                                }
                            }
                            for (const [i, iterator] of racing.entries()) {
                                const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
                                const first = firsts[i];
                                const all = first === undefined || first.done === true ? rest : [first.value, ...rest];
                                assert.deepEqual(
                                    all.map((e) => `${e.key}=${Buffer.from(e.value).toString('utf8')}`),
                                    before[i],
                                );
                            }
                            for (const prefix of op.scansDuring) {
                                assert.deepEqual(await scan(prefix), expected(prefix));
                            }
                        }
                        for (const prefix of ['', compositeKey(['a']), compositeKey(['ab', '1'])]) {
                            assert.deepEqual(await scan(prefix), expected(prefix));
                        }
                    } finally {
                        await store.close();
                    }
                }),
                { numRuns: 60 },
            );
        });
    });
});
