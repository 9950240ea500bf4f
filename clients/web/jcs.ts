// SPDX-License-Identifier: Apache-2.0
/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code units at every depth, strings and
 * numbers as ECMAScript's JSON.stringify writes them (which is what RFC 8785 specifies), no whitespace.
 * The same bytes the gateway's `canonicalize` produces, so the chaincode verifies the page's signatures.
 */

/**
 * Canonical JSON of plain JSON data.
 * @param value - the data
 * @throws TypeError on values JSON cannot hold (non-finite numbers, functions, undefined at the top)
 */
export function toCanonicalJson(value: unknown): string {
    if (value === null || typeof value === 'boolean' || typeof value === 'string') {
        return JSON.stringify(value);
    }
    if (typeof value === 'number') {
        if (!Number.isFinite(value)) {
            throw new TypeError('JSON has no form for this number');
        }
        return JSON.stringify(value);
    }
    if (Array.isArray(value)) {
        return `[${value.map((item: unknown) => toCanonicalJson(item === undefined ? null : item)).join(',')}]`;
    }
    if (typeof value === 'object') {
        const entries = Object.entries(value as Record<string, unknown>)
            .filter(([, item]) => item !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${toCanonicalJson(item)}`).join(',')}}`;
    }
    throw new TypeError('The value has no JSON form');
}
