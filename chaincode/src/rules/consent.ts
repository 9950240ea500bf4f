// SPDX-License-Identifier: Apache-2.0
/**
 * Does one consent cover one request at one instant? Scope first (requester, patient, purpose, category,
 * custodian, record), then status (revoked), then the time window; the first failure is the answer.
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

function categoryVerdict(consent: ConsentTerms, record: RecordFacts): ConsentVerdict {
    if (consent.categories.includes(record.category)) {
        return Reasons.CONSENT;
    }
    if (!consent.categories.includes(WILDCARD)) {
        return Reasons.NO_CONSENT;
    }
    return isSensitive(record.category) ? Reasons.SENSITIVE_CATEGORY : Reasons.CONSENT;
}

function isInScope(consent: ConsentTerms, question: ConsentQuestion): boolean {
    const { record } = question;
    const custodianCovered = consent.custodians.includes(WILDCARD) || consent.custodians.includes(record.custodian);
    const recordCovered = consent.recordIds === null || consent.recordIds.includes(record.recordId);
    return (
        consent.grantee === question.requester &&
        consent.patientId === record.patientId &&
        (consent.purposes as readonly string[]).includes(question.purpose) &&
        custodianCovered &&
        recordCovered
    );
}

/**
 * Evaluates one consent against a request at an instant.
 * @param consent - the consent's terms and status
 * @param question - requester, purpose and record
 * @param now - transaction time, milliseconds since the epoch
 * @returns `CONSENT` when it covers, otherwise the reason it does not
 */
export function evaluateConsent(consent: ConsentTerms, question: ConsentQuestion, now: number): ConsentVerdict {
    if (!isInScope(consent, question)) {
        return Reasons.NO_CONSENT;
    }
    const category = categoryVerdict(consent, question.record);
    return category === Reasons.CONSENT ? recheckConsent(consent, now) : category;
}

/** The best consent for a request: the covering one, else the one that came closest. */
export interface ConsentMatch {
    readonly verdict: ConsentVerdict;
    /** Null when no consent came closer than out of scope. */
    readonly consentId: string | null;
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
    let best: ConsentMatch = { verdict: Reasons.NO_CONSENT, consentId: null };
    for (const consent of consents) {
        const verdict = evaluateConsent(consent, question, now);
        if (VerdictRank[verdict] > VerdictRank[best.verdict]) {
            best = { verdict, consentId: consent.consentId };
        }
    }
    return best;
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
