// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger node's HTTPS server: any {@link LedgerTransport} served to the region's gateways over mutual
 * TLS on loopback. Clients bring their own signed proposals, so the server holds no client keys; the TLS
 * client certificate only decides who may talk to the node at all (a member organisation's TLS CA), while
 * the proposal's signature decides who acts on the ledger.
 *
 * This file owns TLS, listening, tracking of requests in flight and shutdown; the routes (all under `/v1`)
 * are in `server-routes.ts`. `GET /v1/channel` upgrades its connection to a proposal channel (`channel.ts`,
 * `channel-session.ts`), which carries evaluate and submit without an HTTP exchange each.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CHANNEL_PATH, CHANNEL_PROTOCOL } from './channel';
import { ChannelSession } from './channel-session';
import { LedgerRoutes } from './server-routes';
import type { LedgerTransport } from './transport';

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
    /**
     * How long an event stream holds the events of a block before sending them, together with those of the
     * blocks that commit meanwhile ({@link EVENT_FLUSH_MS} by default; 0 sends each block's at once).
     */
    readonly eventFlushMs?: number;
}

/**
 * How long an event stream holds events by default. Gateways follow events for their caches, metrics and
 * the audit view, never to answer a call (a submit's answer says it committed), so a few milliseconds of
 * delay cost nothing; sending at once woke every gateway on every block, in the middle of the fetch that
 * wrote it, on the same cores.
 */
export const EVENT_FLUSH_MS = 25;

/** A running ledger server. */
export interface LedgerServer {
    /** `https://host:port`. */
    readonly url: string;
    /** Stops accepting connections, ends event streams, waits for requests in flight, closes every socket. */
    close(): Promise<void>;
}

/** How long a closing node waits for a channel's client to close its side. */
const CHANNEL_CLOSE_GRACE_MS = 1_000;

/** Tracks one server's requests in flight and event streams, so closing can wait for them. */
class LedgerHttpHandler {
    readonly #inFlight = new Set<Promise<void>>();
    readonly #streams = new Set<() => void>();
    readonly #channels = new Set<Socket>();
    #closing = false;
    readonly #routes: LedgerRoutes;
    readonly #log: (entry: LedgerServerLogEntry) => void;

    constructor(ledger: LedgerTransport, log: (entry: LedgerServerLogEntry) => void, eventFlushMs: number) {
        this.#log = log;
        this.#routes = new LedgerRoutes({
            ledger,
            log,
            eventFlushMs,
            isClosing: () => this.#closing,
            addStream: (stop) => {
                this.#streams.add(stop);
            },
            deleteStream: (stop) => {
                this.#streams.delete(stop);
            },
        });
    }

    /** Handles a request; never rejects. */
    accept(req: IncomingMessage, res: ServerResponse): void {
        this.#track(this.#routes.handle(req, res));
    }

    /** Turns a request for `Upgrade: healthchain-proposals/1` on `/v1/channel` into a proposal channel. */
    upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
        // The HTTP server no longer listens to an upgraded socket: a client that resets it must not be an
        // unhandled error of the node.
        socket.on('error', () => undefined);
        const refusal = this.#closing
            ? '503 Service Unavailable'
            : req.method !== 'GET' || req.url !== CHANNEL_PATH
              ? '404 Not Found'
              : req.headers.upgrade !== CHANNEL_PROTOCOL
                ? '400 Bad Request'
                : undefined;
        if (refusal !== undefined) {
            socket.end(`HTTP/1.1 ${refusal}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
            return;
        }
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${CHANNEL_PROTOCOL}\r\n\r\n`);
        this.#channels.add(socket);
        socket.once('close', () => this.#channels.delete(socket));
        new ChannelSession(socket, head, {
            answer: (op, proposal) => this.#routes.answerProposal(op, proposal),
            track: (answer) => {
                this.#track(answer);
            },
            log: this.#log,
        });
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

    /**
     * Closes every proposal channel once the answers written to it have left (they were drained first); a client
     * that does not close its side within {@link CHANNEL_CLOSE_GRACE_MS} is cut off.
     */
    closeChannels(): void {
        for (const socket of this.#channels) {
            socket.end();
            setTimeout(() => socket.destroy(), CHANNEL_CLOSE_GRACE_MS).unref();
        }
    }

    #track(work: Promise<void>): void {
        const done = work.finally(() => this.#inFlight.delete(done));
        this.#inFlight.add(done);
    }
}

function assertOptions(options: LedgerServerOptions): void {
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new RangeError('port must be an integer from 0 to 65535');
    }
    if (options.tls.clientCaPems.length === 0) {
        throw new RangeError('tls.clientCaPems must name at least one TLS CA');
    }
    const flushMs = options.eventFlushMs ?? EVENT_FLUSH_MS;
    if (!Number.isInteger(flushMs) || flushMs < 0 || flushMs > 10_000) {
        throw new RangeError('eventFlushMs must be an integer from 0 to 10000');
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
    const handler = new LedgerHttpHandler(options.ledger, log, options.eventFlushMs ?? EVENT_FLUSH_MS);
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
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        handler.upgrade(req, socket, head);
    });
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
        handler.closeChannels();
        await closed;
        log({ level: 'info', event: 'closed', url });
    };
    return {
        url,
        close: (): Promise<void> => (closing ??= close()),
    };
}
