// SPDX-License-Identifier: Apache-2.0
/**
 * Processing acknowledged messages (docs/design.md "HL7 v2 intake"): the work queue is drained in arrival
 * order, across restarts. Each message is read again from the inbox and mapped; its patient is found by the
 * local links; a message for a patient not linked yet waits in the pending queue. Otherwise each record passes
 * the same FHIR validation as `POST /records`, gets its salted hash as any published record does, and is
 * stored, encrypted, with its anchoring job and the message's new status in one synced batch: a crash before
 * the batch leaves the message in the work queue, a crash after it leaves nothing to redo, so a message is
 * never processed twice. A record whose content did not change (an update that changes nothing) is not
 * published again; a changed one supersedes the version before it.
 */
import type { Logger } from 'pino';
import { ApiError } from '../errors';
import { toContentHash, toSalt } from '../custody/content-hash';
import { readPublishRequest } from '../custody/fhir';
import { newRecordId } from '../custody/publisher';
import type { RecordStore, StoredRecord } from '../custody/record-store';
import type { PatientLinks } from './links';
import type { MappedMessage, MappedRecord } from './mapping';
import type { Hl7Metrics } from './metrics';
import type { PendingQueue } from './pending';
import { Hl7ReadError, readMessage, type ReadSettings } from './reader';
import type { SerialQueue } from './serial';
import type { AnchorQueueJob, Hl7Store, IdClock, MessageMeta, RecordVersion, StoreOperation } from './store';

/** Most messages processed per synced batch. */
const BATCH_MESSAGES = 64;
/** Most mappings handed over by the intake and kept until processed. */
const RECENT_MAX = 10_000;

/** The subject of every published record: the pseudonymous patient id, never the hospital's identifiers. */
export const PATIENT_SYSTEM = 'urn:healthchain:patient';

/** What the processor needs. */
export interface ProcessorDeps {
    readonly store: Hl7Store;
    readonly links: PatientLinks;
    readonly pending: PendingQueue;
    readonly records: RecordStore;
    readonly serial: SerialQueue;
    readonly read: ReadSettings;
    readonly saltKey: Uint8Array;
    readonly jobs: IdClock;
    readonly clock: () => Date;
    readonly metrics: Hl7Metrics;
    readonly logger: Logger;
    /** Told when anchoring jobs were queued. */
    readonly onAnchorsQueued: () => void;
    /** Told of messages whose state was written. */
    readonly onChange: (metas: readonly MessageMeta[]) => void;
}

/** A reason a message stops in the error queue. */
interface Failure {
    readonly code: string;
    readonly text: string;
    readonly location?: string;
}

/** What one batch writes and what follows from it. */
interface Batch {
    readonly operations: StoreOperation[];
    /** Versions written in this batch, by version key (reads see the store, not the batch). */
    readonly versions: Map<string, RecordVersion>;
    pendingAdded: number;
    pendingReleased: number;
    errorsAdded: number;
    anchors: number;
    /** A merge changed links: end the batch after it. */
    flushNow: boolean;
    /** Messages whose state the batch writes. */
    readonly changed: MessageMeta[];
}

function newBatch(): Batch {
    return {
        operations: [],
        versions: new Map(),
        pendingAdded: 0,
        pendingReleased: 0,
        errorsAdded: 0,
        anchors: 0,
        flushNow: false,
        changed: [],
    };
}

function withSubject(resource: MappedRecord['resource'], patientId: string): Record<string, unknown> {
    return { ...resource, subject: { identifier: { system: PATIENT_SYSTEM, value: patientId } } };
}

function toFailure(error: unknown): Failure {
    if (error instanceof Hl7ReadError) {
        return { ...error.error };
    }
    if (error instanceof ApiError && error.code === 'INVALID_INPUT') {
        return { code: 'INVALID_FHIR', text: error.message };
    }
    // A fault of ours with this message must not hold back the messages behind it.
    return { code: 'INTERNAL', text: 'the message could not be processed (see the gateway log)' };
}

/** Drains the work queue. */
export class Processor {
    readonly #deps: ProcessorDeps;
    #scheduled = false;
    #closed = false;
    /** Mappings the intake just made, by message id (the normal path); a restart or a reprocess reads again. */
    readonly #recent = new Map<string, MappedMessage>();

    /** @param deps - store, links, pending queue, record store, settings, clock, metrics */
    constructor(deps: ProcessorDeps) {
        this.#deps = deps;
    }

    /** Schedules a drain of the work queue. */
    kick(): void {
        if (this.#scheduled || this.#closed) {
            return;
        }
        this.#scheduled = true;
        void this.#deps.serial.run(async () => {
            this.#scheduled = false;
            await this.#drain();
        });
    }

    /** Stops scheduling drains (one in progress finishes). */
    close(): void {
        this.#closed = true;
    }

    /** One batch per task, so that the anchorer's results and the links' wakes are not held behind a long queue. */
    async #drain(): Promise<void> {
        try {
            if (this.#closed) {
                return;
            }
            const ids = await this.#deps.store.keys(this.#deps.store.work, BATCH_MESSAGES);
            if (ids.length === 0) {
                return;
            }
            await this.#processBatch(ids);
            this.kick();
        } catch (error) {
            this.#deps.logger.error({ err: error }, 'HL7 processing failed; it resumes with the next message');
        }
    }

    /**
     * Hands over a message just read and mapped by the intake, so the processor need not read it again.
     * @param messageId - the inbox id
     * @param mapped - its mapping
     */
    remember(messageId: string, mapped: MappedMessage): void {
        if (this.#recent.size >= RECENT_MAX) {
            const [oldest] = this.#recent.keys();
            if (oldest !== undefined) {
                this.#recent.delete(oldest);
            }
        }
        this.#recent.set(messageId, mapped);
    }

    async #processBatch(ids: readonly string[]): Promise<void> {
        const batch = newBatch();
        for (const messageId of ids) {
            await this.#processOne(messageId, batch);
            if (batch.flushNow) {
                break;
            }
        }
        await this.#deps.store.write(batch.operations);
        this.#deps.onChange(batch.changed);
        const { metrics, pending } = this.#deps;
        pending.added(batch.pendingAdded);
        pending.released(batch.pendingReleased);
        metrics.errors.inc(batch.errorsAdded);
        if (batch.anchors > 0) {
            this.#deps.onAnchorsQueued();
        }
    }

    async #processOne(messageId: string, batch: Batch): Promise<void> {
        const { store } = this.#deps;
        batch.operations.push(store.del(store.work, messageId));
        const meta = await store.readMeta(messageId);
        const raw = await store.readRaw(messageId);
        if (meta === undefined || raw === undefined) {
            return;
        }
        try {
            const mapped = this.#recent.get(messageId) ?? readMessage(raw, this.#deps.read).mapped;
            this.#recent.delete(messageId);
            await this.#apply(meta, mapped, batch);
            this.#deps.metrics.mapped.inc({ type: meta.type });
        } catch (error) {
            const failure = toFailure(error);
            if (failure.code === 'INTERNAL') {
                this.#deps.logger.error({ err: error, messageId }, 'HL7 message processing failed');
            }
            this.#fail(meta, failure, batch);
        }
    }

    async #apply(meta: MessageMeta, mapped: MappedMessage, batch: Batch): Promise<void> {
        if (mapped.merge !== undefined) {
            await this.#merge(meta, mapped, mapped.merge.prior, batch);
            return;
        }
        const resolution = await this.#deps.links.resolve(mapped.identifiers);
        if (resolution.kind === 'ambiguous') {
            this.#fail(
                meta,
                { code: 'AMBIGUOUS_PATIENT', text: 'PID-3 names two linked patients', location: 'PID^1^3' },
                batch,
            );
            return;
        }
        if (resolution.kind === 'unlinked') {
            await this.#wait(meta, resolution.keys, batch);
            return;
        }
        await this.#publish(meta, mapped, resolution.patientId, batch);
    }

    async #publish(meta: MessageMeta, mapped: MappedMessage, patientId: string, batch: Batch): Promise<void> {
        const { store } = this.#deps;
        const now = this.#deps.clock();
        const recordIds: string[] = [];
        const operations: StoreOperation[] = [];
        for (const record of mapped.records) {
            const published = await this.#toRecord(meta, record, patientId, now, batch);
            if (published !== undefined) {
                recordIds.push(published.recordId);
                operations.push(...published.operations);
            }
        }
        if (mapped.patient !== undefined) {
            operations.push(store.putPatient(patientId, mapped.patient));
        }
        const status = recordIds.length === 0 ? 'processed' : 'stored';
        operations.push(
            this.#putMeta(batch, {
                ...meta,
                status,
                recordIds,
                unanchored: recordIds.length,
                updatedAt: now.toISOString(),
            }),
        );
        batch.operations.push(...operations);
        batch.anchors += recordIds.length;
    }

    async #toRecord(
        meta: MessageMeta,
        mapped: MappedRecord,
        patientId: string,
        now: Date,
        batch: Batch,
    ): Promise<{ recordId: string; operations: StoreOperation[] } | undefined> {
        const { store, records } = this.#deps;
        const request = readPublishRequest({
            patientId,
            category: mapped.category,
            resource: withSubject(mapped.resource, patientId),
        });
        const salt = toSalt(this.#deps.saltKey, patientId, request.resource);
        const contentHash = toContentHash(salt, request.resource);
        const versionKey = store.versionKey(patientId, mapped.key);
        const previous =
            batch.versions.get(versionKey) ??
            ((await store.readJson(store.versions, versionKey)) as RecordVersion | undefined);
        if (previous?.contentHash === contentHash) {
            return undefined;
        }
        const recordId = newRecordId();
        const stored: StoredRecord = { ...request, recordId, salt, contentHash, storedAt: now.toISOString() };
        const job: AnchorQueueJob = {
            jobId: this.#deps.jobs.next(now),
            messageId: meta.messageId,
            ackedAt: meta.receivedAt,
            recordId,
            patientId,
            category: request.category,
            contentHash,
            ...(previous === undefined ? {} : { supersedes: previous.recordId }),
        };
        const version: RecordVersion = { recordId, contentHash };
        batch.versions.set(versionKey, version);
        return {
            recordId,
            operations: [
                { type: 'put', sublevel: records.sublevel, key: recordId, value: records.seal(stored) },
                store.put(store.anchors, job.jobId, {
                    ...job,
                    versionKey,
                    ...(previous === undefined ? {} : { previous }),
                }),
                store.put(store.versions, versionKey, version),
            ],
        };
    }

    async #wait(meta: MessageMeta, keys: readonly string[], batch: Batch): Promise<void> {
        const { pending } = this.#deps;
        const now = this.#deps.clock();
        await pending.makeRoom(batch.pendingAdded + 1, now);
        const waiting: MessageMeta = {
            ...meta,
            status: 'pending',
            pendingSince: now.toISOString(),
            updatedAt: now.toISOString(),
        };
        batch.operations.push(this.#putMeta(batch, waiting), ...pending.waitOperations(waiting, keys));
        batch.pendingAdded += 1;
    }

    async #merge(
        meta: MessageMeta,
        mapped: MappedMessage,
        prior: NonNullable<MappedMessage['merge']>['prior'],
        batch: Batch,
    ): Promise<void> {
        const { store, links, pending } = this.#deps;
        const merged = await links.merge(mapped.identifiers, prior);
        if (merged === 'conflict') {
            this.#fail(
                meta,
                {
                    code: 'MERGE_CONFLICT',
                    text: 'MRG-1 and PID-3 are linked to different patients',
                    location: 'MRG^1^1',
                },
                batch,
            );
            return;
        }
        const now = this.#deps.clock();
        batch.operations.push(...merged.operations);
        const moving = await pending.waitingOn(
            merged.patientId === undefined ? merged.priorKeys : [...merged.priorKeys, ...merged.survivingKeys],
        );
        for (const messageId of moving) {
            batch.operations.push(...(await pending.releaseOperations(messageId)));
            batch.pendingReleased += 1;
            const waiting = await store.readMeta(messageId);
            if (waiting === undefined) {
                continue;
            }
            if (merged.patientId === undefined) {
                batch.operations.push(...pending.waitOperations(waiting, merged.survivingKeys));
                batch.pendingAdded += 1;
            } else {
                batch.operations.push(
                    this.#putMeta(batch, { ...waiting, status: 'received', updatedAt: now.toISOString() }),
                    store.mark(store.work, messageId),
                );
            }
        }
        batch.operations.push(this.#putMeta(batch, { ...meta, status: 'processed', updatedAt: now.toISOString() }));
        batch.flushNow = true;
    }

    #putMeta(batch: Batch, meta: MessageMeta): StoreOperation {
        batch.changed.push(meta);
        return this.#deps.store.putMeta(meta);
    }

    #fail(meta: MessageMeta, failure: Failure, batch: Batch): void {
        const { store } = this.#deps;
        const now = this.#deps.clock().toISOString();
        batch.operations.push(
            this.#putMeta(batch, { ...meta, status: 'error', error: { ...failure, at: now }, updatedAt: now }),
            store.mark(store.errors, meta.messageId),
        );
        batch.errorsAdded += 1;
        this.#deps.metrics.failures.inc({ code: failure.code });
        this.#deps.logger.warn(
            { messageId: meta.messageId, code: failure.code },
            'HL7 message went to the error queue',
        );
    }

    /**
     * Sends back to the work queue what waited on identifiers that are now linked.
     * @param keys - identifier keys just linked
     * @returns how many messages were woken
     */
    async wake(keys: readonly string[]): Promise<number> {
        return this.#deps.serial.run(async () => {
            const { store, pending } = this.#deps;
            const ids = await pending.waitingOn(keys);
            const now = this.#deps.clock().toISOString();
            const operations: StoreOperation[] = [];
            const changed: MessageMeta[] = [];
            for (const messageId of ids) {
                const meta = await store.readMeta(messageId);
                operations.push(...(await pending.releaseOperations(messageId)), store.mark(store.work, messageId));
                if (meta !== undefined) {
                    const woken: MessageMeta = { ...meta, status: 'received', updatedAt: now };
                    operations.push(store.putMeta(woken));
                    changed.push(woken);
                }
            }
            await store.write(operations);
            this.#deps.onChange(changed);
            pending.released(ids.length);
            if (ids.length > 0) {
                this.kick();
            }
            return ids.length;
        });
    }

    /**
     * Puts a message of the error queue back in the work queue.
     * @param messageId - the message
     * @returns its metadata as it is now
     * @throws ApiError NOT_FOUND, CONFLICT (not in the error queue, or its bytes were dropped)
     */
    async reprocess(messageId: string): Promise<MessageMeta> {
        return this.#deps.serial.run(async () => {
            const { store } = this.#deps;
            const meta = await store.readMeta(messageId);
            if (meta === undefined) {
                throw new ApiError('NOT_FOUND', `No HL7 message ${messageId}`);
            }
            if (meta.status !== 'error' || !(await store.raw.has(messageId))) {
                throw new ApiError('CONFLICT', `HL7 message ${messageId} is ${meta.status}, not in the error queue`);
            }
            const again: MessageMeta = {
                ...meta,
                status: 'received',
                error: undefined,
                updatedAt: this.#deps.clock().toISOString(),
            };
            await store.write([
                store.del(store.errors, messageId),
                store.mark(store.work, messageId),
                store.putMeta(again),
            ]);
            this.#deps.onChange([again]);
            this.#deps.metrics.errors.dec();
            this.kick();
            return again;
        });
    }
}
