// SPDX-License-Identifier: Apache-2.0
/**
 * The chaincode event listener: follows the ledger's chaincode events from a checkpoint persisted in the
 * gateway's data folder, so a restart resumes where it stopped without reprocessing; counts events for
 * `/metrics` by name, decision, reason and purpose (access decisions region-wide); and keeps a small cache of
 * organisation statuses and revoked consents, so the p2p port notices suspensions and revocations at once
 * (the cache can only refuse early; the ledger's own checks stay authoritative). A failed stream is reopened
 * with capped exponential backoff.
 *
 * The checkpoint is kept in memory after every event but written to its file (an fsync) at most once per
 * block and, while events keep coming, at most once a second, so that neither replaying a long chain nor a
 * busy ledger costs every gateway an fsync per block. Writes run off the event loop, one at a time; blocks
 * that end meanwhile are covered by the next write, which names the latest of them. The file always names the
 * last event whose processing finished, never a later one, so a restart never skips an event; a restart
 * after a crash replays the events processed since the last write, whose effects (cache, counters,
 * `processed`) lived only in the crashed process's memory.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { LedgerContracts } from '../ledger/contracts';
import type { ChaincodeEvent, CloseableAsyncIterable, Ledger } from '../../../network/src/ledger';
import type { BackoffOptions } from '../retry';
import { readCheckpoint, writeCheckpointAsync, type Checkpoint } from './checkpoint';
import { EventCache } from './event-cache';
import { parseEventPayload } from './event-payload';
import { FollowLoop } from './follow-loop';

/** Options of {@link ChaincodeEventListener}. */
export interface EventListenerOptions {
    readonly ledger: Pick<Ledger, 'chaincodeEvents'>;
    /** Seeds organisation statuses at each (re)connection. */
    readonly contracts?: Pick<LedgerContracts, 'listOrganizations'>;
    /** The checkpoint file in the gateway's data folder. */
    readonly checkpointFile: string;
    readonly logger: Logger;
    /** Registry to count events on. */
    readonly registry?: Registry;
    /** Reconnection backoff: first delay (default 500 ms) and longest (default 30 s). */
    readonly retry?: BackoffOptions;
    /** Writes the checkpoint file; {@link writeCheckpointAsync} by default (tests count the writes). */
    readonly writeCheckpoint?: (file: string, checkpoint: Checkpoint) => void | Promise<void>;
    /**
     * Least time between two checkpoint writes while events keep coming (default 1 s; 0 writes once per
     * block). The stream's end and `close()` write at once.
     */
    readonly checkpointIntervalMs?: number;
}

/** Events of the listener. */
export interface ListenerEvents {
    /** One per chaincode event processed (its checkpoint file follows with its block). */
    processed: [event: ChaincodeEvent];
    /** An organisation event (registered, updated, status, certificate) named this organisation. */
    organization: [mspId: string];
    /** The event stream opened (true) or ended, failed or was closed (false). */
    stream: [open: boolean];
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
    const existing = registry.getSingleMetric(name);
    return existing instanceof Counter ? existing : new Counter({ name, help, labelNames, registers: [registry] });
}

/** Follows chaincode events from a persisted checkpoint. */
export class ChaincodeEventListener extends EventEmitter<ListenerEvents> {
    readonly #options: EventListenerOptions;
    readonly #cache = new EventCache();
    readonly #events: Counter | undefined;
    #checkpoint: Checkpoint | undefined;
    /** What the checkpoint file holds. */
    #written: Checkpoint | undefined;
    /** The latest checkpoint asked to be written, while writes are under way. */
    #due: Checkpoint | undefined;
    /** The writes under way, if any. */
    #writing: Promise<void> | undefined;
    #idleWrite: NodeJS.Immediate | undefined;
    /** A write put off until the checkpoint interval has passed. */
    #laterWrite: NodeJS.Timeout | undefined;
    /** When the last write began (`performance.now()`). */
    #lastWriteAt = Number.NEGATIVE_INFINITY;
    #stream: CloseableAsyncIterable<ChaincodeEvent> | undefined;
    readonly #loop: FollowLoop;

    /**
     * @param options - ledger, checkpoint file, logger, metrics registry, backoff
     */
    constructor(options: EventListenerOptions) {
        super();
        this.#options = options;
        this.#checkpoint = readCheckpoint(options.checkpointFile);
        this.#written = this.#checkpoint;
        this.#loop = new FollowLoop({
            follow: () => this.#follow(),
            endStream: () => this.#stream?.close(),
            retry: options.retry,
        });
        this.#events = options.registry
            ? counter(options.registry, 'healthchain_ledger_events_total', 'Chaincode events seen on the ledger', [
                  'event',
                  'decision',
                  'reason',
                  'purpose',
              ])
            : undefined;
    }

    /** The last processed event, if any. */
    get checkpoint(): Checkpoint | undefined {
        return this.#checkpoint;
    }

    /** @inheritdoc */
    isOrgActive(mspId: string): boolean | undefined {
        return this.#cache.isOrgActive(mspId);
    }

    /**
     * An organisation's last known status from the events.
     * @param mspId - the organisation
     */
    orgStatus(mspId: string): string | undefined {
        return this.#cache.orgStatus(mspId);
    }

    /** @inheritdoc */
    isConsentRevoked(consentId: string): boolean {
        return this.#cache.isConsentRevoked(consentId);
    }

    /** Starts following events in the background. */
    start(): void {
        this.#loop.start();
    }

    /** Stops following and waits for the loop to end and the checkpoint to be written. */
    async close(): Promise<void> {
        await this.#loop.close();
        while (this.#writing !== undefined) {
            await this.#writing;
        }
    }

    /** One connection: seed, read until the stream ends or fails. Returns whether any event was processed. */
    async #follow(): Promise<boolean> {
        let progressed = false;
        try {
            await this.#seed();
            const stream = await this.#options.ledger.chaincodeEvents({
                startBlock: this.#checkpoint?.blockNumber ?? 0n,
            });
            this.#stream = stream;
            if (this.#loop.closed) {
                stream.close();
            }
            this.emit('stream', true);
            const isDone = newResumeFilter(this.#checkpoint);
            for await (const event of stream) {
                if (isDone(event)) {
                    continue;
                }
                this.#process(event);
                progressed = true;
            }
        } catch (error) {
            this.#options.logger.warn({ err: error }, 'chaincode event stream failed; reconnecting');
        } finally {
            this.#stream?.close();
            this.#stream = undefined;
            this.emit('stream', false);
            // The stream ended, failed or was closed, possibly mid-block: keep what was processed.
            this.#writeCheckpoint({ now: true });
        }
        return progressed;
    }

    async #seed(): Promise<void> {
        const orgs = await this.#options.contracts?.listOrganizations();
        for (const org of orgs ?? []) {
            this.#cache.setOrgStatus(org.mspId, org.status);
        }
    }

    #process(event: ChaincodeEvent): void {
        // A stream delivers blocks in order, all of a block's events before the next block's: an event of a
        // later block means the previous block is done, so its last checkpoint is written first.
        if (this.#checkpoint !== undefined && event.blockNumber > this.#checkpoint.blockNumber) {
            this.#writeCheckpoint();
        }
        const payload = parseEventPayload(event.payload);
        this.#cache.apply(event.eventName, payload);
        if (event.eventName.startsWith('Organization') && typeof payload.mspId === 'string') {
            this.emit('organization', payload.mspId);
        }
        this.#count(event.eventName, payload);
        this.#checkpoint = { blockNumber: event.blockNumber, transactionId: event.transactionId };
        this.#writeCheckpointWhenIdle();
        this.emit('processed', event);
    }

    /**
     * Writes the checkpoint once the stream goes idle, so the last block read is not left unwritten until
     * the next block arrives. Both ledgers yield a block's events one after another without waiting for I/O
     * (Fabric sends one response per block), so an immediate runs only once the stream waits for the next
     * block. A stream that split a block across reads would get an extra write naming a transaction inside
     * the block, which resumes correctly too.
     */
    #writeCheckpointWhenIdle(): void {
        this.#idleWrite ??= setImmediate(() => {
            this.#idleWrite = undefined;
            this.#writeCheckpoint();
        });
    }

    /**
     * Has the in-memory checkpoint written to the file unless the file already holds it: at once when told
     * to, else once the checkpoint interval since the last write has passed.
     */
    #writeCheckpoint(options: { readonly now?: boolean } = {}): void {
        if (this.#idleWrite !== undefined) {
            clearImmediate(this.#idleWrite);
            this.#idleWrite = undefined;
        }
        const checkpoint = this.#checkpoint;
        if (checkpoint === undefined || checkpoint === this.#written) {
            return;
        }
        const wait = this.#lastWriteAt + (this.#options.checkpointIntervalMs ?? 1000) - performance.now();
        if (options.now !== true && wait > 0) {
            this.#laterWrite ??= setTimeout(() => {
                this.#laterWrite = undefined;
                this.#writeCheckpoint();
            }, wait);
            return;
        }
        clearTimeout(this.#laterWrite);
        this.#laterWrite = undefined;
        this.#lastWriteAt = performance.now();
        this.#due = checkpoint;
        this.#startWrites();
    }

    #startWrites(): void {
        this.#writing ??= this.#drainWrites().finally(() => {
            this.#writing = undefined;
            // Asked for between the last write and here.
            if (this.#due !== undefined && this.#due !== this.#written) {
                this.#startWrites();
            }
        });
    }

    /** Writes the latest due checkpoint until none is left. */
    async #drainWrites(): Promise<void> {
        const write = this.#options.writeCheckpoint ?? writeCheckpointAsync;
        for (let due = this.#due; due !== undefined && due !== this.#written; due = this.#due) {
            try {
                await write(this.#options.checkpointFile, due);
                this.#written = due;
            } catch (error) {
                // The in-memory checkpoint keeps this process exact; the next write (idle, next block, stream
                // end) tries again.
                this.#options.logger.error(
                    { err: error },
                    'event checkpoint not written; retrying with the next write',
                );
                this.#due = undefined;
            }
        }
    }

    #count(eventName: string, payload: Readonly<Record<string, unknown>>): void {
        const decision = typeof payload.decision === 'string' ? payload.decision : '';
        const reason = typeof payload.reason === 'string' ? payload.reason : '';
        const purpose = typeof payload.purpose === 'string' ? payload.purpose : '';
        this.#events?.inc({ event: eventName, decision, reason, purpose });
    }
}

/**
 * A filter of the events a resumed stream replays: those of the checkpoint's block up to and including its
 * transaction were processed before (the stream starts at the checkpoint's block).
 * @param checkpoint - where the listener stood
 */
function newResumeFilter(checkpoint: Checkpoint | undefined): (event: ChaincodeEvent) => boolean {
    let resume = checkpoint;
    return (event) => {
        if (resume === undefined || event.blockNumber > resume.blockNumber) {
            resume = undefined;
            return false;
        }
        if (event.blockNumber === resume.blockNumber && event.transactionId === resume.transactionId) {
            resume = undefined;
        }
        return true;
    };
}
