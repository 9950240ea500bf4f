// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger's persistent store on level: world state with versions, key history, blocks, a transaction
 * index and the chain head. A block and everything it changes is written in one atomic batch, synced to
 * disk, so a process killed at any instant reopens with whole blocks only.
 */
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import type { AbstractLevel, AbstractSublevel } from 'abstract-level';
import { PrefixScanCache, prefixOfScan } from './prefix-scans';

/** Fabric's version of a key: the block and the transaction within it that last wrote it. */
export interface Version {
    readonly block: number;
    readonly tx: number;
}

/** A committed value with its version. */
export interface VersionedValue {
    readonly value: Uint8Array;
    readonly version: Version;
}

/** A committed key in a range scan. */
export interface VersionedEntry extends VersionedValue {
    readonly key: string;
}

/** One modification of a key, as `getHistoryForKey` reports it. */
export interface KeyModification {
    readonly txId: string;
    readonly value: Uint8Array;
    readonly isDelete: boolean;
    /** Transaction timestamp, milliseconds since the epoch. */
    readonly timestamp: number;
}

/** Where a transaction ended up. */
export interface TxLocation {
    readonly blockNumber: number;
    readonly txNumber: number;
    readonly validationCode: string;
}

/** The head of the chain. */
export interface ChainHead {
    readonly height: number;
    readonly currentHash: string;
}

/** A write of one key by one valid transaction of a block. */
export interface CommittedWrite {
    readonly key: string;
    /** `null` deletes the key. */
    readonly value: Uint8Array | null;
    readonly version: Version;
    readonly txId: string;
    readonly timestamp: number;
}

/** Everything one block commits. */
export interface BlockCommit {
    readonly number: number;
    readonly hash: string;
    readonly blockBytes: Uint8Array;
    readonly writes: readonly CommittedWrite[];
    readonly transactions: readonly { readonly txId: string; readonly validationCode: string }[];
}

/** Where the store keeps its data. */
export type StoreLocation = { readonly kind: 'memory' } | { readonly kind: 'level'; readonly path: string };

type Db = AbstractLevel<string | Uint8Array, string, Uint8Array>;
type Sub = AbstractSublevel<Db, string | Uint8Array, string, Uint8Array>;

const GENESIS_HASH = '0'.repeat(64);
/**
 * LevelDB's write buffer (the memtable, and the log it is replayed from at open) for the ledger's database,
 * instead of the default 4 MB. A block's bytes, which are most of what a block writes, are written with keys
 * spread over the whole database, so every table flushed from the buffer overlaps every table below it and
 * each flush makes LevelDB compact again what it had already written. Flushing eight times less often cut
 * that work, which had been about a tenth of the ledger node's CPU under load. LevelDB holds at most two
 * buffers in memory.
 */
const WRITE_BUFFER_BYTES = 32 * 1024 * 1024;
/** Most keys whose committed values the store keeps in memory. */
const MAX_CACHED_KEYS = 50_000;
/** Most entries the prefix scans the store keeps in memory hold together. */
const MAX_CACHED_SCAN_ENTRIES = 50_000;
/** Entries a range scan reads from level at a time. */
const SCAN_BATCH = 256;

function encodeVersioned(value: Uint8Array, version: Version): Uint8Array {
    const out = Buffer.allocUnsafe(12 + value.length);
    out.writeUIntBE(version.block, 0, 6);
    out.writeUInt16BE(0, 6);
    out.writeUInt32BE(version.tx, 8);
    out.set(value, 12);
    return out;
}

function decodeVersioned(bytes: Uint8Array): VersionedValue {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return {
        version: { block: buffer.readUIntBE(0, 6), tx: buffer.readUInt32BE(8) },
        value: buffer.subarray(12),
    };
}

/** History keys: the key's length in hex, the key, then block and transaction numbers, so they sort by commit. */
function historyPrefix(key: string): string {
    return Buffer.byteLength(key, 'utf8').toString(16).padStart(8, '0') + key;
}

function historyKey(key: string, version: Version): string {
    return historyPrefix(key) + version.block.toString(16).padStart(12, '0') + version.tx.toString(16).padStart(8, '0');
}

function blockKey(number: number): string {
    return number.toString(16).padStart(12, '0');
}

/** The ledger's level database. */
export class LedgerStore {
    readonly #db: Db;
    readonly #state: Sub;
    readonly #history: Sub;
    readonly #blocks: Sub;
    readonly #txs: Sub;
    readonly #meta: Sub;
    readonly #sync: boolean;
    #head: ChainHead = { height: 0, currentHash: GENESIS_HASH };
    /**
     * Committed values of keys read or written lately (null: the key does not exist), so that a read of a hot
     * key does not go to level's thread pool. Written by commits in the same turn as the head moves; a read
     * from level is kept only if no block committed while it was under way.
     */
    readonly #cache = new Map<string, VersionedValue | null>();
    /**
     * Prefix scans read to their end lately (`prefix-scans.ts`): kept, and dropped by commits, under the same
     * rules as {@link #cache}.
     */
    readonly #scans = new PrefixScanCache(MAX_CACHED_SCAN_ENTRIES);

    private constructor(db: Db, sync: boolean) {
        this.#db = db;
        this.#sync = sync;
        const options = { keyEncoding: 'utf8', valueEncoding: 'view' } as const;
        this.#state = db.sublevel<string, Uint8Array>('s', options);
        this.#history = db.sublevel<string, Uint8Array>('h', options);
        this.#blocks = db.sublevel<string, Uint8Array>('b', options);
        this.#txs = db.sublevel<string, Uint8Array>('t', options);
        this.#meta = db.sublevel<string, Uint8Array>('m', options);
    }

    /**
     * Opens (or creates) a store.
     * @param location - in memory, or a level folder
     */
    static async open(location: StoreLocation): Promise<LedgerStore> {
        const options = { keyEncoding: 'utf8', valueEncoding: 'view' } as const;
        const db: Db =
            location.kind === 'memory'
                ? new MemoryLevel<string, Uint8Array>(options)
                : new ClassicLevel<string, Uint8Array>(location.path, {
                      ...options,
                      writeBufferSize: WRITE_BUFFER_BYTES,
                  });
        await db.open();
        const store = new LedgerStore(db, location.kind === 'level');
        const head = await store.#meta.get('head');
        if (head !== undefined) {
            store.#head = JSON.parse(Buffer.from(head).toString('utf8')) as ChainHead;
        }
        return store;
    }

    /** The chain head as last committed. */
    get head(): ChainHead {
        return this.#head;
    }

    /** Closes the database. */
    async close(): Promise<void> {
        await this.#db.close();
    }

    /**
     * Reads a committed key.
     * @param key - state key
     */
    async getState(key: string): Promise<VersionedValue | undefined> {
        const cached = this.#cache.get(key);
        if (cached !== undefined) {
            return cached ?? undefined;
        }
        const height = this.#head.height;
        const bytes = await this.#state.get(key);
        const value = bytes === undefined ? undefined : decodeVersioned(bytes);
        if (height === this.#head.height) {
            this.#remember(key, value ?? null);
        }
        return value;
    }

    #remember(key: string, value: VersionedValue | null): void {
        if (this.#cache.size >= MAX_CACHED_KEYS) {
            // The oldest entries go first (a Map iterates in insertion order).
            for (const old of this.#cache.keys()) {
                this.#cache.delete(old);
                if (this.#cache.size < MAX_CACHED_KEYS / 2) {
                    break;
                }
            }
        }
        this.#cache.set(key, value);
    }

    /**
     * Iterates committed keys in `[start, end)` in byte order; an empty `end` means no upper bound. A prefix
     * scan read to its end is kept, if no block committed meanwhile, and answers the same scan until a block
     * writes into it.
     * @param start - first key (inclusive)
     * @param end - end key (exclusive), or '' for none
     */
    async *range(start: string, end: string): AsyncGenerator<VersionedEntry> {
        const prefix = prefixOfScan(start, end);
        if (prefix === undefined) {
            yield* this.#readRange(start, end);
            return;
        }
        const cached = this.#scans.get(prefix);
        if (cached !== undefined) {
            yield* cached;
            return;
        }
        const height = this.#head.height;
        // What has been read, while it may still be kept: a scan of one batch at most.
        let read: VersionedEntry[] | undefined = [];
        for await (const entry of this.#readRange(start, end)) {
            read = read !== undefined && read.length < SCAN_BATCH ? read : undefined;
            read?.push(entry);
            yield entry;
        }
        if (read !== undefined && height === this.#head.height) {
            this.#scans.set(prefix, read);
        }
    }

    async *#readRange(start: string, end: string): AsyncGenerator<VersionedEntry> {
        const iterator = this.#state.iterator(end === '' ? { gte: start } : { gte: start, lt: end });
        try {
            for (;;) {
                const entries = await iterator.nextv(SCAN_BATCH);
                if (entries.length === 0) {
                    return;
                }
                for (const [key, bytes] of entries) {
                    yield { key, ...decodeVersioned(bytes) };
                }
            }
        } finally {
            await iterator.close();
        }
    }

    /**
     * Iterates a key's modifications newest first, as Fabric 2.x returns them (by block, then transaction).
     * @param key - state key
     */
    async *history(key: string): AsyncGenerator<KeyModification> {
        const prefix = historyPrefix(key);
        for await (const bytes of this.#history.values({ gte: prefix, lt: prefix + '\uffff', reverse: true })) {
            const entry = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
                txId: string;
                value: string | null;
                timestamp: number;
            };
            yield {
                txId: entry.txId,
                value: entry.value === null ? new Uint8Array() : Buffer.from(entry.value, 'base64'),
                isDelete: entry.value === null,
                timestamp: entry.timestamp,
            };
        }
    }

    /**
     * Which of some transaction ids were committed (a block's duplicate check). Read on the event loop: an id
     * that was never committed, the usual case, is answered by the index's bloom filters without reading a
     * table block, which costs less than handing the read to libuv's thread pool and back, a wait every block
     * would otherwise add to its commit (docs/design.md, "The embedded ledger").
     * @param txIds - transaction ids
     * @returns the committed ones
     */
    committedOf(txIds: readonly string[]): Set<string> {
        return new Set(txIds.filter((txId) => this.#txs.getSync(txId) !== undefined));
    }

    /**
     * A stored block's bytes.
     * @param number - block number
     */
    async getBlock(number: number): Promise<Uint8Array | undefined> {
        return this.#blocks.get(blockKey(number));
    }

    /**
     * Writes a block and all its effects in one synced atomic batch. The batch is the root database's, given
     * keys already prefixed with their sublevel's (the same bytes a sublevel writes): abstract-level clones
     * an operation that carries the `sublevel` option through an object spread, which made each put cost
     * 10–16 µs against about 2.6 µs for a plain one (measured on this store's key and value shapes).
     * @param commit - the block, its writes and its transactions' validation codes
     */
    async commitBlock(commit: BlockCommit): Promise<void> {
        if (commit.number !== this.#head.height) {
            throw new Error(`Block ${commit.number} does not extend the chain at height ${this.#head.height}`);
        }
        const head: ChainHead = { height: commit.number + 1, currentHash: commit.hash };
        const batch = this.#db.batch();
        batch.put(this.#blocks.prefixKey(blockKey(commit.number), 'utf8'), commit.blockBytes);
        commit.transactions.forEach((tx, txNumber) => {
            const location: TxLocation = { blockNumber: commit.number, txNumber, validationCode: tx.validationCode };
            batch.put(this.#txs.prefixKey(tx.txId, 'utf8'), Buffer.from(JSON.stringify(location)));
        });
        for (const write of commit.writes) {
            const stateKey = this.#state.prefixKey(write.key, 'utf8');
            if (write.value === null) {
                batch.del(stateKey);
            } else {
                batch.put(stateKey, encodeVersioned(write.value, write.version));
            }
            const history = {
                txId: write.txId,
                value: write.value === null ? null : Buffer.from(write.value).toString('base64'),
                timestamp: write.timestamp,
            };
            batch.put(
                this.#history.prefixKey(historyKey(write.key, write.version), 'utf8'),
                Buffer.from(JSON.stringify(history)),
            );
        }
        batch.put(this.#meta.prefixKey('head', 'utf8'), Buffer.from(JSON.stringify(head)));
        await batch.write({ sync: this.#sync });
        this.#head = head;
        for (const write of commit.writes) {
            this.#scans.invalidate(write.key);
            this.#cache.delete(write.key);
            this.#remember(write.key, write.value === null ? null : { value: write.value, version: write.version });
        }
    }

    /**
     * Writes world-state entries directly, in one unsynced batch, bypassing blocks, history and the
     * transaction index. Only for benchmarks that need millions of keys faster than transactions can
     * make them (`bench/access-audit.ts`); the ledger itself never calls it. The chain head does not move,
     * so the loaded keys are state that no block explains, and validation, which checks a transaction only
     * against what blocks wrote since it was simulated, does not see them: load before submitting anything.
     * @param entries - state keys with their values and the versions to record
     */
    async loadStateForBenchmark(
        entries: readonly { readonly key: string; readonly value: Uint8Array; readonly version: Version }[],
    ): Promise<void> {
        // A chained batch of the root database with prefixed keys, as commitBlock uses.
        const batch = this.#db.batch();
        for (const entry of entries) {
            batch.put(this.#state.prefixKey(entry.key, 'utf8'), encodeVersioned(entry.value, entry.version));
        }
        await batch.write({ sync: false });
        this.#cache.clear();
        this.#scans.clear();
    }

    /**
     * Overwrites a stored block's bytes. Only for tests that simulate tampering on disk.
     * @param number - block number
     * @param bytes - new bytes
     */
    async overwriteBlockForTest(number: number, bytes: Uint8Array): Promise<void> {
        await this.#blocks.put(blockKey(number), bytes);
    }
}

/** Hash of the (empty) chain before block 0. */
export const genesisPreviousHash = GENESIS_HASH;
