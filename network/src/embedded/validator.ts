// SPDX-License-Identifier: Apache-2.0
/**
 * Block validation as a Fabric committer does it: transactions in block order, each checked against the
 * committed state plus the writes of the valid transactions before it in the same block. A read whose
 * version changed is an MVCC_READ_CONFLICT, a range scan whose result changed a PHANTOM_READ_CONFLICT, and
 * a transaction id seen before a DUPLICATE_TXID; an invalid transaction's writes are not applied. When no block
 * has committed since a transaction was simulated, the committed state is the one it read, so only the block's
 * earlier writes are checked against its reads and scans (the same outcome, without reading the store again).
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

/**
 * Compares two state keys as Fabric's LevelDB does: by their UTF-8 bytes.
 * @param a - key
 * @param b - key
 */
export function compareKeys(a: string, b: string): number {
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

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
 * Whether every key read still has the version the transaction saw. `unchanged`: no block committed since the
 * simulation began, so only the block's earlier writes can have changed a key.
 */
async function readsStillValid(
    store: LedgerStore,
    overlay: Overlay,
    reads: readonly KeyRead[],
    unchanged: boolean,
): Promise<boolean> {
    for (const read of reads) {
        const current =
            unchanged && !overlay.has(read.key) ? read.version : await currentVersion(store, overlay, read.key);
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

/**
 * Whether every range scan would still return what it returned. `unchanged`: no block committed since the
 * simulation began, so a scan can only have changed where the block's earlier writes fall in it.
 */
async function rangesStillValid(
    store: LedgerStore,
    overlay: Overlay,
    ranges: readonly RangeRead[],
    unchanged: boolean,
): Promise<boolean> {
    for (const range of ranges) {
        if (unchanged && ![...overlay.keys()].some(coveredBy(range))) {
            continue;
        }
        const now = await rescan(store, overlay, range);
        if (now.length !== range.reads.length) {
            return false;
        }
        const changed = now.some((read, i) => {
            const then = range.reads[i];
            return then === undefined || then.key !== read.key || !sameVersion(then.version, read.version);
        });
        if (changed) {
            return false;
        }
    }
    return true;
}

async function validateOne(
    store: LedgerStore,
    overlay: Overlay,
    seen: Set<string>,
    candidate: Candidate,
    blockNumber: number,
): Promise<ValidationCode> {
    // `seen` starts with the block's ids already committed (read at once), then takes each id as it is validated.
    if (seen.has(candidate.txId)) {
        return 'DUPLICATE_TXID';
    }
    seen.add(candidate.txId);
    const unchanged = candidate.rwset.simulatedAt === blockNumber;
    if (!(await readsStillValid(store, overlay, candidate.rwset.reads, unchanged))) {
        return 'MVCC_READ_CONFLICT';
    }
    if (!(await rangesStillValid(store, overlay, candidate.rwset.ranges, unchanged))) {
        return 'PHANTOM_READ_CONFLICT';
    }
    return 'VALID';
}

/**
 * Validates the transactions of one block.
 * @param store - committed state before this block
 * @param blockNumber - the block's number (the block part of every version it writes)
 * @param candidates - the transactions in block order
 */
export async function validateBlock(
    store: LedgerStore,
    blockNumber: number,
    candidates: readonly Candidate[],
): Promise<BlockValidation> {
    const overlay: Overlay = new Map();
    const seen = await store.committedOf(candidates.map((candidate) => candidate.txId));
    const codes: ValidationCode[] = [];
    const writes: CommittedWrite[] = [];
    for (const [tx, candidate] of candidates.entries()) {
        const code = await validateOne(store, overlay, seen, candidate, blockNumber);
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
