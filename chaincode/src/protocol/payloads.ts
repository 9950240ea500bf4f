// SPDX-License-Identifier: Apache-2.0
/**
 * The patient-signed payloads (docs/design.md "Signed payloads") as they travel: their types, and builders of
 * the unsigned payload objects. A client fills in what only it can supply (the time, a random consent id or
 * nonce, the patient's id) and signs the RFC 8785 form of the result with the patient's key, ECDSA P-256 in
 * IEEE P1363 form, base64url: node:crypto in the CLI, WebCrypto in the portal. The chaincode reads them back
 * with `payload-readers.ts`.
 *
 * Every payload names the region's `channel`, so that a signature made for one region is refused in another.
 * A `patient.query` is further bound to one gateway (`audience`, its MSP id), one view and one use (`nonce`),
 * and is accepted for two minutes (`payload-time.ts`): sign a fresh one for every request.
 *
 * The shapes are type aliases rather than interfaces so that they fit where any JSON object is expected.
 */
import type { PatientView } from './vocabulary.js';

/** Payload types: the `type` field of each payload. */
export const PayloadTypes = {
    patientRegister: 'patient.register',
    consentGrant: 'consent.grant',
    consentRevoke: 'consent.revoke',
    patientQuery: 'patient.query',
} as const;
/** One of {@link PayloadTypes}. */
export type PayloadType = (typeof PayloadTypes)[keyof typeof PayloadTypes];

/** Fabric channel names (configtxgen's rule): what a payload's `channel` must look like. */
export const CHANNEL_PATTERN = /^[a-z][a-z0-9.-]{0,248}$/;
/** A query nonce: 16–64 characters of base64url. */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
/** Bytes of randomness the clients put in a query's nonce (22 characters of base64url). */
export const NONCE_BYTES = 16;

/** Most purposes, categories, custodians and record ids a consent may list. */
export const CONSENT_LIST_LIMITS = { purposes: 4, categories: 16, custodians: 32, recordIds: 100 } as const;

/** The views a patient's signed query may open today, one per `POST /patient/{view}` route (`explain` is reserved). */
export const PatientQueryViews = [
    'records',
    'consents',
    'access-log',
    'claims',
] as const satisfies readonly PatientView[];
/** One of {@link PatientQueryViews}. */
export type PatientQueryView = (typeof PatientQueryViews)[number];

/** A signed envelope as the API and the chaincode take it. */
export type SignedEnvelope<P extends object = Readonly<Record<string, unknown>>> = {
    readonly payload: P;
    /** ECDSA P-256/SHA-256 over the payload's canonical JSON, IEEE P1363 (r ‖ s), base64url without padding. */
    readonly signature: string;
};

/** A `patient.register` payload: proof that the patient holds the key registered. */
export type RegisterPayload = {
    readonly type: typeof PayloadTypes.patientRegister;
    /** The patient's public key, SPKI PEM (the chaincode also takes a public EC P-256 JWK). */
    readonly publicKey: string;
    /** When it was signed, `toISOString` form. */
    readonly issuedAt: string;
    /** The region's channel id. */
    readonly channel: string;
};

/** What a patient grants: the `consent.grant` payload without its type, ids, issue time and channel. */
export type ConsentTerms = {
    /** MSP id of the organisation granted access. */
    readonly grantee: string;
    readonly purposes: readonly string[];
    /** Categories, or `*` for every ordinary one. */
    readonly categories: readonly string[];
    /** Custodian MSP ids, or `*`. */
    readonly custodians: readonly string[];
    /** When present and not empty, the only records covered. */
    readonly recordIds?: readonly string[];
    /** Start of the window, inclusive, `toISOString` form. */
    readonly notBefore: string;
    /** End of the window, exclusive. */
    readonly notAfter: string;
};

/** A `consent.grant` payload: the terms, and who grants them, when and where. */
export type GrantPayload = ConsentTerms & {
    readonly type: typeof PayloadTypes.consentGrant;
    readonly consentId: string;
    readonly patientId: string;
    readonly issuedAt: string;
    readonly channel: string;
};

/** A `consent.revoke` payload. */
export type RevokePayload = {
    readonly type: typeof PayloadTypes.consentRevoke;
    readonly consentId: string;
    readonly patientId: string;
    readonly issuedAt: string;
    readonly channel: string;
};

/** What a `patient.query` is bound to. */
export type PatientQueryScope = {
    /** MSP id of the organisation whose gateway is asked. */
    readonly audience: string;
    /** The view asked for. */
    readonly view: PatientQueryView;
    /** The region's channel id. */
    readonly channel: string;
};

/** A `patient.query` payload. */
export type QueryPayload = {
    readonly type: typeof PayloadTypes.patientQuery;
    readonly patientId: string;
    readonly issuedAt: string;
    readonly audience: string;
    readonly view: PatientQueryView;
    readonly nonce: string;
    readonly channel: string;
};

/**
 * A `patient.register` payload.
 * @param publicKeyPem - the patient's public key, SPKI PEM
 * @param issuedAt - now, `toISOString` form
 * @param channel - the region's channel id
 * @returns the payload to sign
 */
export function newRegisterPayload(publicKeyPem: string, issuedAt: string, channel: string): RegisterPayload {
    return { type: PayloadTypes.patientRegister, publicKey: publicKeyPem, issuedAt, channel };
}

/**
 * A `consent.grant` payload; `recordIds` is included only when some are named.
 * @param ids - the new consent's id (the clients use `consent-` + a random UUID) and the patient's id
 * @param terms - grantee, purposes, categories, custodians, records, window
 * @param issuedAt - now, `toISOString` form
 * @param channel - the region's channel id
 * @returns the payload to sign
 */
export function newGrantPayload(
    ids: { readonly consentId: string; readonly patientId: string },
    terms: ConsentTerms,
    issuedAt: string,
    channel: string,
): GrantPayload {
    const recordIds = terms.recordIds && terms.recordIds.length > 0 ? { recordIds: [...terms.recordIds] } : {};
    return {
        type: PayloadTypes.consentGrant,
        consentId: ids.consentId,
        patientId: ids.patientId,
        grantee: terms.grantee,
        purposes: [...terms.purposes],
        categories: [...terms.categories],
        custodians: [...terms.custodians],
        ...recordIds,
        notBefore: terms.notBefore,
        notAfter: terms.notAfter,
        issuedAt,
        channel,
    };
}

/**
 * A `consent.revoke` payload.
 * @param ids - the consent to revoke and the patient's id
 * @param issuedAt - now, `toISOString` form
 * @param channel - the region's channel id
 * @returns the payload to sign
 */
export function newRevokePayload(
    ids: { readonly consentId: string; readonly patientId: string },
    issuedAt: string,
    channel: string,
): RevokePayload {
    return {
        type: PayloadTypes.consentRevoke,
        consentId: ids.consentId,
        patientId: ids.patientId,
        issuedAt,
        channel,
    };
}

/**
 * A `patient.query` payload for one view of the patient's own data at one gateway.
 * @param patientId - the patient's id
 * @param scope - the gateway's MSP id (`audience`), the view and the region's channel
 * @param issuedAt - now, `toISOString` form
 * @param nonce - fresh randomness, {@link NONCE_BYTES} bytes in base64url
 * @returns the payload to sign
 */
export function newQueryPayload(
    patientId: string,
    scope: PatientQueryScope,
    issuedAt: string,
    nonce: string,
): QueryPayload {
    return {
        type: PayloadTypes.patientQuery,
        patientId,
        issuedAt,
        audience: scope.audience,
        view: scope.view,
        nonce,
        channel: scope.channel,
    };
}
