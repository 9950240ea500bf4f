// SPDX-License-Identifier: Apache-2.0
/**
 * A patient's key and signatures with node:crypto, for the CLI and the demo loader (the web portal does the same
 * with WebCrypto). What is signed is the protocol's (`chaincode/src/protocol/`, docs/design.md "Patient",
 * "Signed payloads"): the patient id from the key's SHA-256, the payload shapes, and their RFC 8785 (JCS) form,
 * signed here with ECDSA P-256/SHA-256 in the IEEE P1363 form (r ‖ s) that WebCrypto produces, base64url
 * without padding.
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
import { toCanonicalJson } from '../../chaincode/src/protocol/canonical-json';
import { renderNotice, toNoticeBytes } from '../../chaincode/src/protocol/notice';
import type { NoticeLanguage, NoticeRecipient, NoticeRef } from '../../chaincode/src/protocol/notice';
import { patientIdFromDigest } from '../../chaincode/src/protocol/patient-id';
import {
    actorOf,
    NONCE_BYTES,
    newExplainQueryPayload,
    newGrantPayload,
    newGuardianRegisterPayload,
    newGuardianshipPayload,
    newQueryPayload,
    newRegisterPayload,
    newRevokePayload,
} from '../../chaincode/src/protocol/payloads';
import type {
    ConsentTerms,
    ExplainQueryPayload,
    ExplainQueryScope,
    GrantPayload,
    GuardianRegisterPayload,
    PatientQueryScope,
    QueryPayload,
    RegisterPayload,
    RevokePayload,
    SignedEnvelope,
} from '../../chaincode/src/protocol/payloads';

/** A patient's key pair and id. */
export interface PatientKey {
    readonly patientId: string;
    readonly privateKey: KeyObject;
    /** SPKI PEM, what `patient.register` carries. */
    readonly publicKeyPem: string;
}

/**
 * The patient id of a public key.
 * @param publicKey - an ECDSA P-256 public (or private) key
 * @returns `pt` + base32(SHA-256(SPKI DER)), 54 characters
 */
export function toPatientId(publicKey: KeyObject): string {
    const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
    const spki = key.export({ type: 'spki', format: 'der' });
    return patientIdFromDigest(createHash('sha256').update(spki).digest());
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
export function newRegistration(key: PatientKey, channel: string): SignedEnvelope<RegisterPayload> {
    return signPayload(key, newRegisterPayload(key.publicKeyPem, now(), channel));
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
 * @param key - the patient's key (a guardian's, with `forPatient`)
 * @param scope - the gateway's MSP id (`audience`), the view and the region's channel
 * @param forPatient - the patient a guardian asks for
 */
export function newPatientQuery(
    key: PatientKey,
    scope: PatientQueryScope,
    forPatient?: string,
): SignedEnvelope<QueryPayload> {
    const { patientId, signer } = actorOf(key.patientId, forPatient);
    return signPayload(key, newQueryPayload(patientId, { ...scope, signer }, now(), newQueryNonce()));
}

/**
 * A signed `patient.query` for the view `explain`: who can see one of the patient's records, and why. It names the
 * record, so the signature opens that record's explanation only, at one gateway, once, for two minutes.
 * @param key - the patient's key (a guardian's, with `forPatient`)
 * @param scope - the gateway's MSP id, the region's channel and the record
 * @param forPatient - the patient a guardian asks for
 */
export function newExplainQuery(
    key: PatientKey,
    scope: ExplainQueryScope,
    forPatient?: string,
): SignedEnvelope<ExplainQueryPayload> {
    const { patientId, signer } = actorOf(key.patientId, forPatient);
    return signPayload(key, newExplainQueryPayload(patientId, { ...scope, signer }, now(), newQueryNonce()));
}

/**
 * The notice of a consent (`protocol/notice.ts`) and the reference a grant signs: its SHA-256 and language.
 * @param recipient - the grantee's directory entry (`GET /directory`)
 * @param terms - the consent's terms
 * @param language - `zh-CN` or `en`
 */
export function newNotice(
    recipient: NoticeRecipient,
    terms: ConsentTerms,
    language: NoticeLanguage,
): { text: string; notice: NoticeRef } {
    const text = renderNotice(recipient, terms, language);
    return { text, notice: { sha256: createHash('sha256').update(toNoticeBytes(text)).digest('hex'), language } };
}

/** How a consent is granted: the region's channel, the notice shown, and optionally its id and the ward. */
export interface GrantOptions {
    readonly channel: string;
    /** The notice the signer was shown ({@link newNotice}). */
    readonly notice: NoticeRef;
    /** The consent's id; a new random one by default. */
    readonly consentId?: string;
    /** The patient a guardian grants for. */
    readonly forPatient?: string;
}

/**
 * A signed `consent.grant`.
 * @param key - the patient's key (a guardian's, with `options.forPatient`)
 * @param terms - grantee, purposes, categories, custodians, records, window
 * @param options - the region's channel, the notice shown, and optionally the consent's id and the ward
 */
export function newConsentGrant(
    key: PatientKey,
    terms: ConsentTerms,
    options: GrantOptions,
): SignedEnvelope<GrantPayload> {
    const ids = {
        consentId: options.consentId ?? `consent-${randomUUID()}`,
        ...actorOf(key.patientId, options.forPatient),
    };
    return signPayload(key, newGrantPayload(ids, terms, options.notice, { issuedAt: now(), channel: options.channel }));
}

/**
 * A signed `consent.revoke`.
 * @param key - the patient's key (a guardian's, with `forPatient`)
 * @param consentId - the consent to revoke
 * @param channel - the region's channel id
 * @param forPatient - the patient a guardian revokes for
 */
export function newConsentRevoke(
    key: PatientKey,
    consentId: string,
    channel: string,
    forPatient?: string,
): SignedEnvelope<RevokePayload> {
    return signPayload(key, newRevokePayload({ consentId, ...actorOf(key.patientId, forPatient) }, now(), channel));
}

/**
 * A guardian's signed `guardian.register`: this key asks to act for the patient (proof of possession).
 * @param guardianKey - the guardian's key
 * @param patientId - the patient
 * @param channel - the region's channel id
 */
export function newGuardianRegistration(
    guardianKey: PatientKey,
    patientId: string,
    channel: string,
): SignedEnvelope<GuardianRegisterPayload> {
    return signPayload(
        guardianKey,
        newGuardianRegisterPayload(patientId, guardianKey.publicKeyPem, { issuedAt: now(), channel }),
    );
}

/**
 * The patient's signed `guardian.approve` (this guardian may act for me) or `guardianship.end` (no longer).
 * @param key - the patient's key
 * @param type - `guardian.approve` or `guardianship.end`
 * @param guardianId - the guardian
 * @param channel - the region's channel id
 */
export function newGuardianshipAct(
    key: PatientKey,
    type: 'guardian.approve' | 'guardianship.end',
    guardianId: string,
    channel: string,
): SignedEnvelope {
    const ids = { patientId: key.patientId, guardianId };
    return signPayload(key, newGuardianshipPayload(type, ids, { issuedAt: now(), channel }));
}
