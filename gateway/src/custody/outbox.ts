// SPDX-License-Identifier: Apache-2.0
/**
 * The durable anchoring outbox (docs/design.md "Invariants", 3): a record is written to the store together with
 * an outbox entry in one synced batch; the entry leaves the outbox only once `anchorRecord` has committed.
 * A background loop retries entries with capped exponential backoff, across restarts. `anchorRecord` is
 * idempotent for identical fields, so an anchor that committed just before a crash is harmlessly repeated.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { ApiError } from '../errors';
import type { AnchorInput, LedgerContracts, RecordEntry, Submitted } from '../ledger/contracts';
import { CommitError } from '../../../network/src/ledger';
import { Backoff, withJitter, type BackoffOptions } from '../retry';
import type { CustodyDb } from './db';

/** An anchor waiting in the outbox. */
export interface AnchorJob extends AnchorInput {
    readonly enqueuedAt: string;
}

/** Retry timing of the background loop: first delay after a failure (default 500 ms), longest (default 30 s). */
export type OutboxRetry = BackoffOptions;

/** A batch operation that removes part of a publication. */
export interface DiscardOperation {
    readonly type: 'del';
    readonly sublevel: CustodyDb['outbox'];
    readonly key: string;
}

/** Events of the outbox: an entry anchored, or refused for good by the ledger. */
export interface OutboxEvents {
    anchored: [entry: RecordEntry, txId: string];
    refused: [recordId: string, error: ApiError];
}

/**
 * Whether a ledger failure may pass with time (unreachable, timed out, clock skew, read conflicts), as
 * opposed to a refusal that repeating the same anchor cannot change.
 * @param error - what the facade threw
 */
export function isTransientLedgerError(error: unknown): boolean {
    if (!(error instanceof ApiError)) {
        return false;
    }
    return error.code === 'LEDGER_UNAVAILABLE' || (error.code === 'CONFLICT' && error.cause instanceof CommitError);
}

function ledgerCodeOf(error: unknown): unknown {
    return error instanceof ApiError ? error.extra.ledgerCode : undefined;
}

function toAnchorInput(job: AnchorJob): AnchorInput {
    const { recordId, patientId, category, contentHash, supersedes } = job;
    return supersedes === undefined
        ? { recordId, patientId, category, contentHash }
        : { recordId, patientId, category, contentHash, supersedes };
}

/** The outbox of one gateway. */
export class Outbox extends EventEmitter<OutboxEvents> {
    readonly #db: CustodyDb;
    readonly #contracts: Pick<LedgerContracts, 'anchorRecord'>;
    readonly #logger: Logger;
    readonly #backoff: Backoff;
    readonly #inFlight = new Set<string>();
    #timer: NodeJS.Timeout | undefined;
    #draining: Promise<void> | undefined;
    #again = false;
    #closed = false;

    /**
     * @param db - the custody database
     * @param contracts - the ledger facade
     * @param logger - logger (ids only)
     * @param retry - backoff timing
     */
    constructor(
        db: CustodyDb,
        contracts: Pick<LedgerContracts, 'anchorRecord'>,
        logger: Logger,
        retry: OutboxRetry = {},
    ) {
        super();
        this.#db = db;
        this.#contracts = contracts;
        this.#logger = logger;
        this.#backoff = new Backoff(retry);
    }

    /**
     * The batch operation that puts a job in the outbox (to write with its record).
     * @param job - the anchor
     */
    putOperation(job: AnchorJob): { type: 'put'; sublevel: CustodyDb['outbox']; key: string; value: Uint8Array } {
        return { type: 'put', sublevel: this.#db.outbox, key: job.recordId, value: Buffer.from(JSON.stringify(job)) };
    }

    /** Record ids waiting to be anchored. */
    async pending(): Promise<string[]> {
        return this.#db.outbox.keys().all();
    }

    /**
     * Tries one anchor now. On success the entry leaves the outbox; on a transient failure it stays and the
     * background loop is scheduled. On a permanent refusal, when `discard` operations are given (the new
     * record's own), they are written with the removal of the entry, so a refused publication changes
     * nothing; otherwise the entry is left for the caller.
     * @param job - the anchor
     * @param discard - batch operations that undo the publication, for a permanent refusal
     * @throws ApiError from the ledger facade
     */
    async anchorNow(job: AnchorJob, discard?: readonly DiscardOperation[]): Promise<Submitted<RecordEntry>> {
        this.#inFlight.add(job.recordId);
        try {
            return await this.#anchor(job);
        } catch (error) {
            if (isTransientLedgerError(error)) {
                this.#kick(this.#backoff.initialMs);
            } else if (discard) {
                await this.#db.root.batch([...discard, this.#deleteOperation(job.recordId)], { sync: true });
            }
            throw error;
        } finally {
            this.#inFlight.delete(job.recordId);
        }
    }

    async #anchor(job: AnchorJob): Promise<Submitted<RecordEntry>> {
        const result = await this.#contracts.anchorRecord(toAnchorInput(job));
        await this.#db.root.batch([this.#deleteOperation(job.recordId)], { sync: true });
        this.emit('anchored', result.value, result.txId);
        return result;
    }

    #deleteOperation(recordId: string): DiscardOperation {
        return { type: 'del', sublevel: this.#db.outbox, key: recordId };
    }

    /** Starts the background loop (drains what a previous run left). */
    start(): void {
        this.#closed = false;
        this.#backoff.reset();
        this.#kick(0);
    }

    /** Stops the loop and waits for an attempt in progress. */
    async close(): Promise<void> {
        this.#closed = true;
        clearTimeout(this.#timer);
        this.#timer = undefined;
        await this.#draining;
    }

    #kick(delayMs: number): void {
        if (this.#closed || this.#timer !== undefined) {
            return;
        }
        this.#timer = setTimeout(() => {
            this.#timer = undefined;
            if (this.#draining) {
                this.#again = true;
                return;
            }
            this.#draining = this.#drain().finally(() => {
                this.#draining = undefined;
                if (this.#again) {
                    this.#again = false;
                    this.#kick(0);
                }
            });
        }, delayMs);
    }

    async #drain(): Promise<void> {
        try {
            const outcome = await this.#drainOnce();
            if (outcome === 'retry') {
                this.#kick(withJitter(this.#backoff.increase()));
            } else {
                this.#backoff.reset();
            }
        } catch (error) {
            this.#logger.error({ err: error }, 'outbox drain failed');
            this.#kick(this.#backoff.delayMs);
        }
    }

    async #drainOnce(): Promise<'done' | 'retry'> {
        for await (const [recordId, value] of this.#db.outbox.iterator()) {
            if (this.#closed) {
                return 'done';
            }
            if (this.#inFlight.has(recordId)) {
                continue;
            }
            const job = JSON.parse(Buffer.from(value).toString('utf8')) as AnchorJob;
            if ((await this.#attempt(job)) === 'retry') {
                return 'retry';
            }
        }
        return 'done';
    }

    async #attempt(job: AnchorJob): Promise<'done' | 'retry'> {
        this.#inFlight.add(job.recordId);
        try {
            const result = await this.#anchor(job);
            this.#logger.info({ recordId: job.recordId, txId: result.txId }, 'record anchored from the outbox');
            return 'done';
        } catch (error) {
            // A suspension may be lifted: a record accepted earlier waits for the reinstatement.
            if (isTransientLedgerError(error) || ledgerCodeOf(error) === 'ORG_NOT_ACTIVE') {
                this.#logger.warn({ recordId: job.recordId, code: (error as ApiError).code }, 'anchor deferred');
                return 'retry';
            }
            await this.#refuse(job, error);
            return 'done';
        } finally {
            this.#inFlight.delete(job.recordId);
        }
    }

    async #refuse(job: AnchorJob, error: unknown): Promise<void> {
        const apiError =
            error instanceof ApiError ? error : new ApiError('INTERNAL', 'anchor failed', { cause: error });
        const kept = Buffer.from(JSON.stringify({ ...job, code: apiError.code, refusedAt: new Date().toISOString() }));
        await this.#db.root.batch(
            [
                { type: 'del', sublevel: this.#db.outbox, key: job.recordId },
                { type: 'put', sublevel: this.#db.refused, key: job.recordId, value: kept },
            ],
            { sync: true },
        );
        this.#logger.error({ recordId: job.recordId, code: apiError.code }, 'the ledger refused an anchor for good');
        this.emit('refused', job.recordId, apiError);
    }
}
