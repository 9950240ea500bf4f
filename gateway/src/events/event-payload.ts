// SPDX-License-Identifier: Apache-2.0
/** A chaincode event's payload, as the gateway's event followers read it (the chaincode writes JSON objects). */

/**
 * The payload as an object; anything else (not JSON, not an object) reads as an empty one.
 * @param payload - the event's payload bytes
 */
export function parseEventPayload(payload: Uint8Array): Readonly<Record<string, unknown>> {
    try {
        const value = JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
        return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    } catch {
        return {};
    }
}
