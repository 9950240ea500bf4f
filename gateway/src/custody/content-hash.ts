// SPDX-License-Identifier: Apache-2.0
/**
 * The salted content hash of a record (docs/design.md "Record index entry"): `SHA-256(salt ‖ canonical content)`,
 * where the canonical content is the UTF-8 of the FHIR resource's RFC 8785 (JCS) form and the salt 32 bytes
 * kept with the record off-chain, so the hash on the ledger confirms nothing to someone guessing content. The
 * salt is derived from a secret only this custodian holds and from the patient and content, so the same
 * content published twice here has the same hash and the ledger refuses the second anchor (one service, one
 * record: it cannot be billed twice), while another custodian's salt for the same content differs.
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { toCanonicalJson } from '../../../chaincode/src/protocol/canonical-json';

/** Salt length in bytes. */
export const SALT_BYTES = 32;
/** A salt as lowercase hex: 64 digits. */
export const SALT_HEX_PATTERN = /^[0-9a-f]{64}$/;

/**
 * The key that salts this custodian's content hashes, derived (HKDF-SHA-256) from its record-store key so
 * that the two keys are independent.
 * @param storeKey - the record store's 32-byte key
 */
export function toSaltKey(storeKey: Uint8Array): Buffer {
    return Buffer.from(hkdfSync('sha256', storeKey, Buffer.alloc(0), 'health chain content salt', SALT_BYTES));
}

/**
 * The salt of a record: HMAC-SHA-256(salt key, patient id ‖ 0x00 ‖ JCS(resource)), lowercase hex.
 * @param saltKey - from {@link toSaltKey}
 * @param patientId - the record's patient
 * @param resource - the FHIR resource as JSON
 */
export function toSalt(saltKey: Uint8Array, patientId: string, resource: unknown): string {
    return createHmac('sha256', saltKey)
        .update(`${patientId}\u0000`, 'utf8')
        .update(toCanonicalJson(resource), 'utf8')
        .digest('hex');
}

/**
 * Computes a record's content hash.
 * @param saltHex - the record's salt, 64 lowercase hex digits
 * @param resource - the FHIR resource as JSON
 * @returns SHA-256(salt ‖ JCS(resource)) as lowercase hex
 */
export function toContentHash(saltHex: string, resource: unknown): string {
    if (!SALT_HEX_PATTERN.test(saltHex)) {
        throw new TypeError('salt must be 64 lowercase hex digits');
    }
    return createHash('sha256')
        .update(Buffer.from(saltHex, 'hex'))
        .update(Buffer.from(toCanonicalJson(resource), 'utf8'))
        .digest('hex');
}

/**
 * Whether content matches a hash (constant-time compare).
 * @param saltHex - the salt that came with the content
 * @param resource - the content
 * @param contentHash - the expected hash (the ledger's index entry)
 */
export function isContentHash(saltHex: string, resource: unknown, contentHash: string): boolean {
    if (!SALT_HEX_PATTERN.test(saltHex) || !/^[0-9a-f]{64}$/.test(contentHash)) {
        return false;
    }
    const actual = Buffer.from(toContentHash(saltHex, resource), 'hex');
    return timingSafeEqual(actual, Buffer.from(contentHash, 'hex'));
}
