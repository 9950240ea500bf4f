// SPDX-License-Identifier: Apache-2.0
/** Reading a value deep inside FHIR JSON in assertions: `dig(report, 'code.coding.0.code')`. */

/**
 * The value at a dotted path (object keys and array indexes), or undefined where the path leads nowhere.
 * @param value - the JSON value
 * @param path - `a.0.b`
 */
export function dig(value: unknown, path: string): unknown {
    let current: unknown = value;
    for (const part of path.split('.')) {
        if (typeof current !== 'object' || current === null) {
            return undefined;
        }
        current = (current as Record<string, unknown>)[part];
    }
    return current;
}
