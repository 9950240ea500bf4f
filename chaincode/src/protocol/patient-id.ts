// SPDX-License-Identifier: Apache-2.0
/**
 * The pseudonymous patient id (docs/design.md "Patient"): `pt` followed by the lowercase, unpadded RFC 4648
 * base32 of SHA-256 of the patient's public key as SPKI DER. The protocol takes the digest, not the key: the
 * chaincode and the CLI hash with node:crypto (synchronously), the portal with WebCrypto (asynchronously).
 */
import { toBase32 } from './base32.js';

/** Patient ids: `pt` + 52 characters of lowercase base32 (RFC 4648, unpadded) of a SHA-256 digest. */
export const PATIENT_ID_PATTERN = /^pt[a-z2-7]{52}$/;

/** Length of a SHA-256 digest in bytes. */
const SHA256_BYTES = 32;

/**
 * The patient id of a public key, from the key's digest.
 * @param spkiSha256 - SHA-256 of the public key's SPKI DER (32 bytes)
 * @returns `pt` + base32 of the digest, 54 characters
 * @throws RangeError when the digest is not 32 bytes (a programming error, not bad input)
 */
export function patientIdFromDigest(spkiSha256: Uint8Array): string {
    if (spkiSha256.length !== SHA256_BYTES) {
        throw new RangeError(`a SHA-256 digest has ${SHA256_BYTES} bytes, not ${spkiSha256.length}`);
    }
    return `pt${toBase32(spkiSha256)}`;
}
