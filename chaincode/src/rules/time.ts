// SPDX-License-Identifier: Apache-2.0
/**
 * Time rules of grants, deliveries and consent windows. Every instant is the transaction timestamp, read once
 * by the contract and passed in; ISO strings in the fixed `toISOString` form compare correctly as text and as
 * milliseconds. How long a patient's signature stays good is the protocol's (`protocol/payload-time.ts`).
 */

/** A grant serves one delivery within this lifetime after its request (docs/design.md "Time"). */
export const GRANT_LIFETIME_MS = 5 * 60 * 1000;
/** The custodian's default tolerance between a grant's timestamp and its own delivery time. */
export const GRANT_DEFAULT_MAX_SKEW_MS = 2 * 60 * 1000;

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
