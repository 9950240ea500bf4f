// SPDX-License-Identifier: Apache-2.0
/** Test patients: a P-256 key pair, the derived patient id, and signed payloads as a wallet makes them. */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { toPatientId } from '../../../chaincode/src/crypto/patient-key';

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
}

/**
 * A `consent.grant` payload.
 * @param patient - the patient
 * @param fields - consent fields
 */
export function grantPayload(patient: TestPatient, fields: GrantFields): Record<string, unknown> {
    return {
        type: 'consent.grant',
        channel: TEST_CHANNEL,
        patientId: patient.patientId,
        purposes: ['TREATMENT'],
        categories: ['*'],
        custodians: ['*'],
        ...fields,
    };
}

/**
 * A `consent.revoke` payload.
 * @param patient - the patient
 * @param consentId - the consent
 * @param issuedAt - ISO time
 */
export function revokePayload(patient: TestPatient, consentId: string, issuedAt: string): Record<string, unknown> {
    return { type: 'consent.revoke', consentId, patientId: patient.patientId, issuedAt, channel: TEST_CHANNEL };
}

/**
 * A `patient.register` payload with the patient's SPKI PEM key.
 * @param patient - the patient
 * @param issuedAt - ISO time
 */
export function registerPayload(patient: TestPatient, issuedAt: string): Record<string, unknown> {
    return { type: 'patient.register', publicKey: patient.publicKeyPem, issuedAt, channel: TEST_CHANNEL };
}
