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
import type { NoticeRef } from './notice.js';
import type { PatientView } from './vocabulary.js';

/** Payload types: the `type` field of each payload. */
export const PayloadTypes = {
    patientRegister: 'patient.register',
    consentGrant: 'consent.grant',
    consentRevoke: 'consent.revoke',
    patientQuery: 'patient.query',
    guardianRegister: 'guardian.register',
    guardianApprove: 'guardian.approve',
    guardianshipEnd: 'guardianship.end',
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

/**
 * The list views a patient's signed query may open, one per `POST /patient/{view}` route; the view `explain` names
 * a record too, so it has its own payload ({@link ExplainQueryPayload}).
 */
export const PatientQueryViews = [
    'records',
    'consents',
    'access-log',
    'claims',
    'guardians',
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

/**
 * Who signs a patient's act: the patient (no `signer`), or a guardian (`signer` = the guardian's id, derived
 * from the guardian's key as a patient id is) acting for the patient under an active guardianship.
 */
export type SignedBy = {
    readonly signer?: string;
};

/** A `consent.grant` payload: the terms, the notice shown, and who grants them, when and where. */
export type GrantPayload = ConsentTerms &
    SignedBy & {
        readonly type: typeof PayloadTypes.consentGrant;
        readonly consentId: string;
        readonly patientId: string;
        /** The notice the patient (or guardian) was shown: `notice.ts`. */
        readonly notice: NoticeRef;
        readonly issuedAt: string;
        readonly channel: string;
    };

/** A `consent.revoke` payload. */
export type RevokePayload = SignedBy & {
    readonly type: typeof PayloadTypes.consentRevoke;
    readonly consentId: string;
    readonly patientId: string;
    readonly issuedAt: string;
    readonly channel: string;
};

/**
 * A `guardian.register` payload, signed by the guardian's own key (proof of possession): this key asks to act
 * for this patient.
 */
export type GuardianRegisterPayload = {
    readonly type: typeof PayloadTypes.guardianRegister;
    /** The patient the guardian will act for. */
    readonly patientId: string;
    /** The guardian's public key, SPKI PEM (or a public EC P-256 JWK). */
    readonly publicKey: string;
    readonly issuedAt: string;
    readonly channel: string;
};

/** A `guardian.approve` payload, signed by the patient: this guardian may act for me. */
export type GuardianApprovePayload = {
    readonly type: typeof PayloadTypes.guardianApprove;
    readonly patientId: string;
    readonly guardianId: string;
    readonly issuedAt: string;
    readonly channel: string;
};

/** A `guardianship.end` payload, signed by the patient: this guardian may no longer act for me. */
export type GuardianshipEndPayload = {
    readonly type: typeof PayloadTypes.guardianshipEnd;
    readonly patientId: string;
    readonly guardianId: string;
    readonly issuedAt: string;
    readonly channel: string;
};

/** What a `patient.query` is bound to (and, for a guardian's query, who signs it). */
export type PatientQueryScope = SignedBy & {
    /** MSP id of the organisation whose gateway is asked. */
    readonly audience: string;
    /** The view asked for. */
    readonly view: PatientQueryView;
    /** The region's channel id. */
    readonly channel: string;
};

/** A `patient.query` payload. */
export type QueryPayload = SignedBy & {
    readonly type: typeof PayloadTypes.patientQuery;
    readonly patientId: string;
    readonly issuedAt: string;
    readonly audience: string;
    readonly view: PatientQueryView;
    readonly nonce: string;
    readonly channel: string;
};

/** What a `patient.query` of the view `explain` is bound to: one gateway, the region, and the one record asked. */
export type ExplainQueryScope = SignedBy & {
    readonly audience: string;
    readonly channel: string;
    /** The patient's own record whose access decision is explained. */
    readonly recordId: string;
};

/** A `patient.query` payload of the view `explain`: who can see one record of the patient, and why. */
export type ExplainQueryPayload = Omit<QueryPayload, 'view'> & {
    readonly view: 'explain';
    readonly recordId: string;
};

/** `{signer}` when a guardian signs, nothing when the patient does. */
function signedBy(signer: string | undefined): SignedBy {
    return signer === undefined ? {} : { signer };
}

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
 * A `consent.grant` payload; `recordIds` is included only when some are named, `signer` only for a guardian.
 * @param ids - the new consent's id (the clients use `consent-` + a random UUID), the patient's id, and the
 *   guardian's id when a guardian signs
 * @param terms - grantee, purposes, categories, custodians, records, window
 * @param notice - the hash and language of the notice shown (`notice.ts`)
 * @param where - now (`toISOString` form) and the region's channel id
 * @returns the payload to sign
 */
export function newGrantPayload(
    ids: { readonly consentId: string; readonly patientId: string; readonly signer?: string },
    terms: ConsentTerms,
    notice: NoticeRef,
    where: { readonly issuedAt: string; readonly channel: string },
): GrantPayload {
    const recordIds = terms.recordIds && terms.recordIds.length > 0 ? { recordIds: [...terms.recordIds] } : {};
    const { issuedAt, channel } = where;
    return {
        type: PayloadTypes.consentGrant,
        consentId: ids.consentId,
        patientId: ids.patientId,
        ...signedBy(ids.signer),
        notice: { sha256: notice.sha256, language: notice.language },
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
 * @param ids - the consent to revoke, the patient's id, and the guardian's id when a guardian signs
 * @param issuedAt - now, `toISOString` form
 * @param channel - the region's channel id
 * @returns the payload to sign
 */
export function newRevokePayload(
    ids: { readonly consentId: string; readonly patientId: string; readonly signer?: string },
    issuedAt: string,
    channel: string,
): RevokePayload {
    return {
        type: PayloadTypes.consentRevoke,
        consentId: ids.consentId,
        patientId: ids.patientId,
        ...signedBy(ids.signer),
        issuedAt,
        channel,
    };
}

/**
 * Whose act a patient-signed payload is: the key holder's own (no `forPatient`), or, when a guardian acts for a
 * patient (`forPatient`), that patient's, signed by the guardian (`signer` = the signing key's patient id).
 * @param keyPatientId - the patient id of the signing key
 * @param forPatient - the patient a guardian acts for
 */
export function actorOf(keyPatientId: string, forPatient?: string): { patientId: string; signer?: string } {
    return forPatient === undefined ? { patientId: keyPatientId } : { patientId: forPatient, signer: keyPatientId };
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
        ...signedBy(scope.signer),
        issuedAt,
        audience: scope.audience,
        view: scope.view,
        nonce,
        channel: scope.channel,
    };
}

/**
 * A `patient.query` payload of the view `explain`, naming the record: the signature opens that record's
 * explanation only.
 * @param patientId - the patient's id
 * @param scope - the gateway's MSP id (`audience`), the region's channel and the record
 * @param issuedAt - now, `toISOString` form
 * @param nonce - fresh randomness, {@link NONCE_BYTES} bytes in base64url
 * @returns the payload to sign
 */
export function newExplainQueryPayload(
    patientId: string,
    scope: ExplainQueryScope,
    issuedAt: string,
    nonce: string,
): ExplainQueryPayload {
    return {
        type: PayloadTypes.patientQuery,
        patientId,
        ...signedBy(scope.signer),
        issuedAt,
        audience: scope.audience,
        view: 'explain',
        nonce,
        channel: scope.channel,
        recordId: scope.recordId,
    };
}

/**
 * A `guardian.register` payload, to be signed with the guardian's own key.
 * @param patientId - the patient the guardian will act for
 * @param publicKeyPem - the guardian's public key, SPKI PEM
 * @param where - now (`toISOString` form) and the region's channel id
 * @returns the payload to sign
 */
export function newGuardianRegisterPayload(
    patientId: string,
    publicKeyPem: string,
    where: { readonly issuedAt: string; readonly channel: string },
): GuardianRegisterPayload {
    return { type: PayloadTypes.guardianRegister, patientId, publicKey: publicKeyPem, ...where };
}

/**
 * A `guardian.approve` payload (the patient approves a guardian) or a `guardianship.end` payload (the patient
 * ends a guardianship), to be signed with the patient's key.
 * @param type - `guardian.approve` or `guardianship.end`
 * @param ids - the patient's id and the guardian's id
 * @param where - now (`toISOString` form) and the region's channel id
 * @returns the payload to sign
 */
export function newGuardianshipPayload<
    T extends typeof PayloadTypes.guardianApprove | typeof PayloadTypes.guardianshipEnd,
>(
    type: T,
    ids: { readonly patientId: string; readonly guardianId: string },
    where: { readonly issuedAt: string; readonly channel: string },
): {
    readonly type: T;
    readonly patientId: string;
    readonly guardianId: string;
    readonly issuedAt: string;
    readonly channel: string;
} {
    return { type, patientId: ids.patientId, guardianId: ids.guardianId, ...where };
}
