// SPDX-License-Identifier: Apache-2.0
/**
 * Request validation: the JSON body parser (size limit, JSON and FHIR+JSON media types, no keys that could
 * reach a prototype), and readers for body fields, path parameters and query parameters. Each reader
 * returns a typed value or throws `ApiError` INVALID_INPUT naming the field, so bad input never reaches
 * the ledger. The patterns and closed sets are the chaincode's own.
 */
import express, { type RequestHandler } from 'express';
import { ID_PATTERN, MSP_ID_PATTERN, PATIENT_ID_PATTERN } from '../../chaincode/src/model/input';
import { ApiError } from './errors';

/** Media types accepted for JSON bodies (FHIR R4 JSON is `application/fhir+json`). */
export const JSON_MEDIA_TYPES = ['application/json', 'application/fhir+json'] as const;
/** Keys that could reach an object's prototype when copied; refused anywhere in a body. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** Deepest nesting accepted (a FHIR Bundle is far shallower). */
const MAX_DEPTH = 64;
/** Timestamps in the one form the ledger accepts (`toISOString`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Printable text without control characters. */
const TEXT = /^[^\p{Cc}]*$/u;

/** Default and largest page size of lists (API.md). */
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
 * Reads an object with exactly the allowed keys.
 * @param value - the candidate (e.g. `req.body`)
 * @param path - its name in errors
 * @param required - keys that must be present
 * @param optional - keys that may be present
 * @throws ApiError INVALID_INPUT
 */
export function readObject(
    value: unknown,
    path: string,
    required: readonly string[],
    optional: readonly string[] = [],
): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        invalid(`${path} must be a JSON object`);
    }
    const object = value as JsonObject;
    for (const key of Object.keys(object)) {
        if (!required.includes(key) && !optional.includes(key)) {
            invalid(`${path}.${key} is not an allowed field`);
        }
    }
    for (const key of required) {
        if (!Object.hasOwn(object, key)) {
            invalid(`${path}.${key} is required`);
        }
    }
    return object;
}

/**
 * Reads a non-empty string of bounded length, optionally of a pattern.
 * @param value - the candidate
 * @param path - its name in errors
 * @param maxLength - longest accepted
 * @param pattern - required shape
 * @throws ApiError INVALID_INPUT
 */
export function readString(value: unknown, path: string, maxLength: number, pattern?: RegExp): string {
    if (typeof value !== 'string' || value.length === 0) {
        invalid(`${path} must be a non-empty string`);
    }
    if (value.length > maxLength) {
        invalid(`${path} is longer than ${maxLength} characters`);
    }
    if (pattern !== undefined && !pattern.test(value)) {
        invalid(`${path} has an invalid format`);
    }
    return value;
}

/**
 * Reads free text (reasons, notes, justifications): no control characters, not blank.
 * @param value - the candidate
 * @param path - its name in errors
 * @param maxLength - longest accepted
 * @throws ApiError INVALID_INPUT
 */
export function readText(value: unknown, path: string, maxLength = 500): string {
    const text = readString(value, path, maxLength, TEXT);
    if (text.trim() === '') {
        invalid(`${path} must not be blank`);
    }
    return text;
}

/**
 * Reads a ledger id (record, consent, claim, access); refuses `../` and every other separator.
 * @param value - the candidate
 * @param path - its name in errors
 * @throws ApiError INVALID_INPUT
 */
export function readId(value: unknown, path: string): string {
    return readString(value, path, 128, ID_PATTERN);
}

/**
 * Reads an MSP id.
 * @param value - the candidate
 * @param path - its name in errors
 * @throws ApiError INVALID_INPUT
 */
export function readMspId(value: unknown, path: string): string {
    return readString(value, path, 64, MSP_ID_PATTERN);
}

/**
 * Reads a patient id (`pt` + base32 of a SHA-256).
 * @param value - the candidate
 * @param path - its name in errors
 * @throws ApiError INVALID_INPUT
 */
export function readPatientId(value: unknown, path: string): string {
    return readString(value, path, 54, PATIENT_ID_PATTERN);
}

/**
 * Reads one value of a closed set.
 * @param value - the candidate
 * @param path - its name in errors
 * @param allowed - the set
 * @throws ApiError INVALID_INPUT
 */
export function readEnum<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
        invalid(`${path} must be one of ${allowed.join(', ')}`);
    }
    return value as T;
}

/**
 * Reads a UTC timestamp in the `toISOString` form the ledger uses.
 * @param value - the candidate
 * @param path - its name in errors
 * @throws ApiError INVALID_INPUT
 */
export function readTime(value: unknown, path: string): string {
    const text = readString(value, path, 24, ISO_TIME);
    const millis = Date.parse(text);
    if (Number.isNaN(millis) || new Date(millis).toISOString() !== text) {
        invalid(`${path} must be a UTC timestamp such as 2025-01-31T08:00:00.000Z`);
    }
    return text;
}

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
 * Reads `limit` (1–500, default 50) and `cursor` (opaque: the chaincode's bookmark, base64url-wrapped).
 * @param query - `req.query`
 * @throws ApiError INVALID_INPUT
 */
export function readPage(query: unknown): PageQuery {
    const limit = queryParam(query, 'limit');
    const cursor = queryParam(query, 'cursor');
    let pageSize: number = PAGE_LIMITS.default;
    if (limit !== undefined) {
        pageSize = /^[0-9]{1,3}$/.test(limit) ? Number(limit) : 0;
        if (pageSize < 1 || pageSize > PAGE_LIMITS.max) {
            invalid(`limit must be an integer from 1 to ${PAGE_LIMITS.max}`);
        }
    }
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
