// SPDX-License-Identifier: Apache-2.0
/**
 * Does one consent cover one request at one instant? Scope first (requester, patient, purpose, custodian,
 * record), then the category, then status (revoked), then the time window; the first failure is the answer.
 */
import type { Consent, RecordEntry } from '../protocol/state';
import { isSensitive, Reasons, WILDCARD } from '../protocol/vocabulary';
import type { Purpose } from '../protocol/vocabulary';
import { checkWindow } from './time';

/** The parts of a consent the rules read. */
export type ConsentTerms = Pick<
    Consent,
    | 'consentId'
    | 'patientId'
    | 'grantee'
    | 'purposes'
    | 'categories'
    | 'custodians'
    | 'recordIds'
    | 'notBefore'
    | 'notAfter'
    | 'status'
    | 'signer'
>;

/** The parts of a record the rules read. */
export type RecordFacts = Pick<RecordEntry, 'recordId' | 'patientId' | 'custodian' | 'category'>;

/** What is asked: who, why, which record. */
export interface ConsentQuestion {
    readonly requester: string;
    readonly purpose: Purpose;
    readonly record: RecordFacts;
}

/** Outcome of evaluating one consent: covered (`CONSENT`) or the reason it does not cover. */
export type ConsentVerdict =
    | typeof Reasons.CONSENT
    | typeof Reasons.NO_CONSENT
    | typeof Reasons.SENSITIVE_CATEGORY
    | typeof Reasons.CONSENT_REVOKED
    | typeof Reasons.CONSENT_NOT_YET_VALID
    | typeof Reasons.CONSENT_EXPIRED;

/**
 * How close a failing consent came, to pick the most telling reason among several consents: a consent
 * that covers everything but is revoked or outside its window says more than one that is out of scope.
 */
export const VerdictRank: Readonly<Record<ConsentVerdict, number>> = {
    NO_CONSENT: 0,
    SENSITIVE_CATEGORY: 1,
    CONSENT_REVOKED: 2,
    CONSENT_NOT_YET_VALID: 3,
    CONSENT_EXPIRED: 3,
    CONSENT: 4,
};

/** The checks one consent passes or fails, in the order they are made (docs/design.md "Access decision"). */
export const ConsentChecks = [
    'grantee',
    'patient',
    'purpose',
    'custodian',
    'record',
    'category',
    'status',
    'window',
] as const;
/** One of {@link ConsentChecks}. */
export type ConsentCheck = (typeof ConsentChecks)[number];

/** One consent's verdict on a request and, when it does not cover, the first check it failed. */
export interface ConsentAssessment {
    readonly verdict: ConsentVerdict;
    /** Null when the consent covers the request. */
    readonly failed: ConsentCheck | null;
}

function categoryVerdict(consent: ConsentTerms, record: RecordFacts): ConsentVerdict {
    if (consent.categories.includes(record.category)) {
        return Reasons.CONSENT;
    }
    if (!consent.categories.includes(WILDCARD)) {
        return Reasons.NO_CONSENT;
    }
    return isSensitive(record.category) ? Reasons.SENSITIVE_CATEGORY : Reasons.CONSENT;
}

/** The first scope check a consent fails for a question, or null when the question is in its scope. */
function scopeFailure(consent: ConsentTerms, question: ConsentQuestion): ConsentCheck | null {
    const { record } = question;
    const scope: readonly [ConsentCheck, boolean][] = [
        ['grantee', consent.grantee === question.requester],
        ['patient', consent.patientId === record.patientId],
        ['purpose', (consent.purposes as readonly string[]).includes(question.purpose)],
        ['custodian', consent.custodians.includes(WILDCARD) || consent.custodians.includes(record.custodian)],
        ['record', consent.recordIds === null || consent.recordIds.includes(record.recordId)],
    ];
    return scope.find(([, passed]) => !passed)?.[0] ?? null;
}

const RECHECK_FAILURES: Readonly<Record<ConsentVerdict, ConsentCheck | null>> = {
    CONSENT: null,
    NO_CONSENT: null,
    SENSITIVE_CATEGORY: 'category',
    CONSENT_REVOKED: 'status',
    CONSENT_NOT_YET_VALID: 'window',
    CONSENT_EXPIRED: 'window',
};

/**
 * Evaluates one consent against a request at an instant, saying which check failed: scope first (grantee,
 * patient, purpose, custodian, record), then the category, then status, then the window.
 * @param consent - the consent's terms and status
 * @param question - requester, purpose and record
 * @param now - transaction time, milliseconds since the epoch
 * @returns `CONSENT` with no failed check when it covers, otherwise the reason and the first failed check
 */
export function assessConsent(consent: ConsentTerms, question: ConsentQuestion, now: number): ConsentAssessment {
    const scope = scopeFailure(consent, question);
    if (scope !== null) {
        return { verdict: Reasons.NO_CONSENT, failed: scope };
    }
    const category = categoryVerdict(consent, question.record);
    if (category !== Reasons.CONSENT) {
        return { verdict: category, failed: 'category' };
    }
    const verdict = recheckConsent(consent, now);
    return { verdict, failed: RECHECK_FAILURES[verdict] };
}

/**
 * Evaluates one consent against a request at an instant.
 * @param consent - the consent's terms and status
 * @param question - requester, purpose and record
 * @param now - transaction time, milliseconds since the epoch
 * @returns `CONSENT` when it covers, otherwise the reason it does not
 */
export function evaluateConsent(consent: ConsentTerms, question: ConsentQuestion, now: number): ConsentVerdict {
    return assessConsent(consent, question, now).verdict;
}

/** The best consent for a request: the covering one, else the one that came closest. */
export interface ConsentMatch {
    readonly verdict: ConsentVerdict;
    /** Null when no consent came closer than out of scope. */
    readonly consentId: string | null;
    /** Every consent examined, in the order examined, with its own verdict. */
    readonly assessed: readonly (ConsentAssessment & { readonly consentId: string })[];
}

/**
 * Finds the consent that covers a request, or the one that came closest. Consents are examined in the
 * given order (key order from the ledger); among equally close ones the first wins.
 * @param consents - the patient's consents naming the requester
 * @param question - requester, purpose and record
 * @param now - transaction time, milliseconds since the epoch
 * @returns the verdict and the consent it rests on
 */
export function matchConsent(consents: readonly ConsentTerms[], question: ConsentQuestion, now: number): ConsentMatch {
    let best: { verdict: ConsentVerdict; consentId: string | null } = { verdict: Reasons.NO_CONSENT, consentId: null };
    const assessed = consents.map((consent) => ({
        consentId: consent.consentId,
        ...assessConsent(consent, question, now),
    }));
    for (const { consentId, verdict } of assessed) {
        if (VerdictRank[verdict] > VerdictRank[best.verdict]) {
            best = { verdict, consentId };
        }
    }
    return { ...best, assessed };
}

/**
 * The verdict on a grant's consent at delivery time: scope cannot change after signing, so only
 * revocation and the window are re-checked.
 * @param consent - the consent the grant rests on, null if it vanished
 * @param now - delivery transaction time, milliseconds since the epoch
 * @returns `CONSENT` when still valid, otherwise the reason
 */
export function recheckConsent(consent: ConsentTerms | null, now: number): ConsentVerdict {
    if (consent === null) {
        return Reasons.NO_CONSENT;
    }
    if (consent.status !== 'active') {
        return Reasons.CONSENT_REVOKED;
    }
    const window = checkWindow(consent, now);
    if (window === 'before') {
        return Reasons.CONSENT_NOT_YET_VALID;
    }
    return window === 'after' ? Reasons.CONSENT_EXPIRED : Reasons.CONSENT;
}
