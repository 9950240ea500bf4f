// SPDX-License-Identifier: Apache-2.0
/**
 * Feeds one generation of the audit view from the ledger's chaincode events (docs/design.md "The audit view"):
 * from the generation's position (block 0 for a new one), then live. Each `AccessRequested` event adds one to
 * its hour row; every other event only moves the position. Counts gather in memory and are written with the
 * position they lead to in one level batch: when the stream pauses (a block's events have all arrived), when
 * many are waiting, and when the stream ends. A reconnection or a restart resumes from the written position
 * and passes over every event at or before it, so an event is counted once whatever is replayed; what a
 * crash loses is only what was not written, and it is counted again. A failed stream is reopened with capped
 * exponential backoff (`events/follow-loop.ts`).
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AccessEvent } from '../ledger/contracts';
import type { ChaincodeEvent, CloseableAsyncIterable, Ledger } from '../../../network/src/ledger';
import { parseEventPayload } from '../events/event-payload';
import { FollowLoop } from '../events/follow-loop';
import type { BackoffOptions } from '../retry';
import { fromAccessRequested, toRowKey, toViewRow, type ViewRow } from './view-rows';
import type { ViewGeneration, ViewPosition } from './view-store';

/** Options of {@link ViewFollower}. */
export interface ViewFollowerOptions {
    readonly ledger: Pick<Ledger, 'chaincodeEvents'>;
    /**
     * Reads an access event back, for an `AccessRequested` event whose payload lacks a field (events written
     * before `requestedAt` joined the payload).
     */
    readonly readAccess: (accessId: string) => Promise<AccessEvent>;
    readonly generation: ViewGeneration;
    readonly logger: Logger;
    /** Reconnection backoff: first delay (default 500 ms) and longest (default 30 s). */
    readonly retry?: BackoffOptions;
    /** Most access requests counted in memory before they are written (default 5,000). */
    readonly maxPendingEvents?: number;
}

/** Events of a follower. */
export interface ViewFollowerEvents {
    /** A batch was written: the generation now stands here. */
    written: [position: ViewPosition];
    /** The stream paused and everything it delivered is written. */
    idle: [];
}

const DEFAULT_MAX_PENDING = 5000;
const IDLE = Symbol('idle');

/** Which events of the stream were applied already: those of earlier blocks, and those named in this one. */
class AppliedEvents {
    #block: bigint;
    /** Every event of `#block` is applied. */
    #complete: boolean;
    /** After a restart inside a block: its events up to this transaction were applied. */
    #resumeAfter: string | undefined;
    readonly #inBlock = new Set<string>();

    constructor(position: ViewPosition | undefined) {
        this.#block = position?.blockNumber ?? -1n;
        this.#complete = position === undefined || position.height > position.blockNumber;
        this.#resumeAfter = this.#complete ? undefined : position?.transactionId;
    }

    /** Whether an event was applied before (the stream replays the position's block, or more). */
    has(event: ChaincodeEvent): boolean {
        if (event.blockNumber !== this.#block) {
            return event.blockNumber < this.#block;
        }
        if (this.#complete) {
            return true;
        }
        if (this.#resumeAfter !== undefined) {
            // Events come in block order: those before the written one were applied too.
            if (event.transactionId === this.#resumeAfter) {
                this.#resumeAfter = undefined;
            }
            return true;
        }
        return this.#inBlock.has(event.transactionId);
    }

    /** Notes an event as applied. */
    add(event: ChaincodeEvent): void {
        if (event.blockNumber !== this.#block) {
            this.#block = event.blockNumber;
            this.#complete = false;
            this.#resumeAfter = undefined;
            this.#inBlock.clear();
        }
        this.#inBlock.add(event.transactionId);
    }
}

/** Counts not written yet and the position they lead to. */
interface Pending {
    readonly deltas: Map<string, number>;
    /** Access requests counted in `deltas`. */
    count: number;
    position: ViewPosition | undefined;
}

function newPending(position: ViewPosition | undefined): Pending {
    return { deltas: new Map(), count: 0, position };
}

function isSamePosition(a: ViewPosition | undefined, b: ViewPosition | undefined): boolean {
    return a?.blockNumber === b?.blockNumber && a?.transactionId === b?.transactionId && a?.height === b?.height;
}

/** Follows chaincode events into one generation of the audit view. */
export class ViewFollower extends EventEmitter<ViewFollowerEvents> {
    readonly #options: ViewFollowerOptions;
    /** What the generation holds. */
    #written: ViewPosition | undefined;
    #pending: Pending;
    #stream: CloseableAsyncIterable<ChaincodeEvent> | undefined;
    readonly #loop: FollowLoop;
    #idle = false;

    /**
     * @param options - ledger, generation, read-back, logger, backoff
     * @param written - the generation's position as stored
     */
    constructor(options: ViewFollowerOptions, written: ViewPosition | undefined) {
        super();
        this.#options = options;
        this.#written = written;
        this.#pending = newPending(written);
        this.#loop = new FollowLoop({
            follow: () => this.#follow(),
            endStream: () => this.#stream?.close(),
            retry: options.retry,
        });
    }

    /** The generation followed. */
    get generation(): ViewGeneration {
        return this.#options.generation;
    }

    /**
     * Whether the stream has paused with everything it delivered written: a chain height above the written
     * one then means blocks without chaincode events, or events still in transit.
     */
    get idle(): boolean {
        return this.#idle;
    }

    /** The position written last (what reads of the generation reflect at least). */
    get position(): ViewPosition | undefined {
        return this.#written;
    }

    /** Starts following in the background. */
    start(): void {
        this.#loop.start();
    }

    /** Stops following, writes what was counted, and waits for the loop to end. */
    async close(): Promise<void> {
        await this.#loop.close();
    }

    /**
     * One connection: read until the stream ends or fails. Returns whether any event was applied, also when
     * the stream then failed (the backoff starts over after progress).
     */
    async #follow(): Promise<boolean> {
        const progress = { made: false };
        try {
            const stream = await this.#options.ledger.chaincodeEvents({ startBlock: this.#written?.blockNumber ?? 0n });
            this.#stream = stream;
            if (this.#loop.closed) {
                stream.close();
            }
            await this.#consume(stream[Symbol.asyncIterator](), new AppliedEvents(this.#written), progress);
        } catch (error) {
            this.#options.logger.warn({ err: error }, 'audit view: chaincode event stream failed; reconnecting');
        } finally {
            this.#stream?.close();
            this.#stream = undefined;
            await this.#write(false).catch((error: unknown) => {
                this.#options.logger.error({ err: error }, 'audit view: counts not written; they will be recounted');
            });
        }
        return progress.made;
    }

    /** Applies a stream's events until it ends, noting in `progress` when one is applied. */
    async #consume(
        iterator: AsyncIterator<ChaincodeEvent>,
        applied: AppliedEvents,
        progress: { made: boolean },
    ): Promise<void> {
        const maxPending = this.#options.maxPendingEvents ?? DEFAULT_MAX_PENDING;
        for (;;) {
            const result = await this.#next(iterator);
            if (result.done === true) {
                return;
            }
            const event = result.value;
            if (applied.has(event)) {
                continue;
            }
            await this.#apply(event);
            applied.add(event);
            progress.made = true;
            if (this.#pending.count >= maxPending) {
                await this.#write(false);
            }
        }
    }

    /**
     * The stream's next event. When none is ready at once, the stream has paused — both ledgers deliver a
     * block's events together — so the block read last is complete: its counts are written first.
     */
    async #next(iterator: AsyncIterator<ChaincodeEvent>): Promise<IteratorResult<ChaincodeEvent>> {
        const next = iterator.next();
        const idle = new Promise<typeof IDLE>((resolve) => setImmediate(resolve, IDLE));
        const first = await Promise.race([next, idle]);
        if (first !== IDLE) {
            return first;
        }
        try {
            await this.#write(true);
        } catch (error) {
            // The stream is closed after this failure; its pending read must not reject unobserved.
            void next.catch(() => undefined);
            throw error;
        }
        this.#idle = true;
        this.emit('idle');
        try {
            return await next;
        } finally {
            this.#idle = false;
        }
    }

    async #apply(event: ChaincodeEvent): Promise<void> {
        const previous = this.#pending.position;
        let events = previous?.events ?? 0;
        if (event.eventName === 'AccessRequested') {
            const row = await this.#toRow(event);
            const key = toRowKey('h', row);
            this.#pending.deltas.set(key, (this.#pending.deltas.get(key) ?? 0) + 1);
            this.#pending.count += 1;
            events += 1;
        }
        // An event of a later block means every event of the previous one has arrived.
        const height =
            previous !== undefined && event.blockNumber > previous.blockNumber
                ? previous.blockNumber + 1n
                : (previous?.height ?? 0n);
        this.#pending.position = {
            blockNumber: event.blockNumber,
            transactionId: event.transactionId,
            height,
            events,
        };
    }

    async #toRow(event: ChaincodeEvent): Promise<ViewRow> {
        const row = fromAccessRequested(parseEventPayload(event.payload), event.transactionId);
        return row ?? toViewRow(await this.#options.readAccess(event.transactionId));
    }

    /**
     * Writes the pending counts with the position they lead to, in one batch. On failure nothing was written:
     * the pending counts are dropped and the next connection resumes from the written position.
     * @param blockComplete - the block of the last event applied has no more events to come
     */
    async #write(blockComplete: boolean): Promise<void> {
        const pending = this.#pending;
        const last = pending.position;
        if (last === undefined) {
            return;
        }
        const height = blockComplete && last.height <= last.blockNumber ? last.blockNumber + 1n : last.height;
        const position: ViewPosition = { ...last, height };
        if (pending.deltas.size === 0 && isSamePosition(position, this.#written)) {
            return;
        }
        this.#pending = newPending(position);
        try {
            await this.#options.generation.apply(pending.deltas, position);
        } catch (error) {
            this.#pending = newPending(this.#written);
            throw error;
        }
        this.#written = position;
        this.emit('written', position);
    }
}
