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

function toBigint(bytes: Uint8Array): bigint {
    return BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

/** A DER INTEGER holding a non-negative value. */
function derInteger(value: bigint): Buffer {
    let hex = value.toString(16);
    if (hex.length % 2 === 1) {
        hex = `0${hex}`;
    }
    let bytes = Buffer.from(hex, 'hex');
    if ((bytes[0] ?? 0) & 0x80) {
        bytes = Buffer.concat([Buffer.from([0]), bytes]);
    }
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/**
 * Converts an IEEE P1363 P-256 signature (r ‖ s) to ASN.1 DER, replacing s by n − s when s is in the upper
 * half (both verify; Fabric accepts only the lower).
 * @param p1363 - 64 bytes
 * @returns `SEQUENCE { r INTEGER, s INTEGER }`
 * @throws RangeError when the signature is not 64 bytes
 */
export function toLowSDerSignature(p1363: Uint8Array): Uint8Array {
    if (p1363.length !== 2 * SCALAR_BYTES) {
        throw new RangeError('A P-256 signature in IEEE P1363 form is 64 bytes');
    }
    const r = toBigint(p1363.subarray(0, SCALAR_BYTES));
    const s = toBigint(p1363.subarray(SCALAR_BYTES));
    const body = Buffer.concat([derInteger(r), derInteger(s > P256_HALF_N ? P256_N - s : s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
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
