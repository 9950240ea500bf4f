// SPDX-License-Identifier: Apache-2.0
/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), the one copy every part uses: for the bytes a patient signs and
 * the chaincode verifies, for world state and results, for record content hashes and for block hashes.
 *
 * Object keys are sorted by UTF-16 code units at every depth (RFC 8785 §3.2.3); strings and numbers are
 * written as ECMAScript's JSON.stringify writes them, which is what RFC 8785 §3.2.2 specifies (number
 * formatting in particular: `1e+21`, `0.1`, `-0` as `0`); there is no whitespace. Like JSON.stringify, and like
 * RFC 8785's own ECMAScript sample, a value's `toJSON` is honoured and `undefined`, functions and symbols are
 * left out of objects and written as `null` in arrays.
 */

/** A value with its own JSON form (a Date, a Buffer). */
interface WithToJson {
    toJSON(): unknown;
}

function hasToJson(value: object): value is WithToJson {
    return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** Values JSON has no form for inside a container: dropped from objects, `null` in arrays. */
function isOmitted(value: unknown): boolean {
    return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * Strings JSON.stringify writes as they are, between quotes: no `"`, no backslash, no control character below
 * U+0020 and no surrogate (JSON.stringify escapes a lone one; strings with a pair go to it too). Testing this
 * pattern costs about a quarter of JSON.stringify's own per-character escaping, and nearly every string
 * written here passes it: base64 in blocks and results, hex hashes, ids, timestamps.
 */
const WRITTEN_AS_IS = /^[\u0020\u0021\u0023-\u005b\u005d-\ud7ff\ue000-\uffff]*$/;

/** A string as JSON.stringify writes it (RFC 8785 §3.2.2.2). */
function toStringJson(text: string): string {
    return WRITTEN_AS_IS.test(text) ? `"${text}"` : JSON.stringify(text);
}

function toObjectJson(object: Readonly<Record<string, unknown>>): string {
    // Array.prototype.sort without a comparator orders strings by UTF-16 code units, never by locale, which is
    // RFC 8785's order. Loops rather than filter/map chains: every block and state value passes here.
    const keys = Object.keys(object).sort();
    let json = '{';
    for (const key of keys) {
        const member = object[key];
        if (isOmitted(member)) {
            continue;
        }
        json += `${json.length === 1 ? '' : ','}${toStringJson(key)}:${toCanonicalJson(member)}`;
    }
    return `${json}}`;
}

function toArrayJson(items: readonly unknown[]): string {
    let json = '[';
    for (let i = 0; i < items.length; i += 1) {
        const item = items[i];
        json += `${i === 0 ? '' : ','}${toCanonicalJson(isOmitted(item) ? null : item)}`;
    }
    return `${json}]`;
}

/**
 * Serialises a value as RFC 8785 canonical JSON.
 * @param value - plain JSON data
 * @returns the canonical text
 * @throws TypeError when the value has no JSON form: `undefined`, a function or a symbol at the top, a bigint,
 *   NaN or an infinity anywhere
 */
export function toCanonicalJson(value: unknown): string {
    if (typeof value === 'string') {
        return toStringJson(value);
    }
    if (value === null || typeof value === 'boolean') {
        return JSON.stringify(value);
    }
    if (typeof value === 'number') {
        if (!Number.isFinite(value)) {
            throw new TypeError('JSON has no form for NaN or an infinity');
        }
        return JSON.stringify(value);
    }
    if (typeof value !== 'object') {
        throw new TypeError(`JSON has no form for a ${typeof value}`);
    }
    if (hasToJson(value)) {
        return toCanonicalJson(value.toJSON());
    }
    if (Array.isArray(value)) {
        return toArrayJson(value);
    }
    return toObjectJson(value as Readonly<Record<string, unknown>>);
}
