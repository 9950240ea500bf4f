// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway's API from the page (same origin). Staff calls carry the bearer token, which the page keeps in
 * sessionStorage only; patient calls carry signed payloads in their bodies. Errors become {@link ApiError}
 * with the OperationOutcome's stable code (`issue[0].details.text`), shown translated by `errors.ts`.
 */

const TOKEN_KEY = 'healthchain.staffToken';

/** A failed call: the stable code and the body's extra fields (an access denial's `reason`, `accessId`). */
export class ApiError extends Error {
    readonly code: string;
    readonly status: number;
    readonly reason: string | undefined;
    readonly accessId: string | undefined;

    constructor(code: string, status: number, body: Readonly<Record<string, unknown>> = {}) {
        super(code);
        this.name = 'ApiError';
        this.code = code;
        this.status = status;
        this.reason = typeof body.reason === 'string' ? body.reason : undefined;
        this.accessId = typeof body.accessId === 'string' ? body.accessId : undefined;
    }
}

/** The signed-in staff member's token, if any (this tab's session only). */
export function readToken(): string | undefined {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/**
 * Keeps the staff token for this tab's session, or forgets it.
 * @param token - the token, or undefined to sign out
 */
export function writeToken(token: string | undefined): void {
    if (token === undefined) {
        sessionStorage.removeItem(TOKEN_KEY);
    } else {
        sessionStorage.setItem(TOKEN_KEY, token);
    }
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The stable code of an OperationOutcome.
 * @param body - a parsed error body
 */
export function toErrorCode(body: unknown): string {
    const issues = isRecord(body) ? body.issue : undefined;
    const first: unknown = Array.isArray(issues) ? issues[0] : undefined;
    const details = isRecord(first) ? first.details : undefined;
    return isRecord(details) && typeof details.text === 'string' ? details.text : 'INTERNAL';
}

async function send(method: string, path: string, body: unknown, staff: boolean): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = readToken();
    if (staff && token !== undefined) {
        headers.Authorization = `Bearer ${token}`;
    }
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
    }
    try {
        return await fetch(path, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            cache: 'no-store',
            credentials: 'omit',
            referrerPolicy: 'no-referrer',
        });
    } catch {
        throw new ApiError('NETWORK', 0);
    }
}

async function readError(response: Response): Promise<ApiError> {
    const body: unknown = await response.json().catch(() => undefined);
    return new ApiError(toErrorCode(body), response.status, isRecord(body) ? body : {});
}

/**
 * Calls the API and returns the parsed JSON answer.
 * @param method - HTTP method
 * @param path - path and query (never secrets: ids only)
 * @param options - the JSON body, and whether to send the staff token (default yes)
 * @throws ApiError
 */
export async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    options: { readonly body?: unknown; readonly staff?: boolean } = {},
): Promise<T> {
    const response = await send(method, path, options.body, options.staff ?? true);
    if (!response.ok) {
        throw await readError(response);
    }
    return (await response.json()) as T;
}

/**
 * Calls the API for a file (an export) and returns it as a Blob.
 * @param path - path and query
 * @throws ApiError
 */
export async function download(path: string): Promise<Blob> {
    const response = await send('GET', path, undefined, true);
    if (!response.ok) {
        throw await readError(response);
    }
    return response.blob();
}

/** A page of a list: `{items, nextCursor}`. */
export interface List<T> {
    readonly items: readonly T[];
    readonly nextCursor: string | null;
}
