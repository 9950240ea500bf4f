// SPDX-License-Identifier: Apache-2.0
/**
 * Search results as FHIR `searchset` Bundles (http://hl7.org/fhir/R4/http.html#paging): one page of matches,
 * a `self` link, a `next` link while more may match, and `total` only when it is known without another read
 * (the whole result fits this first page). The position in `next` is the filled listing's cursor
 * (`gateway/src/paging.ts`), so a filtered search never answers short pages while matches remain in reach.
 */
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import { ApiError } from '../errors';
import { fromScanCursor, type FillRequest } from '../paging';
import { PAGE_LIMITS } from '../validation';
import { singleValue, type ParsedSearch } from './search-params';

/** The query parameter a `next` link carries the position in. */
export const CURSOR_PARAM = '_cursor';

/** One page of a search, before it becomes a Bundle. */
export interface SearchPage<R extends Resource> {
    readonly resources: readonly R[];
    /** Null after the last page. */
    readonly nextCursor: string | null;
}

/** Where the request was made: the base URL of `/fhir` and the query as given. */
export interface SearchRequest {
    /** e.g. `https://127.0.0.1:7401/fhir`. */
    readonly base: string;
    readonly type: string;
    readonly query: URLSearchParams;
}

/**
 * Reads `_count` (1–500, default 50; more is served as 500) and `_cursor` of a search.
 * @param search - the parsed search
 * @throws ApiError INVALID_INPUT
 */
export function readSearchPaging(search: ParsedSearch): FillRequest {
    const count = singleValue(search, '_count')?.value;
    const cursor = singleValue(search, CURSOR_PARAM)?.value;
    let limit: number = PAGE_LIMITS.default;
    if (count !== undefined) {
        if (!/^[0-9]{1,9}$/.test(count) || Number(count) < 1) {
            throw new ApiError(
                'INVALID_INPUT',
                '_count must be a whole number from 1 (a count alone, 0, is not served)',
            );
        }
        limit = Math.min(Number(count), PAGE_LIMITS.max);
    }
    return { limit, start: cursor === undefined ? { bookmark: '', skip: 0 } : fromScanCursor(cursor) };
}

/**
 * The absolute URL of a served resource, or a URN naming the ledger object when its id is not a FHIR id.
 * @param base - the base URL of `/fhir`
 * @param resource - the resource
 * @param urn - its ledger URN (`urn:healthchain:consent:<id>`)
 */
export function toFullUrl(base: string, resource: Resource, urn: string): string {
    return resource.id === undefined ? urn : `${base}/${resource.resourceType}/${resource.id}`;
}

function toLinks(request: SearchRequest, nextCursor: string | null): BundleLink[] {
    const url = (query: URLSearchParams): string => {
        const text = query.toString();
        return `${request.base}/${request.type}${text === '' ? '' : `?${text}`}`;
    };
    const links: BundleLink[] = [{ relation: 'self', url: url(request.query) }];
    if (nextCursor !== null) {
        const next = new URLSearchParams(request.query);
        next.set(CURSOR_PARAM, nextCursor);
        links.push({ relation: 'next', url: url(next) });
    }
    return links;
}

/**
 * A page of results as a searchset Bundle.
 * @param request - base URL, type and query of the search
 * @param page - the page's resources and where the next one starts
 * @param urnOf - the URN of a resource whose ledger id is not a FHIR id
 * @param now - the Bundle's timestamp
 */
export function toSearchBundle<R extends Resource>(
    request: SearchRequest,
    page: SearchPage<R>,
    urnOf: (resource: R) => string,
    now: Date,
): Bundle<R> {
    const firstAndLast = page.nextCursor === null && !request.query.has(CURSOR_PARAM);
    const entry: BundleEntry<R>[] = page.resources.map((resource) => ({
        fullUrl: toFullUrl(request.base, resource, urnOf(resource)),
        resource,
        search: { mode: 'match' },
    }));
    return {
        resourceType: 'Bundle',
        type: 'searchset',
        timestamp: now.toISOString(),
        ...(firstAndLast ? { total: entry.length } : {}),
        link: toLinks(request, page.nextCursor),
        // FHIR JSON has no empty arrays (http://hl7.org/fhir/R4/json.html).
        ...(entry.length > 0 ? { entry } : {}),
    };
}
