// SPDX-License-Identifier: Apache-2.0
/**
 * A proposal {@link Signer} on Node's own crypto (OpenSSL), for members whose private key is in memory. It
 * makes the same signatures as fabric-gateway's `signers.newPrivateKeySigner` — ECDSA P-256 over the SHA-256
 * of the proposal bytes, ASN.1 DER, low-S as Fabric requires — at a small fraction of its cost: that signer
 * computes the curve arithmetic in JavaScript, and a gateway signs every ledger call it makes.
 */
import { sign, type KeyObject } from 'node:crypto';
import { P256_HALF_N, P256_N } from './msp';
import type { Signer } from './proposal';

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
 * A signer that signs the proposal bytes with Node's crypto.
 * @param privateKey - an ECDSA P-256 private key
 * @returns a {@link Signer}; the digest it is given is the SHA-256 it computes itself
 */
export function newNativeSigner(privateKey: KeyObject): Signer {
    return (_digest, message) =>
        Promise.resolve(toLowSDerSignature(sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' })));
}
