// SPDX-License-Identifier: Apache-2.0
/**
 * Block validation as a Fabric committer does it: transactions in block order, each checked against the
 * committed state plus the writes of the valid transactions before it in the same block. A read whose
 * version changed is an MVCC_READ_CONFLICT, a range scan whose result changed a PHANTOM_READ_CONFLICT, and
 * a transaction id seen before a DUPLICATE_TXID; an invalid transaction's writes are not applied.
 *
 * The committed state can only have changed where a block committed since the simulation began wrote. The
 * ledger remembers the keys its last blocks wrote ({@link RecentWrites}), so a transaction simulated a few blocks
 * ago is checked against the store only for a key read that one of those blocks wrote, and a range scan is
 * re-run only when one of them wrote into it (or the block's earlier writes did): the same outcome as checking
 * everything, without reading the store for what no one changed. A transaction older than the blocks remembered
 * is checked in full.
 */
import type { ValidationCode } from './block';
import type { KeyRead, RangeRead, ReadWriteSet } from './simulator';
import type { CommittedWrite, LedgerStore, Version } from './store';

/** A transaction awaiting validation. */
export interface Candidate {
    readonly txId: string;
    readonly timestamp: number;
    readonly rwset: ReadWriteSet;
}

/** The outcome for a block. */
export interface BlockValidation {
    readonly codes: readonly ValidationCode[];
    readonly writes: readonly CommittedWrite[];
}

type Overlay = Map<string, Version | null>;

/** Code units whose UTF-16 order is not their UTF-8 byte order (surrogates and what follows them). */
const UTF16_ORDER_DIFFERS = /[\uD800-\uFFFF]/;

/**
 * Compares two state keys as Fabric's LevelDB does: by their UTF-8 bytes. Below U+D800, UTF-16 code units
 * sort as UTF-8 bytes do, so such keys are compared as strings, without encoding them.
 * @param a - key
 * @param b - key
 */
export function compareKeys(a: string, b: string): number {
    if (!UTF16_ORDER_DIFFERS.test(a) && !UTF16_ORDER_DIFFERS.test(b)) {
        return a < b ? -1 : a > b ? 1 : 0;
    }
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Default number of blocks whose written keys {@link RecentWrites} keeps. */
export const RECENT_BLOCKS = 64;

/** The keys written by the last blocks committed, each block's kept until {@link RECENT_BLOCKS} newer ones. */
export class RecentWrites {
    readonly #blocks = new Map<number, readonly string[]>();
    readonly #limit: number;

    /** @param limit - how many blocks to remember */
    constructor(limit = RECENT_BLOCKS) {
        this.#limit = limit;
    }

    /**
     * Remembers a committed block's writes; call it for every block, in order, once it is durable.
     * @param blockNumber - the block
     * @param writes - its valid transactions' writes, deletions included
     */
    add(blockNumber: number, writes: readonly { readonly key: string }[]): void {
        this.#blocks.set(
            blockNumber,
            writes.map((write) => write.key),
        );
        this.#blocks.delete(blockNumber - this.#limit);
    }

    /**
     * The keys written from one height to another.
     * @param from - the first block (a simulation's starting height)
     * @param to - the block after the last one
     * @returns the keys, or undefined when one of the blocks is not remembered
     */
    since(from: number, to: number): ReadonlySet<string> | undefined {
        const keys = new Set<string>();
        for (let number = from; number < to; number += 1) {
            const written = this.#blocks.get(number);
            if (written === undefined) {
                return undefined;
            }
            for (const key of written) {
                keys.add(key);
            }
        }
        return keys;
    }
}

const NOTHING_CHANGED: ReadonlySet<string> = new Set();

function sameVersion(a: Version | null, b: Version | null): boolean {
    return a === null || b === null ? a === b : a.block === b.block && a.tx === b.tx;
}

async function currentVersion(store: LedgerStore, overlay: Overlay, key: string): Promise<Version | null> {
    const written = overlay.get(key);
    if (written !== undefined) {
        return written;
    }
    return (await store.getState(key))?.version ?? null;
}

/**
 * Whether every key read still has the version the transaction saw. `changed`: the keys that blocks committed
 * since the simulation began wrote, when known; no other committed key can have changed.
 */
async function readsStillValid(
    store: LedgerStore,
    overlay: Overlay,
    reads: readonly KeyRead[],
    changed: ReadonlySet<string> | undefined,
): Promise<boolean> {
    for (const read of reads) {
        const untouched = changed !== undefined && !changed.has(read.key) && !overlay.has(read.key);
        const current = untouched ? read.version : await currentVersion(store, overlay, read.key);
        if (!sameVersion(read.version, current)) {
            return false;
        }
    }
    return true;
}

function inRange(key: string, start: string, end: string): boolean {
    return compareKeys(key, start) >= 0 && (end === '' || compareKeys(key, end) < 0);
}

/** Whether a key falls in the part of a range that its scan covered: all of it, or up to where it stopped. */
function coveredBy(range: RangeRead): (key: string) => boolean {
    const last = range.reads.at(-1)?.key;
    return (key) =>
        inRange(key, range.start, range.end) &&
        (range.exhausted || (last !== undefined && compareKeys(key, last) <= 0));
}

/** Re-runs a range scan over committed state plus the block's earlier writes, up to where the scan stopped. */
async function rescan(store: LedgerStore, overlay: Overlay, range: RangeRead): Promise<KeyRead[]> {
    const covers = coveredBy(range);
    const merged = new Map<string, Version | null>();
    for await (const entry of store.range(range.start, range.end)) {
        if (!covers(entry.key)) {
            break;
        }
        merged.set(entry.key, entry.version);
    }
    for (const [key, version] of overlay) {
        if (covers(key)) {
            merged.set(key, version);
        }
    }
    return [...merged.entries()]
        .filter((entry): entry is [string, Version] => entry[1] !== null)
        .sort((a, b) => compareKeys(a[0], b[0]))
        .map(([key, version]) => ({ key, version }));
}

/** Whether any of the keys falls where a range scan looked. */
function anyCovered(range: RangeRead, ...keySets: Iterable<string>[]): boolean {
    const covers = coveredBy(range);
    for (const keys of keySets) {
        for (const key of keys) {
            if (covers(key)) {
                return true;
            }
        }
    }
    return false;
}

/**
 * Whether every range scan would still return what it returned. `changed`: the keys that blocks committed since
 * the simulation began wrote, when known; a scan can only have changed where they or the block's earlier writes
 * fall in it.
 */
async function rangesStillValid(
    store: LedgerStore,
    overlay: Overlay,
    ranges: readonly RangeRead[],
    changed: ReadonlySet<string> | undefined,
): Promise<boolean> {
    for (const range of ranges) {
        if (changed !== undefined && !anyCovered(range, changed, overlay.keys())) {
            continue;
        }
        const now = await rescan(store, overlay, range);
        if (now.length !== range.reads.length) {
            return false;
        }
        const differs = now.some((read, i) => {
            const then = range.reads[i];
            return then === undefined || then.key !== read.key || !sameVersion(then.version, read.version);
        });
        if (differs) {
            return false;
        }
    }
    return true;
}

/**
 * For each transaction of a block, the keys committed blocks wrote since its simulation began, when known;
 * worked out once per starting height, which the block's transactions mostly share.
 */
function newChangedSince(
    blockNumber: number,
    recent: RecentWrites | undefined,
): (candidate: Candidate) => ReadonlySet<string> | undefined {
    const byHeight = new Map<number, ReadonlySet<string> | undefined>();
    return (candidate) => {
        const from = candidate.rwset.simulatedAt;
        if (from === undefined || from > blockNumber) {
            return undefined;
        }
        if (from === blockNumber) {
            return NOTHING_CHANGED;
        }
        if (!byHeight.has(from)) {
            byHeight.set(from, recent?.since(from, blockNumber));
        }
        return byHeight.get(from);
    };
}

async function validateOne(
    store: LedgerStore,
    overlay: Overlay,
    seen: Set<string>,
    candidate: Candidate,
    changed: ReadonlySet<string> | undefined,
): Promise<ValidationCode> {
    // `seen` starts with the block's ids already committed (read at once), then takes each id as it is validated.
    if (seen.has(candidate.txId)) {
        return 'DUPLICATE_TXID';
    }
    seen.add(candidate.txId);
    if (!(await readsStillValid(store, overlay, candidate.rwset.reads, changed))) {
        return 'MVCC_READ_CONFLICT';
    }
    if (!(await rangesStillValid(store, overlay, candidate.rwset.ranges, changed))) {
        return 'PHANTOM_READ_CONFLICT';
    }
    return 'VALID';
}

/**
 * Validates the transactions of one block.
 * @param store - committed state before this block
 * @param blockNumber - the block's number (the block part of every version it writes)
 * @param candidates - the transactions in block order
 * @param recent - the keys the last blocks wrote; without it, a transaction simulated before the last block
 *   committed is checked in full
 */
export async function validateBlock(
    store: LedgerStore,
    blockNumber: number,
    candidates: readonly Candidate[],
    recent?: RecentWrites,
): Promise<BlockValidation> {
    const overlay: Overlay = new Map();
    const seen = store.committedOf(candidates.map((candidate) => candidate.txId));
    const codes: ValidationCode[] = [];
    const writes: CommittedWrite[] = [];
    const changedSince = newChangedSince(blockNumber, recent);
    for (const [tx, candidate] of candidates.entries()) {
        const changed = changedSince(candidate);
        const code = await validateOne(store, overlay, seen, candidate, changed);
        codes.push(code);
        if (code !== 'VALID') {
            continue;
        }
        const version = { block: blockNumber, tx };
        for (const write of candidate.rwset.writes) {
            overlay.set(write.key, write.value === null ? null : version);
            writes.push({ ...write, version, txId: candidate.txId, timestamp: candidate.timestamp });
        }
    }
    return { codes, writes };
}
