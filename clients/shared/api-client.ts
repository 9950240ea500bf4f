// SPDX-License-Identifier: Apache-2.0
/**
 * A small HTTPS client of a gateway's API (docs/api.md): JSON in and out, the organisation's TLS CA trusted,
 * a staff bearer token when given. A FHIR OperationOutcome answer becomes an {@link ApiCallError} carrying
 * its stable code; a gateway that cannot be reached becomes a {@link ConnectionError}.
 */
import { once } from 'node:events';
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';

/** The gateway answered with an error (an OperationOutcome). */
export class ApiCallError extends Error {
    /** Stable code from `issue[0].details.text`, e.g. `ACCESS_DENIED`. */
    readonly code: string;
    readonly status: number;
    /** The whole response body (a denial carries `reason` and `accessId` beside the outcome). */
    readonly body: unknown;

    /**
     * @param status - HTTP status
     * @param code - stable code
     * @param diagnostics - text for people
     * @param body - the parsed body
     */
    constructor(status: number, code: string, diagnostics: string, body: unknown) {
        super(diagnostics);
        this.name = 'ApiCallError';
        this.status = status;
        this.code = code;
        this.body = body;
    }
}

/** The gateway could not be reached, or did not answer in time. */
export class ConnectionError extends Error {
    constructor(message: string, options: { cause?: unknown } = {}) {
        super(message, options);
        this.name = 'ConnectionError';
    }
}

/** Where and as whom to call. */
export interface ApiClientOptions {
    /** The gateway's API URL, `https://127.0.0.1:7401`. */
    readonly baseUrl: string;
    /** PEM of the TLS CA that issued the gateway's certificate. */
    readonly caPem: string;
    /** Staff bearer token, if any. */
    readonly token?: string;
    /** Deadline of each call (30 s by default). */
    readonly timeoutMs?: number;
}

/** What a download wrote. */
export interface Download {
    readonly status: number;
    readonly contentType: string;
    readonly bytes: number;
}

/** A raw answer: status, content type and body text. */
export interface RawResponse {
    readonly status: number;
    readonly contentType: string;
    readonly text: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseBody(text: string): unknown {
    if (text === '') {
        return undefined;
    }
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}

/**
 * The code and diagnostics of an OperationOutcome body.
 * @param body - a parsed error body
 */
export function readOutcome(body: unknown): { code: string; diagnostics: string } {
    const issue = isRecord(body) && Array.isArray(body.issue) ? (body.issue[0] as unknown) : undefined;
    if (!isRecord(issue)) {
        return { code: 'UNKNOWN', diagnostics: typeof body === 'string' ? body.slice(0, 200) : 'no OperationOutcome' };
    }
    const details = isRecord(issue.details) ? issue.details.text : undefined;
    return {
        code: typeof details === 'string' ? details : 'UNKNOWN',
        diagnostics: typeof issue.diagnostics === 'string' ? issue.diagnostics : '',
    };
}

async function readText(res: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of res as AsyncIterable<Buffer>) {
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
}

/** A client of one gateway, as one caller. */
export class ApiClient {
    readonly #options: ApiClientOptions;

    /**
     * @param options - URL, CA, token, deadline
     */
    constructor(options: ApiClientOptions) {
        this.#options = options;
    }

    /** A client of the same gateway with another token (or none). */
    withToken(token: string | undefined): ApiClient {
        return new ApiClient({ ...this.#options, token });
    }

    /** A client of the same gateway with another deadline (the longest silence of a call). */
    withTimeout(timeoutMs: number): ApiClient {
        return new ApiClient({ ...this.#options, timeoutMs });
    }

    #open(method: string, path: string, payload?: Buffer, accept = 'application/json'): Promise<IncomingMessage> {
        const headers: Record<string, string> = { accept };
        if (payload) {
            headers['content-type'] = 'application/json';
            headers['content-length'] = String(payload.length);
        }
        if (this.#options.token !== undefined) {
            headers.authorization = `Bearer ${this.#options.token}`;
        }
        const url = new URL(path, this.#options.baseUrl);
        const timeoutMs = this.#options.timeoutMs ?? 30_000;
        return new Promise((resolve, reject) => {
            const req = request(url, { method, headers, ca: this.#options.caPem, timeout: timeoutMs }, resolve);
            req.on('timeout', () => {
                req.destroy(new Error(`no answer within ${timeoutMs} ms`));
            });
            req.on('error', (cause) => {
                const code = (cause as NodeJS.ErrnoException).code ?? cause.message;
                reject(new ConnectionError(`Cannot reach ${url.origin}: ${code}`, { cause }));
            });
            req.end(payload);
        });
    }

    /**
     * Sends a GET and writes a 2xx answer's body to `sink` as it arrives, waiting for the sink to drain
     * (exports of any size, in constant memory). The sink is not ended.
     * @param path - path and query
     * @param sink - where the body goes
     * @param onChunk - told each chunk written (progress)
     * @throws ApiCallError on a non-2xx answer; ConnectionError when unreachable or when the answer is cut off
     */
    async download(
        path: string,
        sink: Writable,
        onChunk: (chunk: Buffer) => void = () => undefined,
    ): Promise<Download> {
        const res = await this.#open('GET', path, undefined, '*/*');
        const status = res.statusCode ?? 0;
        const contentType = res.headers['content-type'] ?? '';
        if (status < 200 || status > 299) {
            const parsed = parseBody(await readText(res));
            const { code, diagnostics } = readOutcome(parsed);
            throw new ApiCallError(status, code, diagnostics, parsed);
        }
        let bytes = 0;
        try {
            for await (const chunk of res as AsyncIterable<Buffer>) {
                bytes += chunk.length;
                onChunk(chunk);
                if (!sink.write(chunk)) {
                    await once(sink, 'drain');
                }
            }
        } catch (cause) {
            throw new ConnectionError(`The answer from ${this.#options.baseUrl} was cut off after ${bytes} bytes`, {
                cause,
            });
        }
        return { status, contentType, bytes };
    }

    /**
     * Sends a request and returns the raw answer, whatever its status.
     * @param method - HTTP method
     * @param path - path and query
     * @param body - JSON body
     * @throws ConnectionError when the gateway cannot be reached
     */
    async raw(method: string, path: string, body?: unknown): Promise<RawResponse> {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
        const res = await this.#open(method, path, payload);
        try {
            const text = await readText(res);
            return { status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', text };
        } catch (cause) {
            throw new ConnectionError(`Connection to ${new URL(path, this.#options.baseUrl).origin} broke`, { cause });
        }
    }

    /**
     * Sends a request; a 2xx answer's JSON body is returned.
     * @param method - HTTP method
     * @param path - path and query
     * @param body - JSON body
     * @throws ApiCallError on a non-2xx answer; ConnectionError when unreachable
     */
    async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
        const response = await this.raw(method, path, body);
        const parsed = parseBody(response.text);
        if (response.status < 200 || response.status > 299) {
            const { code, diagnostics } = readOutcome(parsed);
            throw new ApiCallError(response.status, code, diagnostics, parsed);
        }
        return parsed as T;
    }

    /**
     * Sends a request; a 2xx answer's body is returned as text (exports: CSV, FHIR Bundles).
     * @param method - HTTP method
     * @param path - path and query
     * @throws ApiCallError on a non-2xx answer; ConnectionError when unreachable
     */
    async text(method: string, path: string): Promise<string> {
        const response = await this.raw(method, path);
        if (response.status < 200 || response.status > 299) {
            const parsed = parseBody(response.text);
            const { code, diagnostics } = readOutcome(parsed);
            throw new ApiCallError(response.status, code, diagnostics, parsed);
        }
        return response.text;
    }

    /** GET a JSON resource. */
    get<T = unknown>(path: string): Promise<T> {
        return this.call<T>('GET', path);
    }

    /** POST a JSON body. */
    post<T = unknown>(path: string, body: unknown = {}): Promise<T> {
        return this.call<T>('POST', path, body);
    }
}

/**
 * A path with a query string from the defined values.
 * @param path - the path
 * @param query - parameters; undefined ones are left out
 */
export function withQuery(path: string, query: Readonly<Record<string, string | number | undefined>>): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
        if (value !== undefined) {
            params.set(name, String(value));
        }
    }
    const text = params.toString();
    return text === '' ? path : `${path}?${text}`;
}
