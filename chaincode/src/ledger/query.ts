// SPDX-License-Identifier: Apache-2.0
/**
 * Listing through index keys: prefix scans of partial composite keys and range scans of simple keys.
 * Paginated forms are for read-only functions only (Fabric refuses them in a submitted transaction);
 * iterators are always closed.
 */
import type { Context } from 'fabric-contract-api';
import { fromStateBytes } from '../model/canonical-json';
import type { CompositeKeySpec } from '../model/keys';
import { readIntegerArgument } from '../model/input';
import { readString } from '../protocol/input';
import { toKey } from './state';

/** One page of a listing. */
export interface Page<T> {
    readonly items: T[];
    /** Pass back to get the next page; empty when there is none. */
    readonly bookmark: string;
    readonly fetchedRecordsCount: number;
}

/** Page size and bookmark as validated arguments. */
export interface PageRequest {
    readonly pageSize: number;
    readonly bookmark: string;
}

/** Largest page a listing returns. */
export const MAX_PAGE_SIZE = 500;

/**
 * Validates the page arguments of a listing.
 * @param pageSize - decimal integer text, 1–500
 * @param bookmark - empty, or a bookmark returned by the previous page
 * @returns the validated request
 * @throws INVALID_INPUT when out of bounds
 */
export function readPageRequest(pageSize: string, bookmark: string): PageRequest {
    return {
        pageSize: readIntegerArgument(pageSize, 'pageSize', { min: 1, max: MAX_PAGE_SIZE }),
        bookmark: bookmark === '' ? '' : readString(bookmark, 'bookmark', 1024),
    };
}

/** The stub's state iterator (typed through the stub, so no direct dependency on fabric-shim-api). */
type StateIterator = Awaited<ReturnType<Context['stub']['getStateByPartialCompositeKey']>>;

async function drainValues(iterator: StateIterator): Promise<Uint8Array[]> {
    const values: Uint8Array[] = [];
    try {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
            values.push(next.value.value);
        }
    } finally {
        await iterator.close();
    }
    return values;
}

async function drainIds(iterator: StateIterator): Promise<string[]> {
    return (await drainValues(iterator)).map((value) => Buffer.from(value).toString('utf8'));
}

/** What the shim returns with a page; absent (despite its typings) when the page is empty and last. */
type PageMetadata = { readonly bookmark: string; readonly fetchedRecordsCount: number } | undefined;

function toPage<T>(items: T[], metadata: PageMetadata): Page<T> {
    // fabric-shim leaves `metadata` undefined when the peer's metadata message is empty (no records, no
    // bookmark), as a peer's proto encoding of that message is zero bytes.
    return { items, bookmark: metadata?.bookmark ?? '', fetchedRecordsCount: metadata?.fetchedRecordsCount ?? 0 };
}

async function readPrimaries<T>(
    ctx: Context,
    ids: readonly string[],
    primary: (id: string) => CompositeKeySpec,
): Promise<T[]> {
    const items: T[] = [];
    for (const id of ids) {
        const bytes = await ctx.stub.getState(toKey(ctx, primary(id)));
        if (bytes.length > 0) {
            items.push(fromStateBytes(bytes) as T);
        }
    }
    return items;
}

/**
 * Lists the objects an index prefix points at, one page at a time, in key order.
 * @param ctx - transaction context (read-only function)
 * @param prefix - index object type and leading attributes
 * @param page - page size and bookmark
 * @param primary - key of the object an index entry's id names
 * @returns the page
 */
export async function listByPrefix<T>(
    ctx: Context,
    prefix: CompositeKeySpec,
    page: PageRequest,
    primary: (id: string) => CompositeKeySpec,
): Promise<Page<T>> {
    const { iterator, metadata }: { iterator: StateIterator; metadata: PageMetadata } =
        await ctx.stub.getStateByPartialCompositeKeyWithPagination(
            prefix.objectType,
            [...prefix.attributes],
            page.pageSize,
            page.bookmark,
        );
    const items = await readPrimaries<T>(ctx, await drainIds(iterator), primary);
    return toPage(items, metadata);
}

/**
 * Lists the objects a simple-key index range points at, one page at a time, in key order.
 * @param ctx - transaction context (read-only function)
 * @param range - start key (inclusive) and end key (exclusive)
 * @param page - page size and bookmark
 * @param primary - key of the object an index entry's id names
 * @returns the page
 */
export async function listByRange<T>(
    ctx: Context,
    range: { readonly start: string; readonly end: string },
    page: PageRequest,
    primary: (id: string) => CompositeKeySpec,
): Promise<Page<T>> {
    const { iterator, metadata }: { iterator: StateIterator; metadata: PageMetadata } =
        await ctx.stub.getStateByRangeWithPagination(range.start, range.end, page.pageSize, page.bookmark);
    const items = await readPrimaries<T>(ctx, await drainIds(iterator), primary);
    return toPage(items, metadata);
}

/**
 * Reads every object an index prefix points at, without pagination (allowed in submitted transactions;
 * use only where the set is small, such as one patient's consents to one organisation).
 * @param ctx - transaction context
 * @param prefix - index object type and leading attributes
 * @param primary - key of the object an index entry's id names
 * @returns the objects in key order
 */
export async function readAllByPrefix<T>(
    ctx: Context,
    prefix: CompositeKeySpec,
    primary: (id: string) => CompositeKeySpec,
): Promise<T[]> {
    const iterator = await ctx.stub.getStateByPartialCompositeKey(prefix.objectType, [...prefix.attributes]);
    return readPrimaries<T>(ctx, await drainIds(iterator), primary);
}

/**
 * Reads every object stored directly under a composite-key prefix (not through an index), without
 * pagination; for small sets such as the member organisations.
 * @param ctx - transaction context
 * @param prefix - object type and leading attributes
 * @returns the objects in key order
 */
export async function readAllValuesByPrefix<T>(ctx: Context, prefix: CompositeKeySpec): Promise<T[]> {
    const iterator = await ctx.stub.getStateByPartialCompositeKey(prefix.objectType, [...prefix.attributes]);
    return (await drainValues(iterator)).map((value) => fromStateBytes(value) as T);
}
