// SPDX-License-Identifier: Apache-2.0
/**
 * The delivery check, run in the custodian's own transaction at the custodian's own clock (docs/design.md
 * "Delivery", "Time"). Some failures reject the call and must write nothing (wrong caller, not a grant,
 * already used); the others refuse the delivery and are recorded on the access event.
 */
import type { ErrorCode } from '../errors';
import { ErrorCodes } from '../errors';
import type { AccessEvent, Organization } from '../protocol/state';
import { Reasons } from '../protocol/vocabulary';
import type { Reason } from '../protocol/vocabulary';
import type { DeliveryPresenter } from '../model/access-input';
import { recheckConsent } from './consent';
import type { ConsentTerms } from './consent';

/** Everything the delivery check reads. */
export interface DeliveryFacts {
    /** The delivering organisation (the caller). */
    readonly caller: string;
    readonly event: Pick<
        AccessEvent,
        'custodian' | 'recordId' | 'requester' | 'decision' | 'requestedAt' | 'expiresAt' | 'delivery'
    >;
    /** The consent the grant rests on; null for an emergency grant or when it is missing. */
    readonly consent: ConsentTerms | null;
    /** The requester now; null when it is no longer registered. */
    readonly requester: Pick<Organization, 'status' | 'tlsCertSha256'> | null;
    /** Who asked the custodian, as far as its gateway says (each field null when it does not say). */
    readonly presenter: DeliveryPresenter;
    /** Delivery transaction time, milliseconds since the epoch. */
    readonly now: number;
    /** The custodian's tolerance between the grant's timestamp and its own clock, milliseconds. */
    readonly maxSkewMs: number;
}

/** Outcome: deliver, refuse (recorded), or reject (thrown, nothing written). */
export type DeliveryOutcome =
    | { readonly kind: 'deliver' }
    | { readonly kind: 'refuse'; readonly reason: Reason }
    | { readonly kind: 'reject'; readonly code: ErrorCode; readonly detail: string };

/** Why the one who asked the custodian is not the grant's requester asking for its record, if it is not. */
function presenterMismatch(facts: DeliveryFacts): string | null {
    const { event, presenter, requester } = facts;
    if (presenter.recordId !== null && presenter.recordId !== event.recordId) {
        return 'the grant is for another record';
    }
    if (presenter.requester !== null && presenter.requester !== event.requester) {
        return 'the grant is another organisation’s';
    }
    const pinned = requester?.tlsCertSha256;
    if (presenter.requesterCertSha256 !== null && presenter.requesterCertSha256 !== pinned) {
        return 'the client certificate is not the one the requester registered';
    }
    return null;
}

function rejection(facts: DeliveryFacts): DeliveryOutcome | null {
    const { event } = facts;
    if (event.custodian !== facts.caller) {
        return { kind: 'reject', code: ErrorCodes.FORBIDDEN, detail: 'only the custodian delivers a grant' };
    }
    const mismatch = presenterMismatch(facts);
    if (mismatch !== null) {
        return { kind: 'reject', code: ErrorCodes.FORBIDDEN, detail: mismatch };
    }
    if (event.decision === 'DENIED') {
        return { kind: 'reject', code: ErrorCodes.ACCESS_DENIED, detail: 'the access was denied' };
    }
    if (event.delivery !== null) {
        return { kind: 'reject', code: ErrorCodes.CONFLICT, detail: 'the grant was already used' };
    }
    return null;
}

function timeRefusal(facts: DeliveryFacts): Reason | null {
    const { event, now } = facts;
    // The grant carries the requester's clock; the custodian's clock is the one trusted here, and its
    // refusal is recorded like every other (docs/design.md "Time").
    const requested = Date.parse(event.requestedAt);
    if (event.expiresAt === null || now >= Date.parse(event.expiresAt)) {
        return Reasons.GRANT_EXPIRED;
    }
    if (Math.abs(now - requested) > facts.maxSkewMs) {
        return Reasons.GRANT_CLOCK_SKEW;
    }
    if (requested > now) {
        return Reasons.GRANT_IN_FUTURE;
    }
    return facts.requester?.status === 'active' ? null : Reasons.ORG_NOT_ACTIVE;
}

/**
 * Checks a delivery of a grant.
 * @param facts - caller, access event, consent, requester and the delivery time
 * @returns deliver, a recorded refusal with its reason, or a rejection with its error code
 */
export function checkDelivery(facts: DeliveryFacts): DeliveryOutcome {
    const rejected = rejection(facts);
    if (rejected !== null) {
        return rejected;
    }
    const refusal = timeRefusal(facts);
    if (refusal !== null) {
        return { kind: 'refuse', reason: refusal };
    }
    if (facts.event.decision === 'GRANTED') {
        const verdict = recheckConsent(facts.consent, facts.now);
        if (verdict !== Reasons.CONSENT) {
            return { kind: 'refuse', reason: verdict };
        }
    }
    return { kind: 'deliver' };
}
