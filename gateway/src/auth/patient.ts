// SPDX-License-Identifier: Apache-2.0
/**
 * Patient authentication: a signed envelope `{payload, signature}` whose payload is canonicalised with
 * RFC 8785 (JCS) and signed with ECDSA P-256/SHA-256 in IEEE P1363 form, base64url (DESIGN.md). Queries
 * (`patient.query`) are verified here against the key the patient registered on the ledger and are valid
 * for 5 minutes; grants, revocations and registrations are only shape-checked here and verified by the
 * chaincode itself.
 */
import { createPublicKey, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { LedgerContracts, SignedEnvelope } from '../ledger/contracts';
import { ApiError } from '../errors';
import { readObject, readPatientId, readTime, readEnum } from '../validation';

/** How long a signed query stays valid, either side of its `issuedAt` (API.md: 5 minutes). */
export const QUERY_VALIDITY_MS = 5 * 60 * 1000;
/** 64 bytes of P1363 signature in unpadded base64url. */
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

/** Payload types the gateway accepts in envelopes. */
export const PatientPayloadTypes = ['patient.register', 'consent.grant', 'consent.revoke', 'patient.query'] as const;
/** One of {@link PatientPayloadTypes}. */
export type PatientPayloadType = (typeof PatientPayloadTypes)[number];

/**
 * Reads a signed envelope of a given payload type; the payload's other fields are left to its verifier.
 * @param body - the request body
 * @param type - the payload type the route takes
 * @throws ApiError INVALID_INPUT
 */
export function readEnvelope(body: unknown, type: PatientPayloadType): SignedEnvelope {
    const envelope = readObject(body, 'body', ['payload', 'signature']);
    // Every key is allowed here: the payload's own verifier (chaincode or query check) names its fields.
    const payload = readObject(envelope.payload, 'payload', ['type'], Object.keys(envelope.payload ?? {}));
    if (readEnum(payload.type, 'payload.type', PatientPayloadTypes) !== type) {
        throw new ApiError('INVALID_INPUT', `payload.type must be ${type}`);
    }
    if (typeof envelope.signature !== 'string' || envelope.signature.length > 200) {
        throw new ApiError('INVALID_INPUT', 'signature must be base64url text');
    }
    return { payload, signature: envelope.signature };
}

/** A verified patient query. */
export interface PatientQuery {
    readonly patientId: string;
    readonly issuedAt: string;
}

function unauthenticated(message: string): never {
    throw new ApiError('UNAUTHENTICATED', message);
}

/**
 * Verifies a `patient.query` envelope `{payload: {type, patientId, issuedAt}, signature}` against the key
 * the patient registered on the ledger.
 * @param body - the request body
 * @param contracts - the ledger facade (reads the patient's key)
 * @param now - the gateway's clock
 * @returns the patient id and time of the query
 * @throws ApiError INVALID_INPUT (shape), UNAUTHENTICATED (expired, unknown patient, bad signature),
 *   LEDGER_UNAVAILABLE
 */
export async function verifyPatientQuery(body: unknown, contracts: LedgerContracts, now: Date): Promise<PatientQuery> {
    const envelope = readEnvelope(body, 'patient.query');
    const payload = readObject(envelope.payload, 'payload', ['type', 'patientId', 'issuedAt']);
    const patientId = readPatientId(payload.patientId, 'payload.patientId');
    const issuedAt = readTime(payload.issuedAt, 'payload.issuedAt');
    if (Math.abs(now.getTime() - Date.parse(issuedAt)) > QUERY_VALIDITY_MS) {
        unauthenticated('The signed query has expired (or is dated in the future): sign a new one');
    }
    if (!SIGNATURE.test(envelope.signature)) {
        unauthenticated('signature must be a 64-byte IEEE P1363 ECDSA signature in unpadded base64url');
    }
    const patient = await contracts.readPatient(patientId).catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'NOT_FOUND') {
            unauthenticated('The query is not signed by a registered patient');
        }
        throw error;
    });
    const key = createPublicKey({ key: Buffer.from(patient.publicKey, 'base64url'), format: 'der', type: 'spki' });
    const data = Buffer.from(canonicalize(envelope.payload) ?? '', 'utf8');
    const signature = Buffer.from(envelope.signature, 'base64url');
    if (!verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)) {
        unauthenticated('The signature does not verify against the patient key on the ledger');
    }
    return { patientId, issuedAt };
}
