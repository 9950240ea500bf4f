// SPDX-License-Identifier: Apache-2.0
/** Arguments of the access contract. */
import { invalid } from '../errors';
import { GRANT_DEFAULT_MAX_SKEW_MS, GRANT_LIFETIME_MS } from '../rules/time';
import { parseObjectArgument, SHA256_HEX_PATTERN } from './input';
import { readEnum, readId, readMspId, readString, readText } from '../protocol/input';
import type { JsonObject } from '../protocol/input';
import { Purposes, Verdicts } from '../protocol/vocabulary';
import type { Purpose, Verdict } from '../protocol/vocabulary';

/** Longest justification or review note. Free text: gateways must keep personal data out of it. */
export const MAX_NOTE_LENGTH = 500;

/** An access request. */
export interface AccessRequest {
    readonly recordId: string;
    readonly purpose: Purpose;
    /** Required with EMERGENCY, refused otherwise. */
    readonly justification: string | null;
}

/**
 * Reads `{recordId, purpose, justification?}`.
 * @param raw - argument text
 * @returns the request
 * @throws INVALID_INPUT when malformed, an unknown purpose, EMERGENCY without a justification, or a
 *   justification with another purpose
 */
export function readAccessRequest(raw: string): AccessRequest {
    const args = parseObjectArgument(raw, 'request', ['recordId', 'purpose'], ['justification']);
    const purpose = readEnum(args.purpose, 'purpose', Purposes);
    const hasJustification = args.justification !== undefined;
    if (hasJustification !== (purpose === 'EMERGENCY')) {
        invalid('justification is required with EMERGENCY and only with EMERGENCY');
    }
    return {
        recordId: readId(args.recordId, 'recordId'),
        purpose,
        justification: hasJustification ? readText(args.justification, 'justification', MAX_NOTE_LENGTH) : null,
    };
}

/**
 * Who asked the custodian for the content, as its gateway saw the mutual TLS connection: the record asked
 * for, the member whose TLS CA issued the client certificate, and the certificate's SHA-256. Each field given
 * must match the grant (and the requester's pinned certificate), or the delivery is rejected and nothing is
 * written, so a call by anyone but the requester can neither get the content nor use up its grant.
 */
export interface DeliveryPresenter {
    readonly recordId: string | null;
    readonly requester: string | null;
    readonly requesterCertSha256: string | null;
}

/** A delivery by the custodian. */
export interface DeliveryRequest extends DeliveryPresenter {
    readonly accessId: string;
    readonly contentHash: string;
    /** The custodian's tolerance between the grant's timestamp and its delivery time. */
    readonly maxSkewMs: number;
}

/** Smallest skew tolerance a custodian may set: one second. */
const MIN_SKEW_MS = 1000;

function readMaxSkew(value: unknown): number {
    if (value === undefined) {
        return GRANT_DEFAULT_MAX_SKEW_MS;
    }
    if (!Number.isSafeInteger(value) || (value as number) < MIN_SKEW_MS || (value as number) > GRANT_LIFETIME_MS) {
        invalid(`maxSkewMs must be a whole number of milliseconds from ${MIN_SKEW_MS} to ${GRANT_LIFETIME_MS}`);
    }
    return value as number;
}

/**
 * Reads `{accessId, contentHash, maxSkewMs?, recordId?, requester?, requesterCertSha256?}`.
 * @param raw - argument text
 * @returns the request (`maxSkewMs` 2 minutes when absent; the presenter's fields null when absent)
 * @throws INVALID_INPUT when malformed
 */
export function readDeliveryRequest(raw: string): DeliveryRequest {
    const args = parseObjectArgument(
        raw,
        'delivery',
        ['accessId', 'contentHash'],
        ['maxSkewMs', 'recordId', 'requester', 'requesterCertSha256'],
    );
    return {
        accessId: readId(args.accessId, 'accessId'),
        contentHash: readString(args.contentHash, 'contentHash', 64, SHA256_HEX_PATTERN),
        maxSkewMs: readMaxSkew(args.maxSkewMs),
        recordId: args.recordId === undefined ? null : readId(args.recordId, 'recordId'),
        requester: args.requester === undefined ? null : readMspId(args.requester, 'requester'),
        requesterCertSha256:
            args.requesterCertSha256 === undefined
                ? null
                : readString(args.requesterCertSha256, 'requesterCertSha256', 64, SHA256_HEX_PATTERN),
    };
}

/** The commission's review of an emergency access. */
export interface ReviewRequest {
    readonly accessId: string;
    readonly verdict: Verdict;
    readonly note: string;
}

/**
 * Reads `{accessId, verdict, note}`.
 * @param raw - argument text
 * @returns the request
 * @throws INVALID_INPUT when malformed or an unknown verdict
 */
export function readReviewRequest(raw: string): ReviewRequest {
    const args = parseObjectArgument(raw, 'review', ['accessId', 'verdict', 'note']);
    return {
        accessId: readId(args.accessId, 'accessId'),
        verdict: readEnum(args.verdict, 'verdict', Verdicts),
        note: readText(args.note, 'note', MAX_NOTE_LENGTH),
    };
}

/** What a dry run of the access decision is asked: which requester and purpose, when not every one. */
export interface ExplainSelection {
    /** One requester's rows and trace; null for every active organisation. */
    readonly requester: string | null;
    /** One purpose's rows; null for every purpose. */
    readonly purpose: Purpose | null;
}

/** A dry run of the access decision for one record. */
export interface ExplainRequest extends ExplainSelection {
    readonly recordId: string;
}

function readSelection(args: JsonObject): ExplainSelection {
    return {
        requester: args.requester === undefined ? null : readMspId(args.requester, 'requester'),
        purpose: args.purpose === undefined ? null : readEnum(args.purpose, 'purpose', Purposes),
    };
}

/**
 * Reads `{recordId, requester?, purpose?}`.
 * @param raw - argument text
 * @returns the request
 * @throws INVALID_INPUT when malformed or an unknown purpose
 */
export function readExplainRequest(raw: string): ExplainRequest {
    const args = parseObjectArgument(raw, 'request', ['recordId'], ['requester', 'purpose']);
    return { recordId: readId(args.recordId, 'recordId'), ...readSelection(args) };
}

/**
 * Reads `{requester?, purpose?}` (the record comes from the patient's signed query).
 * @param raw - argument text
 * @returns the selection
 * @throws INVALID_INPUT when malformed or an unknown purpose
 */
export function readExplainSelection(raw: string): ExplainSelection {
    return readSelection(parseObjectArgument(raw, 'selection', [], ['requester', 'purpose']));
}
