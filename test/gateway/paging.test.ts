// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { ApiError } from '../../gateway/src/errors';
import type { Page, PageRequest } from '../../gateway/src/ledger/contracts';
import {
    fillPage,
    fromScanCursor,
    MAX_SCAN_PAGES,
    readFillRequest,
    toScanCursor,
    type FillRequest,
    type ListBody,
} from '../../gateway/src/paging';

/** An item of a listing: its key and whether the filter keeps it. */
interface Item {
    readonly key: string;
    readonly kept: boolean;
}

/**
 * A listing with the chaincode's paging: items in key order, a bookmark the key the next page starts at
 * ('' after the last page), as Fabric's range queries with pagination answer.
 */
class Listing {
    reads = 0;
    readonly items: Item[];

    constructor(count: number, kept: (index: number) => boolean) {
        this.items = Array.from({ length: count }, (_, index) => ({
            key: `k${String(index).padStart(4, '0')}`,
            kept: kept(index),
        }));
    }

    list(page: PageRequest): Promise<Page<Item>> {
        this.reads += 1;
        const start = page.bookmark === '' ? 0 : this.items.findIndex((item) => item.key >= page.bookmark);
        const from = start < 0 ? this.items.length : start;
        const items = this.items.slice(from, from + page.pageSize);
        const next = this.items[from + page.pageSize];
        return Promise.resolve({ items, bookmark: next?.key ?? '', fetchedRecordsCount: items.length });
    }
}

const kept = (item: Item): boolean => item.kept;

/** Follows `nextCursor` from the start to the end; returns every answer. */
async function walk(listing: Listing, limit: number, scanPageSize: number): Promise<ListBody<Item>[]> {
    const answers: ListBody<Item>[] = [];
    let request: FillRequest = { limit, start: { bookmark: '', skip: 0 } };
    for (;;) {
        const answer = await fillPage((page) => listing.list(page), request, kept, scanPageSize);
        answers.push(answer);
        if (answer.nextCursor === null) {
            return answers;
        }
        assert.ok(answers.length < 1000, 'the walk ends');
        request = { limit, start: fromScanCursor(answer.nextCursor) };
    }
}

function codeOf(act: () => unknown): string | undefined {
    try {
        act();
        return undefined;
    } catch (error) {
        assert.ok(error instanceof ApiError);
        return error.code;
    }
}

describe('filled pages of filtered listings', () => {
    const cases: { name: string; count: number; keep: (index: number) => boolean; limit: number; scan: number }[] = [
        { name: '7 items, 3 kept, limit 2', count: 7, keep: (i) => [1, 4, 6].includes(i), limit: 2, scan: 2 },
        { name: 'every item kept, limit divides the count', count: 12, keep: () => true, limit: 4, scan: 4 },
        { name: 'every item kept, a ragged last page', count: 13, keep: () => true, limit: 5, scan: 5 },
        { name: 'every third kept, chaincode pages of limit', count: 40, keep: (i) => i % 3 === 0, limit: 4, scan: 4 },
        { name: 'every third kept, large chaincode pages', count: 40, keep: (i) => i % 3 === 0, limit: 4, scan: 100 },
        { name: 'nothing kept', count: 9, keep: () => false, limit: 3, scan: 3 },
        { name: 'an empty listing', count: 0, keep: () => true, limit: 3, scan: 3 },
        { name: 'the last item kept, past the scan bound', count: 120, keep: (i) => i === 119, limit: 5, scan: 5 },
    ];
    for (const { name, count, keep, limit, scan } of cases) {
        it(`returns each kept item once, in order, in pages of at most limit: ${name}`, async () => {
            const listing = new Listing(count, keep);
            const answers = await walk(listing, limit, scan);
            const returned = answers.flatMap((answer) => answer.items.map((item) => item.key));
            const expected = listing.items.filter(kept).map((item) => item.key);
            assert.deepEqual(returned, expected);
            assert.ok(answers.every((answer) => answer.items.length <= limit));
        });
    }

    it('fills every page but the last while the scan bound is not reached', async () => {
        const listing = new Listing(7, (i) => [1, 4, 6].includes(i));
        const answers = await walk(listing, 2, 2);
        assert.deepEqual(
            answers.map((answer) => answer.items.map((item) => item.key)),
            [['k0001', 'k0004'], ['k0006']],
        );
    });

    it('answers null at once when nothing after the limit matches and the listing has ended', async () => {
        const listing = new Listing(6, (i) => i === 1 || i === 2);
        const answers = await walk(listing, 2, 10);
        assert.deepEqual(
            answers.map((answer) => [answer.items.map((item) => item.key), answer.nextCursor]),
            [[['k0001', 'k0002'], null]],
        );
    });

    it(`reads at most ${MAX_SCAN_PAGES} chaincode pages and then answers what it has with a cursor`, async () => {
        const listing = new Listing(120, (i) => i === 119);
        const first = await fillPage(
            (page) => listing.list(page),
            { limit: 5, start: { bookmark: '', skip: 0 } },
            kept,
            1,
        );
        assert.equal(listing.reads, MAX_SCAN_PAGES);
        assert.deepEqual(first.items, []);
        assert.ok(first.nextCursor !== null);
        assert.deepEqual(fromScanCursor(first.nextCursor), { bookmark: 'k0050', skip: 0 });
    });

    it('reads the page of the last item again with room for the skipped items when the limit changes', async () => {
        const listing = new Listing(30, () => true);
        const first = await fillPage(
            (page) => listing.list(page),
            { limit: 20, start: { bookmark: '', skip: 0 } },
            kept,
        );
        assert.ok(first.nextCursor !== null);
        const filtered = await fillPage(
            (page) => listing.list(page),
            { limit: 3, start: { bookmark: '', skip: 17 } },
            kept,
            1,
        );
        assert.deepEqual(
            filtered.items.map((item) => item.key),
            ['k0017', 'k0018', 'k0019'],
        );
    });
});

describe('filled-list cursors', () => {
    const positions = [
        { bookmark: 'k0001', skip: 0 },
        { bookmark: '', skip: 3 },
        { bookmark: '\u0000claim~insurer\u0000InsurerMSP\u0000', skip: 499 },
        { bookmark: 'x'.repeat(1024), skip: 1 },
    ];
    for (const position of positions) {
        it(`round-trips ${JSON.stringify(position).slice(0, 60)}`, () => {
            const cursor = toScanCursor(position);
            assert.match(cursor, /^[A-Za-z0-9_-]+$/);
            assert.deepEqual(fromScanCursor(cursor), position);
            assert.deepEqual(readFillRequest({ cursor, limit: '7' }), { limit: 7, start: position });
        });
    }

    const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
    const malformed: [string, string][] = [
        ['not base64url', 'a+b/c='],
        ['not JSON', encode('k0001')],
        ['JSON, not an object', encode('[1,2]')],
        ['the listing start', encode('{"b":"","n":0}')],
        ['a skip beyond a page', encode('{"b":"k","n":500}')],
        ['a fractional skip', encode('{"b":"k","n":1.5}')],
        ['a negative skip', encode('{"b":"k","n":-1}')],
        ['keys out of order', encode('{"n":1,"b":"k"}')],
        ['an extra key', encode('{"b":"k","n":1,"x":1}')],
        ['spaces', encode('{"b": "k", "n": 1}')],
        ['a bookmark too long', encode(JSON.stringify({ b: 'x'.repeat(1025), n: 0 }))],
        ['a bookmark not text', encode('{"b":1,"n":1}')],
    ];
    for (const [name, cursor] of malformed) {
        it(`refuses a cursor that is ${name} (INVALID_INPUT)`, () => {
            assert.equal(
                codeOf(() => fromScanCursor(cursor)),
                'INVALID_INPUT',
            );
        });
    }

    it('starts at the beginning without a cursor and reads limit as list routes do', () => {
        assert.deepEqual(readFillRequest({}), { limit: 50, start: { bookmark: '', skip: 0 } });
        assert.equal(
            codeOf(() => readFillRequest({ limit: '501' })),
            'INVALID_INPUT',
        );
    });
});
