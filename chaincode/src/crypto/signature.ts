// SPDX-License-Identifier: Apache-2.0
/**
 * Patient signatures: ECDSA P-256 with SHA-256 over the RFC 8785 canonical JSON of the payload, in the
 * IEEE P1363 form (r ‖ s, 64 bytes) that WebCrypto produces, base64url without padding (RFC 4648 §5).
 */
import { verify, type KeyObject } from 'node:crypto';
import { ChaincodeError, ErrorCodes } from '../errors';
import { toCanonicalJson } from '../protocol/canonical-json';

/** P1363 signature length for P-256: two 32-byte integers. */
const P1363_LENGTH = 64;
/** 64 bytes in unpadded base64url. */
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{86}$/;

function badSignature(detail: string): never {
    throw new ChaincodeError(ErrorCodes.BAD_SIGNATURE, detail);
}

/**
 * Decodes a base64url P1363 signature, refusing any other shape (DER in particular).
 * @param signature - the signature as sent
 * @returns the 64 signature bytes
 * @throws BAD_SIGNATURE when not 64 bytes of unpadded base64url
 */
export function decodeSignature(signature: unknown): Buffer {
    if (typeof signature !== 'string' || !SIGNATURE_PATTERN.test(signature)) {
        badSignature('signature must be a 64-byte IEEE P1363 ECDSA signature in unpadded base64url (DER is refused)');
    }
    const bytes = Buffer.from(signature, 'base64url');
    // Re-encoding rejects non-canonical trailing bits, so one signature has exactly one text form.
    if (bytes.length !== P1363_LENGTH || bytes.toString('base64url') !== signature) {
        badSignature('signature is not canonical base64url of 64 bytes');
    }
    return bytes;
}

/**
 * Checks a patient's signature over a payload.
 * @param payload - the payload object exactly as received; it is canonicalised here
 * @param signature - base64url P1363 signature
 * @param key - the patient's public key
 * @returns the signature text, now known to be well formed
 * @throws BAD_SIGNATURE when malformed or not made by that key over that payload
 */
export function assertPatientSignature(payload: unknown, signature: unknown, key: KeyObject): string {
    const bytes = decodeSignature(signature);
    const data = Buffer.from(toCanonicalJson(payload), 'utf8');
    if (!verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, bytes)) {
        badSignature('signature does not verify against the patient key');
    }
    return bytes.toString('base64url');
}
