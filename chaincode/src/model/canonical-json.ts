// SPDX-License-Identifier: Apache-2.0
/**
 * State bytes, the UTF-8 of RFC 8785 canonical JSON (`protocol/canonical-json.ts`), and a guarded parser for
 * transaction arguments.
 */
import { invalid } from '../errors';
import { toCanonicalJson } from '../protocol/canonical-json';

/** Largest transaction argument accepted, in UTF-16 code units (a consent with 100 record ids fits easily). */
export const MAX_ARGUMENT_LENGTH = 64 * 1024;

/** Keys that could reach an object's prototype when copied; rejected anywhere in an argument. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Encodes a value as state bytes: UTF-8 of its canonical JSON.
 * @param value - plain JSON data
 * @returns the bytes to put in state
 */
export function toStateBytes(value: unknown): Uint8Array {
    return Buffer.from(toCanonicalJson(value), 'utf8');
}

/**
 * Decodes state bytes written by {@link toStateBytes}. State is only ever written by this chaincode, so
 * callers may trust its shape.
 * @param bytes - non-empty state value
 * @returns the decoded value
 */
export function fromStateBytes(bytes: Uint8Array): unknown {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
}

function rejectForbiddenKeys(key: string, value: unknown): unknown {
    if (FORBIDDEN_KEYS.has(key)) {
        invalid(`key "${key}" is not allowed`);
    }
    return value;
}

/**
 * Parses a JSON transaction argument, rejecting oversized text, malformed JSON and any `__proto__`,
 * `constructor` or `prototype` key at any depth.
 * @param raw - the argument text
 * @param field - the argument's name, for the error
 * @returns the parsed value (still to be validated)
 * @throws INVALID_INPUT when the text is too long, not JSON, or carries a forbidden key
 */
export function parseJsonArgument(raw: string, field: string): unknown {
    if (raw.length > MAX_ARGUMENT_LENGTH) {
        invalid(`${field} is longer than ${MAX_ARGUMENT_LENGTH} characters`);
    }
    try {
        return JSON.parse(raw, rejectForbiddenKeys) as unknown;
    } catch (error) {
        if (error instanceof SyntaxError || error instanceof RangeError) {
            invalid(`${field} is not valid JSON`);
        }
        throw error;
    }
}
