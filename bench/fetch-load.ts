// SPDX-License-Identifier: Apache-2.0
/**
 * The load side of `npm run bench:fetch`: HTTPS calls over keep-alive connections (one per request in
 * flight, as a portal or an integration engine would keep them), and a closed loop that keeps a fixed number
 * of requests in flight for a duration or a number of requests and reports latency percentiles and rate; and
 * requests made one at a time at a fixed pace.
 */
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { toCpuPerRequest, type CpuSnapshot } from './fetch-cpu';

/** An HTTPS answer: status and body bytes. */
export interface HttpAnswer {
    readonly status: number;
    readonly body: Buffer;
}

/** Where and how to call. */
export interface HttpTarget {
    /** `https://host:port`. */
    readonly baseUrl: string;
    /** Keeps connections open between requests. */
    readonly agent: Agent;
    readonly headers?: Readonly<Record<string, string>>;
}

/** TLS material of a keep-alive agent. */
export interface AgentTls {
    readonly caPems: readonly string[];
    readonly certPem?: string;
    readonly keyPem?: string;
}

/**
 * A keep-alive agent with up to `sockets` connections.
 * @param tls - trust anchors and, for mutual TLS, the client pair
 * @param sockets - most connections at once
 */
export function newKeepAliveAgent(tls: AgentTls, sockets: number): Agent {
    return new Agent({
        keepAlive: true,
        maxSockets: sockets,
        ca: [...tls.caPems],
        ...(tls.certPem === undefined ? {} : { cert: tls.certPem, key: tls.keyPem }),
    });
}

/**
 * Sends one request and reads the whole answer. A request written to a kept-alive connection that the server
 * closed meanwhile (it ends with no answer) is sent once more on a new connection, as Node's documentation
 * advises: the server never saw it.
 * @param target - base URL, agent, headers
 * @param method - GET or POST
 * @param path - path and query
 * @param body - JSON body
 * @throws the connection's error
 */
export async function callHttps(target: HttpTarget, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    try {
        return await sendHttps(target, method, path, body);
    } catch (error) {
        if (error instanceof StaleSocketError) {
            return sendHttps(target, method, path, body);
        }
        throw error;
    }
}

/** A request that failed on a reused connection before any answer. */
class StaleSocketError extends Error {}

function sendHttps(target: HttpTarget, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = { accept: 'application/json', ...target.headers };
    if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
        let answered = false;
        const req = request(new URL(path, target.baseUrl), { method, headers, agent: target.agent }, (res) => {
            answered = true;
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
                resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
            });
            res.on('error', reject);
        });
        req.on('error', (error: NodeJS.ErrnoException) => {
            const stale = req.reusedSocket && !answered && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
            reject(stale ? new StaleSocketError(error.message) : error);
        });
        req.end(payload);
    });
}

/** How long one step runs. */
export interface StepLength {
    /** Timed seconds (ignored when `requests` is given). */
    readonly seconds: number;
    /** Timed requests, instead of a duration. */
    readonly requests?: number;
    /** Untimed requests first, per request in flight. */
    readonly warmupPerSlot: number;
}

/** What one step measured. Latencies in milliseconds. */
export interface StepResult {
    readonly inFlight: number;
    readonly requests: number;
    /** Requests whose answer was not the expected one (they are not in the latencies). */
    readonly errors: number;
    readonly seconds: number;
    readonly perSecond: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
    /** CPU milliseconds per completed request, by process, and their total. */
    readonly cpuMsPerRequest: Readonly<Record<string, number>>;
    /** The first unexpected answer, for the report. */
    readonly firstError?: string;
}

/** One request of a step: resolves when the answer is the expected one, rejects (with why) otherwise. */
export type Probe = () => Promise<void>;

/** Work done just before the timed part of a step begins and just after it ends (outside the timing). */
export interface StepHooks {
    readonly beforeTimed?: () => Promise<void>;
    readonly afterTimed?: () => Promise<void>;
}

function percentile(sorted: readonly number[], fraction: number): number {
    if (sorted.length === 0) {
        return Number.NaN;
    }
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/**
 * Keeps `inFlight` requests going, first untimed (warm-up), then for the step's length.
 * @param probe - one request
 * @param inFlight - requests kept in flight
 * @param length - duration or count, and warm-up
 * @param cpu - CPU time so far by process, read as the timed part starts and ends
 * @param hooks - run around the timed part, e.g. to read the ledger's height
 * @returns latency percentiles, rate, CPU per request and errors
 */
export async function runStep(
    probe: Probe,
    inFlight: number,
    length: StepLength,
    cpu: () => CpuSnapshot,
    hooks: StepHooks = {},
): Promise<StepResult> {
    await Promise.all(
        Array.from({ length: inFlight }, async () => {
            for (let i = 0; i < length.warmupPerSlot; i++) {
                await probe().catch(() => undefined);
            }
        }),
    );
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    let started = 0;
    await hooks.beforeTimed?.();
    const cpuBefore = cpu();
    const start = performance.now();
    const deadline = start + length.seconds * 1000;
    const more = (): boolean =>
        length.requests === undefined ? performance.now() < deadline : started < length.requests;
    const slot = async (): Promise<void> => {
        while (more()) {
            started += 1;
            const begun = performance.now();
            try {
                await probe();
                latencies.push(performance.now() - begun);
            } catch (error) {
                errors += 1;
                firstError ??= error instanceof Error ? error.message : String(error);
            }
        }
    };
    await Promise.all(Array.from({ length: inFlight }, slot));
    const seconds = (performance.now() - start) / 1000;
    const cpuMsPerRequest = toCpuPerRequest(cpuBefore, cpu(), latencies.length);
    await hooks.afterTimed?.();
    const sorted = latencies.sort((a, b) => a - b);
    return {
        inFlight,
        requests: latencies.length,
        errors,
        seconds: round(seconds),
        perSecond: Math.round(latencies.length / seconds),
        p50: round(percentile(sorted, 0.5)),
        p99: round(percentile(sorted, 0.99)),
        max: round(sorted.at(-1) ?? Number.NaN),
        mean: round(sorted.reduce((sum, ms) => sum + ms, 0) / Math.max(1, sorted.length)),
        cpuMsPerRequest,
        ...(firstError === undefined ? {} : { firstError }),
    };
}

/** Requests made one at a time at a fixed pace, and their latencies in milliseconds. */
export interface PacedResult {
    /** A request was started this often. */
    readonly everyMs: number;
    readonly requests: number;
    readonly p50: number;
    readonly p99: number;
}

/**
 * Makes `requests` requests one at a time, starting one every `everyMs` milliseconds (or as soon as the one
 * before it answered, if that took longer): what a request costs when the processes sleep between requests, as
 * they do at one fetch in flight, rather than back to back. A machine that runs code much slower after a few
 * milliseconds idle shows it here.
 * @param probe - one request; a failure fails the run
 * @param everyMs - the pace
 * @param requests - how many
 */
export async function runPaced(probe: Probe, everyMs: number, requests: number): Promise<PacedResult> {
    const latencies: number[] = [];
    let next = performance.now();
    for (let i = 0; i < requests; i++) {
        const wait = next - performance.now();
        if (wait > 0) {
            await delay(wait);
        }
        const begun = performance.now();
        next = begun + everyMs;
        await probe();
        latencies.push(performance.now() - begun);
    }
    const sorted = latencies.sort((a, b) => a - b);
    return {
        everyMs: round(everyMs),
        requests: sorted.length,
        p50: round(percentile(sorted, 0.5)),
        p99: round(percentile(sorted, 0.99)),
    };
}
