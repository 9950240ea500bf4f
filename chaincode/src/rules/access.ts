// SPDX-License-Identifier: Apache-2.0
/**
 * The access decision (docs/design.md "Access decision"), evaluated at the transaction's timestamp; the first
 * failure wins: requester active and of a type allowed the purpose → record exists and custodian active → for
 * EMERGENCY (a hospital, with a justification) a non-sensitive record is GRANTED_EMERGENCY → otherwise a
 * consent covers the request → otherwise DENIED with the most telling reason.
 *
 * The decision is made once, by {@link traceAccess}, which records every check in order as it goes: a real
 * request ({@link decideAccess}) and a dry run (`explainAccess`) therefore cannot disagree.
 */
import type { Organization } from '../protocol/state';
import { isSensitive, Reasons } from '../protocol/vocabulary';
import type { Decision, OrgStatus, OrgType, Purpose, Reason } from '../protocol/vocabulary';
import { matchConsent } from './consent';
import type { ConsentAssessment, ConsentTerms, RecordFacts } from './consent';
import { isPurposePermitted, PurposesByOrgType } from './purposes';

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

/** The checks of the decision order, each named once (docs/design.md "Access decision"). */
export const AccessChecks = {
    /** 1. The requester is active. */
    REQUESTER_ACTIVE: 'REQUESTER_ACTIVE',
    /** 2. Its organisation type may use the purpose. */
    PURPOSE_PERMITTED: 'PURPOSE_PERMITTED',
    /** 3. The record is anchored. */
    RECORD_EXISTS: 'RECORD_EXISTS',
    /** 4. The record's custodian is active. */
    CUSTODIAN_ACTIVE: 'CUSTODIAN_ACTIVE',
    /** 5 (EMERGENCY). The record is not in a sensitive category. */
    NOT_SENSITIVE: 'NOT_SENSITIVE',
    /** 5 (EMERGENCY). The request carries a justification. */
    JUSTIFIED: 'JUSTIFIED',
    /** 5 (other purposes). A consent of the patient covers the request. */
    CONSENT: 'CONSENT',
} as const;
/** One of {@link AccessChecks}. */
export type AccessCheck = (typeof AccessChecks)[keyof typeof AccessChecks];

/** How a check ended: `skipped` once an earlier check has failed (the first failure wins). */
export type StepResult = 'pass' | 'fail' | 'skipped';

/** What a check looked at: ids and closed-vocabulary codes only, never a record's category. */
export interface StepDetail {
    readonly mspId?: string;
    readonly status?: OrgStatus | null;
    readonly type?: OrgType;
    readonly purpose?: Purpose;
    readonly permitted?: readonly Purpose[];
    readonly recordId?: string;
    readonly sensitive?: boolean;
    readonly justified?: boolean;
    /** CONSENT: each of the patient's consents naming the requester, in the order examined. */
    readonly consents?: readonly (ConsentAssessment & { readonly consentId: string })[];
}

/** One check of the decision order. */
export interface AccessStep {
    readonly check: AccessCheck;
    readonly result: StepResult;
    /** The reason this check gives when it fails; null when it passed or was skipped. */
    readonly reason: Reason | null;
    readonly detail: StepDetail;
}

/** A decision with every check that made it, in order. */
export interface AccessTrace extends AccessOutcome {
    readonly steps: readonly AccessStep[];
}

/** What one check found: the reason it fails with (null when it passes), what it looked at, its consent. */
interface Finding {
    readonly reason: Reason | null;
    readonly detail: StepDetail;
    /** The consent check's covering consent, or the one that came closest. */
    readonly consentId?: string | null;
}

/** A check of the decision order; run only while every earlier check passed. */
interface Check {
    readonly check: AccessCheck;
    readonly run: (facts: AccessFacts) => Finding;
}

function finding(failed: boolean, reason: Reason, detail: StepDetail): Finding {
    return { reason: failed ? reason : null, detail };
}

/** A check that reads the record: without one, it fails as the record check does (which runs first). */
function onRecord(run: (facts: AccessFacts, record: RecordFacts) => Finding): (facts: AccessFacts) => Finding {
    return (facts) =>
        facts.record === null ? { reason: Reasons.RECORD_NOT_FOUND, detail: {} } : run(facts, facts.record);
}

const PRECONDITIONS: readonly Check[] = [
    {
        check: AccessChecks.REQUESTER_ACTIVE,
        run: ({ requester }) => {
            const detail = { mspId: requester.mspId, status: requester.status };
            return finding(requester.status !== 'active', Reasons.ORG_NOT_ACTIVE, detail);
        },
    },
    {
        check: AccessChecks.PURPOSE_PERMITTED,
        run: ({ requester, purpose }) => {
            const detail = { type: requester.type, purpose, permitted: PurposesByOrgType[requester.type] };
            return finding(!isPurposePermitted(requester.type, purpose), Reasons.PURPOSE_NOT_PERMITTED, detail);
        },
    },
    {
        check: AccessChecks.RECORD_EXISTS,
        run: onRecord((_facts, record) => ({ reason: null, detail: { recordId: record.recordId } })),
    },
    {
        check: AccessChecks.CUSTODIAN_ACTIVE,
        run: onRecord(({ custodian }, record) => {
            const detail = { mspId: record.custodian, status: custodian?.status ?? null };
            return finding(custodian?.status !== 'active', Reasons.CUSTODIAN_NOT_ACTIVE, detail);
        }),
    },
];

const EMERGENCY_CHECKS: readonly Check[] = [
    {
        check: AccessChecks.NOT_SENSITIVE,
        run: onRecord((_facts, record) => {
            const sensitive = isSensitive(record.category);
            return finding(sensitive, Reasons.SENSITIVE_CATEGORY, { sensitive });
        }),
    },
    {
        // The purpose check already limits EMERGENCY to hospitals; a missing justification is no grant.
        check: AccessChecks.JUSTIFIED,
        run: ({ justification }) => {
            const justified = justification !== null && justification.trim() !== '';
            return finding(!justified, Reasons.NO_CONSENT, { justified });
        },
    },
];

const CONSENT_CHECK: Check = {
    check: AccessChecks.CONSENT,
    run: onRecord((facts, record) => {
        const question = { requester: facts.requester.mspId, purpose: facts.purpose, record };
        const match = matchConsent(facts.consents, question, facts.now);
        const reason = match.verdict === Reasons.CONSENT ? null : match.verdict;
        return { reason, detail: { consents: match.assessed }, consentId: match.consentId };
    }),
};

/**
 * Decides an access request and records every check of the decision order, in order; the checks after the
 * first failure are `skipped`. EMERGENCY is never grantable by consent, so its last checks are its own.
 * @param facts - requester, purpose, record, custodian, consents and the transaction time
 * @returns the decision with its reason code and consent id, and the steps that made it
 */
export function traceAccess(facts: AccessFacts): AccessTrace {
    const isEmergency = facts.purpose === 'EMERGENCY';
    const checks = [...PRECONDITIONS, ...(isEmergency ? EMERGENCY_CHECKS : [CONSENT_CHECK])];
    const steps: AccessStep[] = [];
    let failed: Reason | null = null;
    let consentId: string | null = null;
    for (const { check, run } of checks) {
        if (failed !== null) {
            steps.push({ check, result: 'skipped', reason: null, detail: {} });
            continue;
        }
        const { reason, detail, consentId: basis } = run(facts);
        consentId = basis ?? consentId;
        steps.push({ check, result: reason === null ? 'pass' : 'fail', reason, detail });
        failed = reason;
    }
    return { ...toOutcome(failed, isEmergency, consentId), steps };
}

function toOutcome(reason: Reason | null, isEmergency: boolean, consentId: string | null): AccessOutcome {
    if (reason !== null) {
        return { decision: 'DENIED', reason, consentId };
    }
    if (isEmergency) {
        return { decision: 'GRANTED_EMERGENCY', reason: Reasons.EMERGENCY, consentId: null };
    }
    return { decision: 'GRANTED', reason: Reasons.CONSENT, consentId };
}

/**
 * Decides an access request.
 * @param facts - requester, purpose, record, custodian, consents and the transaction time
 * @returns the decision with its reason code and consent id
 */
export function decideAccess(facts: AccessFacts): AccessOutcome {
    const { decision, reason, consentId } = traceAccess(facts);
    return { decision, reason, consentId };
}
