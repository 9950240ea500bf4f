// SPDX-License-Identifier: Apache-2.0
/**
 * Readers of the patient-signed payloads (docs/design.md "Signed payloads"). Each payload has a `type` and an
 * `issuedAt`, and exactly the fields listed: an unknown field is refused rather than ignored, so nothing
 * unsigned or unchecked can ride along. Readers check shape only: the chaincode checks the signature against
 * the patient's registered key, the channel and the time, and the gateway checks a query's binding first.
 */
import { invalid } from './errors.js';
import {
    readAnyObject,
    readEnum,
    readId,
    readList,
    readMspId,
    readObject,
    readPatientId,
    readString,
    readTime,
} from './input.js';
import type { JsonObject } from './input.js';
import { CHANNEL_PATTERN, CONSENT_LIST_LIMITS, NONCE_PATTERN, PayloadTypes } from './payloads.js';
import type { PayloadType } from './payloads.js';
import { Categories, ConsentPurposes, PatientViews, WILDCARD } from './vocabulary.js';
import type { ConsentPurpose, PatientView } from './vocabulary.js';

/** A signed envelope as received: the payload (validated separately) and its signature, still unchecked. */
export interface Envelope {
    /** The payload exactly as received; the signature covers its canonical JSON. */
    readonly payload: JsonObject;
    readonly signature: unknown;
}

/** The fields of a `patient.register` payload. */
export interface RegisterFields {
    /** SPKI PEM text or a JWK object, as sent; the chaincode's key reader judges it. */
    readonly publicKey: unknown;
    readonly issuedAt: string;
    /** The region's channel: a signature made for one region is refused in another. */
    readonly channel: string;
}

/** The fields of a `consent.grant` payload, `recordIds` null when absent: what a consent stores as signed. */
export interface GrantFields {
    readonly consentId: string;
    readonly patientId: string;
    readonly grantee: string;
    readonly purposes: ConsentPurpose[];
    readonly categories: string[];
    readonly custodians: string[];
    readonly recordIds: string[] | null;
    readonly notBefore: string;
    readonly notAfter: string;
    readonly issuedAt: string;
    readonly channel: string;
}

/** The fields of a `consent.revoke` payload. */
export interface RevokeFields {
    readonly consentId: string;
    readonly patientId: string;
    readonly issuedAt: string;
    readonly channel: string;
}

/**
 * The fields of a `patient.query` payload: the patient asks one organisation (`audience`) for one view of their
 * own data, once (`nonce`), for two minutes from `issuedAt`.
 */
export interface QueryFields {
    readonly patientId: string;
    readonly issuedAt: string;
    readonly audience: string;
    readonly view: PatientView;
    readonly nonce: string;
    readonly channel: string;
}

function readChannel(value: unknown): string {
    return readString(value, 'payload.channel', 249, CHANNEL_PATTERN);
}

function readType(payload: JsonObject, expected: PayloadType): void {
    if (payload.type !== expected) {
        invalid(`payload.type must be ${expected}`);
    }
}

/**
 * Reads a signed envelope `{payload, signature}`; the payload must be an object, the signature is left to its
 * verifier.
 * @param value - the parsed envelope
 * @param path - its name in errors
 * @returns the envelope
 * @throws INVALID_INPUT when not such an object
 */
export function readEnvelope(value: unknown, path: string): Envelope {
    const envelope = readObject(value, path, ['payload', 'signature']);
    return { payload: readAnyObject(envelope.payload, 'payload'), signature: envelope.signature };
}

/**
 * Reads a `patient.register` payload `{type, publicKey, issuedAt, channel}`.
 * @param value - the payload
 * @returns its fields
 * @throws INVALID_INPUT on a wrong type, missing or extra field
 */
export function readRegisterPayload(value: unknown): RegisterFields {
    const payload = readObject(value, 'payload', ['type', 'publicKey', 'issuedAt', 'channel']);
    readType(payload, PayloadTypes.patientRegister);
    return {
        publicKey: payload.publicKey,
        issuedAt: readTime(payload.issuedAt, 'payload.issuedAt'),
        channel: readChannel(payload.channel),
    };
}

function readCategory(item: unknown, path: string): string {
    return item === WILDCARD ? WILDCARD : readEnum(item, path, Categories);
}

function readCustodian(item: unknown, path: string): string {
    return item === WILDCARD ? WILDCARD : readMspId(item, path);
}

const GRANT_FIELDS = [
    'type',
    'consentId',
    'patientId',
    'grantee',
    'purposes',
    'categories',
    'custodians',
    'notBefore',
    'notAfter',
    'issuedAt',
    'channel',
] as const;

/**
 * Reads a `consent.grant` payload. `EMERGENCY` is not a grantable purpose; `*` may stand for every
 * non-sensitive category or every custodian; `recordIds` is optional.
 * @param value - the payload
 * @returns its fields
 * @throws INVALID_INPUT on a wrong type, missing or extra field, unknown value, oversized list, or an
 *   empty window (`notAfter` not after `notBefore`)
 */
export function readGrantPayload(value: unknown): GrantFields {
    const p = readObject(value, 'payload', GRANT_FIELDS, ['recordIds']);
    readType(p, PayloadTypes.consentGrant);
    const L = CONSENT_LIST_LIMITS;
    const grant: GrantFields = {
        consentId: readId(p.consentId, 'payload.consentId'),
        patientId: readPatientId(p.patientId, 'payload.patientId'),
        grantee: readMspId(p.grantee, 'payload.grantee'),
        purposes: readList(p.purposes, 'payload.purposes', { min: 1, max: L.purposes }, (item, path) =>
            readEnum(item, path, ConsentPurposes),
        ),
        categories: readList(p.categories, 'payload.categories', { min: 1, max: L.categories }, readCategory),
        custodians: readList(p.custodians, 'payload.custodians', { min: 1, max: L.custodians }, readCustodian),
        recordIds:
            p.recordIds === undefined
                ? null
                : readList(p.recordIds, 'payload.recordIds', { min: 1, max: L.recordIds }, readId),
        notBefore: readTime(p.notBefore, 'payload.notBefore'),
        notAfter: readTime(p.notAfter, 'payload.notAfter'),
        issuedAt: readTime(p.issuedAt, 'payload.issuedAt'),
        channel: readChannel(p.channel),
    };
    if (grant.notAfter <= grant.notBefore) {
        invalid('payload.notAfter must be later than payload.notBefore');
    }
    return grant;
}

/**
 * Reads a `consent.revoke` payload `{type, consentId, patientId, issuedAt, channel}`.
 * @param value - the payload
 * @returns its fields
 * @throws INVALID_INPUT on a wrong type, missing or extra field
 */
export function readRevokePayload(value: unknown): RevokeFields {
    const payload = readObject(value, 'payload', ['type', 'consentId', 'patientId', 'issuedAt', 'channel']);
    readType(payload, PayloadTypes.consentRevoke);
    return {
        consentId: readId(payload.consentId, 'payload.consentId'),
        patientId: readPatientId(payload.patientId, 'payload.patientId'),
        issuedAt: readTime(payload.issuedAt, 'payload.issuedAt'),
        channel: readChannel(payload.channel),
    };
}

const QUERY_FIELDS = ['type', 'patientId', 'issuedAt', 'audience', 'view', 'nonce', 'channel'] as const;

/**
 * Reads a `patient.query` payload `{type, patientId, issuedAt, audience, view, nonce, channel}`.
 * @param value - the payload
 * @returns its fields
 * @throws INVALID_INPUT on a wrong type, missing or extra field, unknown view or malformed nonce
 */
export function readQueryPayload(value: unknown): QueryFields {
    const payload = readObject(value, 'payload', QUERY_FIELDS);
    readType(payload, PayloadTypes.patientQuery);
    return {
        patientId: readPatientId(payload.patientId, 'payload.patientId'),
        issuedAt: readTime(payload.issuedAt, 'payload.issuedAt'),
        audience: readMspId(payload.audience, 'payload.audience'),
        view: readEnum(payload.view, 'payload.view', PatientViews),
        nonce: readString(payload.nonce, 'payload.nonce', 64, NONCE_PATTERN),
        channel: readChannel(payload.channel),
    };
}
