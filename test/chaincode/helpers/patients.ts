// SPDX-License-Identifier: Apache-2.0
/** Test patients: a P-256 key pair, the derived patient id, and signed payloads as a wallet makes them. */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { toPatientId } from '../../../chaincode/src/crypto/patient-key';
import { renderNotice, toNoticeBytes } from '../../../chaincode/src/protocol/notice';
import type { NoticeLanguage, NoticeRecipient, NoticeRef, NoticeTerms } from '../../../chaincode/src/protocol/notice';

/** The channel of the test regions: every patient-signed payload names it. */
export const TEST_CHANNEL = 'healthchain';

/**
 * A `patient.query` payload.
 * @param patient - the patient
 * @param fields - audience and view; issuedAt, nonce and channel may be overridden
 */
export function queryPayload(
    patient: Pick<TestPatient, 'patientId'>,
    fields: { audience: string; view: string; issuedAt: string; nonce?: string; channel?: string },
): Record<string, unknown> {
    return {
        type: 'patient.query',
        patientId: patient.patientId,
        nonce: randomBytes(16).toString('base64url'),
        channel: TEST_CHANNEL,
        ...fields,
    };
}

/** A patient with a key pair. */
export interface TestPatient {
    readonly patientId: string;
    readonly publicKeyPem: string;
    readonly publicKey: KeyObject;
    readonly privateKey: KeyObject;
    /** Signs the canonical JSON of a payload (P1363, base64url) and returns the envelope text. */
    signed(payload: Record<string, unknown>): string;
}

/**
 * Signs a payload's canonical JSON with a key, as WebCrypto would (P1363, base64url).
 * @param payload - the payload
 * @param privateKey - the signing key
 * @param dsaEncoding - `ieee-p1363` (correct) or `der` (to test refusal)
 */
export function signPayload(
    payload: unknown,
    privateKey: KeyObject,
    dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363',
): string {
    const data = Buffer.from(canonicalize(payload) ?? '', 'utf8');
    return sign('sha256', data, { key: privateKey, dsaEncoding }).toString('base64url');
}

/** Makes a new patient key pair. */
export function newTestPatient(): TestPatient {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    return {
        patientId: toPatientId(spki),
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        publicKey,
        privateKey,
        signed: (payload) => JSON.stringify({ payload, signature: signPayload(payload, privateKey) }),
    };
}

/**
 * The organisations of the test regions as their directory entries name them (the names the test regions register;
 * no contact), so that a grant's notice can be rendered as the ledger renders it.
 */
export const TEST_DIRECTORY: Readonly<Record<string, Omit<NoticeRecipient, 'mspId'>>> = {
    HospitalAMSP: { name: 'hospitalA organisation', contact: null },
    HospitalBMSP: { name: 'hospitalB organisation', contact: null },
    InsurerMSP: { name: 'insurer organisation', contact: null },
    CommissionMSP: { name: 'commission organisation', contact: null },
    ClinicMSP: { name: 'clinic organisation', contact: null },
};

/**
 * The notice reference of a consent: SHA-256 of the notice rendered for the recipient and terms.
 * @param recipient - the grantee's directory entry
 * @param terms - the consent's terms
 * @param language - the notice's language
 */
export function noticeOf(recipient: NoticeRecipient, terms: NoticeTerms, language: NoticeLanguage = 'en'): NoticeRef {
    const text = renderNotice(recipient, terms, language);
    return { sha256: createHash('sha256').update(toNoticeBytes(text)).digest('hex'), language };
}

/** Fields of a consent grant a test may override. */
export interface GrantFields {
    consentId: string;
    grantee: string;
    purposes?: string[];
    categories?: string[];
    custodians?: string[];
    recordIds?: string[];
    notBefore: string;
    notAfter: string;
    issuedAt: string;
    /** The notice signed; by default the English notice for the grantee's entry in {@link TEST_DIRECTORY}. */
    notice?: NoticeRef;
    /** The guardian who signs for the patient. */
    signer?: string;
}

/**
 * A `consent.grant` payload, with the notice the ledger would render for it unless one is given.
 * @param patient - the patient
 * @param fields - consent fields
 */
export function grantPayload(patient: Pick<TestPatient, 'patientId'>, fields: GrantFields): Record<string, unknown> {
    const terms = { purposes: ['TREATMENT'], categories: ['*'], custodians: ['*'], ...fields };
    const entry = TEST_DIRECTORY[fields.grantee] ?? { name: fields.grantee, contact: null };
    const notice = fields.notice ?? noticeOf({ mspId: fields.grantee, ...entry }, terms);
    return {
        type: 'consent.grant',
        channel: TEST_CHANNEL,
        patientId: patient.patientId,
        ...terms,
        notice,
    };
}

/**
 * A `consent.revoke` payload.
 * @param patient - the patient
 * @param consentId - the consent
 * @param issuedAt - ISO time
 */
export function revokePayload(
    patient: Pick<TestPatient, 'patientId'>,
    consentId: string,
    issuedAt: string,
    signer?: string,
): Record<string, unknown> {
    const signedBy = signer === undefined ? {} : { signer };
    return {
        type: 'consent.revoke',
        consentId,
        patientId: patient.patientId,
        ...signedBy,
        issuedAt,
        channel: TEST_CHANNEL,
    };
}

/**
 * A `patient.register` payload with the patient's SPKI PEM key.
 * @param patient - the patient
 * @param issuedAt - ISO time
 */
export function registerPayload(patient: TestPatient, issuedAt: string): Record<string, unknown> {
    return { type: 'patient.register', publicKey: patient.publicKeyPem, issuedAt, channel: TEST_CHANNEL };
}
