// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger node's HTTP routes: request parsing, the handlers that call the {@link LedgerTransport}, and
 * error responses. The server around them (`server.ts`) owns TLS, in-flight tracking and shutdown.
 *
 * Routes (all under `/v1`): `POST evaluate`, `POST submit` (body: SignedProposal bytes), `GET events`
 * (NDJSON, `?startBlock=N`), `GET info`, `GET verify`, `GET blocks/:n`; proposals that come on a proposal
 * channel (`channel.ts`) are answered by {@link LedgerRoutes.answerProposal} with the same bodies. Errors are JSON bodies from
 * `wire.ts` that carry the ledger error's class, code and transaction id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EndorseError, LedgerError, UnavailableError, type CommitResult } from '../ledger';
import type { ChannelOpName } from './channel';
import type { LedgerServerLogEntry } from './server';
import type { LedgerTransport } from './transport';
import {
    EVENTS_CONTENT_TYPE,
    MAX_PROPOSAL_BYTES,
    PROPOSAL_CONTENT_TYPE,
    readBlockNumber,
    toWireError,
    toWireEvent,
} from './wire';

/** What the routes need from the server that hosts them. */
export interface RouteContext {
    readonly ledger: LedgerTransport;
    readonly log: (entry: LedgerServerLogEntry) => void;
    /** How long an event stream holds events before sending them (0: at once). */
    readonly eventFlushMs: number;
    /** True once the server is closing: requests are refused and responses ask the client to close. */
    isClosing(): boolean;
    /** Registers an open event stream's `stop`, so closing the server can end it. */
    addStream(stop: () => void): void;
    /** Forgets a stream registered with {@link RouteContext.addStream}. */
    deleteStream(stop: () => void): void;
}

/** Bodies declared or sent beyond this are not drained for a polite 413: the connection is dropped. */
const DRAIN_LIMIT = 8 * MAX_PROPOSAL_BYTES;

/** An error about the HTTP request itself (wire kind `request`). */
class RequestError extends LedgerError {
    readonly headers: Readonly<Record<string, string>>;

    constructor(code: string, message: string, headers: Readonly<Record<string, string>> = {}) {
        super(code, message);
        this.headers = headers;
    }
}

type Handler = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => Promise<void>;

interface Route {
    readonly method: 'GET' | 'POST';
    readonly handle: Handler;
}

function sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Readonly<Record<string, string>> = {},
): void {
    const bytes = jsonBytes(body);
    res.writeHead(status, {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(bytes.length),
        'cache-control': 'no-store',
    });
    res.end(bytes);
}

function assertQuery(query: URLSearchParams, allowed: readonly string[]): void {
    const names = [...query.keys()];
    const unknown = names.find((name) => !allowed.includes(name));
    if (unknown !== undefined) {
        throw new RequestError('INVALID_INPUT', `Unknown query parameter ${JSON.stringify(unknown.slice(0, 64))}`);
    }
    if (new Set(names).size !== names.length) {
        throw new RequestError('INVALID_INPUT', 'A query parameter is repeated');
    }
}

function assertProposalRequest(req: IncomingMessage): void {
    const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
    if (type !== PROPOSAL_CONTENT_TYPE) {
        throw new RequestError('UNSUPPORTED_MEDIA_TYPE', `Body must be ${PROPOSAL_CONTENT_TYPE}`);
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > DRAIN_LIMIT) {
        throw new RequestError('PAYLOAD_TOO_LARGE', `Proposal exceeds ${MAX_PROPOSAL_BYTES} bytes`, {
            connection: 'close',
        });
    }
}

/** Reads a proposal body; a body over the limit is read to its end and discarded so the 413 arrives. */
async function readProposal(req: IncomingMessage): Promise<Buffer> {
    assertProposalRequest(req);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > DRAIN_LIMIT) {
            throw new RequestError('PAYLOAD_TOO_LARGE', `Proposal exceeds ${MAX_PROPOSAL_BYTES} bytes`, {
                connection: 'close',
            });
        }
        if (size <= MAX_PROPOSAL_BYTES) {
            chunks.push(chunk);
        }
    }
    assertProposalSize(size);
    return Buffer.concat(chunks, size);
}

/** @throws EndorseError for a proposal over the size limit or an empty one */
function assertProposalSize(size: number): void {
    if (size > MAX_PROPOSAL_BYTES) {
        throw new EndorseError('PAYLOAD_TOO_LARGE', `Proposal exceeds ${MAX_PROPOSAL_BYTES} bytes`);
    }
    if (size === 0) {
        throw new EndorseError('BAD_PROPOSAL', 'Proposal body is empty');
    }
}

function evaluateBody(result: Uint8Array): Record<string, string> {
    return { result: Buffer.from(result).toString('base64') };
}

function submitBody(committed: CommitResult): Record<string, string> {
    return {
        txId: committed.txId,
        blockNumber: committed.blockNumber.toString(),
        result: Buffer.from(committed.result).toString('base64'),
    };
}

function jsonBytes(body: unknown): Buffer {
    return Buffer.from(JSON.stringify(body), 'utf8');
}

function readStartBlock(query: URLSearchParams): bigint {
    assertQuery(query, ['startBlock']);
    const text = query.get('startBlock') ?? '0';
    const number = readBlockNumber(text);
    if (number === undefined) {
        throw new RequestError('INVALID_INPUT', 'startBlock must be a non-negative integer');
    }
    return BigInt(number);
}

const BLOCK_PATH = /^\/v1\/blocks\/([^/]*)$/;

/** Routes requests to one ledger; one instance per server. */
export class LedgerRoutes {
    readonly #context: RouteContext;
    readonly #routes: ReadonlyMap<string, Route>;

    constructor(context: RouteContext) {
        this.#context = context;
        this.#routes = new Map<string, Route>([
            ['/v1/evaluate', { method: 'POST', handle: (req, res, query) => this.#evaluate(req, res, query) }],
            ['/v1/submit', { method: 'POST', handle: (req, res, query) => this.#submit(req, res, query) }],
            ['/v1/events', { method: 'GET', handle: (_req, res, query) => this.#events(res, query) }],
            ['/v1/info', { method: 'GET', handle: (_req, res, query) => this.#info(res, query) }],
            ['/v1/verify', { method: 'GET', handle: (_req, res, query) => this.#verify(res, query) }],
        ]);
    }

    /** Handles a request; never rejects. */
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        try {
            if (this.#context.isClosing()) {
                throw new UnavailableError('Ledger node is shutting down');
            }
            const url = new URL(req.url ?? '/', 'https://ledger.invalid');
            await this.#route(req.method ?? '', url.pathname)(req, res, url.searchParams);
        } catch (error) {
            this.#fail(res, error);
        }
    }

    #route(method: string, path: string): Handler {
        const route = this.#findRoute(path);
        if (!route) {
            throw new RequestError('NOT_FOUND', 'No such route');
        }
        if (method !== route.method) {
            throw new RequestError('METHOD_NOT_ALLOWED', `Use ${route.method}`, { allow: route.method });
        }
        return route.handle;
    }

    #findRoute(path: string): Route | undefined {
        const block = BLOCK_PATH.exec(path);
        if (block) {
            return { method: 'GET', handle: (_req, res, query) => this.#block(res, block[1] ?? '', query) };
        }
        return this.#routes.get(path);
    }

    async #evaluate(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
        assertQuery(query, []);
        const result = await this.#context.ledger.evaluate(await readProposal(req));
        sendJson(res, 200, evaluateBody(result), this.#connectionHeaders());
    }

    async #submit(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
        assertQuery(query, []);
        const committed = await this.#context.ledger.submit(await readProposal(req));
        sendJson(res, 200, submitBody(committed), this.#connectionHeaders());
    }

    /**
     * Answers a proposal that came on a proposal channel (`channel.ts`) with the status and JSON body its HTTP
     * route would answer with. Never rejects.
     * @param op - evaluate or submit
     * @param proposal - the SignedProposal bytes
     */
    async answerProposal(op: ChannelOpName, proposal: Buffer): Promise<{ status: number; body: Buffer }> {
        try {
            if (this.#context.isClosing()) {
                throw new UnavailableError('Ledger node is shutting down');
            }
            assertProposalSize(proposal.length);
            const body =
                op === 'submit'
                    ? submitBody(await this.#context.ledger.submit(proposal))
                    : evaluateBody(await this.#context.ledger.evaluate(proposal));
            return { status: 200, body: jsonBytes(body) };
        } catch (error) {
            const { status, body } = this.#toWire(error);
            return { status, body: jsonBytes(body) };
        }
    }

    async #info(res: ServerResponse, query: URLSearchParams): Promise<void> {
        assertQuery(query, []);
        const info = await this.#context.ledger.info();
        sendJson(
            res,
            200,
            { height: info.height.toString(), currentHash: info.currentHash },
            this.#connectionHeaders(),
        );
    }

    async #verify(res: ServerResponse, query: URLSearchParams): Promise<void> {
        assertQuery(query, []);
        sendJson(res, 200, await this.#context.ledger.verify(), this.#connectionHeaders());
    }

    async #block(res: ServerResponse, text: string, query: URLSearchParams): Promise<void> {
        assertQuery(query, []);
        const number = readBlockNumber(text);
        if (number === undefined) {
            throw new RequestError('INVALID_INPUT', 'Block number must be a non-negative integer');
        }
        const bytes = await this.#context.ledger.getBlock(BigInt(number));
        if (!bytes) {
            throw new RequestError('BLOCK_NOT_FOUND', `Block ${number} is past the head of the chain`);
        }
        res.writeHead(200, {
            ...this.#connectionHeaders(),
            'content-type': 'application/json',
            'content-length': String(bytes.length),
        });
        res.end(bytes);
    }

    async #events(res: ServerResponse, query: URLSearchParams): Promise<void> {
        const events = await this.#context.ledger.chaincodeEvents(readStartBlock(query));
        const state = { stopped: false };
        const stop = (): void => {
            state.stopped = true;
            events.close();
        };
        this.#context.addStream(stop);
        res.once('close', stop);
        const flushMs = this.#context.eventFlushMs;
        // The response is corked from a stream's first event until the flush timer fires (the timer is set while
        // it is corked): what the stream yields meanwhile (every block committed in that time) leaves in one write.
        let flushTimer: NodeJS.Timeout | undefined;
        const flush = (): void => {
            if (flushTimer !== undefined) {
                clearTimeout(flushTimer);
                flushTimer = undefined;
                res.uncork();
            }
        };
        try {
            res.writeHead(200, { 'content-type': EVENTS_CONTENT_TYPE, 'cache-control': 'no-store' });
            res.flushHeaders();
            for await (const event of events) {
                if (flushTimer === undefined && flushMs > 0) {
                    res.cork();
                    flushTimer = setTimeout(flush, flushMs);
                }
                if (!res.write(toWireEvent(event))) {
                    // A full buffer (a replay, a slow client) leaves at once; then the client must read it.
                    flush();
                    if (!state.stopped) {
                        await responseEvent(res, 'drain');
                    }
                }
                if (state.stopped) {
                    break;
                }
            }
        } finally {
            flush();
            this.#context.deleteStream(stop);
            res.off('close', stop);
            stop();
            res.end();
            // A closing server destroys its connections once this returns: let what was held leave first.
            if (!res.writableFinished) {
                await responseEvent(res, 'finish', STREAM_END_GRACE_MS);
            }
        }
    }

    #connectionHeaders(): Record<string, string> {
        return this.#context.isClosing() ? { connection: 'close' } : {};
    }

    #fail(res: ServerResponse, error: unknown): void {
        if (res.headersSent || res.destroyed) {
            if (!(error instanceof LedgerError)) {
                this.#internal(error);
            }
            res.destroy();
            return;
        }
        const { status, body } = this.#toWire(error);
        const headers = error instanceof RequestError ? error.headers : {};
        sendJson(res, status, body, { ...this.#connectionHeaders(), ...headers });
    }

    /** The status and body of a failure; failures of the node itself (5xx) are logged, without a stack. */
    #toWire(error: unknown): ReturnType<typeof toWireError> {
        const ledgerError = error instanceof LedgerError ? error : this.#internal(error);
        const wire = toWireError(ledgerError);
        if (wire.status >= 500) {
            this.#context.log({ level: 'warn', event: 'request-failed', status: wire.status, code: ledgerError.code });
        }
        return wire;
    }

    #internal(error: unknown): LedgerError {
        const name = error instanceof Error ? error.name : typeof error;
        const message = error instanceof Error ? error.message.slice(0, 200) : undefined;
        this.#context.log({ level: 'error', event: 'internal-error', name, message });
        return new UnavailableError('Internal ledger node error');
    }
}

/** How long an ending event stream waits for its last events to leave before its connection may be destroyed. */
const STREAM_END_GRACE_MS = 1_000;

/**
 * Resolves when the response emits `event` (`drain`: it can take more data; `finish`: all of it was handed to the
 * OS) or closes, or once `withinMs` has passed if given; at once if it is destroyed already.
 */
function responseEvent(res: ServerResponse, event: 'drain' | 'finish', withinMs?: number): Promise<void> {
    if (res.destroyed) {
        return Promise.resolve();
    }
    return new Promise((resolve) => {
        const done = (): void => {
            clearTimeout(timer);
            res.off(event, done);
            res.off('close', done);
            resolve();
        };
        const timer = withinMs === undefined ? undefined : setTimeout(done, withinMs);
        res.on(event, done);
        res.on('close', done);
    });
}
