// SPDX-License-Identifier: Apache-2.0
/**
 * The patient-signed payloads and their envelope `{payload, signature}`. Each payload has a `type` and an
 * `issuedAt`, and exactly the fields listed here: an unknown field is refused rather than ignored, so
 * nothing unsigned or unchecked can ride along. Readers validate shape only; signatures are checked by
 * the contracts against the patient's registered key.
 */
import { invalid } from '../errors';
import {
    parseObjectArgument,
    readAnyObject,
    readEnum,
    readId,
    readList,
    readMspId,
    readObject,
    readPatientId,
    readString,
    readTime,
} from '../model/input';
import type { JsonObject } from '../model/input';
import { Categories, ConsentPurposes, PatientViews, WILDCARD } from '../model/vocabulary';
import type { ConsentPurpose, PatientView } from '../model/vocabulary';

/** Payload types. */
export const PayloadTypes = {
    patientRegister: 'patient.register',
    consentGrant: 'consent.grant',
    consentRevoke: 'consent.revoke',
    patientQuery: 'patient.query',
} as const;

/** Fabric channel names (configtxgen's rule): what a payload's `channel` must look like. */
const CHANNEL_PATTERN = /^[a-z][a-z0-9.-]{0,248}$/;
/** A query nonce: 16–64 characters of base64url. */
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

function readChannel(value: unknown): string {
    return readString(value, 'payload.channel', 249, CHANNEL_PATTERN);
}

/** A signed envelope as received: the payload (validated separately) and its signature text. */
export interface Envelope {
    /** The payload exactly as received; the signature covers its canonical JSON. */
    readonly payload: JsonObject;
    readonly signature: unknown;
}

/** A `patient.register` payload. */
export interface RegisterPayload {
    readonly publicKey: unknown;
    readonly issuedAt: string;
    /** The region's channel: a signature made for one region is refused in another. */
    readonly channel: string;
}

/** A `consent.grant` payload. */
export interface GrantPayload {
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

/** A `consent.revoke` payload. */
export interface RevokePayload {
    readonly consentId: string;
    readonly patientId: string;
    readonly issuedAt: string;
    readonly channel: string;
}

/**
 * A `patient.query` payload: the patient asks one organisation (`audience`) for one view of their own data,
 * once (`nonce`), for two minutes from `issuedAt`.
 */
export interface QueryPayload {
    readonly patientId: string;
    readonly issuedAt: string;
    readonly audience: string;
    readonly view: PatientView;
    readonly nonce: string;
    readonly channel: string;
    /** The one record the `explain` view is asked about; null for every other view. */
    readonly recordId: string | null;
}

/** Most purposes, categories, custodians and record ids a consent may list. */
export const CONSENT_LIST_LIMITS = { purposes: 4, categories: 16, custodians: 32, recordIds: 100 } as const;

/**
 * Parses a signed envelope `{payload, signature}`.
 * @param raw - argument text
 * @returns the envelope
 * @throws INVALID_INPUT when not such an object
 */
export function readEnvelope(raw: string): Envelope {
    const envelope = parseObjectArgument(raw, 'signed', ['payload', 'signature']);
    return { payload: readAnyObject(envelope.payload, 'payload'), signature: envelope.signature };
}

function readType(payload: JsonObject, expected: string): void {
    if (payload.type !== expected) {
        invalid(`payload.type must be ${expected}`);
    }
}

/**
 * Reads a `patient.register` payload `{type, publicKey, issuedAt}`.
 * @param value - the payload
 * @returns its fields
 * @throws INVALID_INPUT on a wrong type, missing or extra field
 */
export function readRegisterPayload(value: unknown): RegisterPayload {
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
export function readGrantPayload(value: unknown): GrantPayload {
    const p = readObject(value, 'payload', GRANT_FIELDS, ['recordIds']);
    readType(p, PayloadTypes.consentGrant);
    const L = CONSENT_LIST_LIMITS;
    const grant: GrantPayload = {
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
 * Reads a `consent.revoke` payload `{type, consentId, patientId, issuedAt}`.
 * @param value - the payload
 * @returns its fields
 * @throws INVALID_INPUT on a wrong type, missing or extra field
 */
export function readRevokePayload(value: unknown): RevokePayload {
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
 * Reads a `patient.query` payload `{type, patientId, issuedAt, audience, view, nonce, channel, recordId?}`.
 * `recordId` names the record of the `explain` view, which requires it; every other view refuses it, so one
 * signature opens one record's explanation and nothing else.
 * @param value - the payload
 * @returns its fields
 * @throws INVALID_INPUT on a wrong type, missing or extra field, unknown view, malformed nonce, or a
 *   `recordId` missing from `explain` or given to another view
 */
export function readQueryPayload(value: unknown): QueryPayload {
    const payload = readObject(value, 'payload', QUERY_FIELDS, ['recordId']);
    readType(payload, PayloadTypes.patientQuery);
    const view = readEnum(payload.view, 'payload.view', PatientViews);
    if ((payload.recordId !== undefined) !== (view === 'explain')) {
        invalid('payload.recordId is required with the view explain and only with it');
    }
    return {
        patientId: readPatientId(payload.patientId, 'payload.patientId'),
        issuedAt: readTime(payload.issuedAt, 'payload.issuedAt'),
        audience: readMspId(payload.audience, 'payload.audience'),
        view,
        nonce: readString(payload.nonce, 'payload.nonce', 64, NONCE_PATTERN),
        channel: readChannel(payload.channel),
        recordId: payload.recordId === undefined ? null : readId(payload.recordId, 'payload.recordId'),
    };
}
