// SPDX-License-Identifier: Apache-2.0
/**
 * Claim rules (docs/design.md "Claim", "Who may see what"): a hospital claims only on its own records of the
 * claim's patient, with the patient's active PAYMENT consent for that insurer naming the hospital explicitly as
 * custodian; a service, and a record through all its versions, backs at most one open or approved claim
 * across all insurers.
 */
import { ChaincodeError, ErrorCodes } from '../errors';
import type { ClaimDecision, ClaimStatus } from '../protocol/vocabulary';
import type { ConsentTerms, RecordFacts } from './consent';
import { checkWindow } from './time';

/** One supporting record as found on the ledger, with the claim it already backs, if any. */
export interface SupportingRecord {
    readonly recordId: string;
    /** Null when no record has this id. */
    readonly record: RecordFacts | null;
    /** The open or approved claim this record, or another version of it, backs; or null. */
    readonly backingClaimId: string | null;
}

/**
 * Is this consent the patient's active PAYMENT consent for the insurer that names the claimant explicitly (a
 * `*` custodian does not count: the patient must have named the hospital that bills)?
 * @param consent - one of the patient's consents naming the insurer
 * @param claimant - the hospital that claims
 * @param now - transaction time, milliseconds since the epoch
 */
export function isPaymentConsentFor(consent: ConsentTerms, claimant: string, now: number): boolean {
    return (
        consent.status === 'active' &&
        consent.purposes.includes('PAYMENT') &&
        consent.custodians.includes(claimant) &&
        checkWindow(consent, now) === 'inside'
    );
}

/**
 * Requires the patient's consent to the claim.
 * @param consents - the patient's consents naming the insurer
 * @param insurer - the insurer claimed from
 * @param claimant - the hospital that claims
 * @param now - transaction time
 * @throws CONSENT_REQUIRED when none is an active PAYMENT consent naming the claimant
 */
export function assertPaymentConsent(
    consents: readonly ConsentTerms[],
    insurer: string,
    claimant: string,
    now: number,
): void {
    const found = consents.some(
        (consent) => consent.grantee === insurer && isPaymentConsentFor(consent, claimant, now),
    );
    if (!found) {
        throw new ChaincodeError(
            ErrorCodes.CONSENT_REQUIRED,
            `the patient has no active PAYMENT consent for ${insurer} naming ${claimant} as custodian`,
        );
    }
}

/**
 * Requires a service not to back an open or approved claim already.
 * @param serviceId - the claimant's service id
 * @param backingClaimId - the claim that bills it, or null
 * @throws DUPLICATE_CLAIM when it does
 */
export function assertServiceFree(serviceId: string, backingClaimId: string | null): void {
    if (backingClaimId !== null) {
        throw new ChaincodeError(
            ErrorCodes.DUPLICATE_CLAIM,
            `service ${serviceId} already backs claim ${backingClaimId}`,
        );
    }
}

/**
 * Checks the supporting records of a new claim.
 * @param claimant - the submitting hospital
 * @param patientId - the claim's patient
 * @param records - each supporting record with its current backing claim
 * @throws NOT_FOUND when a record does not exist
 * @throws FORBIDDEN when a record is another custodian's
 * @throws INVALID_INPUT when a record is another patient's
 * @throws DUPLICATE_CLAIM when a record already backs an open or approved claim
 */
export function assertClaimRecords(claimant: string, patientId: string, records: readonly SupportingRecord[]): void {
    for (const { recordId, record, backingClaimId } of records) {
        if (record === null) {
            throw new ChaincodeError(ErrorCodes.NOT_FOUND, `record ${recordId} does not exist`);
        }
        if (record.custodian !== claimant) {
            throw new ChaincodeError(ErrorCodes.FORBIDDEN, `record ${recordId} is not held by ${claimant}`);
        }
        if (record.patientId !== patientId) {
            throw new ChaincodeError(ErrorCodes.INVALID_INPUT, `record ${recordId} belongs to another patient`);
        }
        if (backingClaimId !== null) {
            throw new ChaincodeError(
                ErrorCodes.DUPLICATE_CLAIM,
                `record ${recordId} already backs claim ${backingClaimId}`,
            );
        }
    }
}

/**
 * The status after an insurer's decision; only a submitted claim can be decided.
 * @param status - the claim's current status
 * @param decision - the insurer's decision
 * @returns the new status
 * @throws CONFLICT when the claim was already decided
 */
export function decideClaimStatus(status: ClaimStatus, decision: ClaimDecision): ClaimStatus {
    if (status !== 'submitted') {
        throw new ChaincodeError(ErrorCodes.CONFLICT, `claim is already ${status}`);
    }
    return decision;
}

/**
 * Does a claim in this status still hold its records (so they cannot back another claim)?
 * @param status - claim status
 * @returns true for submitted and approved claims
 */
export function holdsRecords(status: ClaimStatus): boolean {
    return status !== 'rejected';
}
