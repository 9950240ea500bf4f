// SPDX-License-Identifier: Apache-2.0
/**
 * How long a patient's signature stays good (docs/design.md "Time"). A registration, grant or revocation may
 * be signed offline and submitted later; a query is accepted only briefly. The chaincode judges `issuedAt`
 * against the transaction time and the gateway judges a query against its own clock as well, both with these
 * rules. ISO strings in the fixed `toISOString` form compare correctly as milliseconds.
 */

/** A patient's signed query is valid for this long after its `issuedAt` (docs/api.md "Patient queries"). */
export const QUERY_MAX_AGE_MS = 2 * 60 * 1000;
/** A patient's signed query may be dated at most this far after the transaction time (clock skew). */
export const QUERY_MAX_FUTURE_MS = 30 * 1000;
/** A signed payload's `issuedAt` may be at most this far after the transaction time (clock skew). */
export const ISSUED_AT_MAX_FUTURE_MS = 5 * 60 * 1000;
/** A signed payload's `issuedAt` may be at most this far before the transaction time (offline signing). */
export const ISSUED_AT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Outcome of {@link checkIssuedAt} and {@link checkQueryTime}. */
export type IssuedAtCheck = 'ok' | 'future' | 'stale';

/**
 * Bounds a signed payload's `issuedAt` against the transaction time.
 * @param issuedAt - ISO timestamp from the payload
 * @param now - transaction time, milliseconds since the epoch
 * @returns `ok`, or why it is out of bounds
 */
export function checkIssuedAt(issuedAt: string, now: number): IssuedAtCheck {
    const issued = Date.parse(issuedAt);
    if (issued > now + ISSUED_AT_MAX_FUTURE_MS) {
        return 'future';
    }
    return issued < now - ISSUED_AT_MAX_AGE_MS ? 'stale' : 'ok';
}

/**
 * Is a signed query's `issuedAt` inside its validity window at an instant: at most two minutes old and at
 * most 30 seconds ahead?
 * @param issuedAt - ISO timestamp from the query
 * @param now - transaction time (or the gateway's clock), milliseconds since the epoch
 * @returns `ok`, or why it is out of bounds
 */
export function checkQueryTime(issuedAt: string, now: number): IssuedAtCheck {
    const issued = Date.parse(issuedAt);
    if (issued > now + QUERY_MAX_FUTURE_MS) {
        return 'future';
    }
    return issued < now - QUERY_MAX_AGE_MS ? 'stale' : 'ok';
}
