// SPDX-License-Identifier: Apache-2.0
/**
 * The requester's side of the peer-to-peer exchange: `POST /p2p/records/{recordId}` `{accessId}` to the
 * custodian's gateway over mutual TLS, presenting this gateway's TLS certificate (the one its organisation
 * registered on the ledger) and accepting only a server whose certificate chains to a region TLS CA and is
 * exactly the custodian's pinned certificate. Connections are kept alive between fetches, one agent per
 * pinned certificate (`agents.ts`), and every new connection is checked against its pin.
 */
import type { Agent } from 'node:https';
import { request, type RequestOptions } from 'node:https';
import { PinMismatchError, PinnedAgents } from './agents';

/** This gateway's TLS material for outgoing calls. */
export interface P2pClientOptions {
    readonly certPem: string;
    readonly keyPem: string;
    /** Every region TLS CA certificate. */
    readonly caPems: readonly string[];
    /** Deadline of the whole call. */
    readonly timeoutMs: number;
    /** Largest response body accepted. */
    readonly maxResponseBytes: number;
}

/** Where the custodian is, from the ledger. */
export interface PeerAddress {
    readonly p2pUrl: string;
    readonly tlsCertPem: string;
}

/** The custodian's answer: status and parsed JSON body. */
export interface PeerResponse {
    readonly status: number;
    readonly body: unknown;
}

/** The custodian could not be reached, failed TLS or pinning, or answered with something unreadable. */
export class PeerUnreachableError extends Error {
    /**
     * @param message - what failed (no content)
     * @param options - cause
     */
    constructor(message: string, options: { cause?: unknown } = {}) {
        super(message, options);
        this.name = 'PeerUnreachableError';
    }
}

function toUrl(p2pUrl: string, recordId: string): URL {
    return new URL(`${p2pUrl.replace(/\/+$/, '')}/p2p/records/${encodeURIComponent(recordId)}`);
}

function readJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch (cause) {
        throw new PeerUnreachableError('The custodian answered with something other than JSON', { cause });
    }
}

/** Errors of a kept-alive connection that the custodian closed while the request was being sent. */
const STALE_SOCKET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);

/** What one attempt saw of its connection. */
interface Attempt {
    /** The request went out on a kept-alive connection used before. */
    reused: boolean;
    /** The custodian's answer began to arrive. */
    answered: boolean;
}

/** Whether an attempt failed only because its kept-alive connection had been closed by the custodian. */
function isStaleSocket(error: unknown, attempt: Attempt): boolean {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return attempt.reused && !attempt.answered && typeof code === 'string' && STALE_SOCKET_CODES.has(code);
}

/** One attempt; rejects with the raw error. */
function send(
    agent: Agent,
    url: URL,
    body: Buffer,
    options: P2pClientOptions,
    attempt: Attempt,
): Promise<PeerResponse> {
    const requestOptions: RequestOptions = {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, accept: 'application/json' },
        agent,
        timeout: options.timeoutMs,
    };
    return new Promise<PeerResponse>((resolve, reject) => {
        const req = request(url, requestOptions, (res) => {
            attempt.answered = true;
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
                size += chunk.length;
                if (size > options.maxResponseBytes) {
                    req.destroy(new PeerUnreachableError('The custodian answered with too large a body'));
                    return;
                }
                chunks.push(chunk);
            });
            res.on('end', () => {
                try {
                    resolve({ status: res.statusCode ?? 0, body: readJson(Buffer.concat(chunks).toString('utf8')) });
                } catch (error) {
                    reject(toUnreachable(error));
                }
            });
            res.on('error', reject);
        });
        req.on('socket', () => {
            attempt.reused = req.reusedSocket;
        });
        req.on('timeout', () => req.destroy(new PeerUnreachableError('The custodian did not answer in time')));
        req.on('error', reject);
        req.end(body);
    });
}

function toUnreachable(error: unknown): PeerUnreachableError {
    if (error instanceof PeerUnreachableError) {
        return error;
    }
    if (error instanceof PinMismatchError) {
        return new PeerUnreachableError(error.message, { cause: error });
    }
    return new PeerUnreachableError(describe(error), { cause: error });
}

/** Asks custodians to deliver records, over kept-alive connections pinned to their certificates. */
export class P2pClient {
    readonly #options: P2pClientOptions;
    readonly #agents: PinnedAgents;

    /**
     * @param options - this gateway's TLS material and limits
     */
    constructor(options: P2pClientOptions) {
        this.#options = options;
        this.#agents = new PinnedAgents(options);
    }

    /**
     * Asks a custodian to deliver a record under a grant. A request that fails because the custodian had
     * just closed the kept-alive connection it was sent on (it never reached the custodian's application) is
     * sent once more on a new connection.
     * @param peer - the custodian's p2p URL and pinned certificate
     * @param recordId - the record
     * @param accessId - the grant
     * @returns the custodian's status and JSON body
     * @throws PeerUnreachableError
     */
    async requestDelivery(peer: PeerAddress, recordId: string, accessId: string): Promise<PeerResponse> {
        const url = toUrl(peer.p2pUrl, recordId);
        const body = Buffer.from(JSON.stringify({ accessId }), 'utf8');
        let agent: Agent;
        try {
            agent = this.#agents.agentFor(peer.tlsCertPem);
        } catch (cause) {
            throw new PeerUnreachableError('The custodian’s pinned certificate cannot be read', { cause });
        }
        const first: Attempt = { reused: false, answered: false };
        try {
            return await send(agent, url, body, this.#options, first);
        } catch (error) {
            if (!isStaleSocket(error, first)) {
                throw toUnreachable(error);
            }
        }
        return send(agent, url, body, this.#options, { reused: false, answered: false }).catch((error: unknown) => {
            throw toUnreachable(error);
        });
    }

    /** Closes every kept-alive connection. */
    close(): void {
        this.#agents.close();
    }
}

/**
 * Asks a custodian to deliver a record under a grant, over a connection of its own.
 * @param options - this gateway's TLS material and limits
 * @param peer - the custodian's p2p URL and pinned certificate
 * @param recordId - the record
 * @param accessId - the grant
 * @returns the custodian's status and JSON body
 * @throws PeerUnreachableError
 */
export async function requestDelivery(
    options: P2pClientOptions,
    peer: PeerAddress,
    recordId: string,
    accessId: string,
): Promise<PeerResponse> {
    const client = new P2pClient(options);
    try {
        return await client.requestDelivery(peer, recordId, accessId);
    } finally {
        client.close();
    }
}

function describe(error: unknown): string {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return typeof code === 'string' ? `The custodian cannot be reached (${code})` : 'The custodian cannot be reached';
}
