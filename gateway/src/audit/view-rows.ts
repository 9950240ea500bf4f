// SPDX-License-Identifier: Apache-2.0
/**
 * What the audit view counts (docs/design.md "The audit view"): one row per combination of UTC hour (or day),
 * requesting organisation, custodian, purpose, decision and reason, holding how many access requests had
 * them. Rows are level keys that sort by time first, so a range of hours is one key range:
 * `h|2030-01-02T03|HospitalBMSP|HospitalAMSP|TREATMENT|GRANTED|CONSENT` for an hour and
 * `d|2030-01-02|…` for the day's rollup. A request for a record that does not exist has no custodian,
 * written `-` (no MSP id starts with one).
 */
import { invalid, InvalidInputError } from '../../../chaincode/src/protocol/errors';
import { readEnum, readMspId, readTime } from '../../../chaincode/src/protocol/input';
import { Decisions, Purposes, Reasons } from '../../../chaincode/src/protocol/vocabulary';

/** The dimensions an access request is counted under. */
export interface ViewDimensions {
    readonly requester: string;
    /** Null for a request of a record that does not exist. */
    readonly custodian: string | null;
    readonly purpose: string;
    readonly decision: string;
    readonly reason: string;
}

/** A row of the view: a time bucket and the dimensions counted in it. */
export interface ViewRow extends ViewDimensions {
    /** Start of the row's UTC hour (hour rows) or day (day rollups), ISO form. */
    readonly start: string;
}

/** A row and its count. */
export interface CountedRow {
    readonly row: ViewRow;
    readonly count: number;
}

/** Hour rows and day rollups. */
export type RowKind = 'h' | 'd';

const SEPARATOR = '|';
const NO_CUSTODIAN = '-';
const REASONS: readonly string[] = Object.values(Reasons);

/**
 * The time part of a key: `YYYY-MM-DDTHH` of an hour row, `YYYY-MM-DD` of a day rollup.
 * @param kind - hour or day
 * @param iso - any instant inside the bucket, ISO form
 */
export function toTimeKey(kind: RowKind, iso: string): string {
    return kind === 'h' ? iso.slice(0, 13) : iso.slice(0, 10);
}

/**
 * The level key of a row.
 * @param kind - hour row or day rollup
 * @param row - the row; its `start` may be any instant inside the bucket
 */
export function toRowKey(kind: RowKind, row: ViewRow): string {
    const { requester, custodian, purpose, decision, reason } = row;
    const dims = [requester, custodian ?? NO_CUSTODIAN, purpose, decision, reason];
    return [kind, toTimeKey(kind, row.start), ...dims].join(SEPARATOR);
}

/**
 * The first key of a time bucket's rows and of every later one: `[toRangeKey(from), toRangeKey(to))` is the
 * key range of the rows from `from` up to, not including, `to`.
 * @param kind - hour rows or day rollups
 * @param iso - the bucket's start
 */
export function toRangeKey(kind: RowKind, iso: string): string {
    return `${kind}${SEPARATOR}${toTimeKey(kind, iso)}`;
}

/**
 * Reads a row back from its key.
 * @param key - a key made by {@link toRowKey}
 * @throws Error when the key is not a row's
 */
export function fromRowKey(key: string): ViewRow {
    const parts = key.split(SEPARATOR);
    const [kind, time, requester, custodian, purpose, decision, reason] = parts;
    if (parts.length !== 7 || (kind !== 'h' && kind !== 'd')) {
        throw new Error(`not an audit view row: ${key}`);
    }
    // Seven parts: none is undefined.
    const text = (part: string | undefined): string => part ?? '';
    return {
        start: kind === 'h' ? `${text(time)}:00:00.000Z` : `${text(time)}T00:00:00.000Z`,
        requester: text(requester),
        custodian: custodian === NO_CUSTODIAN ? null : text(custodian),
        purpose: text(purpose),
        decision: text(decision),
        reason: text(reason),
    };
}

/**
 * The hour row an access event is counted in.
 * @param event - the event's (an AccessEvent's) requester, custodian, purpose, decision, reason and time
 */
export function toViewRow(event: ViewDimensions & { readonly requestedAt: string }): ViewRow {
    const { requester, custodian, purpose, decision, reason } = event;
    return { start: `${event.requestedAt.slice(0, 13)}:00:00.000Z`, requester, custodian, purpose, decision, reason };
}

function readPayload(payload: Readonly<Record<string, unknown>>, transactionId: string): ViewRow {
    if (payload.accessId !== transactionId) {
        invalid('accessId is not the transaction id');
    }
    return toViewRow({
        requestedAt: readTime(payload.requestedAt, 'requestedAt'),
        requester: readMspId(payload.requester, 'requester'),
        custodian: payload.custodian === null ? null : readMspId(payload.custodian, 'custodian'),
        purpose: readEnum(payload.purpose, 'purpose', Purposes),
        decision: readEnum(payload.decision, 'decision', Decisions),
        reason: readEnum(payload.reason, 'reason', REASONS),
    });
}

/**
 * The hour row of an `AccessRequested` event's payload, when the payload carries every field in the
 * chaincode's own form (events written before `requestedAt` joined the payload do not: read those back).
 * @param payload - the parsed payload
 * @param transactionId - the event's transaction, which is the access id
 * @returns the row, or undefined when the payload is incomplete or malformed
 */
export function fromAccessRequested(
    payload: Readonly<Record<string, unknown>>,
    transactionId: string,
): ViewRow | undefined {
    try {
        return readPayload(payload, transactionId);
    } catch (error) {
        if (error instanceof InvalidInputError) {
            return undefined;
        }
        throw error;
    }
}
