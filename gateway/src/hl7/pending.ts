// SPDX-License-Identifier: Apache-2.0
/**
 * Messages waiting for a patient link (docs/design.md "HL7 v2 intake"). Most of a hospital's patients never
 * join the region, so the queue is bounded: by age (`hl7.pending.maxAgeDays`, default 30) and by size
 * (`hl7.pending.maxMessages`, default 100,000; the oldest go first). A dropped message loses its bytes, keeps
 * its metadata (so a resent copy is still answered as before) and is counted; nothing of it is ever shared.
 * When a link appears, what waited on its identifiers goes back to the work queue.
 */
import type { Logger } from 'pino';
import type { Hl7Metrics } from './metrics';
import type { Hl7Store, MessageMeta, StoreOperation } from './store';

/** The queue's bounds. */
export interface PendingBounds {
    readonly maxAgeMs: number;
    readonly maxMessages: number;
}

/** Why a pending message was dropped. */
type DropReason = 'expired' | 'evicted';

/** The pending queue of one gateway. */
export class PendingQueue {
    readonly #store: Hl7Store;
    readonly #bounds: PendingBounds;
    readonly #metrics: Hl7Metrics;
    readonly #logger: Logger;
    #count = 0;

    /**
     * @param store - the intake's store
     * @param bounds - age and size
     * @param deps - metrics, logger
     */
    constructor(store: Hl7Store, bounds: PendingBounds, deps: { metrics: Hl7Metrics; logger: Logger }) {
        this.#store = store;
        this.#bounds = bounds;
        this.#metrics = deps.metrics;
        this.#logger = deps.logger;
    }

    /** Messages waiting now. */
    get count(): number {
        return this.#count;
    }

    /** Counts what a previous run left waiting. */
    async open(): Promise<void> {
        this.#count = (await this.#store.pending.keys().all()).length;
        this.#metrics.pending.set(this.#count);
    }

    /**
     * The writes that make a message wait on identifier keys.
     * @param meta - the message, already with status `pending`
     * @param keys - its identifier keys
     */
    waitOperations(meta: MessageMeta, keys: readonly string[]): StoreOperation[] {
        const store = this.#store;
        return [
            store.put(store.pending, meta.messageId, keys),
            ...keys.map((key) => store.mark(store.waiting, `${key}!${meta.messageId}`)),
        ];
    }

    /**
     * To call once a message's wait is written.
     * @param added - how many started waiting
     */
    added(added: number): void {
        this.#count += added;
        this.#metrics.pending.set(this.#count);
    }

    /**
     * The messages waiting on any of some identifier keys.
     * @param keys - identifier keys
     */
    async waitingOn(keys: readonly string[]): Promise<string[]> {
        const ids = new Set<string>();
        for (const key of keys) {
            for await (const entry of this.#store.waiting.keys({ gt: `${key}!`, lt: `${key}"` })) {
                ids.add(entry.slice(key.length + 1));
            }
        }
        return [...ids].sort();
    }

    /**
     * The writes that end a message's wait (without deciding what comes next).
     * @param messageId - the message
     */
    async releaseOperations(messageId: string): Promise<StoreOperation[]> {
        const store = this.#store;
        const keys = ((await store.readJson(store.pending, messageId)) as string[] | undefined) ?? [];
        return [
            store.del(store.pending, messageId),
            ...keys.map((key) => store.del(store.waiting, `${key}!${messageId}`)),
        ];
    }

    /**
     * To call once waits are ended.
     * @param released - how many stopped waiting
     */
    released(released: number): void {
        this.#count = Math.max(0, this.#count - released);
        this.#metrics.pending.set(this.#count);
    }

    /**
     * Drops what is too old, then the oldest while there are too many.
     * @param now - the gateway's clock
     * @returns how many were dropped
     */
    async sweep(now: Date): Promise<number> {
        let dropped = 0;
        for await (const messageId of this.#store.pending.keys()) {
            const meta = await this.#store.readMeta(messageId);
            const since = Date.parse(meta?.pendingSince ?? meta?.receivedAt ?? '');
            const reason: DropReason | undefined =
                Number.isNaN(since) || now.getTime() - since >= this.#bounds.maxAgeMs
                    ? 'expired'
                    : this.#count - dropped > this.#bounds.maxMessages
                      ? 'evicted'
                      : undefined;
            if (reason === undefined) {
                break;
            }
            await this.#drop(messageId, meta, reason, now);
            dropped += 1;
        }
        this.released(dropped);
        return dropped;
    }

    /**
     * Makes room for new waits: drops the oldest while the queue is full.
     * @param incoming - how many are about to wait
     * @param now - the gateway's clock
     */
    async makeRoom(incoming: number, now: Date): Promise<void> {
        if (this.#count + incoming <= this.#bounds.maxMessages) {
            return;
        }
        let dropped = 0;
        for await (const messageId of this.#store.pending.keys()) {
            if (this.#count - dropped + incoming <= this.#bounds.maxMessages) {
                break;
            }
            await this.#drop(messageId, await this.#store.readMeta(messageId), 'evicted', now);
            dropped += 1;
        }
        this.released(dropped);
    }

    async #drop(messageId: string, meta: MessageMeta | undefined, reason: DropReason, now: Date): Promise<void> {
        const store = this.#store;
        const operations = await this.releaseOperations(messageId);
        operations.push(store.del(store.raw, messageId));
        if (meta !== undefined) {
            operations.push(store.putMeta({ ...meta, status: 'expired', updatedAt: now.toISOString() }));
        }
        const total = (await store.readCounter(reason)) + 1;
        operations.push(store.putText(store.counters, reason, String(total)));
        await store.write(operations);
        this.#metrics.dropped.inc({ reason });
        this.#logger.info({ messageId, reason }, 'pending HL7 message dropped');
    }
}
