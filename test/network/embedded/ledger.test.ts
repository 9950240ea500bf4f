// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { join } from 'node:path';
import { decodeBlock, encodeBlock } from '../../../network/src/embedded/block';
import {
    newNativeSigner,
    newSignedProposal,
    type EmbeddedLedger,
    type LedgerClient,
} from '../../../network/src/embedded';
import { CommitError, EndorseError } from '../../../network/src/ledger';
import { KvContract } from '../../fixtures/kv-contract';
import { newTempDir, newTestLedger, type TestLedger } from '../../helpers/ledger';
import { newTestOrg, type TestIdentity } from '../../helpers/pki';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

async function heightOf(ledger: EmbeddedLedger): Promise<bigint> {
    return (await ledger.info()).height;
}

async function rejects(
    promise: Promise<unknown>,
    type: typeof EndorseError | typeof CommitError,
    code: string,
): Promise<void> {
    await assert.rejects(promise, (error: unknown) => {
        assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
        assert.equal(error.code, code);
        return true;
    });
}

/** The ways of running the chaincode (the ledger's thread, endorser workers) and of checking signatures. */
const modes = [
    { name: 'chaincode in the ledger thread', options: {} },
    {
        name: 'chaincode in endorser workers',
        options: {
            endorsers: {
                module: join(__dirname, '..', '..', 'fixtures', 'kv-contract.js'),
                exportName: 'KvContract',
                workers: 2,
            },
        },
    },
    {
        name: 'signatures of concurrent proposals checked in the ledger thread',
        options: { signatureChecks: 'ledger-thread' },
    },
] as const;

for (const mode of modes) {
    describe(`embedded ledger (${mode.name})`, () => {
        let t: TestLedger;
        let alice: TestIdentity;
        let client: LedgerClient;

        beforeEach(async () => {
            t = await newTestLedger({ contracts: [KvContract], ...mode.options });
            alice = await (await newTestOrg('Org1MSP')).identity('alice');
            client = t.ledger.connect(alice);
        });

        afterEach(async () => {
            await t.close();
        });

        describe('simulation', () => {
            it('returns the committed value, not the transaction’s own write, on a read after a write', async () => {
                await client.submit('kv', 'put', { arguments: ['k', 'old'] });
                const result = await client.submit('kv', 'putThenGet', { arguments: ['k', 'new'] });
                assert.equal(text(result.result), 'old');
                assert.equal(text(await client.evaluate('kv', 'get', { arguments: ['k'] })), 'new');
            });

            it('returns an empty value for a missing key', async () => {
                assert.equal(text(await client.evaluate('kv', 'get', { arguments: ['missing'] })), '');
            });

            it('gives the chaincode the caller’s MSP id, certificate, transaction id, timestamp and transient data', async () => {
                const timestamp = new Date(Date.now() - 5_000);
                const who = JSON.parse(
                    text(
                        await client.evaluate('kv', 'whoAmI', {
                            transientData: { secret: Buffer.from('s3') },
                            timestamp,
                        }),
                    ),
                ) as { mspId: string; id: string; channel: string; time: string; transient: Record<string, string> };
                assert.equal(who.mspId, 'Org1MSP');
                assert.match(who.id, /CN=alice/);
                assert.equal(who.channel, 'testchannel');
                assert.equal(who.time, timestamp.toISOString());
                assert.deepEqual(who.transient, { secret: 's3' });
            });

            it('keeps the defaults of options given as undefined', async () => {
                await t.close();
                t = await newTestLedger({
                    contracts: [KvContract],
                    maxBlockTransactions: undefined,
                    batchTimeoutMs: undefined,
                    ...mode.options,
                });
                client = t.ledger.connect(alice);
                const committed = await client.submit('kv', 'put', { arguments: ['d', '1'] });
                assert.equal(committed.blockNumber, 0n);
                assert.equal(await heightOf(t.ledger), 1n);
            });

            it('does not apply an evaluated transaction’s writes', async () => {
                await client.evaluate('kv', 'put', { arguments: ['e', '1'] });
                assert.equal(text(await client.evaluate('kv', 'get', { arguments: ['e'] })), '');
                assert.equal(await heightOf(t.ledger), 0n);
            });

            it('refuses rich queries, which LevelDB state cannot run', async () => {
                await assert.rejects(client.evaluate('kv', 'richQuery'), (error: unknown) => {
                    assert.ok(error instanceof EndorseError);
                    assert.match(error.message, /not supported for leveldb/);
                    return true;
                });
            });

            it('refuses private data and chaincode-to-chaincode calls with a clear error', async () => {
                await assert.rejects(
                    client.evaluate('kv', 'privateGet', { arguments: ['secrets', 'k'] }),
                    (error: unknown) => {
                        assert.ok(error instanceof EndorseError);
                        assert.match(error.message, /private data collections are not supported/);
                        return true;
                    },
                );
                await assert.rejects(client.submit('kv', 'invokeOther', { arguments: ['other'] }), (error: unknown) => {
                    assert.ok(error instanceof EndorseError);
                    assert.match(error.message, /chaincode-to-chaincode invocation is not supported/);
                    return true;
                });
                assert.equal(await heightOf(t.ledger), 0n);
            });

            it('refuses a write after a paginated query, as Fabric does', async () => {
                await assert.rejects(client.submit('kv', 'pageThenPut', { arguments: ['a', 'z'] }), EndorseError);
                assert.equal(await heightOf(t.ledger), 0n);
            });

            it('reports a chaincode failure with the chaincode’s code and writes nothing', async () => {
                await rejects(client.submit('kv', 'fail', { arguments: ['NOT_FOUND'] }), EndorseError, 'NOT_FOUND');
                assert.equal(await heightOf(t.ledger), 0n);
            });
        });

        describe('queries', () => {
            beforeEach(async () => {
                for (const [i, patient] of ['p1', 'p1', 'p1', 'p2', 'p1'].entries()) {
                    await client.submit('kv', 'putComposite', {
                        arguments: ['visit', JSON.stringify([patient, `v${i}`]), String(i)],
                    });
                }
                for (const key of ['a', 'b', 'c', 'd', 'e']) {
                    await client.submit('kv', 'put', { arguments: [key, key.toUpperCase()] });
                }
            });

            it('scans a key range, end exclusive, in key order', async () => {
                assert.deepEqual(JSON.parse(text(await client.evaluate('kv', 'range', { arguments: ['b', 'e'] }))), [
                    'b',
                    'c',
                    'd',
                ]);
            });

            it('scans a partial composite key', async () => {
                const found: unknown = JSON.parse(
                    text(await client.evaluate('kv', 'partial', { arguments: ['visit', '["p1"]'] })),
                );
                assert.deepEqual(found, [
                    ['p1', 'v0'],
                    ['p1', 'v1'],
                    ['p1', 'v2'],
                    ['p1', 'v4'],
                ]);
            });

            it('pages a partial composite key with bookmarks', async () => {
                const page = async (
                    bookmark: string,
                ): Promise<{ attributes: string[][]; bookmark: string; count: number }> =>
                    JSON.parse(
                        text(
                            await client.evaluate('kv', 'partialPage', {
                                arguments: ['visit', '["p1"]', '3', bookmark],
                            }),
                        ),
                    ) as { attributes: string[][]; bookmark: string; count: number };
                const first = await page('');
                assert.deepEqual(first.attributes, [
                    ['p1', 'v0'],
                    ['p1', 'v1'],
                    ['p1', 'v2'],
                ]);
                assert.equal(first.count, 3);
                assert.notEqual(first.bookmark, '');
                const second = await page(first.bookmark);
                assert.deepEqual(second.attributes, [['p1', 'v4']]);
                assert.equal(second.bookmark, '');
            });

            it('pages a key range with bookmarks', async () => {
                const page = async (bookmark: string): Promise<{ keys: string[]; bookmark: string }> =>
                    JSON.parse(
                        text(await client.evaluate('kv', 'rangePage', { arguments: ['a', 'z', '2', bookmark] })),
                    ) as {
                        keys: string[];
                        bookmark: string;
                    };
                const pages: string[][] = [];
                let bookmark = '';
                do {
                    const next = await page(bookmark);
                    pages.push(next.keys);
                    bookmark = next.bookmark;
                } while (bookmark !== '');
                assert.deepEqual(pages, [['a', 'b'], ['c', 'd'], ['e']]);
            });

            it('returns a key’s history newest first, deletes included, as Fabric 2.x does', async () => {
                const first = await client.submit('kv', 'put', { arguments: ['h', '1'] });
                const second = await client.submit('kv', 'put', { arguments: ['h', '2'] });
                const third = await client.submit('kv', 'del', { arguments: ['h'] });
                const history: unknown = JSON.parse(text(await client.evaluate('kv', 'history', { arguments: ['h'] })));
                assert.deepEqual(history, [
                    { txId: third.txId, value: '', isDelete: true },
                    { txId: second.txId, value: '2', isDelete: false },
                    { txId: first.txId, value: '1', isDelete: false },
                ]);
            });
        });

        describe('ordering and validation', () => {
            /** A ledger that cuts a block only at two transactions, so two submissions share one block. */
            async function reopenWithTwoTransactionBlocks(): Promise<void> {
                await t.close();
                t = await newTestLedger({
                    contracts: [KvContract],
                    maxBlockTransactions: 2,
                    batchTimeoutMs: 10_000,
                    ...mode.options,
                });
                client = t.ledger.connect(alice);
            }

            it('commits one of two concurrent read-modify-writes of a key and marks the other MVCC_READ_CONFLICT', async () => {
                await reopenWithTwoTransactionBlocks();
                const results = await Promise.allSettled([
                    client.submit('kv', 'increment', { arguments: ['counter'] }),
                    client.submit('kv', 'increment', { arguments: ['counter'] }),
                ]);
                const fulfilled = results.filter((r) => r.status === 'fulfilled');
                const rejected = results.filter((r) => r.status === 'rejected');
                assert.equal(fulfilled.length, 1);
                assert.equal(rejected.length, 1);
                const error: unknown = rejected[0]?.reason;
                assert.ok(error instanceof CommitError);
                assert.equal(error.code, 'MVCC_READ_CONFLICT');
                assert.equal(text(await client.evaluate('kv', 'get', { arguments: ['counter'] })), '1');
            });

            it('marks a range scan whose result changed before commit as PHANTOM_READ_CONFLICT', async () => {
                await reopenWithTwoTransactionBlocks();
                // The put is queued first; the scan is then simulated before the block (of both) commits.
                const putQueued = once(t.ledger.events, 'queued');
                const putting = client.submit('kv', 'put', { arguments: ['m2', 'x'] });
                await putQueued;
                const counting = client.submit('kv', 'countRangeThenPut', { arguments: ['m', 'n', 'count'] });
                const [put, count] = await Promise.allSettled([putting, counting]);
                assert.equal(put.status, 'fulfilled');
                assert.ok(count.status === 'rejected', 'the range scan should have been invalidated');
                const error: unknown = count.reason;
                assert.ok(error instanceof CommitError);
                assert.equal(error.code, 'PHANTOM_READ_CONFLICT');
            });

            it('hash-chains blocks and verifies the chain', async () => {
                for (let i = 0; i < 5; i++) {
                    await client.submit('kv', 'put', { arguments: [`k${i}`, String(i)] });
                }
                const verification = await t.ledger.verify();
                assert.deepEqual(verification, { ok: true, height: 5, checked: 5 });
            });

            it('answers a block’s submitters before its event streams read it, and the streams still get it', async () => {
                const events = await client.chaincodeEvents({ startBlock: await heightOf(t.ledger) });
                const seen: string[] = [];
                const reading = (async () => {
                    for await (const event of events) {
                        seen.push(event.eventName);
                        return;
                    }
                })();
                await client.submit('kv', 'emit', { arguments: ['e', 'Emitted'] });
                // What an answer written at the end of this turn (a proposal channel's) would still precede.
                await new Promise<void>((resolve) => {
                    process.nextTick(resolve);
                });
                assert.deepEqual(seen, []);
                await reading;
                events.close();
                assert.deepEqual(seen, ['Emitted']);
            });
        });

        describe('identities and proposals', () => {
            it('rejects a proposal whose signature was made with another key, and writes nothing', async () => {
                const mallory = await (await newTestOrg('Org1MSP')).identity('mallory');
                const proposal = await newSignedProposal(
                    { channel: 'testchannel', chaincode: 'testcc', fn: 'kv:put', args: ['x', '1'] },
                    { mspId: 'Org1MSP', credentials: Buffer.from(alice.certPem) },
                    newNativeSigner(mallory.privateKey),
                );
                await rejects(t.ledger.submit(proposal.bytes), EndorseError, 'BAD_SIGNATURE');
                assert.equal(await heightOf(t.ledger), 0n);
            });

            it('rejects a bad signature whether it is verified alone or beside other proposals', async () => {
                const mallory = await (await newTestOrg('Org1MSP')).identity('mallory');
                const put = async (key: string, value: string, signer: TestIdentity): Promise<Uint8Array> =>
                    (
                        await newSignedProposal(
                            { channel: 'testchannel', chaincode: 'testcc', fn: 'kv:put', args: [key, value] },
                            { mspId: 'Org1MSP', credentials: Buffer.from(alice.certPem) },
                            newNativeSigner(signer.privateKey),
                        )
                    ).bytes;
                const [forged1, valid1, valid2, forged2] = await Promise.all([
                    put('f1', '1', mallory),
                    put('ok', '1', alice),
                    put('ok', '2', alice),
                    put('f2', '1', mallory),
                ]);
                // Each submit runs up to its first wait before the next starts: the first forgery is checked
                // alone (on the ledger's thread), the second while a valid proposal is simulated (on the thread
                // pool, or on the ledger's thread when `signatureChecks` says so).
                const [alone, after] = await Promise.allSettled([t.ledger.submit(forged1), t.ledger.submit(valid1)]);
                const [before, beside] = await Promise.allSettled([t.ledger.submit(valid2), t.ledger.submit(forged2)]);
                for (const refused of [alone, beside]) {
                    assert.equal(refused.status, 'rejected');
                    assert.ok(refused.reason instanceof EndorseError);
                    assert.equal(refused.reason.code, 'BAD_SIGNATURE');
                }
                assert.deepEqual([after.status, before.status], ['fulfilled', 'fulfilled']);
                assert.equal(text(await client.evaluate('kv', 'get', { arguments: ['ok'] })), '2');
                assert.equal(text(await client.evaluate('kv', 'get', { arguments: ['f2'] })), '');
            });

            it('rejects an identity from a CA outside the region', async () => {
                const outsider = await (await newTestOrg('OutsiderMSP')).identity('eve');
                await rejects(
                    t.ledger.connect({ ...outsider, mspId: 'Org1MSP' }).submit('kv', 'put', { arguments: ['x', '1'] }),
                    EndorseError,
                    'UNKNOWN_IDENTITY',
                );
                await rejects(
                    t.ledger.connect(outsider).submit('kv', 'put', { arguments: ['x', '1'] }),
                    EndorseError,
                    'UNKNOWN_IDENTITY',
                );
                assert.equal(await heightOf(t.ledger), 0n);
            });

            it('rejects a certificate of another organisation presented under this one’s MSP id', async () => {
                const bob = await (await newTestOrg('Org2MSP')).identity('bob');
                await rejects(
                    t.ledger.connect({ ...bob, mspId: 'Org1MSP' }).submit('kv', 'put', { arguments: ['x', '1'] }),
                    EndorseError,
                    'UNKNOWN_IDENTITY',
                );
                assert.equal(await heightOf(t.ledger), 0n);
            });

            it('rejects a replayed transaction id', async () => {
                const proposal = await newSignedProposal(
                    { channel: 'testchannel', chaincode: 'testcc', fn: 'kv:increment', args: ['r'] },
                    { mspId: 'Org1MSP', credentials: Buffer.from(alice.certPem) },
                    newNativeSigner(alice.privateKey),
                );
                await t.ledger.submit(proposal.bytes);
                await rejects(t.ledger.submit(proposal.bytes), EndorseError, 'DUPLICATE_TXID');
                assert.equal(await heightOf(t.ledger), 1n);
                assert.equal(text(await client.evaluate('kv', 'get', { arguments: ['r'] })), '1');
            });

            it('rejects a proposal timestamped more than a minute from the ledger’s clock', async () => {
                await rejects(
                    client.submit('kv', 'put', { arguments: ['x', '1'], timestamp: new Date(Date.now() + 120_000) }),
                    EndorseError,
                    'CLOCK_SKEW',
                );
                await rejects(
                    client.submit('kv', 'put', { arguments: ['x', '1'], timestamp: new Date(Date.now() - 120_000) }),
                    EndorseError,
                    'CLOCK_SKEW',
                );
            });

            it('rejects bytes that are not a proposal', async () => {
                await rejects(t.ledger.submit(Buffer.from('not a proposal')), EndorseError, 'BAD_PROPOSAL');
            });
        });
    });
}

describe('embedded ledger on disk', () => {
    it('replays chaincode events from block N after a restart', async () => {
        const temp = newTempDir();
        const path = `${temp.dir}/ledger`;
        try {
            const alice = await (await newTestOrg('Org1MSP')).identity('alice');
            let t = await newTestLedger({ contracts: [KvContract], onDisk: path });
            for (let i = 0; i < 4; i++) {
                await t.ledger.connect(alice).submit('kv', 'emit', { arguments: [`k${i}`, `Event${i}`] });
            }
            await t.close();

            t = await newTestLedger({ contracts: [KvContract], onDisk: path });
            const client = t.ledger.connect(alice);
            const events = await client.chaincodeEvents({ startBlock: 2n });
            const seen: string[] = [];
            const live = client.submit('kv', 'emit', { arguments: ['k4', 'Event4'] });
            for await (const event of events) {
                seen.push(`${event.blockNumber}:${event.eventName}:${text(event.payload)}`);
                if (seen.length === 3) {
                    break;
                }
            }
            events.close();
            await live;
            assert.deepEqual(seen, ['2:Event2:{"key":"k2"}', '3:Event3:{"key":"k3"}', '4:Event4:{"key":"k4"}']);
            await t.close();
        } finally {
            temp.remove();
        }
    });

    it('marks DUPLICATE_TXID at commit a proposal replayed after a restart, from the transaction index', async () => {
        const temp = newTempDir();
        const path = `${temp.dir}/ledger`;
        try {
            const alice = await (await newTestOrg('Org1MSP')).identity('alice');
            const proposal = await newSignedProposal(
                { channel: 'testchannel', chaincode: 'testcc', fn: 'kv:increment', args: ['r'] },
                { mspId: 'Org1MSP', credentials: Buffer.from(alice.certPem) },
                newNativeSigner(alice.privateKey),
            );
            let t = await newTestLedger({ contracts: [KvContract], onDisk: path });
            await t.ledger.submit(proposal.bytes);
            await t.close();

            // The reopened ledger has no memory of recent ids: only the stored index can refuse the replay.
            t = await newTestLedger({ contracts: [KvContract], onDisk: path });
            try {
                await rejects(t.ledger.submit(proposal.bytes), CommitError, 'DUPLICATE_TXID');
                assert.equal(await heightOf(t.ledger), 2n);
                const block = decodeBlock((await t.ledger.store.getBlock(1)) ?? new Uint8Array());
                assert.deepEqual(
                    block.data.map((tx) => tx.validationCode),
                    ['DUPLICATE_TXID'],
                );
                const client = t.ledger.connect(alice);
                assert.equal(text(await client.evaluate('kv', 'get', { arguments: ['r'] })), '1');
            } finally {
                await t.close();
            }
        } finally {
            temp.remove();
        }
    });

    it('names the first tampered block when verifying the chain', async () => {
        const temp = newTempDir();
        try {
            const alice = await (await newTestOrg('Org1MSP')).identity('alice');
            const t = await newTestLedger({ contracts: [KvContract], onDisk: `${temp.dir}/ledger` });
            for (let i = 0; i < 5; i++) {
                await t.ledger.connect(alice).submit('kv', 'put', { arguments: ['k', String(i)] });
            }
            const bytes = await t.ledger.store.getBlock(2);
            assert.ok(bytes);
            const block = decodeBlock(bytes);
            const tx = block.data[0];
            assert.ok(tx);
            const forged = { ...block, data: [{ ...tx, result: Buffer.from('forged').toString('base64') }] };
            await t.ledger.store.overwriteBlockForTest(2, encodeBlock(forged));
            const verification = await t.ledger.verify();
            assert.equal(verification.ok, false);
            assert.equal(verification.firstBadBlock, 2);
            assert.equal(verification.checked, 2);
            await t.close();
        } finally {
            temp.remove();
        }
    });
});
