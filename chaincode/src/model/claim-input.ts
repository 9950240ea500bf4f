// SPDX-License-Identifier: Apache-2.0
/** Arguments of the claim contract. */
import { invalid } from '../errors';
import { parseObjectArgument } from './input';
import {
    readEnum,
    readId,
    readList,
    readMspId,
    readObject,
    readPatientId,
    readString,
    readText,
} from '../protocol/input';
import type { Amount } from '../protocol/state';
import { ClaimDecisions } from '../protocol/vocabulary';
import type { ClaimDecision } from '../protocol/vocabulary';

/** Most supporting records of one claim. */
export const MAX_CLAIM_RECORDS = 50;
/** Largest amount accepted (in currency units). */
export const MAX_AMOUNT = 1_000_000_000;
/** Positive decimal with at most two fraction digits, as ECMAScript prints it (no exponent). */
const AMOUNT_TEXT = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/;
/** ISO 4217 alphabetic code. */
const CURRENCY = /^[A-Z]{3}$/;

/** A claim as submitted. */
export interface ClaimSubmission {
    readonly patientId: string;
    readonly insurer: string;
    /** The claimant's own identifier of the billed service (visit or encounter number), a ledger id. */
    readonly serviceId: string;
    readonly recordIds: string[];
    readonly amount: Amount;
}

function readAmount(value: unknown): Amount {
    const amount = readObject(value, 'amount', ['value', 'currency']);
    const number = amount.value;
    if (typeof number !== 'number' || !AMOUNT_TEXT.test(String(number)) || number <= 0 || number > MAX_AMOUNT) {
        invalid(`amount.value must be a number above 0 and at most ${MAX_AMOUNT}, with at most 2 decimals`);
    }
    return { value: number, currency: readString(amount.currency, 'amount.currency', 3, CURRENCY) };
}

/**
 * Reads `{patientId, insurer, serviceId, recordIds, amount: {value, currency}}`.
 * @param raw - argument text
 * @returns the submission
 * @throws INVALID_INPUT when malformed, repeated or too many records, or an unacceptable amount
 */
export function readClaimSubmission(raw: string): ClaimSubmission {
    return toClaimSubmission(parseObjectArgument(raw, 'claim', CLAIM_FIELDS));
}

const CLAIM_FIELDS = ['patientId', 'insurer', 'serviceId', 'recordIds', 'amount'] as const;

/**
 * Reads a claim submission from a parsed object (the gateway's HTTP body): the same rules as on the ledger.
 * @param value - the parsed object
 * @returns the submission
 * @throws INVALID_INPUT as {@link readClaimSubmission}
 */
export function toClaimSubmission(value: unknown): ClaimSubmission {
    const args = readObject(value, 'claim', CLAIM_FIELDS);
    return {
        patientId: readPatientId(args.patientId, 'patientId'),
        insurer: readMspId(args.insurer, 'insurer'),
        serviceId: readId(args.serviceId, 'serviceId'),
        recordIds: readList(args.recordIds, 'recordIds', { min: 1, max: MAX_CLAIM_RECORDS }, readId),
        amount: readAmount(args.amount),
    };
}

/** An insurer's decision on a claim. */
export interface ClaimDecisionRequest {
    readonly claimId: string;
    readonly decision: ClaimDecision;
    readonly reason: string;
}

/**
 * Reads `{claimId, decision: "approved" | "rejected", reason}`.
 * @param raw - argument text
 * @returns the decision
 * @throws INVALID_INPUT when malformed or an unknown decision
 */
export function readClaimDecision(raw: string): ClaimDecisionRequest {
    const args = parseObjectArgument(raw, 'decision', ['claimId', 'decision', 'reason']);
    return {
        claimId: readId(args.claimId, 'claimId'),
        decision: readEnum(args.decision, 'decision', ClaimDecisions),
        reason: readText(args.reason, 'reason', 500),
    };
}
