// SPDX-License-Identifier: Apache-2.0
/**
 * Transaction simulation with Fabric's semantics: reads see committed state only (never this transaction's
 * own writes), every read records the version it saw, writes are buffered into a write set, range scans
 * record what they returned so the committer can detect phantoms, and paginated queries are refused in a
 * transaction that writes (and writes in one that paginated), as Fabric's transaction manager does.
 */
import type { KeyModification, LedgerStore, Version, VersionedEntry } from './store';

/** A key read during simulation and the version seen (`null`: the key did not exist). */
export interface KeyRead {
    readonly key: string;
    readonly version: Version | null;
}

/** A range scan during simulation, with what it returned. */
export interface RangeRead {
    readonly start: string;
    readonly end: string;
    /** True when the scan reached the end of its range, so later insertions anywhere in it are phantoms. */
    readonly exhausted: boolean;
    readonly reads: readonly KeyRead[];
}

/** A buffered write (`value` null: delete). */
export interface KeyWrite {
    readonly key: string;
    readonly value: Uint8Array | null;
}

/** The read-write set of a simulated transaction. */
export interface ReadWriteSet {
    readonly reads: readonly KeyRead[];
    readonly ranges: readonly RangeRead[];
    readonly writes: readonly KeyWrite[];
    /**
     * The chain's height when the simulation began. Blocks commit one at a time, so only the blocks from this
     * number up to the one that validates the transaction can have changed what it read, while it was simulated
     * or since; when the validating block has this number, none did. Not stored in the block.
     */
    readonly simulatedAt?: number;
}

/** A page of a range scan. */
export interface RangePage {
    readonly entries: readonly VersionedEntry[];
    readonly hasMore: boolean;
    /** For paginated scans: the next key to start from, '' when the range is exhausted. */
    readonly bookmark: string;
}

/**
 * What a chaincode host asks of a transaction's simulation: the state calls of the chaincode protocol.
 * {@link TxSimulator} answers them in-process; an endorser worker answers them by asking the ledger's thread.
 */
export interface StateAccess {
    getState(key: string): Promise<Uint8Array>;
    putState(key: string, value: Uint8Array): void | Promise<void>;
    deleteState(key: string): void | Promise<void>;
    openRange(
        start: string,
        end: string,
        pageSize?: number,
        bookmark?: string,
    ): Promise<{ id: string; page: RangePage }>;
    nextRange(id: string): Promise<RangePage>;
    closeRange(id: string): Promise<void>;
    getHistory(key: string): Promise<KeyModification[]>;
}

const BATCH = 100;

class RangeScan {
    readonly #iterator: AsyncGenerator<VersionedEntry>;
    readonly #record: { start: string; end: string; exhausted: boolean; reads: KeyRead[] };
    #lookahead: VersionedEntry | undefined;
    #done = false;

    constructor(store: LedgerStore, start: string, end: string, record: boolean) {
        this.#iterator = store.range(start, end);
        this.#record = { start, end, exhausted: false, reads: [] };
        this.recorded = record ? this.#record : undefined;
    }

    readonly recorded: RangeRead | undefined;

    async #pull(): Promise<VersionedEntry | undefined> {
        if (this.#lookahead) {
            const entry = this.#lookahead;
            this.#lookahead = undefined;
            return entry;
        }
        if (this.#done) {
            return undefined;
        }
        const next = await this.#iterator.next();
        if (next.done) {
            this.#done = true;
            this.#record.exhausted = true;
            return undefined;
        }
        return next.value;
    }

    /** Reads up to `count` entries, and whether more follow. */
    async take(count: number): Promise<{ entries: VersionedEntry[]; hasMore: boolean }> {
        const entries: VersionedEntry[] = [];
        while (entries.length < count) {
            const entry = await this.#pull();
            if (!entry) {
                break;
            }
            entries.push(entry);
            this.#record.reads.push({ key: entry.key, version: entry.version });
        }
        const next = await this.#pull();
        this.#lookahead = next;
        return { entries, hasMore: next !== undefined };
    }

    /** The key the next {@link take} would return first, if any. */
    peekKey(): string | undefined {
        return this.#lookahead?.key;
    }

    async close(): Promise<void> {
        await this.#iterator.return(undefined);
    }
}

/** Thrown for calls Fabric's transaction manager would refuse. */
export class UnsupportedTransactionError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'UnsupportedTransactionError';
    }
}

/** Simulates one transaction against committed state. */
export class TxSimulator implements StateAccess {
    readonly #store: LedgerStore;
    readonly #reads = new Map<string, KeyRead>();
    readonly #ranges: RangeRead[] = [];
    readonly #writes = new Map<string, Uint8Array | null>();
    readonly #scans = new Map<string, RangeScan>();
    readonly #height: number;
    #paginated = false;
    #nextScanId = 0;

    /**
     * @param store - the committed state
     */
    constructor(store: LedgerStore) {
        this.#store = store;
        this.#height = store.head.height;
    }

    /**
     * Reads a committed key; records the version seen.
     * @param key - state key
     * @returns the value, or an empty array when the key does not exist (as Fabric returns)
     */
    async getState(key: string): Promise<Uint8Array> {
        const entry = await this.#store.getState(key);
        if (!this.#reads.has(key)) {
            this.#reads.set(key, { key, version: entry?.version ?? null });
        }
        return entry?.value ?? new Uint8Array();
    }

    /**
     * Buffers a write.
     * @param key - state key
     * @param value - the new value
     */
    putState(key: string, value: Uint8Array): void {
        this.#assertWritable();
        this.#writes.set(key, value);
    }

    /**
     * Buffers a delete.
     * @param key - state key
     */
    deleteState(key: string): void {
        this.#assertWritable();
        this.#writes.set(key, null);
    }

    #startPaginated(): void {
        if (this.#writes.size > 0) {
            throw new UnsupportedTransactionError('paginated queries are not supported in a transaction that writes');
        }
        this.#paginated = true;
    }

    #assertWritable(): void {
        if (this.#paginated) {
            throw new UnsupportedTransactionError(
                'transaction has already performed a paginated query. Writes are not allowed',
            );
        }
    }

    /**
     * Starts a range scan and returns its first page.
     * @param start - first key (inclusive)
     * @param end - end key (exclusive, '' for none)
     * @param pageSize - for a paginated query; undefined for a plain scan served in batches
     * @param bookmark - for a paginated query: where the previous page stopped
     */
    async openRange(
        start: string,
        end: string,
        pageSize?: number,
        bookmark = '',
    ): Promise<{ id: string; page: RangePage }> {
        const paginated = pageSize !== undefined;
        if (paginated) {
            this.#startPaginated();
        }
        const scan = new RangeScan(this.#store, bookmark !== '' ? bookmark : start, end, !paginated);
        if (scan.recorded) {
            this.#ranges.push(scan.recorded);
        }
        const id = `scan-${this.#nextScanId++}`;
        this.#scans.set(id, scan);
        const taken = await scan.take(paginated ? Math.max(pageSize, 0) : BATCH);
        const bookmarkOut = paginated && taken.hasMore ? (scan.peekKey() ?? '') : '';
        return {
            id,
            page: { entries: taken.entries, hasMore: paginated ? false : taken.hasMore, bookmark: bookmarkOut },
        };
    }

    /**
     * Next batch of an open plain scan.
     * @param id - scan id from {@link openRange}
     */
    async nextRange(id: string): Promise<RangePage> {
        const scan = this.#scans.get(id);
        if (!scan) {
            throw new Error(`query iterator ${id} not found`);
        }
        const taken = await scan.take(BATCH);
        return { entries: taken.entries, hasMore: taken.hasMore, bookmark: '' };
    }

    /**
     * Closes a scan.
     * @param id - scan id
     */
    async closeRange(id: string): Promise<void> {
        const scan = this.#scans.get(id);
        this.#scans.delete(id);
        await scan?.close();
    }

    /**
     * A key's committed history, newest first (Fabric 2.x order).
     * @param key - state key
     */
    async getHistory(key: string): Promise<KeyModification[]> {
        const modifications: KeyModification[] = [];
        for await (const modification of this.#store.history(key)) {
            modifications.push(modification);
        }
        return modifications;
    }

    /** Closes every open scan and returns the read-write set. */
    async finish(): Promise<ReadWriteSet> {
        for (const id of [...this.#scans.keys()]) {
            await this.closeRange(id);
        }
        return {
            reads: [...this.#reads.values()],
            ranges: this.#ranges,
            writes: [...this.#writes.entries()].map(([key, value]) => ({ key, value })),
            simulatedAt: this.#height,
        };
    }
}
