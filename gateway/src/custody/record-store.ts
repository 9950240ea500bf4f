// SPDX-License-Identifier: Apache-2.0
/**
 * The record store: each record's FHIR content, salt and hash, encrypted at rest with AES-256-GCM under the
 * organisation's key, a random 96-bit IV per write (NIST SP 800-38D, 8.2.2) and the record id as additional
 * authenticated data, so a value moved to another id fails to open. Content never reaches a log.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Category } from '../../../chaincode/src/protocol/vocabulary';
import type { CustodySublevel } from './db';

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
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

type Sealed = Omit<StoredRecord, 'recordId'>;

/** Reads and writes encrypted records in a sublevel. */
export class RecordStore {
    readonly #sublevel: CustodySublevel;
    readonly #key: Buffer;

    /**
     * @param sublevel - where records are kept
     * @param key - the 32-byte AES-256 key
     */
    constructor(sublevel: CustodySublevel, key: Buffer) {
        if (key.length !== 32) {
            throw new RangeError('the record store key must be 32 bytes');
        }
        this.#sublevel = sublevel;
        this.#key = key;
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
        const plaintext = Buffer.from(JSON.stringify({ ...sealed, v: FORMAT_VERSION }), 'utf8');
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
        cipher.setAAD(Buffer.from(recordId, 'utf8'));
        const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, cipher.getAuthTag(), ciphertext]);
    }

    /**
     * Decrypts a stored value.
     * @param recordId - its key
     * @param value - the stored bytes
     * @throws RecordIntegrityError when authentication fails
     */
    open(recordId: string, value: Uint8Array): StoredRecord {
        const bytes = Buffer.from(value);
        if (bytes.length <= HEADER_BYTES || bytes[0] !== FORMAT_VERSION) {
            throw new RecordIntegrityError(recordId);
        }
        try {
            const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(1, 1 + IV_BYTES), {
                authTagLength: TAG_BYTES,
            });
            decipher.setAAD(Buffer.from(recordId, 'utf8'));
            decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, HEADER_BYTES));
            const plaintext = Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]);
            const { v, ...sealed } = JSON.parse(plaintext.toString('utf8')) as Sealed & { v: number };
            if (v !== FORMAT_VERSION) {
                throw new RecordIntegrityError(recordId);
            }
            return { recordId, ...sealed };
        } catch (cause) {
            throw cause instanceof RecordIntegrityError ? cause : new RecordIntegrityError(recordId, { cause });
        }
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
     * Reads a record.
     * @param recordId - its id
     * @returns the record, or undefined when this store does not hold it
     * @throws RecordIntegrityError when the stored value fails authentication
     */
    async get(recordId: string): Promise<StoredRecord | undefined> {
        const value = await this.#sublevel.get(recordId);
        return value === undefined ? undefined : this.open(recordId, value);
    }

    /**
     * Whether the store holds a record, without decrypting it.
     * @param recordId - its id
     */
    async has(recordId: string): Promise<boolean> {
        return (await this.#sublevel.get(recordId)) !== undefined;
    }
}
