// SPDX-License-Identifier: Apache-2.0
/**
 * A patient's key and signatures, as the chaincode checks them (docs/design.md "Patient", "Signed payloads"):
 * ECDSA P-256 keys, the patient id `pt` + lowercase unpadded base32 (RFC 4648) of SHA-256(SPKI DER), and signed
 * payloads — RFC 8785 (JCS) canonical JSON signed with ECDSA P-256/SHA-256 in the IEEE P1363 form (r ‖ s) that
 * WebCrypto produces, base64url without padding. The CLI and the demo loader use it; the web portal does the
 * same with WebCrypto.
 *
 * Every payload names the region's `channel`, so that a signature made for one region is refused in another.
 * A `patient.query` is further bound to one gateway (`audience`, its MSP id), one view and one use (`nonce`),
 * and is accepted for two minutes: sign a fresh one for every request.
 */
import {
    createHash,
    createPrivateKey,
    createPublicKey,
    generateKeyPairSync,
    randomBytes,
    randomUUID,
    sign,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import canonicalize from 'canonicalize';

/** A patient's key pair and id. */
export interface PatientKey {
    readonly patientId: string;
    readonly privateKey: KeyObject;
    /** SPKI PEM, what `patient.register` carries. */
    readonly publicKeyPem: string;
}

/** A signed envelope as the API takes it. */
export interface SignedEnvelope<P extends object = Record<string, unknown>> {
    readonly payload: P;
    readonly signature: string;
}

/** What a patient grants (the `consent.grant` payload without its type, id, patient and issue time). */
export interface ConsentTerms {
    readonly grantee: string;
    readonly purposes: readonly string[];
    readonly categories: readonly string[];
    readonly custodians: readonly string[];
    readonly recordIds?: readonly string[];
    /** ISO time, `toISOString` form. */
    readonly notBefore: string;
    readonly notAfter: string;
}

/** The views a patient's signed query may open, one per `POST /patient/{view}` route. */
export const PatientQueryViews = ['records', 'consents', 'access-log', 'claims'] as const;
/** One of {@link PatientQueryViews}. */
export type PatientQueryView = (typeof PatientQueryViews)[number];

/** What a `patient.query` is bound to. */
export interface PatientQueryScope {
    /** MSP id of the organisation whose gateway is asked. */
    readonly audience: string;
    /** The view asked for. */
    readonly view: PatientQueryView;
    /** The region's channel id (`region.json` → `channel`). */
    readonly channel: string;
}

/** Bytes of randomness in a query's nonce (22 characters of base64url). */
const NONCE_BYTES = 16;

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * Lowercase RFC 4648 base32 without padding.
 * @param bytes - data
 * @returns the encoding
 */
export function toBase32(bytes: Uint8Array): string {
    let output = '';
    let buffer = 0;
    let bits = 0;
    for (const byte of bytes) {
        buffer = ((buffer << 8) | byte) & 0xffff;
        bits += 8;
        while (bits >= 5) {
            output += BASE32_ALPHABET.charAt((buffer >> (bits - 5)) & 31);
            bits -= 5;
        }
    }
    if (bits > 0) {
        output += BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
    }
    return output;
}

/**
 * The patient id of a public key.
 * @param publicKey - an ECDSA P-256 public (or private) key
 * @returns `pt` + base32(SHA-256(SPKI DER)), 54 characters
 */
export function toPatientId(publicKey: KeyObject): string {
    const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
    const spki = key.export({ type: 'spki', format: 'der' });
    return `pt${toBase32(createHash('sha256').update(spki).digest())}`;
}

function toPatientKey(privateKey: KeyObject): PatientKey {
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new Error('A patient key must be an ECDSA P-256 private key');
    }
    const publicKey = createPublicKey(privateKey);
    return Object.freeze({
        patientId: toPatientId(publicKey),
        privateKey,
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
}

/** Makes a new patient key. */
export function newPatientKey(): PatientKey {
    return toPatientKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

/**
 * Writes a patient key as PKCS#8 PEM, readable by its owner only. An existing file is never overwritten.
 * @param file - path
 * @param key - the key
 * @throws Error (EEXIST) when the file exists
 */
export function writePatientKey(file: string, key: PatientKey): void {
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
}

/**
 * Reads a patient key file (PKCS#8 or SEC1 PEM).
 * @param file - path
 * @throws Error when unreadable or not a P-256 private key
 */
export function readPatientKey(file: string): PatientKey {
    return toPatientKey(createPrivateKey(readFileSync(file, 'utf8')));
}

/**
 * Canonical JSON (RFC 8785) of a payload.
 * @param payload - plain JSON data
 */
export function toCanonicalJson(payload: unknown): string {
    const text = canonicalize(payload);
    if (text === undefined) {
        throw new TypeError('The payload has no JSON form');
    }
    return text;
}

/**
 * Signs a payload: ECDSA P-256/SHA-256 over its canonical JSON, IEEE P1363, base64url.
 * @param key - the patient's key
 * @param payload - the payload
 * @returns the envelope `{payload, signature}`
 */
export function signPayload<P extends object>(key: PatientKey, payload: P): SignedEnvelope<P> {
    const data = Buffer.from(toCanonicalJson(payload), 'utf8');
    const signature = sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return { payload, signature: signature.toString('base64url') };
}

/** The current time in the payloads' form. */
function now(): string {
    return new Date().toISOString();
}

/**
 * A signed `patient.register` payload (proof of possession of the key).
 * @param key - the patient's key
 * @param channel - the region's channel id
 */
export function newRegistration(key: PatientKey, channel: string): SignedEnvelope {
    return signPayload(key, { type: 'patient.register', publicKey: key.publicKeyPem, issuedAt: now(), channel });
}

/**
 * A fresh query nonce: 16 random bytes, base64url.
 * @returns 22 characters of `[A-Za-z0-9_-]`
 */
export function newQueryNonce(): string {
    return randomBytes(NONCE_BYTES).toString('base64url');
}

/**
 * A signed `patient.query` for one view of the patient's own data at one gateway. Each is accepted once and for
 * two minutes from now: sign a new one for every request (every page, too).
 * @param key - the patient's key
 * @param scope - the gateway's MSP id (`audience`), the view and the region's channel
 */
export function newPatientQuery(key: PatientKey, scope: PatientQueryScope): SignedEnvelope {
    return signPayload(key, {
        type: 'patient.query',
        patientId: key.patientId,
        issuedAt: now(),
        audience: scope.audience,
        view: scope.view,
        nonce: newQueryNonce(),
        channel: scope.channel,
    });
}

/** What a `patient.query` of the view `explain` is bound to: as any query, plus the one record it asks about. */
export interface ExplainQueryScope {
    readonly audience: string;
    readonly channel: string;
    /** The patient's own record whose access decision is explained. */
    readonly recordId: string;
}

/**
 * A signed `patient.query` for the view `explain`: who can see one of the patient's records, and why. It names the
 * record, so the signature opens that record's explanation only.
 * @param key - the patient's key
 * @param scope - the gateway's MSP id, the region's channel and the record
 */
export function newExplainQuery(key: PatientKey, scope: ExplainQueryScope): SignedEnvelope {
    return signPayload(key, {
        type: 'patient.query',
        patientId: key.patientId,
        issuedAt: now(),
        audience: scope.audience,
        view: 'explain',
        nonce: newQueryNonce(),
        channel: scope.channel,
        recordId: scope.recordId,
    });
}

/** Where a consent is granted: the region's channel, and the consent's id (a new random one by default). */
export interface GrantOptions {
    readonly channel: string;
    readonly consentId?: string;
}

/**
 * A signed `consent.grant`.
 * @param key - the patient's key
 * @param terms - grantee, purposes, categories, custodians, records, window
 * @param options - the region's channel and, optionally, the consent's id
 */
export function newConsentGrant(key: PatientKey, terms: ConsentTerms, options: GrantOptions): SignedEnvelope {
    const recordIds = terms.recordIds && terms.recordIds.length > 0 ? { recordIds: [...terms.recordIds] } : {};
    return signPayload(key, {
        type: 'consent.grant',
        consentId: options.consentId ?? `consent-${randomUUID()}`,
        patientId: key.patientId,
        grantee: terms.grantee,
        purposes: [...terms.purposes],
        categories: [...terms.categories],
        custodians: [...terms.custodians],
        ...recordIds,
        notBefore: terms.notBefore,
        notAfter: terms.notAfter,
        issuedAt: now(),
        channel: options.channel,
    });
}

/**
 * A signed `consent.revoke`.
 * @param key - the patient's key
 * @param consentId - the consent to revoke
 * @param channel - the region's channel id
 */
export function newConsentRevoke(key: PatientKey, consentId: string, channel: string): SignedEnvelope {
    return signPayload(key, {
        type: 'consent.revoke',
        consentId,
        patientId: key.patientId,
        issuedAt: now(),
        channel,
    });
}
