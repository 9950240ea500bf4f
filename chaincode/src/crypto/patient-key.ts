// SPDX-License-Identifier: Apache-2.0
/**
 * Patient public keys: ECDSA P-256 given as SPKI PEM or as a JWK (what WebCrypto exports), normalised to
 * SPKI DER with node:crypto, and the pseudonymous patient id derived from it (`protocol/patient-id.ts`).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { invalid } from '../errors';
import { readObject, readString } from '../protocol/input';
import { patientIdFromDigest } from '../protocol/patient-id';

const PEM_PUBLIC_KEY = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]{1,400}-----END PUBLIC KEY-----\r?\n?$/;
/** A base64url P-256 coordinate: 32 bytes, 43 characters unpadded (RFC 7518 §6.2.1.2). */
const JWK_COORDINATE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The patient id of a public key: `pt` + base32(SHA-256(SPKI DER)).
 * @param spkiDer - the key as SPKI DER
 * @returns the patient id (54 characters)
 */
export function toPatientId(spkiDer: Uint8Array): string {
    return patientIdFromDigest(createHash('sha256').update(spkiDer).digest());
}

function assertP256(key: KeyObject, path: string): KeyObject {
    if (
        key.type !== 'public' ||
        key.asymmetricKeyType !== 'ec' ||
        key.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
    ) {
        invalid(`${path} must be an ECDSA P-256 public key`);
    }
    return key;
}

function fromPem(pem: string, path: string): KeyObject {
    readString(pem, path, 512, PEM_PUBLIC_KEY);
    try {
        return createPublicKey({ key: pem, format: 'pem' });
    } catch {
        return invalid(`${path} is not a readable public key`);
    }
}

function fromJwk(value: unknown, path: string): KeyObject {
    // WebCrypto's exportKey('jwk') adds ext and key_ops; a private `d` is refused by readObject.
    const jwk = readObject(value, path, ['kty', 'crv', 'x', 'y'], ['ext', 'key_ops']);
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') {
        invalid(`${path} must be an EC P-256 JWK`);
    }
    const x = readString(jwk.x, `${path}.x`, 43, JWK_COORDINATE);
    const y = readString(jwk.y, `${path}.y`, 43, JWK_COORDINATE);
    try {
        return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
    } catch {
        return invalid(`${path} is not a point on P-256`);
    }
}

/**
 * Normalises a patient public key (SPKI PEM text or JWK object) to SPKI DER.
 * @param value - the key as given in a `patient.register` payload
 * @param path - its name in errors
 * @returns SPKI DER bytes
 * @throws INVALID_INPUT when not a P-256 public key in one of those forms
 */
export function toSpkiDer(value: unknown, path: string): Buffer {
    const key = typeof value === 'string' ? fromPem(value, path) : fromJwk(value, path);
    return assertP256(key, path).export({ type: 'spki', format: 'der' });
}

/**
 * Loads a P-256 public key from SPKI DER.
 * @param spkiDer - the key bytes
 * @returns a key object for verification
 */
export function fromSpkiDer(spkiDer: Uint8Array): KeyObject {
    return createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
}

/**
 * Loads a stored patient key (SPKI DER, base64url).
 * @param spkiBase64url - the stored key
 * @returns a key object for verification
 */
export function fromStoredKey(spkiBase64url: string): KeyObject {
    return fromSpkiDer(Buffer.from(spkiBase64url, 'base64url'));
}
