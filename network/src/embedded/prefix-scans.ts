// SPDX-License-Identifier: Apache-2.0
/**
 * The complete results of recent prefix scans, which the ledger's store keeps beside its cache of point reads
 * (docs/design.md, "The embedded ledger"). A prefix scan is the range fabric-shim asks for a partial composite key,
 * `[P, P + U+10FFFF)`: in the store's byte order it holds exactly the keys that start with `P` (a key that starts
 * with `P + U+10FFFF` too, which nothing writes, would only drop a scan needlessly). So a committed write can change
 * only the cached scans whose prefix starts the written key, and the store drops those when it commits; a
 * scan that no block wrote into since it was read is answered from memory, without a trip to level's thread pool.
 */
import type { VersionedEntry } from './store';

/** The end fabric-shim gives the range of a partial composite key: the prefix and the largest code point. */
export const PREFIX_SCAN_END = '\u{10FFFF}';

/**
 * Surrogates and U+FFFD. A prefix holding one may not start, as a string, the keys its bytes start (level writes a
 * lone surrogate as U+FFFD's bytes), so such a scan is never cached.
 */
const NOT_BYTE_EXACT = /[\uD800-\uDFFF\uFFFD]/;

/**
 * The prefix a range scans, when it is a prefix scan that may be cached.
 * @param start - first key of the range
 * @param end - its end key
 * @returns the prefix, or undefined for any other range
 */
export function prefixOfScan(start: string, end: string): string | undefined {
    return end === start + PREFIX_SCAN_END && !NOT_BYTE_EXACT.test(start) ? start : undefined;
}

/** Cached prefix scans, bounded by the number of entries they hold together. */
export class PrefixScanCache {
    readonly #scans = new Map<string, readonly VersionedEntry[]>();
    /** How many cached prefixes have each length: the lengths a written key is cut at to find the ones it starts. */
    readonly #lengths = new Map<number, number>();
    readonly #maxEntries: number;
    #entries = 0;

    /**
     * @param maxEntries - most entries all cached scans hold together; the oldest scans go first
     */
    constructor(maxEntries: number) {
        this.#maxEntries = maxEntries;
    }

    /** Entries held now, over all scans. */
    get size(): number {
        return this.#entries;
    }

    /**
     * A cached scan's entries, in key order.
     * @param prefix - from {@link prefixOfScan}
     */
    get(prefix: string): readonly VersionedEntry[] | undefined {
        return this.#scans.get(prefix);
    }

    /**
     * Keeps a scan read to its end from committed state as the store's head now stands.
     * @param prefix - from {@link prefixOfScan}
     * @param entries - every entry of the scan, in key order
     */
    set(prefix: string, entries: readonly VersionedEntry[]): void {
        if (entries.length > this.#maxEntries) {
            return;
        }
        this.#delete(prefix);
        for (const oldest of this.#scans.keys()) {
            if (this.#entries + entries.length <= this.#maxEntries) {
                break;
            }
            this.#delete(oldest);
        }
        this.#scans.set(prefix, entries);
        this.#entries += entries.length;
        this.#lengths.set(prefix.length, (this.#lengths.get(prefix.length) ?? 0) + 1);
    }

    /**
     * Drops every scan a committed write of this key changes: those whose prefix starts it.
     * @param key - a written or deleted state key
     */
    invalidate(key: string): void {
        for (const length of this.#lengths.keys()) {
            if (length <= key.length) {
                this.#delete(key.slice(0, length));
            }
        }
    }

    /** Drops every scan. */
    clear(): void {
        this.#scans.clear();
        this.#lengths.clear();
        this.#entries = 0;
    }

    #delete(prefix: string): void {
        const entries = this.#scans.get(prefix);
        if (entries === undefined) {
            return;
        }
        this.#scans.delete(prefix);
        this.#entries -= entries.length;
        const count = (this.#lengths.get(prefix.length) ?? 1) - 1;
        if (count === 0) {
            this.#lengths.delete(prefix.length);
        } else {
            this.#lengths.set(prefix.length, count);
        }
    }
}
