// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger node's HTTPS server: any {@link LedgerTransport} served to the region's gateways over mutual
 * TLS on loopback. Clients bring their own signed proposals, so the server holds no client keys; the TLS
 * client certificate only decides who may talk to the node at all (a member organisation's TLS CA), while
 * the proposal's signature decides who acts on the ledger.
 *
 * Routes (all under `/v1`): `POST evaluate`, `POST submit` (body: SignedProposal bytes), `GET events`
 * (NDJSON, `?startBlock=N`), `GET info`, `GET verify`, `GET blocks/:n`. Errors are JSON bodies from
 * `wire.ts` that carry the ledger error's class, code and transaction id.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EndorseError, LedgerError, UnavailableError } from './errors';
import type { LedgerTransport } from './types';
import {
    EVENTS_CONTENT_TYPE,
    MAX_PROPOSAL_BYTES,
    PROPOSAL_CONTENT_TYPE,
    readBlockNumber,
    toWireError,
    toWireEvent,
} from './wire';

/** TLS material of the node: its server pair and the CAs whose client certificates it accepts. */
export interface LedgerServerTls {
    readonly certPem: string;
    readonly keyPem: string;
    /** The member organisations' TLS CA certificates; a client must present a certificate issued by one. */
    readonly clientCaPems: readonly string[];
}

/** A structured log entry. Never carries payloads, keys or stacks. */
export interface LedgerServerLogEntry {
    readonly level: 'info' | 'warn' | 'error';
    readonly event: string;
    readonly [field: string]: string | number | undefined;
}

/** Options of {@link startLedgerServer}. */
export interface LedgerServerOptions {
    readonly ledger: LedgerTransport;
    /** Interface to listen on; `127.0.0.1` by default (the node serves loopback only). */
    readonly host?: string;
    /** TCP port; 0 (the default) picks a free one. */
    readonly port?: number;
    readonly tls: LedgerServerTls;
    /** Where log entries go; nowhere by default. */
    readonly log?: (entry: LedgerServerLogEntry) => void;
}

/** A running ledger server. */
export interface LedgerServer {
    /** `https://host:port`. */
    readonly url: string;
    /** Stops accepting connections, ends event streams, waits for requests in flight, closes every socket. */
    close(): Promise<void>;
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
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
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
    if (size > MAX_PROPOSAL_BYTES) {
        throw new EndorseError('PAYLOAD_TOO_LARGE', `Proposal exceeds ${MAX_PROPOSAL_BYTES} bytes`);
    }
    if (size === 0) {
        throw new EndorseError('BAD_PROPOSAL', 'Proposal body is empty');
    }
    return Buffer.concat(chunks, size);
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

/** Serves one ledger; one instance per server. */
class LedgerHttpHandler {
    readonly #ledger: LedgerTransport;
    readonly #log: (entry: LedgerServerLogEntry) => void;
    readonly #inFlight = new Set<Promise<void>>();
    readonly #streams = new Set<() => void>();
    #closing = false;
    readonly #routes: ReadonlyMap<string, Route>;

    constructor(ledger: LedgerTransport, log: (entry: LedgerServerLogEntry) => void) {
        this.#ledger = ledger;
        this.#log = log;
        this.#routes = new Map<string, Route>([
            ['/v1/evaluate', { method: 'POST', handle: (req, res, query) => this.#evaluate(req, res, query) }],
            ['/v1/submit', { method: 'POST', handle: (req, res, query) => this.#submit(req, res, query) }],
            ['/v1/events', { method: 'GET', handle: (_req, res, query) => this.#events(res, query) }],
            ['/v1/info', { method: 'GET', handle: (_req, res, query) => this.#info(res, query) }],
            ['/v1/verify', { method: 'GET', handle: (_req, res, query) => this.#verify(res, query) }],
        ]);
    }

    /** Handles a request; never rejects. */
    accept(req: IncomingMessage, res: ServerResponse): void {
        const done = this.#handle(req, res).finally(() => this.#inFlight.delete(done));
        this.#inFlight.add(done);
    }

    /** Refuses new requests, ends event streams and waits until no request is in flight. */
    async drain(): Promise<void> {
        this.#closing = true;
        for (const stop of this.#streams) {
            stop();
        }
        while (this.#inFlight.size > 0) {
            await Promise.all(this.#inFlight);
        }
    }

    async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        try {
            if (this.#closing) {
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
        const result = await this.#ledger.evaluate(await readProposal(req));
        sendJson(res, 200, { result: Buffer.from(result).toString('base64') }, this.#connectionHeaders());
    }

    async #submit(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
        assertQuery(query, []);
        const committed = await this.#ledger.submit(await readProposal(req));
        const body = {
            txId: committed.txId,
            blockNumber: committed.blockNumber.toString(),
            result: Buffer.from(committed.result).toString('base64'),
        };
        sendJson(res, 200, body, this.#connectionHeaders());
    }

    async #info(res: ServerResponse, query: URLSearchParams): Promise<void> {
        assertQuery(query, []);
        const info = await this.#ledger.info();
        sendJson(
            res,
            200,
            { height: info.height.toString(), currentHash: info.currentHash },
            this.#connectionHeaders(),
        );
    }

    async #verify(res: ServerResponse, query: URLSearchParams): Promise<void> {
        assertQuery(query, []);
        sendJson(res, 200, await this.#ledger.verify(), this.#connectionHeaders());
    }

    async #block(res: ServerResponse, text: string, query: URLSearchParams): Promise<void> {
        assertQuery(query, []);
        const number = readBlockNumber(text);
        if (number === undefined) {
            throw new RequestError('INVALID_INPUT', 'Block number must be a non-negative integer');
        }
        const bytes = await this.#ledger.getBlock(BigInt(number));
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
        const events = await this.#ledger.chaincodeEvents(readStartBlock(query));
        const state = { stopped: false };
        const stop = (): void => {
            state.stopped = true;
            events.close();
        };
        this.#streams.add(stop);
        res.once('close', stop);
        try {
            res.writeHead(200, { 'content-type': EVENTS_CONTENT_TYPE, 'cache-control': 'no-store' });
            res.flushHeaders();
            for await (const event of events) {
                if (!res.write(toWireEvent(event))) {
                    await drained(res, () => state.stopped);
                }
                if (state.stopped) {
                    break;
                }
            }
        } finally {
            this.#streams.delete(stop);
            res.off('close', stop);
            stop();
            res.end();
        }
    }

    #connectionHeaders(): Record<string, string> {
        return this.#closing ? { connection: 'close' } : {};
    }

    #fail(res: ServerResponse, error: unknown): void {
        const ledgerError = error instanceof LedgerError ? error : this.#internal(error);
        if (res.headersSent || res.destroyed) {
            res.destroy();
            return;
        }
        const { status, body } = toWireError(ledgerError);
        const headers = error instanceof RequestError ? error.headers : {};
        sendJson(res, status, body, { ...this.#connectionHeaders(), ...headers });
        if (status >= 500) {
            this.#log({ level: 'warn', event: 'request-failed', status, code: ledgerError.code });
        }
    }

    #internal(error: unknown): LedgerError {
        const name = error instanceof Error ? error.name : typeof error;
        const message = error instanceof Error ? error.message.slice(0, 200) : undefined;
        this.#log({ level: 'error', event: 'internal-error', name, message });
        return new UnavailableError('Internal ledger node error');
    }
}

/** Resolves when the response can take more data, has closed, or the stream was stopped. */
function drained(res: ServerResponse, isStopped: () => boolean): Promise<void> {
    if (isStopped() || res.destroyed) {
        return Promise.resolve();
    }
    return new Promise((resolve) => {
        const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
        };
        res.on('drain', done);
        res.on('close', done);
    });
}

function assertOptions(options: LedgerServerOptions): void {
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new RangeError('port must be an integer from 0 to 65535');
    }
    if (options.tls.clientCaPems.length === 0) {
        throw new RangeError('tls.clientCaPems must name at least one TLS CA');
    }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve(server.address() as AddressInfo);
        });
    });
}

/**
 * Starts serving a ledger over HTTPS with mutual TLS.
 * @param options - the ledger, where to listen, TLS material
 * @returns the server's URL and a `close()` that shuts it down cleanly
 * @throws RangeError on a bad port or an empty client CA list; the listen error (e.g. EADDRINUSE)
 */
export async function startLedgerServer(options: LedgerServerOptions): Promise<LedgerServer> {
    assertOptions(options);
    const log = options.log ?? ((): void => undefined);
    const handler = new LedgerHttpHandler(options.ledger, log);
    const server = createServer(
        {
            cert: options.tls.certPem,
            key: options.tls.keyPem,
            ca: [...options.tls.clientCaPems],
            requestCert: true,
            rejectUnauthorized: true,
            minVersion: 'TLSv1.2',
        },
        (req, res) => {
            handler.accept(req, res);
        },
    );
    // Idle keep-alive connections outlive the client agent's idle timeout, so the client always closes first
    // and never sends a request on a socket the server is closing.
    server.keepAliveTimeout = 60_000;
    server.headersTimeout = 65_000;
    server.on('tlsClientError', (error: NodeJS.ErrnoException) => {
        log({ level: 'warn', event: 'tls-refused', code: error.code ?? 'UNKNOWN' });
    });
    const address = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `https://${host}:${address.port}`;
    log({ level: 'info', event: 'listening', url });
    let closing: Promise<void> | undefined;
    const close = async (): Promise<void> => {
        const closed = new Promise<void>((resolve) => {
            server.close(() => {
                resolve();
            });
        });
        await handler.drain();
        server.closeAllConnections();
        await closed;
        log({ level: 'info', event: 'closed', url });
    };
    return {
        url,
        close: (): Promise<void> => (closing ??= close()),
    };
}
