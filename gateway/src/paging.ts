// SPDX-License-Identifier: Apache-2.0
/**
 * List answers (docs/api.md "Lists and cursors"). A listing the gateway filters after the chaincode reads
 * it is filled to `limit`: further chaincode pages are read until `limit` matching items are collected, the
 * listing ends, or {@link MAX_SCAN_PAGES} pages have been read. Its cursor names the chaincode page the
 * last item came from (by the bookmark that page was read with) and how many of that page's items were
 * consumed. The chaincode's listings are in key order and its bookmarks resume after a key, so reading that
 * page again and skipping those items resumes exactly after the last item returned.
 */
import { ApiError } from './errors';
import type { Page, PageRequest } from './ledger/contracts';
import { PAGE_LIMITS, queryParam, readLimit, readString, toCursor } from './validation';

/** Most chaincode pages one filled request reads; past it the answer may be short (docs/api.md "Lists and cursors"). */
export const MAX_SCAN_PAGES = 10;
/** Chaincode page size while a filter applies, so that sparse matches fill a small `limit` in few reads. */
export const FILTERED_SCAN_PAGE_SIZE = 100;
/** Longest filled-list cursor: a 1024-character chaincode bookmark, JSON-escaped, base64url-encoded. */
const MAX_CURSOR_LENGTH = 8400;
const MAX_BOOKMARK_LENGTH = 1024;

/** Where a filled listing resumes. */
export interface ScanPosition {
    /** The bookmark the chaincode page was read with ('' for the listing's first page). */
    readonly bookmark: string;
    /** How many of that page's items were already consumed (returned, or passed over as not matching). */
    readonly skip: number;
}

/** A filled list request: how many items, from where. */
export interface FillRequest {
    readonly limit: number;
    readonly start: ScanPosition;
}

/** The answer of a list route: `{items, nextCursor}`, the cursor null after the last page. */
export interface ListBody<T> {
    readonly items: readonly T[];
    readonly nextCursor: string | null;
}

/** One chaincode listing, read a page at a time. */
export type Lister<T> = (page: PageRequest) => Promise<Page<T>>;

/**
 * The list answer of one chaincode page, unfiltered; its cursor wraps the chaincode's bookmark.
 * @param page - a chaincode page
 */
export function toListBody<T>(page: Page<T>): ListBody<T> {
    return { items: page.items, nextCursor: toCursor(page.bookmark) };
}

/**
 * The opaque cursor of a position in a filled listing: base64url of `{"b": bookmark, "n": skip}`.
 * @param position - where the next request resumes
 */
export function toScanCursor(position: ScanPosition): string {
    return Buffer.from(JSON.stringify({ b: position.bookmark, n: position.skip }), 'utf8').toString('base64url');
}

function notOurs(): never {
    throw new ApiError('INVALID_INPUT', 'cursor is not one this gateway returned');
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return notOurs();
    }
}

/** The cursor's JSON: `b` the bookmark, `n` the skip. */
interface CursorJson {
    readonly b: string;
    readonly n: number;
}

function isCursorJson(value: { readonly b?: unknown; readonly n?: unknown }): value is CursorJson {
    const { b: bookmark, n: skip } = value;
    const bookmarkOk = typeof bookmark === 'string' && bookmark.length <= MAX_BOOKMARK_LENGTH;
    const skipOk = typeof skip === 'number' && Number.isInteger(skip) && skip >= 0 && skip < PAGE_LIMITS.max;
    // The listing's start is no cursor: the first page is asked for without one.
    return bookmarkOk && skipOk && (bookmark !== '' || skip !== 0);
}

/**
 * Reads a cursor made by {@link toScanCursor}; only the exact encoding it produces is accepted.
 * @param cursor - the `cursor` query parameter
 * @throws ApiError INVALID_INPUT
 */
export function fromScanCursor(cursor: string): ScanPosition {
    readString(cursor, 'cursor', MAX_CURSOR_LENGTH, /^[A-Za-z0-9_-]+$/);
    const value = parseJson(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) {
        return notOurs();
    }
    const fields: { readonly b?: unknown; readonly n?: unknown } = value;
    if (!isCursorJson(fields)) {
        return notOurs();
    }
    const position = { bookmark: fields.b, skip: fields.n };
    return toScanCursor(position) === cursor ? position : notOurs();
}

/**
 * Reads `limit` and `cursor` of a filled listing.
 * @param query - `req.query`
 * @throws ApiError INVALID_INPUT
 */
export function readFillRequest(query: unknown): FillRequest {
    const cursor = queryParam(query, 'cursor');
    const start = cursor === undefined ? { bookmark: '', skip: 0 } : fromScanCursor(cursor);
    return { limit: readLimit(query), start };
}

/**
 * Moves the matching items of a page, from `skip` on, into `into` until it holds `limit`.
 * @returns the index the listing resumes at: the first match beyond the limit, else the page's length
 */
function take<T>(page: readonly T[], skip: number, keep: (item: T) => boolean, into: T[], limit: number): number {
    for (const [index, item] of page.entries()) {
        if (index < skip || !keep(item)) {
            continue;
        }
        if (into.length === limit) {
            return index;
        }
        into.push(item);
    }
    return page.length;
}

/**
 * One page of a filtered listing, filled to `limit`: reads chaincode pages from the request's position
 * until `limit` items match, the listing ends or {@link MAX_SCAN_PAGES} pages are read. `nextCursor` is
 * null only when the listing has ended; it is not null while more may match.
 * @param list - the chaincode listing
 * @param request - limit and starting position
 * @param keep - which items match
 * @param scanPageSize - chaincode page size, at least `limit` (see {@link FILTERED_SCAN_PAGE_SIZE})
 */
export async function fillPage<T>(
    list: Lister<T>,
    request: FillRequest,
    keep: (item: T) => boolean,
    scanPageSize: number = request.limit,
): Promise<ListBody<T>> {
    const items: T[] = [];
    let position = request.start;
    for (let read = 0; read < MAX_SCAN_PAGES && items.length < request.limit; read += 1) {
        // The page read again must hold the skipped items and at least `limit` more.
        const pageSize = Math.min(PAGE_LIMITS.max, Math.max(scanPageSize, position.skip + request.limit));
        const page = await list({ pageSize, bookmark: position.bookmark });
        const end = take(page.items, position.skip, keep, items, request.limit);
        if (end < page.items.length) {
            return { items, nextCursor: toScanCursor({ bookmark: position.bookmark, skip: end }) };
        }
        if (page.bookmark === '') {
            return { items, nextCursor: null };
        }
        position = { bookmark: page.bookmark, skip: 0 };
    }
    return { items, nextCursor: toScanCursor(position) };
}
