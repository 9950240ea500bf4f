// SPDX-License-Identifier: Apache-2.0
/**
 * The commission's audit view against a scripted chaincode event stream: it must equal a full recount of the
 * stream's access requests whatever is replayed, however often the stream breaks, wherever the process dies.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import pino from 'pino';
import { AuditView } from '../../gateway/src/audit/audit-view';
import { toAuditStats } from '../../gateway/src/audit/statistics';
import { ViewFollower } from '../../gateway/src/audit/view-follower';
import { toRowKey, toViewRow, type CountedRow } from '../../gateway/src/audit/view-rows';
import { ViewGeneration, type ViewPosition } from '../../gateway/src/audit/view-store';
import { openCustodyDb, type CustodyDb } from '../../gateway/src/custody/db';
import type { AccessEvent } from '../../gateway/src/ledger/contracts';
import type { ChaincodeEvent, CloseableAsyncIterable, Ledger } from '../../network/src/ledger';
import { newTempDir } from '../helpers/ledger';

const logger = pino({ level: 'silent' });
const RETRY = { initialMs: 1, maxMs: 5 };
const ALL_TIME = { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };
const DAY_MS = 86_400_000;
const REQUESTERS = ['HospitalAMSP', 'HospitalBMSP', 'InsurerMSP', 'CommissionMSP'] as const;
const OUTCOMES = [
    { purpose: 'TREATMENT', decision: 'GRANTED', reason: 'CONSENT' },
    { purpose: 'TREATMENT', decision: 'DENIED', reason: 'NO_CONSENT' },
    { purpose: 'EMERGENCY', decision: 'GRANTED_EMERGENCY', reason: 'EMERGENCY' },
    { purpose: 'PAYMENT', decision: 'DENIED', reason: 'ORG_NOT_ACTIVE' },
] as const;

/** A chaincode event stream over blocks the test appends; each stream can be told to break or to replay. */
class ScriptedLedger implements Pick<Ledger, 'chaincodeEvents'> {
    readonly blocks: ChaincodeEvent[][] = [];
    /** Streams start at block 0 whatever they are asked for (a ledger replaying more than needed). */
    ignoreStartBlock = false;
    /** For each next stream, the number of events after which it breaks. */
    readonly breaks: number[] = [];
    streams = 0;
    readonly #appended = new EventEmitter().setMaxListeners(0);

    /** Appends a block of events; its number is its position. */
    append(events: readonly Omit<ChaincodeEvent, 'blockNumber'>[]): void {
        const blockNumber = BigInt(this.blocks.length);
        this.blocks.push(events.map((event) => ({ ...event, blockNumber })));
        this.#appended.emit('block');
    }

    get height(): bigint {
        return BigInt(this.blocks.length);
    }

    chaincodeEvents(options?: { readonly startBlock?: bigint }): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        this.streams += 1;
        const breakAfter = this.breaks.shift();
        const stop = new AbortController();
        const blocks = this.blocks;
        const appended = this.#appended;
        const first = this.ignoreStartBlock ? 0 : Number(options?.startBlock ?? 0n);
        async function* generate(): AsyncGenerator<ChaincodeEvent> {
            let sent = 0;
            for (let next = first; !stop.signal.aborted;) {
                const block = blocks[next];
                if (block === undefined) {
                    await once(appended, 'block', { signal: stop.signal }).catch(() => undefined);
                    continue;
                }
                for (const event of block) {
                    if (sent === breakAfter) {
                        throw new Error('stream broke');
                    }
                    sent += 1;
                    yield event;
                }
                next += 1;
            }
        }
        const iterator = generate();
        return Promise.resolve({
            [Symbol.asyncIterator]: () => iterator,
            close: () => {
                stop.abort();
            },
        });
    }
}

/** Deterministic access events spread over three days, with other events between them. */
class EventMaker {
    readonly accesses: AccessEvent[] = [];
    /** Access events whose payload lacks `requestedAt` (written before it joined the payload). */
    readonly legacy = new Set<string>();
    #n = 0;

    access(options: { legacy?: boolean; at?: string } = {}): Omit<ChaincodeEvent, 'blockNumber'> {
        const n = (this.#n += 1);
        const outcome = OUTCOMES[n % OUTCOMES.length] ?? OUTCOMES[0];
        const requestedAt =
            options.at ?? new Date(Date.UTC(2030, 0, 1) + ((n * 7_919_000) % (3 * DAY_MS))).toISOString();
        const event: AccessEvent = {
            accessId: `tx-${n}`,
            requester: REQUESTERS[n % REQUESTERS.length] ?? 'HospitalAMSP',
            custodian: n % 11 === 0 ? null : n % 2 === 0 ? 'HospitalAMSP' : 'HospitalBMSP',
            recordId: `rec-${n}`,
            patientId: null,
            category: null,
            purpose: outcome.purpose,
            decision: outcome.decision,
            reason: outcome.reason,
            consentId: null,
            justification: null,
            requestedAt,
            expiresAt: null,
            delivery: null,
            review: null,
        };
        this.accesses.push(event);
        const { accessId, requester, custodian, recordId, patientId, purpose, decision, reason } = event;
        const payload: Record<string, unknown> = { accessId, requester, custodian, recordId, patientId };
        Object.assign(payload, { purpose, decision, reason });
        if (options.legacy === true) {
            this.legacy.add(accessId);
        } else {
            payload.requestedAt = requestedAt;
        }
        return {
            transactionId: accessId,
            chaincodeName: 'healthchain',
            eventName: 'AccessRequested',
            payload: Buffer.from(JSON.stringify(payload)),
        };
    }

    other(): Omit<ChaincodeEvent, 'blockNumber'> {
        const n = (this.#n += 1);
        return {
            transactionId: `tx-${n}`,
            chaincodeName: 'healthchain',
            eventName: 'ConsentGranted',
            payload: Buffer.from(JSON.stringify({ consentId: `c-${n}` })),
        };
    }

    /** A block of `size` events, one in four not an access request. */
    block(size: number): Omit<ChaincodeEvent, 'blockNumber'>[] {
        return Array.from({ length: size }, (_, i) => (i % 4 === 3 ? this.other() : this.access()));
    }

    async readAccess(accessId: string): Promise<AccessEvent> {
        const event = this.accesses.find((candidate) => candidate.accessId === accessId);
        assert.ok(event, `${accessId} is an access event`);
        return Promise.resolve(event);
    }

    /** The recount the view must equal: hour rows and day rollups, keyed as the view keys them. */
    recount(): Map<string, number> {
        const counts = new Map<string, number>();
        for (const event of this.accesses) {
            for (const kind of ['h', 'd'] as const) {
                const key = toRowKey(kind, toViewRow(event));
                counts.set(key, (counts.get(key) ?? 0) + 1);
            }
        }
        return counts;
    }
}

function toCounts(rows: readonly CountedRow[], kind: 'h' | 'd'): [string, number][] {
    return rows.map(({ row, count }) => [toRowKey(kind, row), count]);
}

async function viewCounts(view: AuditView): Promise<Map<string, number>> {
    const { value } = await view.readRows(ALL_TIME);
    return new Map([...toCounts(value.hours, 'h'), ...toCounts(value.days, 'd')]);
}

async function generationCounts(generation: ViewGeneration): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const kind of ['h', 'd'] as const) {
        for await (const { row, count } of generation.rows(kind, ALL_TIME.from, ALL_TIME.to)) {
            counts.set(toRowKey(kind, row), count);
        }
    }
    return counts;
}

function sorted(counts: ReadonlyMap<string, number>): [string, number][] {
    return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A generation whose writes fail from the n-th on: the process died there, its batch never landed. */
class DyingGeneration extends ViewGeneration {
    dieAt = Number.POSITIVE_INFINITY;
    writes = 0;
    readonly died = new EventEmitter();

    override async apply(hourDeltas: ReadonlyMap<string, number>, position: ViewPosition): Promise<void> {
        this.writes += 1;
        if (this.writes >= this.dieAt) {
            this.died.emit('died');
            throw new Error('the process died before this batch');
        }
        await super.apply(hourDeltas, position);
    }
}

describe('audit view', () => {
    let temp: ReturnType<typeof newTempDir>;
    let db: CustodyDb;
    const views: AuditView[] = [];
    const followers: ViewFollower[] = [];

    beforeEach(async () => {
        temp = newTempDir('audit-view-');
        db = await openCustodyDb(temp.dir);
    });
    afterEach(async () => {
        for (const view of views.splice(0)) {
            await view.close();
        }
        for (const follower of followers.splice(0)) {
            await follower.close();
        }
        await db.close();
        temp.remove();
    });

    async function openView(ledger: ScriptedLedger, maker: EventMaker, maxPendingEvents?: number): Promise<AuditView> {
        const view = await AuditView.open({
            db: db.auditView,
            ledger,
            readAccess: (accessId) => maker.readAccess(accessId),
            logger,
            retry: RETRY,
            maxPendingEvents,
        });
        views.push(view);
        view.start();
        return view;
    }

    it('counts every access request once though streams replay from block 0 and break mid-block', async () => {
        const ledger = new ScriptedLedger();
        const maker = new EventMaker();
        for (let i = 0; i < 6; i++) {
            ledger.append(maker.block(9));
        }
        ledger.ignoreStartBlock = true;
        ledger.breaks.push(4, 13, 31, 50);
        const view = await openView(ledger, maker, 5);
        for (let i = 0; i < 4; i++) {
            ledger.append(maker.block(7));
        }
        await view.waitForHeight(ledger.height);
        assert.ok(ledger.streams >= 5, 'the stream broke and was reopened');
        assert.deepEqual(sorted(await viewCounts(view)), sorted(maker.recount()));
        assert.deepEqual(view.status(), {
            generation: 1,
            height: Number(ledger.height),
            events: maker.accesses.length,
            rebuild: null,
        });
    });

    it('resumes after a restart from what it wrote, also inside a block', async () => {
        const ledger = new ScriptedLedger();
        const maker = new EventMaker();
        ledger.append(maker.block(10));
        ledger.append(maker.block(10));
        // Writes every 3 requests: the last write before the restart is inside a block.
        const first = await openView(ledger, maker, 3);
        await first.waitForHeight(ledger.height);
        await first.close();
        views.splice(0);
        ledger.append(maker.block(10));
        ledger.ignoreStartBlock = true;
        const second = await openView(ledger, maker, 3);
        ledger.append(maker.block(5));
        await second.waitForHeight(ledger.height);
        assert.deepEqual(sorted(await viewCounts(second)), sorted(maker.recount()));
    });

    it('equals a recount after the process dies at any of its writes', async () => {
        const maker = new EventMaker();
        const ledger = new ScriptedLedger();
        for (let i = 0; i < 5; i++) {
            ledger.append(maker.block(8));
        }
        const expected = sorted(maker.recount());
        const follow = (generation: ViewGeneration, written: ViewPosition | undefined): ViewFollower => {
            const follower = new ViewFollower(
                {
                    ledger,
                    readAccess: (id) => maker.readAccess(id),
                    generation,
                    logger,
                    retry: RETRY,
                    maxPendingEvents: 3,
                },
                written,
            );
            followers.push(follower);
            follower.start();
            return follower;
        };
        const caughtUp = async (follower: ViewFollower): Promise<void> => {
            while ((follower.position?.height ?? 0n) < ledger.height) {
                await once(follower, 'written');
            }
        };
        // A clean run counts the writes a crash can interrupt.
        const clean = new DyingGeneration(0, db.auditView.sublevel('clean', { valueEncoding: 'utf8' }));
        await caughtUp(follow(clean, undefined));
        assert.deepEqual(sorted(await generationCounts(clean)), expected);
        assert.ok(clean.writes >= 10, `${clean.writes} writes`);
        for (let dieAt = 1; dieAt <= clean.writes; dieAt++) {
            const sublevel = db.auditView.sublevel(`crash-${dieAt}`, { valueEncoding: 'utf8' });
            const dying = new DyingGeneration(dieAt, sublevel);
            dying.dieAt = dieAt;
            const died = once(dying.died, 'died');
            const crashed = follow(dying, undefined);
            await died;
            await crashed.close();
            // The restarted process reads what its database holds.
            const restarted = new ViewGeneration(dieAt, sublevel);
            await caughtUp(follow(restarted, await restarted.readPosition()));
            assert.deepEqual(sorted(await generationCounts(restarted)), expected, `died at write ${dieAt}`);
        }
    });

    it('settles for blocks without chaincode events once its stream stays quiet', async () => {
        const ledger = new ScriptedLedger();
        const maker = new EventMaker();
        ledger.append(maker.block(6));
        const view = await openView(ledger, maker);
        await view.waitForHeight(ledger.height);
        // Two more blocks hold only repeated, idempotent submissions: nothing for the stream to deliver.
        await view.settle(ledger.height + 2n, AbortSignal.timeout(60_000), 5);
        assert.equal(view.height, ledger.height);
        await assert.rejects(view.settle(ledger.height + 2n, AbortSignal.abort()), { name: 'AbortError' });
    });

    it('reads back access events whose payload lacks requestedAt', async () => {
        const ledger = new ScriptedLedger();
        const maker = new EventMaker();
        ledger.append([maker.access({ legacy: true }), maker.access(), maker.access({ legacy: true })]);
        const readBack: string[] = [];
        const view = await AuditView.open({
            db: db.auditView,
            ledger,
            readAccess: (accessId) => {
                readBack.push(accessId);
                return maker.readAccess(accessId);
            },
            logger,
            retry: RETRY,
        });
        views.push(view);
        view.start();
        await view.waitForHeight(ledger.height);
        assert.deepEqual(readBack.sort(), [...maker.legacy].sort());
        assert.deepEqual(sorted(await viewCounts(view)), sorted(maker.recount()));
    });

    it('answers a range of partial and whole days from hour rows and day rollups, as a recount does', async () => {
        const ledger = new ScriptedLedger();
        const maker = new EventMaker();
        for (let i = 0; i < 8; i++) {
            ledger.append(maker.block(12));
        }
        // The edges of the range, to the millisecond.
        ledger.append([
            maker.access({ at: '2030-01-01T09:59:59.999Z' }),
            maker.access({ at: '2030-01-01T10:00:00.000Z' }),
            maker.access({ at: '2030-01-03T04:59:59.999Z' }),
            maker.access({ at: '2030-01-03T05:00:00.000Z' }),
        ]);
        const view = await openView(ledger, maker);
        await view.waitForHeight(ledger.height);
        const range = { from: '2030-01-01T10:00:00.000Z', to: '2030-01-03T05:00:00.000Z' };
        const inRange = maker.accesses.filter((e) => e.requestedAt >= range.from && e.requestedAt < range.to);
        const recounted = inRange
            .sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1))
            .map((event) => ({ row: toViewRow(event), count: 1 }));
        for (const bucket of ['hour', 'day'] as const) {
            const read = await view.readStats(range, bucket);
            assert.deepEqual(read.value, toAuditStats(recounted, bucket), bucket);
            assert.equal(read.height, ledger.height);
        }
        const days = (await view.readStats(range, 'day')).value.buckets.map((bucket) => bucket.start);
        assert.deepEqual(days, ['2030-01-01T00:00:00.000Z', '2030-01-02T00:00:00.000Z', '2030-01-03T00:00:00.000Z']);
    });

    it('rebuilds from block 0 in a new generation that takes over once caught up', async () => {
        const ledger = new ScriptedLedger();
        const maker = new EventMaker();
        for (let i = 0; i < 5; i++) {
            ledger.append(maker.block(10));
        }
        const view = await openView(ledger, maker, 4);
        await view.waitForHeight(ledger.height);
        const before = sorted(await viewCounts(view));
        const oldGeneration = new ViewGeneration(1, db.auditView.sublevel('g1', { valueEncoding: 'utf8' }));
        assert.equal(await view.rebuild(), true);
        assert.equal(await view.rebuild(), false, 'a rebuild already runs');
        assert.equal(view.status().rebuild?.generation, 2);
        ledger.append(maker.block(6));
        while (view.status().generation !== 2 || view.height < ledger.height) {
            await once(view, 'advanced');
        }
        assert.equal(view.status().rebuild, null);
        assert.deepEqual(sorted(await viewCounts(view)), sorted(maker.recount()));
        assert.ok(before.length > 0);
        await view.close();
        views.splice(0);
        assert.equal((await generationCounts(oldGeneration)).size, 0, 'the old generation is removed');
        // After a restart, the rebuilt generation answers.
        const reopened = await openView(ledger, maker);
        assert.equal(reopened.status().generation, 2);
        assert.deepEqual(sorted(await viewCounts(reopened)), sorted(maker.recount()));
    });
});
