// SPDX-License-Identifier: Apache-2.0
/**
 * Query planning for the commission's audit (docs/api.md "Audit"): which chaincode listing serves a
 * filtered `GET /audit/events` or `GET /audit/export`, with the filters it does not serve applied in the
 * gateway and the page filled to `limit` (docs/api.md "Lists and cursors"); and the time ranges of exports
 * and of the audit view's statistics (whole UTC hours).
 */
import { ApiError } from '../errors';
import type { AccessEvent, LedgerContracts } from '../ledger/contracts';
import { FILTERED_SCAN_PAGE_SIZE, fillPage, type FillRequest, type ListBody, type Lister } from '../paging';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Most buckets one statistics answer holds (docs/api.md "Audit"). */
export const MAX_STATS_BUCKETS = 1000;

/** The filters of `GET /audit/events`; `from` inclusive and `to` exclusive on `requestedAt`. */
export interface EventFilters {
    readonly patientId?: string;
    readonly requester?: string;
    readonly custodian?: string;
    readonly purpose?: string;
    readonly decision?: string;
    readonly from?: string;
    readonly to?: string;
}

/** A time range `[from, to)` of ISO timestamps. */
export interface TimeRange {
    readonly from: string;
    readonly to: string;
}

/** How a filtered listing is read. */
export interface EventQueryPlan {
    /** The chaincode listing read. */
    readonly list: Lister<AccessEvent>;
    /** The filters that listing does not serve, applied to each event; undefined when it serves them all. */
    readonly residual?: (event: AccessEvent) => boolean;
}

const EXACT_FILTERS = ['patientId', 'requester', 'custodian', 'purpose', 'decision'] as const;
/** Filters with an index of their own, in the order they are preferred. */
const INDEXED_FILTERS = ['patientId', 'requester', 'custodian'] as const;
const FILTER_NAMES = [...EXACT_FILTERS, 'from', 'to'] as const;

/**
 * Whether an event passes every filter.
 * @param filters - the filters
 * @param event - an access event
 */
export function matchesFilters(filters: EventFilters, event: AccessEvent): boolean {
    const exact = EXACT_FILTERS.every((name) => filters[name] === undefined || event[name] === filters[name]);
    const afterFrom = filters.from === undefined || event.requestedAt >= filters.from;
    const beforeTo = filters.to === undefined || event.requestedAt < filters.to;
    return exact && afterFrom && beforeTo;
}

function indexedListing(
    contracts: LedgerContracts,
    name: (typeof INDEXED_FILTERS)[number],
    value: string,
): Lister<AccessEvent> {
    switch (name) {
        case 'patientId':
            return (page) => contracts.listAccessByPatient(value, page);
        case 'requester':
            return (page) => contracts.listAccessByRequester(value, page);
        case 'custodian':
            return (page) => contracts.listAccessByCustodian(value, page);
    }
}

function timeListing(contracts: LedgerContracts, filters: EventFilters, now: Date): Lister<AccessEvent> {
    const to = filters.to ?? new Date(now.getTime() + DAY_MS).toISOString();
    const from = filters.from ?? new Date(0).toISOString();
    if (to <= from) {
        throw new ApiError('INVALID_INPUT', 'to must be later than from');
    }
    return (page) => contracts.listAccessByTime(from, to, page);
}

/**
 * The listing that serves a filtered query best: the index of the first of `patientId`, `requester`,
 * `custodian` given, else the time index; the other filters are left to the gateway.
 * @param contracts - the ledger facade
 * @param filters - the query's filters
 * @param now - the gateway's clock (the time index's default end is a day ahead of it)
 * @throws ApiError INVALID_INPUT when `to` is not later than `from` on the time index
 */
export function planEventQuery(contracts: LedgerContracts, filters: EventFilters, now: Date): EventQueryPlan {
    const indexed = INDEXED_FILTERS.find((name) => filters[name] !== undefined);
    const indexedValue = indexed === undefined ? undefined : filters[indexed];
    const list =
        indexed === undefined || indexedValue === undefined
            ? timeListing(contracts, filters, now)
            : indexedListing(contracts, indexed, indexedValue);
    const served: readonly string[] = indexed === undefined ? ['from', 'to'] : [indexed];
    const needsResidual = FILTER_NAMES.some((name) => filters[name] !== undefined && !served.includes(name));
    return needsResidual ? { list, residual: (event) => matchesFilters(filters, event) } : { list };
}

/**
 * One page of `GET /audit/events`, oldest first, filled to `limit` when the listing does not serve every
 * filter.
 * @param contracts - the ledger facade
 * @param filters - the query's filters
 * @param request - limit and cursor position
 * @param now - the gateway's clock
 */
export function listEvents(
    contracts: LedgerContracts,
    filters: EventFilters,
    request: FillRequest,
    now: Date,
): Promise<ListBody<AccessEvent>> {
    const { list, residual } = planEventQuery(contracts, filters, now);
    if (residual === undefined) {
        return fillPage(list, request, () => true);
    }
    return fillPage(list, request, residual, Math.max(request.limit, FILTERED_SCAN_PAGE_SIZE));
}

/**
 * A range `[from, to)` with the defaults of exports: `to` now, `from` a day before `to`.
 * @param given - the query's `from` and `to`, each optional
 * @param now - the gateway's clock
 * @throws ApiError INVALID_INPUT when `to` is not later than `from`
 */
export function toTimeRange(given: { from?: string; to?: string }, now: Date): TimeRange {
    const to = given.to ?? now.toISOString();
    const from = given.from ?? new Date(Date.parse(to) - DAY_MS).toISOString();
    if (to <= from) {
        throw new ApiError('INVALID_INPUT', 'to must be later than from');
    }
    return { from, to };
}

function toHour(iso: string | Date, round: (hours: number) => number): string {
    const millis = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
    return new Date(round(millis / HOUR_MS) * HOUR_MS).toISOString();
}

/**
 * The range of whole UTC hours that statistics count (the audit view keeps hours): `from` rounded down and
 * `to` up to the hour; by default the 24 hours that end with the current one.
 * @param given - the query's `from` and `to`, each optional
 * @param now - the gateway's clock
 * @throws ApiError INVALID_INPUT when `to` is not later than `from`
 */
export function toHourRange(given: { from?: string; to?: string }, now: Date): TimeRange {
    if (given.from !== undefined && given.to !== undefined && given.to <= given.from) {
        throw new ApiError('INVALID_INPUT', 'to must be later than from');
    }
    const to = toHour(given.to ?? now, Math.ceil);
    const from =
        given.from === undefined ? new Date(Date.parse(to) - DAY_MS).toISOString() : toHour(given.from, Math.floor);
    if (to <= from) {
        throw new ApiError('INVALID_INPUT', 'to must be later than from');
    }
    return { from, to };
}

/**
 * Refuses a statistics range of more than {@link MAX_STATS_BUCKETS} buckets.
 * @param range - whole hours
 * @param bucket - `hour` or `day`
 * @throws ApiError INVALID_INPUT
 */
export function assertBucketCount(range: TimeRange, bucket: 'hour' | 'day'): void {
    const size = bucket === 'hour' ? HOUR_MS : DAY_MS;
    const first = Math.floor(Date.parse(range.from) / size);
    const last = Math.ceil(Date.parse(range.to) / size);
    if (last - first > MAX_STATS_BUCKETS) {
        throw new ApiError('INVALID_INPUT', `More than ${MAX_STATS_BUCKETS} ${bucket} buckets: narrow from/to`);
    }
}
