// SPDX-License-Identifier: Apache-2.0
/**
 * Request validation: the JSON body parser (size limit, JSON and FHIR+JSON media types, no keys that could
 * reach a prototype), and readers for body fields, path parameters and query parameters. Each reader
 * returns a typed value or throws `ApiError` INVALID_INPUT naming the field, so bad input never reaches
 * the ledger. The patterns and closed sets are the chaincode's own.
 */
import express, { type RequestHandler } from 'express';
import { ChaincodeError } from '../../chaincode/src/errors';
import { InvalidInputError } from '../../chaincode/src/protocol/errors';
import * as input from '../../chaincode/src/protocol/input';
import { ApiError } from './errors';

/** Media types accepted for JSON bodies (FHIR R4 JSON is `application/fhir+json`). */
export const JSON_MEDIA_TYPES = ['application/json', 'application/fhir+json'] as const;
/** Keys that could reach an object's prototype when copied; refused anywhere in a body. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** Deepest nesting accepted (a FHIR Bundle is far shallower). */
const MAX_DEPTH = 64;

/** Default and largest page size of lists (docs/api.md "Lists and cursors"). */
export const PAGE_LIMITS = { default: 50, max: 500 } as const;

function invalid(message: string): never {
    throw new ApiError('INVALID_INPUT', message);
}

function assertSafeKeys(value: unknown, depth: number): void {
    if (typeof value !== 'object' || value === null) {
        return;
    }
    if (depth > MAX_DEPTH) {
        invalid(`Request body is nested deeper than ${MAX_DEPTH} levels`);
    }
    if (Array.isArray(value)) {
        for (const item of value) {
            assertSafeKeys(item, depth + 1);
        }
        return;
    }
    for (const [key, item] of Object.entries(value)) {
        if (FORBIDDEN_KEYS.has(key)) {
            invalid(`Request body contains the forbidden key ${key}`);
        }
        assertSafeKeys(item, depth + 1);
    }
}

/**
 * JSON body middleware: parses `application/json` and `application/fhir+json` up to a limit (413
 * PAYLOAD_TOO_LARGE beyond), refuses other media types with a body (415), malformed JSON (400) and any
 * `__proto__`, `constructor` or `prototype` key (400).
 * @param limitBytes - largest body
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
    const parse = express.json({ limit: limitBytes, type: [...JSON_MEDIA_TYPES], strict: true });
    return [
        (req, _res, next) => {
            // An empty body (POST without one sends Content-Length: 0) has no media type to check.
            const hasContent = req.get('transfer-encoding') !== undefined || Number(req.get('content-length')) > 0;
            if (hasContent && req.is([...JSON_MEDIA_TYPES]) === false) {
                throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON as application/json or application/fhir+json');
            }
            next();
        },
        parse,
        (req, _res, next) => {
            assertSafeKeys(req.body, 0);
            next();
        },
    ];
}

/** A plain JSON object. */
export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * Runs one of the protocol's or the chaincode's input readers at the HTTP boundary: the same rules as on the
 * ledger, with its INVALID_INPUT turned into the API's.
 * @param read - a reader from `chaincode/src/protocol/` or a chaincode argument reader
 */
export function atBoundary<A extends unknown[], R>(read: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
        try {
            return read(...args);
        } catch (error) {
            if (error instanceof InvalidInputError || error instanceof ChaincodeError) {
                throw new ApiError('INVALID_INPUT', error.detail, { cause: error });
            }
            throw error;
        }
    };
}

/**
 * Reads an object with exactly the allowed keys: `(value, path, required, optional = [])`.
 * @throws ApiError INVALID_INPUT
 */
export const readObject = atBoundary(input.readObject);

/**
 * Reads a non-empty string of bounded length, optionally of a pattern: `(value, path, maxLength, pattern?)`.
 * @throws ApiError INVALID_INPUT
 */
export const readString = atBoundary(input.readString);

const readBoundedText = atBoundary(input.readText);

/**
 * Reads free text (reasons, notes, justifications): no control characters, not blank.
 * @param value - the candidate
 * @param path - its name in errors
 * @param maxLength - longest accepted
 * @throws ApiError INVALID_INPUT
 */
export function readText(value: unknown, path: string, maxLength = 500): string {
    return readBoundedText(value, path, maxLength);
}

/**
 * Reads a ledger id (record, consent, claim, access); refuses `../` and every other separator.
 * @throws ApiError INVALID_INPUT
 */
export const readId = atBoundary(input.readId);

/**
 * Reads an MSP id.
 * @throws ApiError INVALID_INPUT
 */
export const readMspId = atBoundary(input.readMspId);

/**
 * Reads a patient id (`pt` + base32 of a SHA-256).
 * @throws ApiError INVALID_INPUT
 */
export const readPatientId = atBoundary(input.readPatientId);

/**
 * Reads one value of a closed set: `(value, path, allowed)`.
 * @throws ApiError INVALID_INPUT
 */
export function readEnum<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    return atBoundary(input.readEnum<T>)(value, path, allowed);
}

/**
 * Reads a UTC timestamp in the `toISOString` form the ledger uses.
 * @throws ApiError INVALID_INPUT
 */
export const readTime = atBoundary(input.readTime);

/**
 * Reads an optional query parameter, refusing repeats (`?a=1&a=2`).
 * @param query - `req.query`
 * @param name - parameter name
 * @throws ApiError INVALID_INPUT when repeated or not text
 */
export function queryParam(query: unknown, name: string): string | undefined {
    const value: unknown = typeof query === 'object' && query !== null ? (query as JsonObject)[name] : undefined;
    if (value === undefined) {
        return undefined;
    }
    if (typeof value !== 'string') {
        invalid(`query parameter ${name} must be given once, as text`);
    }
    return value;
}

/**
 * Refuses query parameters other than the allowed ones.
 * @param query - `req.query`
 * @param allowed - names the route takes
 * @throws ApiError INVALID_INPUT
 */
export function assertQueryKeys(query: unknown, allowed: readonly string[]): void {
    const keys = typeof query === 'object' && query !== null ? Object.keys(query) : [];
    for (const key of keys) {
        if (!allowed.includes(key)) {
            invalid(`query parameter ${key.slice(0, 40)} is not accepted here`);
        }
    }
}

/** A page request as the chaincode takes it. */
export interface PageQuery {
    readonly pageSize: number;
    readonly bookmark: string;
}

/**
 * Reads `limit`: an integer from 1 to 500, 50 when absent (docs/api.md "Lists and cursors").
 * @param query - `req.query`
 * @throws ApiError INVALID_INPUT
 */
export function readLimit(query: unknown): number {
    const limit = queryParam(query, 'limit');
    if (limit === undefined) {
        return PAGE_LIMITS.default;
    }
    const value = /^[0-9]{1,3}$/.test(limit) ? Number(limit) : 0;
    if (value < 1 || value > PAGE_LIMITS.max) {
        invalid(`limit must be an integer from 1 to ${PAGE_LIMITS.max}`);
    }
    return value;
}

/**
 * Reads `limit` (1–500, default 50) and `cursor` (opaque: the chaincode's bookmark, base64url-wrapped).
 * @param query - `req.query`
 * @throws ApiError INVALID_INPUT
 */
export function readPage(query: unknown): PageQuery {
    const pageSize = readLimit(query);
    const cursor = queryParam(query, 'cursor');
    let bookmark = '';
    if (cursor !== undefined) {
        readString(cursor, 'cursor', 1400, /^[A-Za-z0-9_-]+$/);
        bookmark = Buffer.from(cursor, 'base64url').toString('utf8');
        if (bookmark === '' || Buffer.from(bookmark, 'utf8').toString('base64url') !== cursor) {
            invalid('cursor is not one this gateway returned');
        }
    }
    return { pageSize, bookmark };
}

/**
 * The opaque cursor of a chaincode bookmark; null when there is no next page.
 * @param bookmark - the chaincode's bookmark
 */
export function toCursor(bookmark: string): string | null {
    return bookmark === '' ? null : Buffer.from(bookmark, 'utf8').toString('base64url');
}
