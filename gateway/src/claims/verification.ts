// SPDX-License-Identifier: Apache-2.0
/**
 * Claim verification (docs/api.md "Claims", `POST /claims/{claimId}/verify`): the insurer fetches every
 * supporting record under PAYMENT through the custody fetcher, which checks each record's salted hash
 * against the ledger (docs/design.md "Delivery"), and the claim is `verified` only when every record arrived
 * and matched.
 */
import type { RecordFetcher } from '../app';
import { ApiError } from '../errors';
import type { Claim } from '../ledger/contracts';

/** One supporting record's check in a claim verification. */
export interface ClaimCheck {
    readonly recordId: string;
    /** The access decision (`GRANTED`, `DENIED`), or `ERROR` when the record could not be fetched. */
    readonly decision: string;
    /** The decision's reason code, or the error code. */
    readonly reason: string;
    /** Whether content was received and matched the ledger's salted hash. */
    readonly hashOk: boolean;
    readonly accessId: string | null;
}

/** The verdict on a claim: every record arrived and matched its hash, or not. */
export type ClaimVerdict = 'verified' | 'unverifiable';

/** The result of verifying a claim. */
export interface ClaimVerification {
    readonly claimId: string;
    readonly checks: readonly ClaimCheck[];
    readonly verdict: ClaimVerdict;
}

/**
 * Fetches one supporting record under PAYMENT and reports what happened; only a ledger outage (or an
 * error that is not an `ApiError`) aborts.
 * @param fetcher - the custody fetcher
 * @param recordId - the record
 * @throws ApiError LEDGER_UNAVAILABLE
 */
export async function checkRecord(fetcher: RecordFetcher, recordId: string): Promise<ClaimCheck> {
    try {
        const fetched = await fetcher.fetch({ recordId, purpose: 'PAYMENT' });
        return { recordId, decision: 'GRANTED', reason: 'CONSENT', hashOk: true, accessId: fetched.accessId };
    } catch (error) {
        if (!(error instanceof ApiError) || error.code === 'LEDGER_UNAVAILABLE') {
            throw error;
        }
        const accessId = typeof error.extra.accessId === 'string' ? error.extra.accessId : null;
        if (error.code === 'ACCESS_DENIED') {
            const reason = typeof error.extra.reason === 'string' ? error.extra.reason : 'ACCESS_DENIED';
            return { recordId, decision: 'DENIED', reason, hashOk: false, accessId };
        }
        return { recordId, decision: 'ERROR', reason: error.code, hashOk: false, accessId };
    }
}

/**
 * The verdict of a set of checks: `verified` when every record arrived and matched its hash.
 * @param checks - one check per supporting record
 */
export function toVerdict(checks: readonly ClaimCheck[]): ClaimVerdict {
    return checks.every((check) => check.hashOk) ? 'verified' : 'unverifiable';
}

/**
 * Verifies a claim: fetches its supporting records one after another (each fetch is an access request
 * recorded on the ledger) and gives the verdict.
 * @param fetcher - the custody fetcher
 * @param claim - the claim, already known to be addressed to this insurer
 * @throws ApiError LEDGER_UNAVAILABLE
 */
export async function verifyClaim(fetcher: RecordFetcher, claim: Claim): Promise<ClaimVerification> {
    const checks: ClaimCheck[] = [];
    for (const recordId of claim.recordIds) {
        checks.push(await checkRecord(fetcher, recordId));
    }
    return { claimId: claim.claimId, checks, verdict: toVerdict(checks) };
}
