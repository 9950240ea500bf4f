// SPDX-License-Identifier: Apache-2.0
/**
 * Where the HL7 intake keeps its state: sublevels of the custody database (`gateway/src/custody/db.ts`), so a
 * message's records, their anchoring jobs and the message's new status are written in one synced batch. Raw
 * messages and local demographics are sealed under the record store's key (`custody/sealed-box.ts`); patient
 * identifiers appear in keys only as HMACs under the custodian's salt key.
 *
 * | sublevel        | key                         | value                                          |
 * | --------------- | --------------------------- | ---------------------------------------------- |
 * | `hl7-messages`  | message id (time-ordered)   | {@link MessageMeta} (ids, codes, times; no content) |
 * | `hl7-raw`       | message id                  | the message's bytes, sealed                    |
 * | `hl7-ids`       | [MSH-3, MSH-4, MSH-10]      | message id (duplicates)                         |
 * | `hl7-work`      | message id                  | '' (to process, in order)                       |
 * | `hl7-pending`   | message id                  | identifier keys (waiting for a patient link)    |
 * | `hl7-waiting`   | identifier key ! message id | ''                                              |
 * | `hl7-errors`    | message id                  | ''                                              |
 * | `hl7-links`     | identifier key              | patient id                                      |
 * | `hl7-merged`    | identifier key              | the key it was merged into (ADT^A40)            |
 * | `hl7-versions`  | HMAC(patient id, record key) | {recordId, contentHash} of the latest version |
 * | `hl7-patients`  | patient id                  | the local Patient resource, sealed              |
 * | `hl7-anchors`   | job id (time-ordered)       | {@link AnchorQueueJob}                          |
 * | `hl7-counters`  | name                        | a count (expired, evicted)                      |
 */
import { createHmac } from 'node:crypto';
import type { CustodyDb, CustodySublevel } from '../custody/db';
import type { SealedBox } from '../custody/sealed-box';
import type { AnchorInput } from '../ledger/contracts';
import type { AckOutcome } from './ack';

/** Where a message is in the intake. */
export const MessageStatuses = ['received', 'pending', 'stored', 'anchored', 'processed', 'error', 'expired'] as const;
/** One of {@link MessageStatuses}. */
export type MessageStatus = (typeof MessageStatuses)[number];

/** What the gateway keeps about a message besides its bytes: ids, codes and times, never content. */
export interface MessageMeta {
    readonly messageId: string;
    readonly receivedAt: string;
    readonly sender: { readonly application: string; readonly facility: string; readonly address: string };
    /** MSH-10 */
    readonly controlId: string;
    /** MSH-9, e.g. `ORU^R01` */
    readonly type: string;
    /** The character set the message was decoded with. */
    readonly charset: string;
    readonly bytes: number;
    readonly status: MessageStatus;
    /** The acknowledgment sent, repeated for a duplicate. */
    readonly ack: AckOutcome;
    /** Why processing stopped (status `error`). */
    readonly error?: { readonly code: string; readonly text: string; readonly location?: string; readonly at: string };
    readonly recordIds: readonly string[];
    /** Records of this message not anchored yet. */
    readonly unanchored: number;
    /** When the message started waiting for a patient link. */
    readonly pendingSince?: string;
    readonly updatedAt: string;
}

/** An anchor waiting in the HL7 anchoring queue. */
export interface AnchorQueueJob extends AnchorInput {
    readonly jobId: string;
    readonly messageId: string;
    /** When the message was acknowledged (for the ACK → anchored latency). */
    readonly ackedAt: string;
}

/** The latest version of a record the feed published, by what it is about. */
export interface RecordVersion {
    readonly recordId: string;
    readonly contentHash: string;
}

/** A write in a batch. */
export type StoreOperation =
    | { readonly type: 'put'; readonly sublevel: CustodySublevel; readonly key: string; readonly value: Uint8Array }
    | { readonly type: 'del'; readonly sublevel: CustodySublevel; readonly key: string };

const EMPTY = new Uint8Array(0);

function toBytes(value: unknown): Uint8Array {
    return Buffer.from(JSON.stringify(value), 'utf8');
}

function fromBytes(value: Uint8Array): unknown {
    return JSON.parse(Buffer.from(value).toString('utf8'));
}

/** The intake's sublevels and their encodings. */
export class Hl7Store {
    readonly db: CustodyDb;
    readonly messages: CustodySublevel;
    readonly raw: CustodySublevel;
    readonly ids: CustodySublevel;
    readonly work: CustodySublevel;
    readonly pending: CustodySublevel;
    readonly waiting: CustodySublevel;
    readonly errors: CustodySublevel;
    readonly links: CustodySublevel;
    readonly merged: CustodySublevel;
    readonly versions: CustodySublevel;
    readonly patients: CustodySublevel;
    readonly anchors: CustodySublevel;
    readonly counters: CustodySublevel;
    readonly #box: SealedBox;
    readonly #hmacKey: Uint8Array;

    /**
     * @param db - the custody database
     * @param box - sealing under the store key
     * @param hmacKey - the custodian's salt key, for identifier keys
     */
    constructor(db: CustodyDb, box: SealedBox, hmacKey: Uint8Array) {
        this.db = db;
        this.#box = box;
        this.#hmacKey = hmacKey;
        const sub = (name: string): CustodySublevel =>
            db.root.sublevel<string, Uint8Array>(`hl7-${name}`, { valueEncoding: 'view' });
        this.messages = sub('messages');
        this.raw = sub('raw');
        this.ids = sub('ids');
        this.work = sub('work');
        this.pending = sub('pending');
        this.waiting = sub('waiting');
        this.errors = sub('errors');
        this.links = sub('links');
        this.merged = sub('merged');
        this.versions = sub('versions');
        this.patients = sub('patients');
        this.anchors = sub('anchors');
        this.counters = sub('counters');
    }

    /**
     * The key of a patient identifier: an HMAC, so identifiers are not readable from the store's keys.
     * @param system - the assigning authority
     * @param value - the identifier
     */
    identifierKey(system: string, value: string): string {
        return createHmac('sha256', this.#hmacKey).update(`id\u0000${system}\u0000${value}`).digest('hex');
    }

    /**
     * The key of a record's versions: what the record is about at this hospital, for one patient.
     * @param patientId - the patient
     * @param recordKey - the mapper's key (`encounter:<visit>`, …)
     */
    versionKey(patientId: string, recordKey: string): string {
        return createHmac('sha256', this.#hmacKey).update(`ver\u0000${patientId}\u0000${recordKey}`).digest('hex');
    }

    /**
     * The key of a message's sender and control id.
     * @param application - MSH-3
     * @param facility - MSH-4
     * @param controlId - MSH-10
     */
    duplicateKey(application: string, facility: string, controlId: string): string {
        return JSON.stringify([application, facility, controlId]);
    }

    /** @param sublevel - where @param key - what @param value - JSON */
    put(sublevel: CustodySublevel, key: string, value: unknown): StoreOperation {
        return { type: 'put', sublevel, key, value: toBytes(value) };
    }

    /** @param sublevel - where @param key - what (an index entry without value) */
    mark(sublevel: CustodySublevel, key: string): StoreOperation {
        return { type: 'put', sublevel, key, value: EMPTY };
    }

    /** @param sublevel - where @param key - what */
    del(sublevel: CustodySublevel, key: string): StoreOperation {
        return { type: 'del', sublevel, key };
    }

    /** @param meta - the message's metadata */
    putMeta(meta: MessageMeta): StoreOperation {
        return this.put(this.messages, meta.messageId, meta);
    }

    /** @param messageId - the message @param bytes - its raw bytes */
    putRaw(messageId: string, bytes: Uint8Array): StoreOperation {
        return { type: 'put', sublevel: this.raw, key: messageId, value: this.#box.seal(`hl7:${messageId}`, bytes) };
    }

    /** @param patientId - the patient @param patient - the local Patient resource */
    putPatient(patientId: string, patient: unknown): StoreOperation {
        const sealed = this.#box.seal(`hl7-patient:${patientId}`, toBytes(patient));
        return { type: 'put', sublevel: this.patients, key: patientId, value: sealed };
    }

    /** @param messageId - the message @returns its metadata, or undefined */
    async readMeta(messageId: string): Promise<MessageMeta | undefined> {
        const value = await this.messages.get(messageId);
        return value === undefined ? undefined : (fromBytes(value) as MessageMeta);
    }

    /** @param messageId - the message @returns its raw bytes, or undefined when dropped */
    async readRaw(messageId: string): Promise<Buffer | undefined> {
        const value = await this.raw.get(messageId);
        return value === undefined ? undefined : this.#box.open(`hl7:${messageId}`, value);
    }

    /** @param patientId - the patient @returns the local Patient resource, or undefined */
    async readPatient(patientId: string): Promise<unknown> {
        const value = await this.patients.get(patientId);
        return value === undefined ? undefined : fromBytes(this.#box.open(`hl7-patient:${patientId}`, value));
    }

    /** @param key - a JSON value's key @param sublevel - where */
    async readJson(sublevel: CustodySublevel, key: string): Promise<unknown> {
        const value = await sublevel.get(key);
        return value === undefined ? undefined : fromBytes(value);
    }

    /** @param sublevel - where @param key - what @returns the text value (an index's target), or undefined */
    async readText(sublevel: CustodySublevel, key: string): Promise<string | undefined> {
        const value = await sublevel.get(key);
        return value === undefined ? undefined : Buffer.from(value).toString('utf8');
    }

    /** @param sublevel - where @param key - what @param text - the value */
    putText(sublevel: CustodySublevel, key: string, text: string): StoreOperation {
        return { type: 'put', sublevel, key, value: Buffer.from(text, 'utf8') };
    }

    /** @param name - counter @returns its value */
    async readCounter(name: string): Promise<number> {
        return Number((await this.readText(this.counters, name)) ?? '0');
    }

    /**
     * Messages' metadata, newest first (message ids are time-ordered), before a cursor.
     * @param limit - how many
     * @param before - the last message id of the previous page
     */
    async latestMeta(limit: number, before?: string): Promise<MessageMeta[]> {
        const range = { reverse: true, limit, ...(before === undefined ? {} : { lt: before }) };
        const values = await this.messages.values(range).all();
        return values.map((value) => fromBytes(value) as MessageMeta);
    }

    /**
     * Keys of a sublevel in order, after a cursor.
     * @param sublevel - where
     * @param limit - how many
     * @param after - the last key of the previous page
     */
    async keys(sublevel: CustodySublevel, limit: number, after?: string): Promise<string[]> {
        return sublevel.keys({ limit, ...(after === undefined ? {} : { gt: after }) }).all();
    }

    /**
     * Writes operations in one synced batch.
     * @param operations - the writes
     */
    async write(operations: readonly StoreOperation[]): Promise<void> {
        if (operations.length > 0) {
            await this.db.root.batch([...operations], { sync: true });
        }
    }
}

/**
 * Time-ordered ids, unique in this process and across restarts: milliseconds and a counter in base 36, and
 * random digits.
 */
export class IdClock {
    #lastMs = 0;
    #counter = 0;
    readonly #prefix: string;

    /** @param prefix - one letter naming the kind of id */
    constructor(prefix: string) {
        this.#prefix = prefix;
    }

    /** @param now - the clock @returns the next id */
    next(now: Date): string {
        const ms = Math.max(now.getTime(), this.#lastMs);
        this.#counter = ms === this.#lastMs ? this.#counter + 1 : 0;
        this.#lastMs = ms;
        const random = Math.floor(Math.random() * 36 ** 4)
            .toString(36)
            .padStart(4, '0');
        return `${this.#prefix}${ms.toString(36).padStart(9, '0')}${this.#counter.toString(36).padStart(4, '0')}${random}`;
    }
}
