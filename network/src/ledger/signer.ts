// SPDX-License-Identifier: Apache-2.0
/**
 * Proposal signatures on Node's own crypto (OpenSSL), for members whose private key is in memory: ECDSA
 * P-256 over the SHA-256 of the message, ASN.1 DER, low-S as Fabric requires. fabric-gateway's
 * `signers.newPrivateKeySigner` makes the same signatures with the curve arithmetic in JavaScript, about
 * 2 ms each; this takes about 0.06 ms. Both ledger clients sign every call they make with it.
 */
import { sign, type KeyObject } from 'node:crypto';

/** Order of the P-256 group (SEC 2). */
export const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
/** A signature's s must be at most this (Fabric's low-S rule). */
export const P256_HALF_N = P256_N >> 1n;

/** Bytes of r and of s in an IEEE P1363 P-256 signature. */
const SCALAR_BYTES = 32;

/** n and n/2 as 32 big-endian bytes, to compare and subtract scalars without big integers. */
const N_BYTES = Buffer.from(P256_N.toString(16).padStart(2 * SCALAR_BYTES, '0'), 'hex');
const HALF_N_BYTES = Buffer.from(P256_HALF_N.toString(16).padStart(2 * SCALAR_BYTES, '0'), 'hex');

/** n − s for a 32-byte big-endian s ≤ n. */
function subtractFromN(s: Uint8Array): Buffer {
    const difference = Buffer.alloc(SCALAR_BYTES);
    let borrow = 0;
    for (let i = SCALAR_BYTES - 1; i >= 0; i--) {
        const digit = (N_BYTES[i] ?? 0) - (s[i] ?? 0) - borrow;
        borrow = digit < 0 ? 1 : 0;
        difference[i] = digit + 256 * borrow;
    }
    return difference;
}

/**
 * A P-256 signature's s in the lower half of the group: s itself when it is at most n/2, else n − s (both
 * verify; Fabric accepts only the lower, and rewrites certificates signed with the upper).
 * @param s - 32 big-endian bytes, below n
 * @returns s, or a new 32-byte n − s
 */
export function toLowS(s: Uint8Array): Uint8Array {
    return Buffer.compare(s, HALF_N_BYTES) > 0 ? subtractFromN(s) : s;
}

/** The content of a DER INTEGER holding a non-negative big-endian value: no leading zeros but one before a set high bit. */
function derIntegerContent(scalar: Uint8Array): Uint8Array {
    let start = 0;
    while (start < scalar.length - 1 && scalar[start] === 0) {
        start++;
    }
    const trimmed = scalar.subarray(start);
    return ((trimmed[0] ?? 0) & 0x80) === 0 ? trimmed : Buffer.concat([Buffer.from([0]), trimmed]);
}

/**
 * Converts an IEEE P1363 P-256 signature (r ‖ s) to ASN.1 DER, replacing s by n − s when s is in the upper
 * half (both verify; Fabric accepts only the lower).
 * @param p1363 - 64 bytes, r and s each below n
 * @returns `SEQUENCE { r INTEGER, s INTEGER }`
 * @throws RangeError when the signature is not 64 bytes
 */
export function toLowSDerSignature(p1363: Uint8Array): Uint8Array {
    if (p1363.length !== 2 * SCALAR_BYTES) {
        throw new RangeError('A P-256 signature in IEEE P1363 form is 64 bytes');
    }
    const r = derIntegerContent(p1363.subarray(0, SCALAR_BYTES));
    const s = derIntegerContent(toLowS(p1363.subarray(SCALAR_BYTES)));
    const der = Buffer.allocUnsafe(6 + r.length + s.length);
    der[0] = 0x30;
    der[1] = 4 + r.length + s.length;
    der[2] = 0x02;
    der[3] = r.length;
    der.set(r, 4);
    der[4 + r.length] = 0x02;
    der[5 + r.length] = s.length;
    der.set(s, 6 + r.length);
    return der;
}

/**
 * Signs a message as Fabric expects a proposal or transaction to be signed.
 * @param privateKey - an ECDSA P-256 private key
 * @param message - the bytes to sign (hashed here with SHA-256)
 * @returns the low-S DER signature
 */
export function signLowS(privateKey: KeyObject, message: Uint8Array): Uint8Array {
    return toLowSDerSignature(sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
}
