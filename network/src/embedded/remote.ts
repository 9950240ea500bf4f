// SPDX-License-Identifier: Apache-2.0
/**
 * A {@link LedgerTransport} that reaches a ledger node over HTTPS with mutual TLS, presenting the
 * organisation's TLS client certificate. Errors come back as the same classes, codes and transaction ids
 * the in-process ledger raises; a node that cannot be reached, resets the connection or misses a deadline
 * gives an {@link UnavailableError}, so callers fail closed. A {@link Liveness} probe (`GET /v1/info` every
 * `probeMs`) finds a node that stopped answering, such as a frozen process whose kernel still accepts
 * connections: calls then fail at once, and calls waiting on it (a submit waiting for its commit) are
 * abandoned, instead of each waiting out its own deadline.
 *
 * Evaluate and submit go over one proposal channel (`channel-client.ts`): a connection upgraded once and kept,
 * on which many proposals wait at once, rather than an HTTP exchange each. The other calls are plain HTTPS.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { EndorseError, LedgerError, Liveness, UnavailableError } from '../ledger';
import type { ChannelOpName } from './channel';
import { ProposalChannelClient, type ChannelTls } from './channel-client';
import { parseSignedProposal } from './proposal';
import type { ChainInfo, ChainVerification, ChaincodeEvent, CloseableAsyncIterable, CommitResult } from '../ledger';
import type { LedgerTransport } from './transport';
import { MAX_PROPOSAL_BYTES, fromWireError, fromWireEvent, readBlockNumber } from './wire';

/** TLS material of the client: the node's TLS CA and the organisation's TLS client pair (the channel's too). */
export type RemoteLedgerTls = ChannelTls;

/** Options of {@link RemoteLedgerTransport}. */
export interface RemoteLedgerOptions {
    /** The node's URL, `https://127.0.0.1:PORT`. */
    readonly url: string;
    readonly tls: RemoteLedgerTls;
    /** Deadline of every call but submit, and of opening an event stream; {@link DEFAULT_TIMEOUT_MS} by default. */
    readonly timeoutMs?: number;
    /**
     * Deadline of submit, which waits for its block to commit: `timeoutMs` + {@link DEFAULT_COMMIT_WAIT_MS} by
     * default. Longer than the other calls because a transaction the node has accepted is about to commit, and
     * calling it failed would mislead the caller; a node that stops answering is caught by the probe instead.
     */
    readonly submitTimeoutMs?: number;
    /** The pause between liveness probes, and each probe's deadline; {@link DEFAULT_PROBE_MS} by default. */
    readonly probeMs?: number;
}

/** Default deadline of a call, short enough that a caller is told "unavailable" within three seconds. */
export const DEFAULT_TIMEOUT_MS = 2_500;
/** Default wait for a submitted transaction's commit, beyond {@link DEFAULT_TIMEOUT_MS}. */
export const DEFAULT_COMMIT_WAIT_MS = 20_000;
/** Default probe interval: a node that stops answering is found within two of them. */
export const DEFAULT_PROBE_MS = 1_000;

/** Responses larger than this are refused (a block of 500 transactions is a few MiB). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** An event line longer than this means the stream is not what it should be. */
const MAX_EVENT_LINE = 4 * 1024 * 1024;
/** Idle keep-alive sockets are dropped by the client before the server's 60 s keep-alive timeout. */
const IDLE_SOCKET_MS = 30_000;

interface Response {
    readonly status: number;
    readonly body: Buffer;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(body: Buffer): Record<string, unknown> {
    let value: unknown;
    try {
        value = JSON.parse(body.toString('utf8'));
    } catch (cause) {
        throw new UnavailableError('Ledger node sent a response that is not JSON', { cause });
    }
    if (!isRecord(value)) {
        throw new UnavailableError('Ledger node sent a response that is not a JSON object');
    }
    return value;
}

function readString(value: Record<string, unknown>, field: string): string {
    const text = value[field];
    if (typeof text !== 'string') {
        throw new UnavailableError(`Ledger node response lacks ${field}`);
    }
    return text;
}

function readBigint(value: Record<string, unknown>, field: string): bigint {
    const number = readBlockNumber(readString(value, field));
    if (number === undefined) {
        throw new UnavailableError(`Ledger node response has a malformed ${field}`);
    }
    return BigInt(number);
}

function txIdOf(proposal: Uint8Array): string | undefined {
    try {
        return parseSignedProposal(proposal).txId;
    } catch {
        return undefined;
    }
}

function toUnavailable(error: unknown, txId?: string): LedgerError {
    if (error instanceof LedgerError) {
        return error;
    }
    const code = (error as NodeJS.ErrnoException).code;
    const detail = code ?? (error instanceof Error ? error.message : 'unknown error');
    return new UnavailableError(`Ledger node unreachable: ${detail}`, { txId, cause: error });
}

function deadlineError(timeoutMs: number): UnavailableError {
    return new UnavailableError(`Ledger node did not answer within ${timeoutMs} ms`);
}

async function readBody(res: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
            throw new UnavailableError('Ledger node response is too large');
        }
        chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
}

/** A ledger node reached over mutual TLS. */
export class RemoteLedgerTransport implements LedgerTransport {
    readonly #base: URL;
    readonly #agent: Agent;
    readonly #timeoutMs: number;
    readonly #submitTimeoutMs: number;
    readonly #streams = new Set<() => void>();
    /** Requests waiting for their answer, destroyed when the node is found down. */
    readonly #inFlight = new Set<ClientRequest>();
    readonly #liveness: Liveness;
    readonly #tls: RemoteLedgerTls;
    /** The proposal channel, opened at the first proposal and again after it fails. */
    #channel: ProposalChannelClient | undefined;
    #closed = false;

    /**
     * @param options - node URL, TLS material, deadlines
     * @throws RangeError on a URL that is not https or a deadline that is not a positive integer
     */
    constructor(options: RemoteLedgerOptions) {
        this.#base = new URL(options.url);
        if (this.#base.protocol !== 'https:') {
            throw new RangeError('The ledger node URL must be https');
        }
        this.#tls = options.tls;
        this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        this.#submitTimeoutMs = options.submitTimeoutMs ?? this.#timeoutMs + DEFAULT_COMMIT_WAIT_MS;
        const probeMs = options.probeMs ?? DEFAULT_PROBE_MS;
        if (![this.#timeoutMs, this.#submitTimeoutMs, probeMs].every((ms) => Number.isInteger(ms) && ms > 0)) {
            throw new RangeError('Deadlines must be positive integers (milliseconds)');
        }
        this.#liveness = new Liveness({
            name: `Ledger node ${this.#base.origin}`,
            intervalMs: probeMs,
            probe: (deadlineMs) => this.#probe(deadlineMs),
        });
        this.#liveness.onChange((down) => {
            if (down) {
                this.#abandonInFlight();
            }
        });
        this.#agent = new Agent({
            keepAlive: true,
            timeout: IDLE_SOCKET_MS,
            ca: options.tls.caPem,
            cert: options.tls.certPem,
            key: options.tls.keyPem,
            minVersion: 'TLSv1.2',
        });
    }

    /** @inheritdoc */
    async evaluate(proposal: Uint8Array): Promise<Uint8Array> {
        const body = await this.#propose('evaluate', proposal, this.#timeoutMs);
        return Buffer.from(readString(body, 'result'), 'base64');
    }

    /** @inheritdoc */
    async submit(proposal: Uint8Array): Promise<CommitResult> {
        const body = await this.#propose('submit', proposal, this.#submitTimeoutMs);
        return {
            txId: readString(body, 'txId'),
            blockNumber: readBigint(body, 'blockNumber'),
            result: Buffer.from(readString(body, 'result'), 'base64'),
        };
    }

    /** @inheritdoc */
    async chaincodeEvents(startBlock: bigint): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        this.#assertCallable();
        const path = `/v1/events?startBlock=${encodeURIComponent(startBlock.toString())}`;
        const { req, res } = await this.#open(path, this.#timeoutMs, { headersOnly: true });
        if (res.statusCode !== 200) {
            const body = await readBody(res).catch((error: unknown) => {
                throw toUnavailable(error);
            });
            throw fromWireError(res.statusCode ?? 0, body);
        }
        const stream = newEventStream(req, res, () => this.#streams.delete(stop));
        const stop = (): void => {
            stream.close();
        };
        this.#streams.add(stop);
        return stream;
    }

    /** @inheritdoc */
    async info(): Promise<ChainInfo> {
        const body = await this.#json('/v1/info');
        return { height: readBigint(body, 'height'), currentHash: readString(body, 'currentHash') };
    }

    /** @inheritdoc */
    async verify(): Promise<ChainVerification> {
        const body = await this.#json('/v1/verify');
        if (typeof body.ok !== 'boolean' || typeof body.height !== 'number' || typeof body.checked !== 'number') {
            throw new UnavailableError('Ledger node sent a malformed verification');
        }
        return body as unknown as ChainVerification;
    }

    /** @inheritdoc */
    async getBlock(number: bigint): Promise<Uint8Array | undefined> {
        const response = await this.#call(`/v1/blocks/${encodeURIComponent(number.toString())}`);
        if (response.status === 200) {
            return response.body;
        }
        const error = fromWireError(response.status, response.body);
        if (error.code === 'BLOCK_NOT_FOUND') {
            return undefined;
        }
        throw error;
    }

    /** Ends every open event stream and closes every connection; later calls fail with UnavailableError. */
    close(): void {
        this.#closed = true;
        this.#liveness.close();
        for (const stop of this.#streams) {
            stop();
        }
        this.#channel?.destroy(new UnavailableError('Ledger transport is closed'));
        this.#agent.destroy();
    }

    /** Whether the liveness probe last found the node down (it recovers by itself). */
    get isDown(): boolean {
        return this.#liveness.isDown;
    }

    /**
     * Listens to the node's liveness.
     * @param listener - told `true` when the node is found down, `false` when it answers again
     * @returns stops listening
     */
    onLivenessChange(listener: (down: boolean) => void): () => void {
        return this.#liveness.onChange(listener);
    }

    /** @throws UnavailableError when the transport is closed or the node is known to be down */
    #assertCallable(): void {
        if (this.#closed) {
            throw new UnavailableError('Ledger transport is closed');
        }
        this.#liveness.assertUp();
    }

    /** The probe: any answer to `GET /v1/info` within the deadline means the node is alive. */
    async #probe(deadlineMs: number): Promise<void> {
        const { res, clear } = await this.#open('/v1/info', deadlineMs, { headersOnly: false });
        try {
            await readBody(res);
        } finally {
            clear();
        }
    }

    #abandonInFlight(): void {
        const requests = [...this.#inFlight];
        this.#inFlight.clear();
        const error = new UnavailableError('Ledger node stopped answering its health probe');
        for (const req of requests) {
            req.destroy(error);
        }
        this.#channel?.destroy(error);
    }

    /** The error a failed exchange becomes; an unavailable node is probed at once. */
    #toFailure(error: unknown, timeoutMs: number, expired: boolean): LedgerError {
        const failure = expired ? deadlineError(timeoutMs) : toUnavailable(error);
        if (failure instanceof UnavailableError) {
            this.#liveness.probeSoon();
        }
        return failure;
    }

    async #propose(op: ChannelOpName, proposal: Uint8Array, timeoutMs: number): Promise<Record<string, unknown>> {
        if (proposal.length > MAX_PROPOSAL_BYTES) {
            throw new EndorseError('PAYLOAD_TOO_LARGE', `Proposal exceeds ${MAX_PROPOSAL_BYTES} bytes`);
        }
        let response: Response;
        try {
            this.#assertCallable();
            response = await this.#channelFor().call(op, proposal, timeoutMs, () => deadlineError(timeoutMs));
        } catch (error) {
            const failure = this.#toFailure(error, timeoutMs, false);
            // Only on failure: a submit that timed out may still commit, so the caller needs its id.
            throw failure instanceof UnavailableError && failure.txId === undefined
                ? new UnavailableError(failure.message, { txId: txIdOf(proposal), cause: failure.cause })
                : failure;
        }
        if (response.status !== 200) {
            throw fromWireError(response.status, response.body);
        }
        return parseJson(response.body);
    }

    /** The open proposal channel, or a new one when there is none. */
    #channelFor(): ProposalChannelClient {
        if (this.#channel) {
            return this.#channel;
        }
        const channel: ProposalChannelClient = new ProposalChannelClient(this.#base, this.#tls, {
            onAnswer: () => {
                this.#liveness.noteAnswer();
            },
            onDone: () => {
                if (this.#channel === channel) {
                    this.#channel = undefined;
                }
            },
            openTimeoutMs: this.#timeoutMs,
        });
        this.#channel = channel;
        return channel;
    }

    async #json(path: string): Promise<Record<string, unknown>> {
        const response = await this.#call(path);
        if (response.status !== 200) {
            throw fromWireError(response.status, response.body);
        }
        return parseJson(response.body);
    }

    async #call(path: string): Promise<Response> {
        this.#assertCallable();
        const timeoutMs = this.#timeoutMs;
        const { res, clear, expired } = await this.#open(path, timeoutMs, { headersOnly: false });
        try {
            return { status: res.statusCode ?? 0, body: await readBody(res) };
        } catch (error) {
            throw this.#toFailure(error, timeoutMs, expired());
        } finally {
            clear();
        }
    }

    /**
     * Sends a GET and resolves with its response once the headers arrive. The deadline covers the headers only
     * (`headersOnly`, for streams) or, until `clear()` is called, the whole exchange.
     */
    #open(
        path: string,
        timeoutMs: number,
        { headersOnly }: { headersOnly: boolean },
    ): Promise<{ req: ClientRequest; res: IncomingMessage; clear: () => void; expired: () => boolean }> {
        const options: RequestOptions = { method: 'GET', agent: this.#agent, headers: { accept: 'application/json' } };
        return new Promise((resolve, reject) => {
            const req = request(new URL(path, this.#base), options);
            let timedOut = false;
            const expired = (): boolean => timedOut;
            const timer = setTimeout(() => {
                timedOut = true;
                req.destroy(deadlineError(timeoutMs));
            }, timeoutMs);
            this.#inFlight.add(req);
            const clear = (): void => {
                clearTimeout(timer);
                this.#inFlight.delete(req);
            };
            req.once('response', (res) => {
                this.#liveness.noteAnswer();
                if (headersOnly) {
                    clear();
                }
                resolve({ req, res, clear, expired });
            });
            // `on`, not `once`: a socket error after the response arrived must not go unhandled.
            req.on('error', (error) => {
                clear();
                reject(this.#toFailure(error, timeoutMs, timedOut));
            });
            req.end();
        });
    }
}

function splitLines(buffered: string): { lines: string[]; rest: string } {
    const parts = buffered.split('\n');
    const rest = parts.pop() ?? '';
    if (rest.length > MAX_EVENT_LINE) {
        throw new UnavailableError('Ledger node sent an event line that is too long');
    }
    return { lines: parts.filter((line) => line.length > 0), rest };
}

/** Parses an NDJSON response into chaincode events until it ends, fails or is closed. */
function newEventStream(
    req: ClientRequest,
    res: IncomingMessage,
    onClose: () => void,
): CloseableAsyncIterable<ChaincodeEvent> {
    const state = { closed: false };
    const close = (): void => {
        state.closed = true;
        onClose();
        req.destroy();
    };
    res.setEncoding('utf8');
    async function* generate(): AsyncGenerator<ChaincodeEvent> {
        let rest = '';
        try {
            for await (const chunk of res as AsyncIterable<string>) {
                const split = splitLines(rest + chunk);
                rest = split.rest;
                yield* split.lines.map(fromWireEvent);
            }
        } catch (error) {
            if (!state.closed) {
                throw toUnavailable(error);
            }
        } finally {
            close();
        }
    }
    const iterator = generate();
    return {
        [Symbol.asyncIterator]: () => iterator,
        close,
    };
}
