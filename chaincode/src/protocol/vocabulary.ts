// SPDX-License-Identifier: Apache-2.0
/**
 * Closed sets of the ledger (docs/design.md "On the ledger"): organisation types and statuses, purposes,
 * record categories, consent and delivery statuses, access decisions and reason codes, patient views, review
 * verdicts and claim statuses. The chaincode checks every value against these lists, and the gateway and the
 * clients offer and show exactly these.
 */

/** Organisation types. */
export const OrgTypes = ['hospital', 'insurer', 'commission'] as const;
/** One of {@link OrgTypes}. */
export type OrgType = (typeof OrgTypes)[number];

/** Organisation statuses: `pending` → `active` ⇄ `suspended`. */
export const OrgStatuses = ['pending', 'active', 'suspended'] as const;
/** One of {@link OrgStatuses}. */
export type OrgStatus = (typeof OrgStatuses)[number];

/** Purposes of use. `EMERGENCY` is break-the-glass and never grantable by consent. */
export const Purposes = ['TREATMENT', 'PAYMENT', 'OVERSIGHT', 'RESEARCH', 'EMERGENCY'] as const;
/** One of {@link Purposes}. */
export type Purpose = (typeof Purposes)[number];

/** Purposes a consent may name (all but `EMERGENCY`). */
export const ConsentPurposes = ['TREATMENT', 'PAYMENT', 'OVERSIGHT', 'RESEARCH'] as const;
/** One of {@link ConsentPurposes}. */
export type ConsentPurpose = (typeof ConsentPurposes)[number];

/** Ordinary record categories, covered by a `*` consent. */
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

/** Sensitive categories: never covered by `*`, never opened by `EMERGENCY`; only a consent naming them. */
export const SensitiveCategories = ['mental-health', 'hiv', 'genetic', 'reproductive', 'substance-use'] as const;

/** Every record category. */
export const Categories = [...OrdinaryCategories, ...SensitiveCategories] as const;
/** One of {@link Categories}. */
export type Category = (typeof Categories)[number];

/** The wildcard accepted in a consent's `categories` and `custodians`. */
export const WILDCARD = '*';

/**
 * Is this category sensitive?
 * @param category - a record category
 * @returns true for the sensitive categories
 */
export function isSensitive(category: Category): boolean {
    return (SensitiveCategories as readonly string[]).includes(category);
}

/** Consent statuses: `active` → `revoked`, once. */
export const ConsentStatuses = ['active', 'revoked'] as const;
/** One of {@link ConsentStatuses}. */
export type ConsentStatus = (typeof ConsentStatuses)[number];

/** Outcomes of a custodian's delivery of a grant. */
export const DeliveryStatuses = ['DELIVERED', 'REFUSED'] as const;
/** One of {@link DeliveryStatuses}. */
export type DeliveryStatus = (typeof DeliveryStatuses)[number];

/** Access decisions. */
export const Decisions = ['GRANTED', 'GRANTED_EMERGENCY', 'DENIED'] as const;
/** One of {@link Decisions}. */
export type Decision = (typeof Decisions)[number];

/** Reason codes of an access decision or a refused delivery. */
export const Reasons = {
    /** Granted under the consent named in the event. */
    CONSENT: 'CONSENT',
    /** Granted as break-the-glass, pending the commission's review. */
    EMERGENCY: 'EMERGENCY',
    /** The requester is not active (pending or suspended). */
    ORG_NOT_ACTIVE: 'ORG_NOT_ACTIVE',
    /** The requester's organisation type may not use this purpose. */
    PURPOSE_NOT_PERMITTED: 'PURPOSE_NOT_PERMITTED',
    /** No record with this id is anchored. */
    RECORD_NOT_FOUND: 'RECORD_NOT_FOUND',
    /** The record's custodian is not active. */
    CUSTODIAN_NOT_ACTIVE: 'CUSTODIAN_NOT_ACTIVE',
    /** No consent of the patient covers requester, purpose, category, custodian and record. */
    NO_CONSENT: 'NO_CONSENT',
    /** The record is in a sensitive category that only a consent naming it (never `*`, never EMERGENCY) opens. */
    SENSITIVE_CATEGORY: 'SENSITIVE_CATEGORY',
    /** The covering consent was revoked. */
    CONSENT_REVOKED: 'CONSENT_REVOKED',
    /** The covering consent's `notAfter` has passed. */
    CONSENT_EXPIRED: 'CONSENT_EXPIRED',
    /** The covering consent's `notBefore` has not come. */
    CONSENT_NOT_YET_VALID: 'CONSENT_NOT_YET_VALID',
    /** Delivery: the grant's lifetime has passed. */
    GRANT_EXPIRED: 'GRANT_EXPIRED',
    /** Delivery: the grant's timestamp is later than the delivery's (a requester clock ahead). */
    GRANT_IN_FUTURE: 'GRANT_IN_FUTURE',
    /**
     * Delivery: the grant's timestamp is further from the custodian's delivery time than the custodian's
     * tolerance (a requester clock far off, or a grant held back).
     */
    GRANT_CLOCK_SKEW: 'GRANT_CLOCK_SKEW',
} as const;
/** One of {@link Reasons}. */
export type Reason = (typeof Reasons)[keyof typeof Reasons];

/**
 * The category shown instead of a sensitive one to an organisation that may not know it: only the custodian,
 * the commission, the patient and a holder of an active consent naming that category see which it is.
 */
export const RESTRICTED_CATEGORY = 'restricted';

/** Views a patient's signed query may ask for; each names one read. */
export const PatientViews = ['records', 'consents', 'access-log', 'claims', 'explain'] as const;
/** One of {@link PatientViews}. */
export type PatientView = (typeof PatientViews)[number];

/** Verdicts of the commission's review of an emergency access. */
export const Verdicts = ['justified', 'unjustified'] as const;
/** One of {@link Verdicts}. */
export type Verdict = (typeof Verdicts)[number];

/** Claim statuses: `submitted` → `approved` | `rejected`. */
export const ClaimStatuses = ['submitted', 'approved', 'rejected'] as const;
/** One of {@link ClaimStatuses}. */
export type ClaimStatus = (typeof ClaimStatuses)[number];

/** Decisions an insurer may take on a claim. */
export const ClaimDecisions = ['approved', 'rejected'] as const;
/** One of {@link ClaimDecisions}. */
export type ClaimDecision = (typeof ClaimDecisions)[number];
