// SPDX-License-Identifier: Apache-2.0
/**
 * The chaincode event listener: follows the ledger's chaincode events from a checkpoint persisted in the
 * gateway's data folder, so a restart resumes where it stopped without reprocessing; counts events for
 * `/metrics` by name, decision, reason and purpose (access decisions region-wide); and keeps a small cache of
 * organisation statuses and revoked consents, so the p2p port notices suspensions and revocations at once
 * (the cache can only refuse early; the ledger's own checks stay authoritative). A failed stream is reopened
 * with capped exponential backoff.
 *
 * The checkpoint is kept in memory after every event but written to its file (an fsync) once per block, so
 * that replaying a long chain does not cost one fsync per event. The file always names the last event
 * whose processing finished, never a later one, so a restart never skips an event; a restart after a crash
 * replays the events processed since the last write, whose effects (cache, counters, `processed`) lived only
 * in the crashed process's memory.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { LedgerContracts } from '../ledger/contracts';
import type { ChaincodeEvent, CloseableAsyncIterable, Ledger } from '../../../network/src/ledger';
import { Backoff, sleep, type BackoffOptions } from '../retry';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint';
import { EventCache } from './event-cache';

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
    /** Writes the checkpoint file; {@link writeCheckpoint} by default (tests count the writes). */
    readonly writeCheckpoint?: (file: string, checkpoint: Checkpoint) => void;
}

/** Events of the listener: one per chaincode event processed (its checkpoint file follows with its block). */
export interface ListenerEvents {
    processed: [event: ChaincodeEvent];
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
    #idleWrite: NodeJS.Immediate | undefined;
    #stream: CloseableAsyncIterable<ChaincodeEvent> | undefined;
    #running: Promise<void> | undefined;
    #closed = false;
    /** Aborted by `close()`: ends a reconnection pause at once. */
    #stop = new AbortController();

    /**
     * @param options - ledger, checkpoint file, logger, metrics registry, backoff
     */
    constructor(options: EventListenerOptions) {
        super();
        this.#options = options;
        this.#checkpoint = readCheckpoint(options.checkpointFile);
        this.#written = this.#checkpoint;
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
        this.#closed = false;
        this.#stop = new AbortController();
        this.#running ??= this.#run().finally(() => (this.#running = undefined));
    }

    /** Stops following and waits for the loop to end. */
    async close(): Promise<void> {
        this.#closed = true;
        this.#stream?.close();
        this.#stop.abort();
        await this.#running;
    }

    async #run(): Promise<void> {
        const backoff = new Backoff(this.#options.retry);
        while (!this.#closed) {
            if (await this.#follow()) {
                backoff.reset();
            }
            await this.#pause(backoff.delayMs);
            backoff.increase();
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
            if (this.#closed) {
                stream.close();
            }
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
            // The stream ended, failed or was closed, possibly mid-block: keep what was processed.
            this.#writeCheckpoint();
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
        const payload = parsePayload(event.payload);
        this.#cache.apply(event.eventName, payload);
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

    /** Writes the in-memory checkpoint to the file unless the file already holds it. */
    #writeCheckpoint(): void {
        if (this.#idleWrite !== undefined) {
            clearImmediate(this.#idleWrite);
            this.#idleWrite = undefined;
        }
        const checkpoint = this.#checkpoint;
        if (checkpoint === undefined || checkpoint === this.#written) {
            return;
        }
        try {
            (this.#options.writeCheckpoint ?? writeCheckpoint)(this.#options.checkpointFile, checkpoint);
            this.#written = checkpoint;
        } catch (error) {
            // The in-memory checkpoint keeps this process exact; the next write (idle, next block, stream
            // end) tries again.
            this.#options.logger.error({ err: error }, 'event checkpoint not written; retrying with the next write');
        }
    }

    #count(eventName: string, payload: Readonly<Record<string, unknown>>): void {
        const decision = typeof payload.decision === 'string' ? payload.decision : '';
        const reason = typeof payload.reason === 'string' ? payload.reason : '';
        const purpose = typeof payload.purpose === 'string' ? payload.purpose : '';
        this.#events?.inc({ event: eventName, decision, reason, purpose });
    }

    #pause(ms: number): Promise<void> {
        return this.#closed ? Promise.resolve() : sleep(ms, this.#stop.signal);
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

function parsePayload(payload: Uint8Array): Readonly<Record<string, unknown>> {
    try {
        const value = JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
        return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    } catch {
        return {};
    }
}
