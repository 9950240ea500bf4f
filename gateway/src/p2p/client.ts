// SPDX-License-Identifier: Apache-2.0
/**
 * The requester's side of the peer-to-peer exchange: `POST /p2p/records/{recordId}` `{accessId}` to the
 * custodian's gateway over mutual TLS, presenting this gateway's TLS certificate (the one its organisation
 * registered on the ledger) and accepting only a server whose certificate chains to a region TLS CA and is
 * exactly the custodian's pinned certificate.
 */
import { request, type RequestOptions } from 'node:https';
import type { PeerCertificate } from 'node:tls';
import { isPinnedCertificate } from './certificates';

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

function pinCheck(pinnedPem: string): (host: string, cert: PeerCertificate) => Error | undefined {
    // The pin replaces the host name check: the ledger names the one certificate this peer may present.
    return (_host, cert) =>
        isPinnedCertificate(cert.raw, pinnedPem)
            ? undefined
            : new PeerUnreachableError('The custodian presented a certificate other than its pinned one');
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

/**
 * Asks a custodian to deliver a record under a grant.
 * @param options - this gateway's TLS material and limits
 * @param peer - the custodian's p2p URL and pinned certificate
 * @param recordId - the record
 * @param accessId - the grant
 * @returns the custodian's status and JSON body
 * @throws PeerUnreachableError
 */
export function requestDelivery(
    options: P2pClientOptions,
    peer: PeerAddress,
    recordId: string,
    accessId: string,
): Promise<PeerResponse> {
    const url = toUrl(peer.p2pUrl, recordId);
    const body = Buffer.from(JSON.stringify({ accessId }), 'utf8');
    const requestOptions: RequestOptions = {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, accept: 'application/json' },
        cert: options.certPem,
        key: options.keyPem,
        ca: [...options.caPems],
        rejectUnauthorized: true,
        checkServerIdentity: pinCheck(peer.tlsCertPem),
        agent: false,
        timeout: options.timeoutMs,
    };
    return new Promise<PeerResponse>((resolve, reject) => {
        const fail = (error: unknown): void => {
            reject(
                error instanceof PeerUnreachableError
                    ? error
                    : new PeerUnreachableError(describe(error), { cause: error }),
            );
        };
        const req = request(url, requestOptions, (res) => {
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
                    fail(error);
                }
            });
            res.on('error', fail);
        });
        req.on('timeout', () => req.destroy(new PeerUnreachableError('The custodian did not answer in time')));
        req.on('error', fail);
        req.end(body);
    });
}

function describe(error: unknown): string {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return typeof code === 'string' ? `The custodian cannot be reached (${code})` : 'The custodian cannot be reached';
}
