// SPDX-License-Identifier: Apache-2.0
/**
 * Values encrypted at rest under the organisation's key: AES-256-GCM, a random 96-bit IV per write (NIST SP
 * 800-38D, 8.2.2) and the value's id as additional authenticated data, so a value moved to another id fails
 * to open. Layout: format version (1 byte), IV (12), tag (16), ciphertext. The record store and the HL7 inbox
 * keep their content this way.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** A sealed value failed authentication: tampered with, truncated, or moved to another id. */
export class SealError extends Error {
    /** @param options - cause */
    constructor(options: { cause?: unknown } = {}) {
        super('a sealed value failed its integrity check', options);
        this.name = 'SealError';
    }
}

/** Seals and opens values under one 32-byte key. */
export class SealedBox {
    readonly #key: Buffer;

    /** @param key - the 32-byte AES-256 key */
    constructor(key: Buffer) {
        if (key.length !== 32) {
            throw new RangeError('the sealing key must be 32 bytes');
        }
        this.#key = key;
    }

    /**
     * Encrypts bytes bound to an id.
     * @param id - the id the value is stored under (authenticated, not encrypted)
     * @param plaintext - the bytes
     */
    seal(id: string, plaintext: Uint8Array): Uint8Array {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
        cipher.setAAD(Buffer.from(id, 'utf8'));
        const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, cipher.getAuthTag(), ciphertext]);
    }

    /**
     * Decrypts a sealed value.
     * @param id - the id it was sealed for
     * @param value - the stored bytes
     * @throws SealError when authentication fails
     */
    open(id: string, value: Uint8Array): Buffer {
        const bytes = Buffer.from(value);
        if (bytes.length <= HEADER_BYTES || bytes[0] !== FORMAT_VERSION) {
            throw new SealError();
        }
        try {
            const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(1, 1 + IV_BYTES), {
                authTagLength: TAG_BYTES,
            });
            decipher.setAAD(Buffer.from(id, 'utf8'));
            decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, HEADER_BYTES));
            return Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]);
        } catch (cause) {
            throw new SealError({ cause });
        }
    }
}
