// SPDX-License-Identifier: Apache-2.0
/**
 * The audit view's storage in the gateway's level database (docs/design.md "The audit view"). The view is kept
 * in generations: `meta` names the one answering (`active`) and the one being rebuilt from block 0, if any
 * (`building`). Each generation is a sublevel holding its rows (see `view-rows.ts`) and its position in the
 * chain (`position`: the last chaincode event applied and the blocks fully counted), and every change to a
 * generation's rows is written in one batch with its new position, so counts and position never disagree,
 * whenever the process stops.
 */
import type { AbstractLevel, AbstractSnapshot } from 'abstract-level';
import { fromRowKey, toRangeKey, toRowKey, type CountedRow, type RowKind } from './view-rows';

/** Where a generation stands in the chain. */
export interface ViewPosition {
    /** Block of the last chaincode event applied. */
    readonly blockNumber: bigint;
    /** Transaction id of the last chaincode event applied, in that block. */
    readonly transactionId: string;
    /** Blocks below this number are fully counted. */
    readonly height: bigint;
    /** Access requests counted. */
    readonly events: number;
}

interface StoredPosition {
    readonly blockNumber: string;
    readonly transactionId: string;
    readonly height: string;
    readonly events: number;
}

interface Meta {
    readonly active: number;
    readonly building: number | null;
}

/** A level database or sublevel with string keys and values. */
export type TextLevel = AbstractLevel<string | Buffer | Uint8Array>;

const META_KEY = 'meta';
const POSITION_KEY = 'position';
/** Entries read per call when scanning rows. */
const SCAN_BATCH = 1000;

function toStored(position: ViewPosition): string {
    const stored: StoredPosition = {
        blockNumber: position.blockNumber.toString(),
        transactionId: position.transactionId,
        height: position.height.toString(),
        events: position.events,
    };
    return JSON.stringify(stored);
}

function fromStored(text: string): ViewPosition {
    const stored = JSON.parse(text) as StoredPosition;
    return {
        blockNumber: BigInt(stored.blockNumber),
        transactionId: stored.transactionId,
        height: BigInt(stored.height),
        events: stored.events,
    };
}

function toDayKey(hourKey: string): string {
    return toRowKey('d', fromRowKey(hourKey));
}

/** Per-row increments of hour rows, with the day rollups they add to. */
function withRollups(hourDeltas: ReadonlyMap<string, number>): Map<string, number> {
    const deltas = new Map(hourDeltas);
    for (const [key, count] of hourDeltas) {
        const day = toDayKey(key);
        deltas.set(day, (deltas.get(day) ?? 0) + count);
    }
    return deltas;
}

/** One generation of the view. */
export class ViewGeneration {
    /** The generation's number (a new rebuild takes the next one). */
    readonly number: number;
    readonly #db: TextLevel;

    /**
     * @param number - the generation's number
     * @param db - its sublevel
     */
    constructor(number: number, db: TextLevel) {
        this.number = number;
        this.#db = db;
    }

    /**
     * Where the generation stands; undefined before its first write.
     * @param snapshot - read from this snapshot (the one the rows are read from)
     */
    async readPosition(snapshot?: AbstractSnapshot): Promise<ViewPosition | undefined> {
        const text = await this.#db.get(POSITION_KEY, { snapshot });
        return text === undefined ? undefined : fromStored(text);
    }

    /**
     * Adds counts to hour rows and their day rollups and moves the position, in one batch.
     * @param hourDeltas - increments by hour row key
     * @param position - the position after these counts
     */
    async apply(hourDeltas: ReadonlyMap<string, number>, position: ViewPosition): Promise<void> {
        await this.#add(withRollups(hourDeltas), [{ key: POSITION_KEY, value: toStored(position) }]);
    }

    /**
     * Adds counted rows without moving the position: for the benchmark, whose bulk-loaded events are in the
     * ledger's state but in no block (`bench/fill-access-events.ts`). Never used by the gateway.
     * @param rows - hour rows and counts
     */
    async addForBenchmark(rows: Iterable<CountedRow>): Promise<void> {
        if ((await this.readPosition()) === undefined) {
            throw new Error('the view has no position yet: start the gateway once before filling it');
        }
        const deltas = new Map<string, number>();
        for (const { row, count } of rows) {
            const key = toRowKey('h', row);
            deltas.set(key, (deltas.get(key) ?? 0) + count);
        }
        await this.#add(withRollups(deltas), []);
    }

    async #add(deltas: ReadonlyMap<string, number>, extra: readonly { key: string; value: string }[]): Promise<void> {
        const keys = [...deltas.keys()];
        const current = await this.#db.getMany(keys);
        const puts = keys.map((key, i) => ({
            type: 'put' as const,
            key,
            value: String(Number(current[i] ?? '0') + (deltas.get(key) ?? 0)),
        }));
        await this.#db.batch([...puts, ...extra.map(({ key, value }) => ({ type: 'put' as const, key, value }))]);
    }

    /**
     * The rows of one kind whose bucket starts in `[from, to)`, in key order (time first).
     * @param kind - hour rows or day rollups
     * @param from - first bucket's start (inclusive)
     * @param to - end (exclusive)
     * @param snapshot - read from this snapshot
     */
    async *rows(kind: RowKind, from: string, to: string, snapshot?: AbstractSnapshot): AsyncGenerator<CountedRow> {
        const iterator = this.#db.iterator({ gte: toRangeKey(kind, from), lt: toRangeKey(kind, to), snapshot });
        try {
            for (;;) {
                const entries = await iterator.nextv(SCAN_BATCH);
                if (entries.length === 0) {
                    return;
                }
                for (const [key, value] of entries) {
                    yield { row: fromRowKey(key), count: Number(value) };
                }
            }
        } finally {
            await iterator.close();
        }
    }

    /** A snapshot of the generation for reads that must agree with each other; close it after use. */
    snapshot(): AbstractSnapshot {
        return this.#db.snapshot();
    }

    /** Removes every row and the position. */
    clear(): Promise<void> {
        return this.#db.clear();
    }
}

/** The view's generations. */
export class ViewStore {
    readonly #db: TextLevel;
    #meta: Meta;

    private constructor(db: TextLevel, meta: Meta) {
        this.#db = db;
        this.#meta = meta;
    }

    /**
     * Opens the view's storage, creating generation 1 when there is none.
     * @param db - the view's sublevel of the gateway's database
     */
    static async open(db: TextLevel): Promise<ViewStore> {
        const text = await db.get(META_KEY);
        const meta: Meta = text === undefined ? { active: 1, building: null } : (JSON.parse(text) as Meta);
        if (text === undefined) {
            await db.put(META_KEY, JSON.stringify(meta));
        }
        return new ViewStore(db, meta);
    }

    #generation(number: number): ViewGeneration {
        return new ViewGeneration(number, this.#db.sublevel(`g${number}`, { valueEncoding: 'utf8' }));
    }

    /** The generation that answers. */
    get active(): ViewGeneration {
        return this.#generation(this.#meta.active);
    }

    /** The generation being rebuilt from block 0, if any. */
    get building(): ViewGeneration | undefined {
        return this.#meta.building === null ? undefined : this.#generation(this.#meta.building);
    }

    /**
     * Starts a new generation to rebuild the view from block 0; it answers once promoted.
     * @returns the new, empty generation
     */
    async startBuilding(): Promise<ViewGeneration> {
        const number = Math.max(this.#meta.active, this.#meta.building ?? 0) + 1;
        const generation = this.#generation(number);
        await generation.clear();
        const meta: Meta = { active: this.#meta.active, building: number };
        await this.#db.put(META_KEY, JSON.stringify(meta));
        this.#meta = meta;
        return generation;
    }

    /**
     * Makes the generation being built the one that answers.
     * @returns the generation that answered until now (clear it once nothing reads it)
     * @throws Error when no generation is being built
     */
    async promote(): Promise<ViewGeneration> {
        const { active, building } = this.#meta;
        if (building === null) {
            throw new Error('no audit view generation is being built');
        }
        const meta: Meta = { active: building, building: null };
        await this.#db.put(META_KEY, JSON.stringify(meta));
        this.#meta = meta;
        return this.#generation(active);
    }
}
