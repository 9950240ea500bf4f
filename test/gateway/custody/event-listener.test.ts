// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from '../../../gateway/src/events/checkpoint';
import { ChaincodeEventListener } from '../../../gateway/src/events/listener';
import { LedgerContracts } from '../../../gateway/src/ledger/contracts';
import type { ChaincodeEvent, CloseableAsyncIterable, CommitResult, Ledger } from '../../../network/src/ledger';
import { anchor, grant, request, revoke } from '../../chaincode/helpers/acts';
import { Msp, newRegion, type Region } from '../../chaincode/helpers/region';
import { KvContract } from '../../fixtures/kv-contract';
import { newTempDir, newTestLedger, type TestLedger } from '../../helpers/ledger';
import { ProbeLedger } from '../../helpers/probe-ledger';

const logger = pino({ level: 'silent' });

/** A ledger whose next event stream fails just before one event of one block. */
class BreakingLedger extends ProbeLedger {
    breakAt: { readonly blockNumber: bigint; readonly index: number } | undefined;
    /** Streams broken so far. */
    broken = 0;

    override async chaincodeEvents(options?: {
        readonly startBlock?: bigint;
    }): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        const inner = await super.chaincodeEvents(options);
        const breakAt = this.breakAt;
        this.breakAt = undefined;
        const onBreak = (): void => {
            this.broken += 1;
        };
        if (breakAt === undefined) {
            return inner;
        }
        async function* breaking(): AsyncGenerator<ChaincodeEvent> {
            let index = 0;
            for await (const event of inner) {
                if (event.blockNumber === breakAt?.blockNumber) {
                    if (index === breakAt.index) {
                        onBreak();
                        throw new Error('stream broke');
                    }
                    index += 1;
                }
                yield event;
            }
        }
        const iterator = breaking();
        return {
            [Symbol.asyncIterator]: () => iterator,
            close: () => {
                inner.close();
            },
        };
    }
}

let keys = 0;

/** Emits three events at once, so that they share a block; returns their transactions. */
async function emitThree(client: Ledger): Promise<CommitResult[]> {
    const results = await Promise.all(
        [1, 2, 3].map(() => client.submit('kv', 'emit', { arguments: [`key-${++keys}`, 'Emitted'] })),
    );
    const blocks = new Set(results.map((result) => result.blockNumber));
    assert.equal(blocks.size, 1, 'the three transactions share a block');
    return results;
}

describe('chaincode event stream resumption', () => {
    let kv: TestLedger;
    let client: Ledger;
    let temp: ReturnType<typeof newTempDir>;
    const listeners: ChaincodeEventListener[] = [];

    function newListener(
        ledger: Ledger,
        write?: (file: string, checkpoint: Checkpoint) => void,
    ): { listener: ChaincodeEventListener; seen: ChaincodeEvent[] } {
        const listener = new ChaincodeEventListener({
            ledger,
            checkpointFile: join(temp.dir, 'events.checkpoint.json'),
            logger,
            retry: { initialMs: 2, maxMs: 20 },
            writeCheckpoint: write,
            // Every block's checkpoint is written, as the tests count them.
            checkpointIntervalMs: 0,
        });
        const seen: ChaincodeEvent[] = [];
        listener.on('processed', (event) => seen.push(event));
        listeners.push(listener);
        return { listener, seen };
    }

    before(async () => {
        kv = await newTestLedger({ contracts: [KvContract], batchTimeoutMs: 50 });
        const org = kv.orgs[0];
        assert.ok(org);
        client = kv.ledger.connect(await org.identity('listener'));
    });
    after(async () => {
        await kv.close();
    });
    beforeEach(() => {
        temp = newTempDir('custody-events-');
    });
    afterEach(async () => {
        for (const listener of listeners.splice(0)) {
            await listener.close();
        }
        temp.remove();
    });

    it('resumes after a restart from its checkpoint without reprocessing', async () => {
        const before = await emitThree(client);
        const first = newListener(client);
        const firstDone = Promise.all(before.map((result) => processed(first.listener, result.txId)));
        first.listener.start();
        await firstDone;
        await first.listener.close();
        const last = first.seen.at(-1);
        assert.ok(last);
        assert.deepEqual(readCheckpoint(join(temp.dir, 'events.checkpoint.json')), {
            blockNumber: last.blockNumber,
            transactionId: last.transactionId,
        });

        const after = await emitThree(client);
        const second = newListener(client);
        const secondDone = Promise.all(after.map((result) => processed(second.listener, result.txId)));
        second.listener.start();
        await secondDone;
        assert.deepEqual(
            second.seen.map((event) => event.transactionId).sort(),
            after.map((result) => result.txId).sort(),
        );
    });

    it('writes the checkpoint file once per block, naming the block’s last event', async () => {
        const results = await emitThree(client);
        const writes: Checkpoint[] = [];
        const { listener, seen } = newListener(client, (file, checkpoint) => {
            writes.push(checkpoint);
            writeCheckpoint(file, checkpoint);
        });
        const done = Promise.all(results.map((result) => processed(listener, result.txId)));
        listener.start();
        await done;
        await listener.close();
        // A fresh checkpoint file: every block with events so far is replayed, this test's three-event block last.
        const lastOfEachBlock = new Map<bigint, string>();
        for (const event of seen) {
            lastOfEachBlock.set(event.blockNumber, event.transactionId);
        }
        assert.deepEqual(
            writes,
            [...lastOfEachBlock].map(([blockNumber, transactionId]) => ({ blockNumber, transactionId })),
        );
        assert.equal(seen.filter((event) => event.blockNumber === results[0]?.blockNumber).length, 3);
        assert.deepEqual(readCheckpoint(join(temp.dir, 'events.checkpoint.json')), writes.at(-1));
    });

    it('reconnects after the stream fails mid-block, without losing or repeating events', async () => {
        const results = await emitThree(client);
        const breaking = new BreakingLedger(client);
        breaking.down = true;
        const { listener, seen } = newListener(breaking);
        const done = Promise.all(results.map((result) => processed(listener, result.txId)));
        listener.start();
        breaking.down = false;
        breaking.breakAt = { blockNumber: results[0]?.blockNumber ?? 0n, index: 1 };
        await done;
        assert.equal(breaking.broken, 1);
        const ids = seen.map((event) => event.transactionId);
        assert.equal(new Set(ids).size, ids.length, 'no event processed twice');
        for (const result of results) {
            assert.ok(ids.includes(result.txId));
        }
    });
});

/** A ledger whose event streams replay fixed events from their start block, then wait until closed. */
function newScriptedLedger(events: readonly ChaincodeEvent[]): Pick<Ledger, 'chaincodeEvents'> {
    return {
        chaincodeEvents: (options) => {
            let close: () => void = () => undefined;
            const closed = new Promise<void>((resolve) => (close = resolve));
            const startBlock = options?.startBlock ?? 0n;
            async function* generate(): AsyncGenerator<ChaincodeEvent> {
                yield* events.filter((event) => event.blockNumber >= startBlock);
                await closed;
            }
            const iterator = generate();
            return Promise.resolve({ [Symbol.asyncIterator]: () => iterator, close });
        },
    };
}

function newEvent(blockNumber: bigint, transactionId: string): ChaincodeEvent {
    const payload = Buffer.from(JSON.stringify({ accessId: transactionId, decision: 'GRANTED' }));
    return { blockNumber, transactionId, chaincodeName: 'healthchain', eventName: 'AccessRequested', payload };
}

describe('chaincode event listener checkpoint', () => {
    const events = [newEvent(3n, 'a'), newEvent(3n, 'b'), newEvent(3n, 'c'), newEvent(4n, 'd'), newEvent(4n, 'e')];
    let temp: ReturnType<typeof newTempDir>;
    let checkpointFile: string;
    const listeners: ChaincodeEventListener[] = [];

    function newListener(
        writes: Checkpoint[] = [],
        options: {
            readonly events?: readonly ChaincodeEvent[];
            readonly writeGate?: Promise<void>;
            readonly checkpointIntervalMs?: number;
        } = {},
    ): { listener: ChaincodeEventListener; seen: string[] } {
        const listener = new ChaincodeEventListener({
            ledger: newScriptedLedger(options.events ?? events),
            checkpointFile,
            logger,
            checkpointIntervalMs: options.checkpointIntervalMs ?? 0,
            writeCheckpoint: async (file, checkpoint) => {
                writes.push(checkpoint);
                // The first write waits for the gate, like an fsync of a busy disk.
                if (writes.length === 1) {
                    await options.writeGate;
                }
                writeCheckpoint(file, checkpoint);
            },
        });
        const seen: string[] = [];
        listener.on('processed', (event) => seen.push(event.transactionId));
        listeners.push(listener);
        return { listener, seen };
    }

    beforeEach(() => {
        temp = newTempDir('custody-checkpoint-');
        checkpointFile = join(temp.dir, 'events.checkpoint.json');
    });
    afterEach(async () => {
        for (const listener of listeners.splice(0)) {
            await listener.close();
        }
        temp.remove();
    });

    it('writes once per block: when the next block begins, and when the stream goes idle', async () => {
        const writes: Checkpoint[] = [];
        const { listener, seen } = newListener(writes);
        const done = processed(listener, 'e');
        listener.start();
        await done;
        await listener.close();
        assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'e']);
        assert.deepEqual(writes, [
            { blockNumber: 3n, transactionId: 'c' },
            { blockNumber: 4n, transactionId: 'e' },
        ]);
    });

    it('covers the blocks that end while a write is under way with one write of the latest', async () => {
        const more = [...events, newEvent(5n, 'f'), newEvent(6n, 'g')];
        const writes: Checkpoint[] = [];
        let open: () => void = () => undefined;
        const writeGate = new Promise<void>((resolve) => (open = resolve));
        const { listener, seen } = newListener(writes, { events: more, writeGate });
        const done = processed(listener, 'g');
        listener.start();
        await done;
        open();
        await listener.close();
        assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
        // Blocks 4 and 5 ended while block 3's write was held: block 4's checkpoint was overtaken by block 5's
        // before a write could take it, and is never written.
        assert.deepEqual(writes[0], { blockNumber: 3n, transactionId: 'c' });
        assert.deepEqual(writes.at(-1), { blockNumber: 6n, transactionId: 'g' });
        assert.ok(!writes.some((checkpoint) => checkpoint.blockNumber === 4n));
        assert.deepEqual(readCheckpoint(checkpointFile), { blockNumber: 6n, transactionId: 'g' });
    });

    it('writes at most once per checkpoint interval while events keep coming, and the latest when it stops', async () => {
        const more = [...events, newEvent(5n, 'f'), newEvent(6n, 'g')];
        const writes: Checkpoint[] = [];
        const { listener } = newListener(writes, { events: more, checkpointIntervalMs: 3_600_000 });
        const done = processed(listener, 'g');
        listener.start();
        await done;
        await listener.close();
        assert.deepEqual(writes, [
            { blockNumber: 3n, transactionId: 'c' },
            { blockNumber: 6n, transactionId: 'g' },
        ]);
        assert.deepEqual(readCheckpoint(checkpointFile), { blockNumber: 6n, transactionId: 'g' });
    });

    it('resumes inside a partly processed block after the transaction its checkpoint names', async () => {
        writeCheckpoint(checkpointFile, { blockNumber: 3n, transactionId: 'b' });
        const writes: Checkpoint[] = [];
        const { listener, seen } = newListener(writes);
        const done = processed(listener, 'e');
        listener.start();
        await done;
        await listener.close();
        assert.deepEqual(seen, ['c', 'd', 'e']);
        assert.deepEqual(readCheckpoint(checkpointFile), { blockNumber: 4n, transactionId: 'e' });
        assert.equal(writes.length, 2);
    });
});

function processed(listener: ChaincodeEventListener, txId: string): Promise<void> {
    return new Promise((resolve) => {
        const onEvent = (event: ChaincodeEvent): void => {
            if (event.transactionId === txId) {
                listener.off('processed', onEvent);
                resolve();
            }
        };
        listener.on('processed', onEvent);
    });
}

describe('chaincode event listener', () => {
    let region: Region;
    let temp: ReturnType<typeof newTempDir>;
    let ledger: ProbeLedger;
    let checkpointFile: string;
    const listeners: ChaincodeEventListener[] = [];

    function newListener(registry?: Registry): { listener: ChaincodeEventListener; seen: ChaincodeEvent[] } {
        const contracts = new LedgerContracts(ledger, { clock: () => region.clock.now });
        const listener = new ChaincodeEventListener({
            ledger,
            contracts,
            checkpointFile,
            logger,
            registry,
            retry: { initialMs: 2, maxMs: 20 },
        });
        const seen: ChaincodeEvent[] = [];
        listener.on('processed', (event) => seen.push(event));
        listeners.push(listener);
        return { listener, seen };
    }

    before(async () => {
        region = await newRegion();
    });
    after(async () => {
        await region.close();
    });
    beforeEach(() => {
        temp = newTempDir('custody-events-');
        checkpointFile = join(temp.dir, 'events.checkpoint.json');
        ledger = new ProbeLedger(region.clients.hospitalA);
    });
    afterEach(async () => {
        for (const listener of listeners.splice(0)) {
            await listener.close();
        }
        temp.remove();
    });

    it('notices suspensions and revocations, and counts access decisions', async () => {
        const registry = new Registry();
        const { listener } = newListener(registry);
        listener.start();
        const patient = await region.newPatient();
        const consent = await grant(region, patient);
        const entry = await anchor(region, 'hospitalA', patient);
        const access = await request(region, 'hospitalB', entry.recordId);
        const revoked = await revoke(region, patient, consent.consentId);
        const suspension = await region.submit('commission', 'organization', 'suspendOrganization', [Msp.insurer]);
        await processed(listener, suspension.txId);
        assert.equal(listener.isOrgActive(Msp.insurer), false);
        assert.equal(listener.isOrgActive(Msp.hospitalA), true);
        assert.equal(listener.isOrgActive('UnknownMSP'), undefined);
        assert.equal(listener.orgStatus(Msp.insurer), 'suspended');
        assert.ok(listener.isConsentRevoked(revoked.consentId));
        assert.equal(listener.isConsentRevoked('consent-never'), false);
        const metrics = await registry.getSingleMetricAsString('healthchain_ledger_events_total');
        assert.match(
            metrics,
            new RegExp(
                `event="AccessRequested",decision="${access.decision}",reason="${access.reason}",purpose="TREATMENT"} 1`,
            ),
        );
        assert.match(metrics, /event="OrganizationStatusChanged",decision="",reason="",purpose=""}/);
        await region.submit('commission', 'organization', 'reinstateOrganization', [Msp.insurer]);
    });
});
