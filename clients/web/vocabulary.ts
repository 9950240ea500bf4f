// SPDX-License-Identifier: Apache-2.0
/** The ledger's closed sets (as in `chaincode/src/model/vocabulary.ts`, which the browser build cannot import). */

/** Purposes a consent may name (never EMERGENCY). */
export const ConsentPurposes = ['TREATMENT', 'PAYMENT', 'OVERSIGHT', 'RESEARCH'] as const;
/** Every purpose. */
export const Purposes = [...ConsentPurposes, 'EMERGENCY'] as const;
/** Ordinary categories, covered by `*`. */
export const OrdinaryCategories = [
    'encounter',
    'condition',
    'lab',
    'imaging',
    'medication',
    'procedure',
    'immunization',
    'allergy',
    'document',
    'billing',
] as const;
/** Sensitive categories: only a consent naming them opens them; never `*`, never break-the-glass. */
export const SensitiveCategories = ['mental-health', 'hiv', 'genetic', 'reproductive', 'substance-use'] as const;
/** Every category. */
export const Categories = [...OrdinaryCategories, ...SensitiveCategories] as const;
/** Access decisions. */
export const Decisions = ['GRANTED', 'GRANTED_EMERGENCY', 'DENIED'] as const;
/** A patient id. */
export const PATIENT_ID = /^pt[a-z2-7]{52}$/;
/** An organisation's MSP id. */
export const MSP_ID = /^[A-Za-z][A-Za-z0-9.-]{0,63}$/;

/** Organisation types. */
export const OrgTypes = ['hospital', 'insurer', 'commission'] as const;

/** An active organisation as the public directory (`GET /directory`) lists it. */
export interface DirectoryEntry {
    readonly mspId: string;
    readonly type: (typeof OrgTypes)[number];
    readonly name: string;
}

/** An access event as the API returns it. */
export interface AccessEvent {
    readonly accessId: string;
    readonly requester: string;
    readonly custodian: string | null;
    readonly recordId: string;
    readonly patientId: string | null;
    readonly category: string | null;
    readonly purpose: string;
    readonly decision: string;
    readonly reason: string;
    readonly consentId: string | null;
    readonly justification: string | null;
    readonly requestedAt: string;
    readonly delivery: { readonly status: string; readonly at: string } | null;
    readonly review: { readonly verdict: string; readonly note: string; readonly at: string } | null;
}

/** A record index entry. */
export interface RecordEntry {
    readonly recordId: string;
    readonly patientId: string;
    readonly custodian: string;
    readonly category: string;
    readonly contentHash: string;
    readonly createdAt: string;
    readonly supersededBy: string | null;
}

/** A consent. */
export interface Consent {
    readonly consentId: string;
    readonly grantee: string;
    readonly purposes: readonly string[];
    readonly categories: readonly string[];
    readonly custodians: readonly string[];
    readonly notBefore: string;
    readonly notAfter: string;
    readonly status: 'active' | 'revoked';
    readonly grantedAt: string;
    readonly revokedAt: string | null;
}

/** A claim: a hospital (claimant) bills an insurer for one service, on supporting records. */
export interface Claim {
    readonly claimId: string;
    readonly claimant: string;
    readonly insurer: string;
    readonly patientId: string;
    /** The claimant's own id of the billed visit or encounter. */
    readonly serviceId: string;
    readonly recordIds: readonly string[];
    readonly amount: { readonly value: number; readonly currency: string };
    readonly status: string;
    readonly submittedAt: string;
    readonly decidedAt: string | null;
    readonly decisionReason: string | null;
}
