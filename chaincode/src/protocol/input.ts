// SPDX-License-Identifier: Apache-2.0
/**
 * Readers of protocol values. Each takes an `unknown` value and a path for the error message, and either
 * returns a typed value or throws `InvalidInputError` (`INVALID_INPUT`). The chaincode reads its
 * arguments with them and the gateway its requests, so a value is judged by the same rules at both.
 */
import { invalid } from './errors.js';
import { PATIENT_ID_PATTERN } from './patient-id.js';

/** Ledger ids (records, consents, claims, access events): 1–128 characters, no separators of our keys. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Fabric MSP ids. */
export const MSP_ID_PATTERN = /^[A-Za-z][A-Za-z0-9.-]{0,63}$/;
/** Timestamps accepted in arguments: the form of `Date.prototype.toISOString` (UTC, milliseconds). */
const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Printable text without control characters (names, notes, justifications). */
const TEXT_PATTERN = /^[^\p{Cc}]*$/u;

/** A plain object read from JSON. */
export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * Reads a JSON object, whatever its keys (a payload whose keys its own reader checks later).
 * @param value - the candidate
 * @param path - its name in errors
 * @returns the object
 * @throws INVALID_INPUT when not an object
 */
export function readAnyObject(value: unknown, path: string): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        invalid(`${path} must be a JSON object`);
    }
    return value as JsonObject;
}

/**
 * Reads a JSON object with exactly the allowed keys.
 * @param value - the candidate
 * @param path - its name in errors
 * @param required - keys that must be present
 * @param optional - keys that may be present
 * @returns the object
 * @throws INVALID_INPUT when not an object, a required key is missing or an unknown key is present
 */
export function readObject(
    value: unknown,
    path: string,
    required: readonly string[],
    optional: readonly string[] = [],
): JsonObject {
    const object = readAnyObject(value, path);
    for (const key of Object.keys(object)) {
        if (!required.includes(key) && !optional.includes(key)) {
            invalid(`${path}.${key} is not an allowed field`);
        }
    }
    for (const key of required) {
        if (!Object.prototype.hasOwnProperty.call(object, key)) {
            invalid(`${path}.${key} is required`);
        }
    }
    return object;
}

/**
 * Reads a string of bounded length, optionally matching a pattern.
 * @param value - the candidate
 * @param path - its name in errors
 * @param maxLength - longest accepted length
 * @param pattern - required shape
 * @returns the string
 * @throws INVALID_INPUT when not a non-empty string, too long or not matching
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
 * Reads free text (names, notes, justifications): non-empty, bounded, no control characters.
 * @param value - the candidate
 * @param path - its name in errors
 * @param maxLength - longest accepted length
 * @returns the text
 * @throws INVALID_INPUT when not acceptable text
 */
export function readText(value: unknown, path: string, maxLength: number): string {
    const text = readString(value, path, maxLength, TEXT_PATTERN);
    if (text.trim().length === 0) {
        invalid(`${path} must not be blank`);
    }
    return text;
}

/**
 * Reads a ledger id (record, consent, claim, access event).
 * @param value - the candidate
 * @param path - its name in errors
 * @returns the id
 * @throws INVALID_INPUT when not an id
 */
export function readId(value: unknown, path: string): string {
    return readString(value, path, 128, ID_PATTERN);
}

/**
 * Reads an MSP id.
 * @param value - the candidate
 * @param path - its name in errors
 * @returns the MSP id
 * @throws INVALID_INPUT when not an MSP id
 */
export function readMspId(value: unknown, path: string): string {
    return readString(value, path, 64, MSP_ID_PATTERN);
}

/**
 * Reads a patient id.
 * @param value - the candidate
 * @param path - its name in errors
 * @returns the patient id
 * @throws INVALID_INPUT when not a patient id
 */
export function readPatientId(value: unknown, path: string): string {
    return readString(value, path, 54, PATIENT_ID_PATTERN);
}

/**
 * Reads one value of a closed set.
 * @param value - the candidate
 * @param path - its name in errors
 * @param allowed - the set
 * @returns the value
 * @throws INVALID_INPUT when not in the set
 */
export function readEnum<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
        invalid(`${path} must be one of ${allowed.join(', ')}`);
    }
    return value as T;
}

/**
 * Reads an array of distinct items.
 * @param value - the candidate
 * @param path - its name in errors
 * @param bounds - fewest and most items
 * @param readItem - reader for one item
 * @returns the items, in the given order
 * @throws INVALID_INPUT when not an array, out of bounds, an item is invalid or repeated
 */
export function readList<T extends string>(
    value: unknown,
    path: string,
    bounds: { readonly min: number; readonly max: number },
    readItem: (item: unknown, itemPath: string) => T,
): T[] {
    if (!Array.isArray(value)) {
        invalid(`${path} must be an array`);
    }
    const items: readonly unknown[] = value;
    if (items.length < bounds.min || items.length > bounds.max) {
        invalid(`${path} must have ${bounds.min} to ${bounds.max} items`);
    }
    const result = items.map((item, index) => readItem(item, `${path}[${index}]`));
    if (new Set(result).size !== result.length) {
        invalid(`${path} has repeated items`);
    }
    return result;
}

/**
 * Reads a timestamp in the exact form `YYYY-MM-DDTHH:mm:ss.sssZ` (what `toISOString` produces). One form
 * only, so a signed timestamp is stored exactly as signed and keys built from it sort in time order.
 * @param value - the candidate
 * @param path - its name in errors
 * @returns the timestamp, unchanged
 * @throws INVALID_INPUT when not in that form or not a real instant (e.g. 2024-02-30)
 */
export function readTime(value: unknown, path: string): string {
    const text = readString(value, path, 24, ISO_TIME_PATTERN);
    const millis = Date.parse(text);
    if (Number.isNaN(millis) || new Date(millis).toISOString() !== text) {
        invalid(`${path} is not a valid UTC timestamp`);
    }
    return text;
}
