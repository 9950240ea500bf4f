// SPDX-License-Identifier: Apache-2.0
/**
 * Claim rules: a hospital claims only on its own records of the claim's patient, and a record backs at
 * most one open or approved claim across all insurers (DESIGN.md "Claim").
 */
import { ChaincodeError, ErrorCodes } from '../errors';
import type { ClaimDecision, ClaimStatus } from '../model/vocabulary';
import type { RecordFacts } from './consent';

/** One supporting record as found on the ledger, with the claim it already backs, if any. */
export interface SupportingRecord {
    readonly recordId: string;
    /** Null when no record has this id. */
    readonly record: RecordFacts | null;
    /** The open or approved claim this record backs, or null. */
    readonly backingClaimId: string | null;
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
