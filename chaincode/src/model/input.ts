// SPDX-License-Identifier: Apache-2.0
/**
 * Transaction arguments: the JSON texts and decimal numbers the contracts receive, parsed and handed to the
 * protocol's readers (`protocol/input.ts`), which throw INVALID_INPUT naming the field. Nothing here reads
 * the ledger.
 */
import { invalid } from '../errors';
import { readObject } from '../protocol/input';
import type { JsonObject } from '../protocol/input';
import { readEnvelope } from '../protocol/payload-readers';
import type { Envelope } from '../protocol/payload-readers';
import { parseJsonArgument } from './canonical-json';

/** SHA-256 digests as 64 lowercase hex digits. */
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Parses a JSON argument that must be an object with exactly the allowed keys.
 * @param raw - argument text
 * @param path - its name in errors
 * @param required - keys that must be present
 * @param optional - keys that may be present
 * @returns the object
 * @throws INVALID_INPUT when not JSON, not an object or the keys are wrong
 */
export function parseObjectArgument(
    raw: string,
    path: string,
    required: readonly string[],
    optional: readonly string[] = [],
): JsonObject {
    return readObject(parseJsonArgument(raw, path), path, required, optional);
}

/**
 * Parses a signed envelope argument `{payload, signature}`.
 * @param raw - argument text
 * @returns the envelope
 * @throws INVALID_INPUT when not such an object
 */
export function parseEnvelopeArgument(raw: string): Envelope {
    return readEnvelope(parseJsonArgument(raw, 'signed'), 'signed');
}

/**
 * Reads a decimal integer from a string argument.
 * @param raw - argument text
 * @param path - its name in errors
 * @param bounds - smallest and largest accepted value
 * @returns the integer
 * @throws INVALID_INPUT when not a decimal integer in bounds
 */
export function readIntegerArgument(raw: string, path: string, bounds: { min: number; max: number }): number {
    const value = /^[0-9]{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= bounds.min && value <= bounds.max)) {
        invalid(`${path} must be an integer from ${bounds.min} to ${bounds.max}`);
    }
    return value;
}
