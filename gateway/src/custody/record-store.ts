// SPDX-License-Identifier: Apache-2.0
/**
 * The record store: each record's FHIR content, salt and hash, encrypted at rest under the organisation's key
 * with the record id as additional authenticated data (`sealed-box.ts`), so a value moved to another id fails
 * to open. Content never reaches a log.
 */
import type { Category } from '../../../chaincode/src/protocol/vocabulary';
import type { CustodySublevel } from './db';
import { SealedBox } from './sealed-box';

/** A record as the custodian holds it. */
export interface StoredRecord {
    readonly recordId: string;
    readonly patientId: string;
    readonly category: Category;
    /** The FHIR R4 resource or Bundle, as published. */
    readonly resource: unknown;
    /** 32 bytes as lowercase hex (derived: `toSalt`); SHA-256(salt ‖ JCS(resource)) is the content hash. */
    readonly salt: string;
    readonly contentHash: string;
    readonly storedAt: string;
}

/** A stored value failed its authentication check: tampered with, truncated, or moved to another id. */
export class RecordIntegrityError extends Error {
    readonly recordId: string;

    /**
     * @param recordId - the record whose value failed
     * @param options - cause
     */
    constructor(recordId: string, options: { cause?: unknown } = {}) {
        super(`Stored record ${recordId} failed its integrity check`, options);
        this.name = 'RecordIntegrityError';
        this.recordId = recordId;
    }
}

const FORMAT_VERSION = 1;

type Sealed = Omit<StoredRecord, 'recordId'>;

/** Reads and writes encrypted records in a sublevel. */
export class RecordStore {
    readonly #sublevel: CustodySublevel;
    readonly #box: SealedBox;

    /**
     * @param sublevel - where records are kept
     * @param key - the 32-byte AES-256 key
     */
    constructor(sublevel: CustodySublevel, key: Buffer) {
        if (key.length !== 32) {
            throw new RangeError('the record store key must be 32 bytes');
        }
        this.#sublevel = sublevel;
        this.#box = new SealedBox(key);
    }

    /** The sublevel, for atomic batches with the outbox. */
    get sublevel(): CustodySublevel {
        return this.#sublevel;
    }

    /**
     * Encrypts a record into the value stored under its id.
     * @param record - the record
     */
    seal(record: StoredRecord): Uint8Array {
        const { recordId, ...sealed } = record;
        return this.#box.seal(recordId, Buffer.from(JSON.stringify({ ...sealed, v: FORMAT_VERSION }), 'utf8'));
    }

    /**
     * Decrypts a stored value.
     * @param recordId - its key
     * @param value - the stored bytes
     * @throws RecordIntegrityError when authentication fails
     */
    open(recordId: string, value: Uint8Array): StoredRecord {
        let plaintext: Buffer;
        try {
            plaintext = this.#box.open(recordId, value);
        } catch (cause) {
            throw new RecordIntegrityError(recordId, { cause });
        }
        const { v, ...sealed } = JSON.parse(plaintext.toString('utf8')) as Sealed & { v: number };
        if (v !== FORMAT_VERSION) {
            throw new RecordIntegrityError(recordId);
        }
        return { recordId, ...sealed };
    }

    /**
     * Stores a record (synced to disk).
     * @param record - the record
     */
    async put(record: StoredRecord): Promise<void> {
        const op = { type: 'put', sublevel: this.#sublevel, key: record.recordId, value: this.seal(record) } as const;
        await this.#sublevel.db.batch([op], { sync: true });
    }

    /**
     * Reads a record, on the event loop: a record is one small value, so the read costs at most one block
     * read, less than handing it to libuv's thread pool and back (docs/design.md, "Delivery").
     * @param recordId - its id
     * @returns the record, or undefined when this store does not hold it
     * @throws RecordIntegrityError when the stored value fails authentication
     */
    get(recordId: string): StoredRecord | undefined {
        const value = this.#sublevel.getSync(recordId);
        return value === undefined ? undefined : this.open(recordId, value);
    }

    /**
     * Whether the store holds a record, without decrypting it.
     * @param recordId - its id
     */
    has(recordId: string): boolean {
        return this.#sublevel.getSync(recordId) !== undefined;
    }
}
