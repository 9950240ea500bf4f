// SPDX-License-Identifier: Apache-2.0
/** HTTP calls to a gateway's API in tests, and readers of what came back (OperationOutcome codes, fields, lists). */

/** What a test call got back. */
export interface CallResult {
    readonly status: number;
    readonly headers: Headers;
    /** Parsed JSON, or the text when the response is not JSON. */
    readonly body: unknown;
    readonly text: string;
}

/** Options of one call. */
export interface CallOptions {
    /** A bearer token (e.g. `gateway.tokens.admin`). */
    readonly token?: string;
    /** A JSON body (serialised here). */
    readonly body?: unknown;
    /** A body sent as it is. */
    readonly raw?: string;
    /** The body's media type; `application/json` by default. */
    readonly contentType?: string;
}

/**
 * Calls an API over HTTP.
 * @param target - a gateway, or any server with a base URL
 * @param method - HTTP method
 * @param path - path and query
 * @param options - token, body
 */
export async function call(
    target: { readonly url: string },
    method: string,
    path: string,
    options: CallOptions = {},
): Promise<CallResult> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) {
        headers.authorization = `Bearer ${options.token}`;
    }
    const body = options.body === undefined ? options.raw : JSON.stringify(options.body);
    if (body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
    }
    const response = await fetch(`${target.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
        parsed = JSON.parse(text);
    } catch {
        // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
}

/**
 * The stable code of an OperationOutcome body (`issue[0].details.text`).
 * @param body - a parsed response body
 */
export function outcomeCodeOf(body: unknown): string | undefined {
    if (typeof body !== 'object' || body === null) {
        return undefined;
    }
    const outcome = body as { resourceType?: string; issue?: { details?: { text?: string } }[] };
    return outcome.resourceType === 'OperationOutcome' ? outcome.issue?.[0]?.details?.text : undefined;
}

/**
 * The stable code of an OperationOutcome response (`issue[0].details.text`).
 * @param result - the call's result
 */
export function outcomeCode(result: CallResult): string | undefined {
    return outcomeCodeOf(result.body);
}

/**
 * A field of a JSON object body.
 * @param body - a parsed response body
 * @param name - the field's name
 */
export function fieldOf(body: unknown, name: string): unknown {
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/**
 * A field of a JSON object response.
 * @param result - the call's result
 * @param name - the field's name
 */
export function field(result: CallResult, name: string): unknown {
    return fieldOf(result.body, name);
}

/**
 * The `items` of a list response.
 * @param result - the call's result
 * @throws Error when the body has no `items` list
 */
export function itemsOf<T = Record<string, unknown>>(result: CallResult): T[] {
    const items = field(result, 'items');
    if (!Array.isArray(items)) {
        throw new Error(`not a list: ${result.text}`);
    }
    return items as T[];
}
