// SPDX-License-Identifier: Apache-2.0
/**
 * The access decision (docs/design.md "Access decision"), evaluated at the transaction's timestamp; the first
 * failure wins: requester active and of a type allowed the purpose → record exists and custodian active → for
 * EMERGENCY (a hospital, with a justification) a non-sensitive record is GRANTED_EMERGENCY → otherwise a
 * consent covers the request → otherwise DENIED with the most telling reason.
 */
import type { Organization } from '../protocol/state';
import { isSensitive, Reasons } from '../protocol/vocabulary';
import type { Decision, Purpose, Reason } from '../protocol/vocabulary';
import { matchConsent } from './consent';
import type { ConsentTerms, RecordFacts } from './consent';
import { isPurposePermitted } from './purposes';

/** Everything the decision reads, gathered by the contract from committed state. */
export interface AccessFacts {
    readonly requester: Pick<Organization, 'mspId' | 'type' | 'status'>;
    readonly purpose: Purpose;
    /** Required for EMERGENCY; null otherwise. */
    readonly justification: string | null;
    /** Null when no record has the requested id. */
    readonly record: RecordFacts | null;
    /** The record's custodian; null when the record or the organisation is missing. */
    readonly custodian: Pick<Organization, 'status'> | null;
    /** The patient's consents naming the requester, in key order. */
    readonly consents: readonly ConsentTerms[];
    /** Transaction time, milliseconds since the epoch. */
    readonly now: number;
}

/** The decision, its reason code and the consent it rests on (or that came closest). */
export interface AccessOutcome {
    readonly decision: Decision;
    readonly reason: Reason;
    readonly consentId: string | null;
}

function denied(reason: Reason, consentId: string | null = null): AccessOutcome {
    return { decision: 'DENIED', reason, consentId };
}

function preconditionFailure(facts: AccessFacts): Reason | null {
    if (facts.requester.status !== 'active') {
        return Reasons.ORG_NOT_ACTIVE;
    }
    if (!isPurposePermitted(facts.requester.type, facts.purpose)) {
        return Reasons.PURPOSE_NOT_PERMITTED;
    }
    if (facts.record === null) {
        return Reasons.RECORD_NOT_FOUND;
    }
    return facts.custodian?.status === 'active' ? null : Reasons.CUSTODIAN_NOT_ACTIVE;
}

function decideEmergency(facts: AccessFacts, record: RecordFacts): AccessOutcome {
    if (isSensitive(record.category)) {
        return denied(Reasons.SENSITIVE_CATEGORY);
    }
    // The purpose check above already limits EMERGENCY to hospitals; a missing justification is no grant.
    if (facts.justification === null || facts.justification.trim() === '') {
        return denied(Reasons.NO_CONSENT);
    }
    return { decision: 'GRANTED_EMERGENCY', reason: Reasons.EMERGENCY, consentId: null };
}

/**
 * Decides an access request.
 * @param facts - requester, purpose, record, custodian, consents and the transaction time
 * @returns the decision with its reason code and consent id
 */
export function decideAccess(facts: AccessFacts): AccessOutcome {
    const failure = preconditionFailure(facts);
    if (failure !== null || facts.record === null) {
        return denied(failure ?? Reasons.RECORD_NOT_FOUND);
    }
    if (facts.purpose === 'EMERGENCY') {
        // EMERGENCY is never grantable by consent, so no consent can cover it.
        return decideEmergency(facts, facts.record);
    }
    const question = { requester: facts.requester.mspId, purpose: facts.purpose, record: facts.record };
    const match = matchConsent(facts.consents, question, facts.now);
    if (match.verdict === Reasons.CONSENT) {
        return { decision: 'GRANTED', reason: Reasons.CONSENT, consentId: match.consentId };
    }
    return denied(match.verdict, match.consentId);
}
