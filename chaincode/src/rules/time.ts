// SPDX-License-Identifier: Apache-2.0
/**
 * Time rules. Every instant is the transaction timestamp, read once by the contract and passed in; ISO
 * strings in the fixed `toISOString` form compare correctly as text and as milliseconds.
 */

/** A grant serves one delivery within this lifetime after its request (docs/design.md "Time"). */
export const GRANT_LIFETIME_MS = 5 * 60 * 1000;
/** The custodian's default tolerance between a grant's timestamp and its own delivery time. */
export const GRANT_DEFAULT_MAX_SKEW_MS = 2 * 60 * 1000;
/** A patient's signed query is valid for this long after its `issuedAt` (docs/api.md "Patient queries"). */
export const QUERY_MAX_AGE_MS = 2 * 60 * 1000;
/** A patient's signed query may be dated at most this far after the transaction time (clock skew). */
export const QUERY_MAX_FUTURE_MS = 30 * 1000;
/** A signed payload's `issuedAt` may be at most this far after the transaction time (clock skew). */
export const ISSUED_AT_MAX_FUTURE_MS = 5 * 60 * 1000;
/** A signed payload's `issuedAt` may be at most this far before the transaction time (offline signing). */
export const ISSUED_AT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Outcome of {@link checkIssuedAt}. */
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
 * @param now - transaction time, milliseconds since the epoch
 * @returns `ok`, or why it is out of bounds
 */
export function checkQueryTime(issuedAt: string, now: number): IssuedAtCheck {
    const issued = Date.parse(issuedAt);
    if (issued > now + QUERY_MAX_FUTURE_MS) {
        return 'future';
    }
    return issued < now - QUERY_MAX_AGE_MS ? 'stale' : 'ok';
}

/**
 * Adds milliseconds to an ISO timestamp.
 * @param iso - ISO timestamp
 * @param millis - milliseconds to add
 * @returns the later ISO timestamp
 */
export function addMillis(iso: string, millis: number): string {
    return new Date(Date.parse(iso) + millis).toISOString();
}

/** Where an instant lies relative to a `[notBefore, notAfter)` window. */
export type WindowCheck = 'inside' | 'before' | 'after';

/**
 * Places an instant relative to a half-open window: valid from `notBefore` inclusive to `notAfter`
 * exclusive.
 * @param window - the window's ISO bounds
 * @param now - the instant, milliseconds since the epoch
 * @returns `inside`, `before` or `after`
 */
export function checkWindow(
    window: { readonly notBefore: string; readonly notAfter: string },
    now: number,
): WindowCheck {
    if (now < Date.parse(window.notBefore)) {
        return 'before';
    }
    return now >= Date.parse(window.notAfter) ? 'after' : 'inside';
}
