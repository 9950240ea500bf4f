// SPDX-License-Identifier: Apache-2.0
/**
 * Query planning for the commission's audit (docs/api.md "Audit"): which chaincode listing serves a
 * filtered `GET /audit/events`, with the filters it does not serve applied in the gateway and the page
 * filled to `limit` (docs/api.md "Lists and cursors"); and the bounded read of every event in a time range
 * behind `GET /audit/stats` and `GET /audit/export`.
 */
import { ApiError } from '../errors';
import type { AccessEvent, LedgerContracts } from '../ledger/contracts';
import { FILTERED_SCAN_PAGE_SIZE, fillPage, type FillRequest, type ListBody, type Lister } from '../paging';

/** Most events one stats or export request reads (narrow `from`/`to` beyond this). */
export const MAX_AUDIT_EVENTS = 100_000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Chaincode page size of the range reads behind statistics and exports. */
const RANGE_PAGE_SIZE = 500;

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
 * A range `[from, to)` with the defaults of statistics and exports: `to` now, `from` a day before `to`.
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

/**
 * Every access event requested in a range, oldest first, at most {@link MAX_AUDIT_EVENTS}.
 * @param contracts - the ledger facade
 * @param range - `[from, to)`
 * @throws ApiError INVALID_INPUT when the range holds more than {@link MAX_AUDIT_EVENTS} events
 */
export async function readAllInRange(contracts: LedgerContracts, range: TimeRange): Promise<AccessEvent[]> {
    const events: AccessEvent[] = [];
    let bookmark = '';
    do {
        const page = await contracts.listAccessByTime(range.from, range.to, { pageSize: RANGE_PAGE_SIZE, bookmark });
        events.push(...page.items);
        if (events.length > MAX_AUDIT_EVENTS) {
            throw new ApiError('INVALID_INPUT', `More than ${MAX_AUDIT_EVENTS} events: narrow from/to`);
        }
        bookmark = page.bookmark;
    } while (bookmark !== '');
    return events;
}
