// SPDX-License-Identifier: Apache-2.0
/**
 * Anchoring the feed's records in batches (docs/design.md "HL7 v2 intake"): the anchoring queue is drained in
 * order, up to 100 jobs per `record:anchorRecords` transaction, so a busy feed costs one transaction per batch
 * rather than one per message; while a transaction is on its way, new jobs gather for the next. A batch ends
 * before a job that supersedes a record of the same batch (the ledger takes a new version only of a committed
 * one). Per entry: anchored (or already anchored: a retry after a lost answer) leaves the queue; refused for
 * good is undone as `POST /records` undoes a refused publication — the stored record is removed, the version
 * before it restored — and its message goes to the error queue. A ledger that cannot answer, or a suspension,
 * is waited out with backoff, across restarts.
 */
import type { Logger } from 'pino';
import type { CustodyDb } from '../custody/db';
import { isTransientLedgerError } from '../custody/outbox';
import type { RecordStore } from '../custody/record-store';
import { ApiError } from '../errors';
import type { AnchorBatchResult, AnchorInput, LedgerContracts } from '../ledger/contracts';
import { Backoff, withJitter, type BackoffOptions } from '../retry';
import type { Hl7Metrics } from './metrics';
import type { SerialQueue } from './serial';
import type { AnchorQueueJob, Hl7Store, MessageMeta, RecordVersion, StoreOperation } from './store';

/** Most entries per anchoring transaction (the chaincode's `MAX_ANCHOR_BATCH`). */
export const ANCHOR_BATCH = 100;

/** A queued job as stored: the anchor and how to undo its version. */
interface StoredJob extends AnchorQueueJob {
    readonly versionKey: string;
    readonly previous?: RecordVersion;
}

/** What the anchorer needs. */
export interface AnchorerDeps {
    readonly store: Hl7Store;
    readonly custody: CustodyDb;
    readonly records: RecordStore;
    readonly contracts: Pick<LedgerContracts, 'anchorRecords'>;
    readonly serial: SerialQueue;
    readonly clock: () => Date;
    readonly metrics: Hl7Metrics;
    readonly logger: Logger;
    readonly retry?: BackoffOptions;
    /** Told of messages whose state was written. */
    readonly onChange: (metas: readonly MessageMeta[]) => void;
}

function toInput(job: StoredJob): AnchorInput {
    const { recordId, patientId, category, contentHash, supersedes } = job;
    return supersedes === undefined
        ? { recordId, patientId, category, contentHash }
        : { recordId, patientId, category, contentHash, supersedes };
}

/**
 * The jobs of the next transaction: in order, stopping before one that supersedes a record of the batch.
 * @param jobs - the head of the queue
 */
export function cutBatch<T extends { recordId: string; supersedes?: string }>(jobs: readonly T[]): T[] {
    const batch: T[] = [];
    const ids = new Set<string>();
    for (const job of jobs) {
        if (job.supersedes !== undefined && ids.has(job.supersedes)) {
            break;
        }
        batch.push(job);
        ids.add(job.recordId);
    }
    return batch;
}

/** Drains the anchoring queue. */
export class Anchorer {
    readonly #deps: AnchorerDeps;
    readonly #backoff: Backoff;
    #timer: NodeJS.Timeout | undefined;
    #running: Promise<void> | undefined;
    #again = false;
    #closed = false;

    /** @param deps - store, custody database, ledger, clock, metrics */
    constructor(deps: AnchorerDeps) {
        this.#deps = deps;
        this.#backoff = new Backoff(deps.retry ?? {});
    }

    /** Jobs waiting now. */
    async queued(): Promise<number> {
        return (await this.#deps.store.anchors.keys().all()).length;
    }

    /** Starts draining (what a previous run left, and what comes). */
    start(): void {
        this.#closed = false;
        this.kick();
    }

    /** Drains now, or right after the transaction on its way. */
    kick(): void {
        if (this.#closed) {
            return;
        }
        if (this.#running !== undefined) {
            this.#again = true;
            return;
        }
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#running = this.#drain().finally(() => {
            this.#running = undefined;
            if (this.#again) {
                this.#again = false;
                this.kick();
            }
        });
    }

    /** Stops, waiting for a transaction on its way. */
    async close(): Promise<void> {
        this.#closed = true;
        clearTimeout(this.#timer);
        this.#timer = undefined;
        await this.#running;
    }

    #later(delayMs: number): void {
        if (!this.#closed && this.#timer === undefined) {
            this.#timer = setTimeout(() => {
                this.#timer = undefined;
                this.kick();
            }, delayMs);
        }
    }

    async #drain(): Promise<void> {
        try {
            while (!this.#closed) {
                const jobs = cutBatch(
                    (await this.#deps.store.anchors.values({ limit: ANCHOR_BATCH }).all()).map(
                        (value) => JSON.parse(Buffer.from(value).toString('utf8')) as StoredJob,
                    ),
                );
                if (jobs.length === 0) {
                    this.#backoff.reset();
                    return;
                }
                if ((await this.#submit(jobs)) === 'retry') {
                    this.#later(withJitter(this.#backoff.increase()));
                    return;
                }
                this.#backoff.reset();
            }
        } catch (error) {
            this.#deps.logger.error({ err: error }, 'HL7 anchoring failed');
            this.#later(this.#backoff.increase());
        }
    }

    async #submit(jobs: readonly StoredJob[]): Promise<'done' | 'retry'> {
        let results: readonly AnchorBatchResult[];
        try {
            results = (await this.#deps.contracts.anchorRecords(jobs.map(toInput))).value.results;
        } catch (error) {
            const code = error instanceof ApiError ? error.extra.ledgerCode : undefined;
            if (isTransientLedgerError(error) || code === 'ORG_NOT_ACTIVE') {
                this.#deps.logger.warn({ jobs: jobs.length, code }, 'HL7 anchoring deferred');
                return 'retry';
            }
            // The whole batch was refused: each job is refused with that code.
            const refusal = error instanceof ApiError ? error.code : 'INTERNAL';
            results = jobs.map((job) => ({ recordId: job.recordId, status: 'refused', code: refusal, detail: '' }));
        }
        this.#deps.metrics.anchorBatches.observe(jobs.length);
        await this.#deps.serial.run(() => this.#record(jobs, results));
        return 'done';
    }

    async #record(jobs: readonly StoredJob[], results: readonly AnchorBatchResult[]): Promise<void> {
        const { store } = this.#deps;
        const now = this.#deps.clock();
        const operations: StoreOperation[] = [];
        const done = new Map<string, { anchored: number; refused: string[] }>();
        const changed: MessageMeta[] = [];
        for (const [index, job] of jobs.entries()) {
            const result = results[index];
            operations.push(store.del(store.anchors, job.jobId));
            const tally = done.get(job.messageId) ?? { anchored: 0, refused: [] };
            done.set(job.messageId, tally);
            if (result !== undefined && result.status !== 'refused') {
                tally.anchored += 1;
                this.#deps.metrics.anchored.inc();
                continue;
            }
            tally.refused.push(result?.status === 'refused' ? result.code : 'INTERNAL');
            operations.push(...(await this.#undo(job, result)));
        }
        for (const [messageId, tally] of done) {
            operations.push(...(await this.#updateMessage(messageId, tally, { jobs, now, changed })));
        }
        await store.write(operations);
        this.#deps.onChange(changed);
    }

    async #undo(job: StoredJob, result: AnchorBatchResult | undefined): Promise<StoreOperation[]> {
        const { store, records, custody } = this.#deps;
        const code = result?.status === 'refused' ? result.code : 'INTERNAL';
        this.#deps.logger.error(
            { recordId: job.recordId, messageId: job.messageId, code },
            'the ledger refused an HL7 record',
        );
        const current = (await store.readJson(store.versions, job.versionKey)) as RecordVersion | undefined;
        const operations: StoreOperation[] = [
            { type: 'del', sublevel: records.sublevel, key: job.recordId },
            store.put(custody.refused, job.recordId, {
                ...toInput(job),
                code,
                refusedAt: this.#deps.clock().toISOString(),
            }),
        ];
        if (current?.recordId === job.recordId) {
            operations.push(
                job.previous === undefined
                    ? store.del(store.versions, job.versionKey)
                    : store.put(store.versions, job.versionKey, job.previous),
            );
        }
        return operations;
    }

    async #updateMessage(
        messageId: string,
        tally: { anchored: number; refused: string[] },
        context: { readonly jobs: readonly StoredJob[]; readonly now: Date; readonly changed: MessageMeta[] },
    ): Promise<StoreOperation[]> {
        const { jobs, now } = context;
        const put = (next: MessageMeta): StoreOperation => {
            context.changed.push(next);
            return this.#deps.store.putMeta(next);
        };
        const { store, metrics } = this.#deps;
        const meta = await store.readMeta(messageId);
        if (meta === undefined) {
            return [];
        }
        const unanchored = Math.max(0, meta.unanchored - tally.anchored - tally.refused.length);
        const [refusal] = tally.refused;
        if (refusal !== undefined) {
            metrics.errors.inc();
            metrics.failures.inc({ code: `LEDGER_${refusal}` });
            const error = {
                code: `LEDGER_${refusal}`,
                text: 'the ledger refused a record of this message',
                at: now.toISOString(),
            };
            return [
                put({ ...meta, status: 'error', error, unanchored, updatedAt: now.toISOString() }),
                store.mark(store.errors, messageId),
            ];
        }
        if (unanchored === 0 && meta.status === 'stored') {
            const ackedAt = jobs.find((job) => job.messageId === messageId)?.ackedAt ?? meta.receivedAt;
            metrics.anchorSeconds.observe((now.getTime() - Date.parse(ackedAt)) / 1000);
            return [put({ ...meta, status: 'anchored', unanchored, updatedAt: now.toISOString() })];
        }
        return [put({ ...meta, unanchored, updatedAt: now.toISOString() })];
    }
}
