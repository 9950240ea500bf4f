// SPDX-License-Identifier: Apache-2.0
/**
 * Shapes of the values kept in world state, which the contracts return and the gateway passes on to the
 * clients unchanged. Every value is stored as canonical JSON; absent optional values are `null` so every
 * stored object of a kind has the same keys. Patients appear only as pseudonymous ids, records only as id,
 * category, custodian and salted hash.
 */
import type {
    Category,
    ClaimStatus,
    ConsentPurpose,
    ConsentStatus,
    Decision,
    DeliveryStatus,
    GuardianAttestationReason,
    GuardianshipEndReason,
    GuardianshipStatus,
    OrgStatus,
    OrgType,
    Purpose,
    Reason,
    Verdict,
} from './vocabulary.js';
import type { NoticeRef } from './notice.js';

/** The ledger's configuration, written once by `bootstrap`. */
export interface LedgerConfig {
    readonly commissionMspId: string;
    readonly bootstrappedAt: string;
    readonly txId: string;
}

/** A member organisation. */
export interface Organization {
    readonly mspId: string;
    readonly type: OrgType;
    readonly name: string;
    /** Base URL of its gateway's peer-to-peer port (`https://…`). */
    readonly p2pUrl: string;
    /** Its gateway's TLS certificate, pinned for peer-to-peer mutual TLS. */
    readonly tlsCertPem: string;
    /** SHA-256 of the certificate's DER, lowercase hex. */
    readonly tlsCertSha256: string;
    /**
     * A new TLS certificate the organisation asked for, pinned only once the commission approves it; until
     * then `tlsCertPem` serves. Null when none (absent on entries written by earlier versions).
     */
    readonly pendingTlsCertPem?: string | null;
    readonly pendingTlsCertSha256?: string | null;
    /**
     * How to reach the organisation about personal information (its privacy office), shown to patients in every
     * consent notice; null when none (absent on entries written by earlier versions).
     */
    readonly contact?: string | null;
    readonly status: OrgStatus;
    readonly registeredAt: string;
    readonly updatedAt: string;
    readonly txId: string;
}

/** A registered patient: a pseudonymous id and the public key that signs the patient's acts. */
export interface Patient {
    readonly patientId: string;
    /** The patient's P-256 public key, SPKI DER, base64url. */
    readonly publicKey: string;
    readonly registeredBy: string;
    readonly registeredAt: string;
    readonly txId: string;
}

/** A record index entry: where a record lives and the hash that proves its content. */
export interface RecordEntry {
    readonly recordId: string;
    readonly patientId: string;
    readonly custodian: string;
    readonly category: Category;
    /** SHA-256(salt ‖ canonical content), lowercase hex. */
    readonly contentHash: string;
    readonly supersedes: string | null;
    readonly supersededBy: string | null;
    readonly createdAt: string;
    readonly txId: string;
}

/** A consent, as signed by the patient, plus its ledger status. */
export interface Consent {
    readonly consentId: string;
    readonly patientId: string;
    readonly grantee: string;
    readonly purposes: readonly ConsentPurpose[];
    /** Categories, or `*` for every non-sensitive category. */
    readonly categories: readonly string[];
    /** Custodian MSP ids, or `*`. */
    readonly custodians: readonly string[];
    /** When not null, the only records covered. */
    readonly recordIds: readonly string[] | null;
    readonly notBefore: string;
    readonly notAfter: string;
    readonly issuedAt: string;
    /** The region's channel the patient signed for. */
    readonly channel: string;
    /** The notice shown before signing; absent on consents granted before notices were required. */
    readonly notice?: NoticeRef;
    /** The guardian who signed for the patient, null when the patient signed (absent on older consents). */
    readonly signer?: string | null;
    /** The signature over the canonical grant payload (base64url P1363), by the patient or the guardian. */
    readonly signature: string;
    readonly status: ConsentStatus;
    readonly grantedAt: string;
    readonly txId: string;
    readonly revokedAt: string | null;
    readonly revokeTxId: string | null;
    /** Who signed the revocation: the patient's id or the guardian's (absent on older consents). */
    readonly revokedBy?: string | null;
}

/** A hospital's attestation that lets a guardian act for a patient without the patient's signature. */
export interface GuardianAttestation {
    readonly reason: GuardianAttestationReason;
    /** The patient's birth year, when the hospital gives it (a year only: the least the rule needs). */
    readonly birthYear: number | null;
}

/** A guardian's authority to act for a patient (PIPL Art. 31), registered by a hospital. */
export interface Guardianship {
    readonly patientId: string;
    /** The guardian's id: derived from the guardian's key as a patient id is. */
    readonly guardianId: string;
    /** The guardian's P-256 public key, SPKI DER, base64url. */
    readonly publicKey: string;
    readonly status: GuardianshipStatus;
    /** `patient`: the patient signed an approval; `attestation`: the registering hospital attested. */
    readonly basis: 'patient' | 'attestation';
    /** Null unless `basis` is `attestation`. */
    readonly attestation: GuardianAttestation | null;
    readonly registeredBy: string;
    readonly registeredAt: string;
    readonly txId: string;
    readonly endedAt: string | null;
    /** The patient's id (the patient ended it) or the hospital's MSP id. */
    readonly endedBy: string | null;
    /** `patient`, or the hospital's reason. */
    readonly endReason: 'patient' | GuardianshipEndReason | null;
    readonly endTxId: string | null;
}

/** The delivery of a grant, or its recorded refusal. */
export interface Delivery {
    readonly status: DeliveryStatus;
    /** Null when delivered; the refusal reason otherwise. */
    readonly reason: Reason | null;
    /** The content hash served; null when refused. */
    readonly contentHash: string | null;
    readonly at: string;
    readonly txId: string;
}

/** The commission's review of an emergency access. */
export interface Review {
    readonly verdict: Verdict;
    readonly note: string;
    readonly reviewer: string;
    readonly at: string;
    readonly txId: string;
}

/** One access request and its decision; written for every request, granted or denied. */
export interface AccessEvent {
    /** The request's transaction id. */
    readonly accessId: string;
    readonly requester: string;
    /** Null only when the record was not found. */
    readonly custodian: string | null;
    readonly recordId: string;
    /** Null only when the record was not found. */
    readonly patientId: string | null;
    readonly category: Category | null;
    readonly purpose: Purpose;
    readonly decision: Decision;
    readonly reason: Reason;
    /** The consent that granted, or the nearest consent that failed; null when none. */
    readonly consentId: string | null;
    /**
     * Who signed that consent: the patient's id or a guardian's; null when no consent is named (absent on events
     * written by earlier versions).
     */
    readonly consentSigner?: string | null;
    readonly justification: string | null;
    /** The request's transaction timestamp (the requester's clock). */
    readonly requestedAt: string;
    /** End of the grant's lifetime; null when denied. */
    readonly expiresAt: string | null;
    readonly delivery: Delivery | null;
    readonly review: Review | null;
}

/**
 * What `requestAccess` returns: the access event as the requester may see it and, on a grant, the record's
 * index entry as `readRecord` would show it, read in the same transaction that decided, so the requester's
 * gateway can check the delivered content's hash without a second ledger read.
 */
export interface AccessRequestResult extends AccessEvent {
    /** Present on a grant only (absent from a chaincode older than this field, and on a denial). */
    readonly record?: RecordEntry;
}

/** A money amount: value with at most two decimals, ISO 4217 currency code. */
export interface Amount {
    readonly value: number;
    readonly currency: string;
}

/** An insurance claim. */
export interface Claim {
    /** The submission's transaction id. */
    readonly claimId: string;
    readonly claimant: string;
    readonly insurer: string;
    readonly patientId: string;
    /** The claimant's own identifier of the billed service (visit or encounter number). */
    readonly serviceId: string;
    readonly recordIds: readonly string[];
    readonly amount: Amount;
    readonly status: ClaimStatus;
    readonly submittedAt: string;
    readonly txId: string;
    readonly decidedAt: string | null;
    readonly decisionReason: string | null;
    readonly decisionTxId: string | null;
}
