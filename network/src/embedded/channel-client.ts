// SPDX-License-Identifier: Apache-2.0
/**
 * A client's side of a proposal channel (`channel.ts`): one mutual-TLS connection to the ledger node, upgraded
 * from `GET /v1/channel`, that carries every evaluate and submit of the client, each matched to its answer by
 * id. Requests made while the connection is still being set up wait in memory and leave once it is. Each
 * request has its own deadline; when the connection fails or is destroyed, every request waiting on it is
 * rejected with that error, and the channel is done: the owner opens a new one for later requests.
 */
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { UnavailableError } from '../ledger';
import {
    CHANNEL_PATH,
    CHANNEL_PROTOCOL,
    ChannelOp,
    FrameReader,
    MAX_REQUEST_ID,
    TickCork,
    encodeFrame,
    readFrames,
    type ChannelOpName,
} from './channel';

/** TLS material of the client: the node's TLS CA and the organisation's TLS client pair. */
export interface ChannelTls {
    /** The CA that issued the node's server certificate (the orderer organisation's TLS CA). */
    readonly caPem: string;
    readonly certPem: string;
    readonly keyPem: string;
}

/** An answer: the status and JSON body the HTTP route would have answered with. */
export interface ChannelAnswer {
    readonly status: number;
    readonly body: Buffer;
}

/** TCP keep-alive probes on an idle channel start after this long. */
const KEEP_ALIVE_MS = 30_000;

/** Answers larger than this end the channel (a proposal's answer is a few KiB). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

interface Pending {
    readonly resolve: (answer: ChannelAnswer) => void;
    readonly reject: (error: Error) => void;
    readonly timer: NodeJS.Timeout;
}

/** A proposal channel to one ledger node; see the module comment. */
export class ProposalChannelClient {
    readonly #pending = new Map<number, Pending>();
    readonly #reader = new FrameReader(MAX_ANSWER_BYTES);
    readonly #onDone: () => void;
    readonly #onAnswer: () => void;
    /** Frames written before the connection was upgraded. */
    #queued: Buffer[] | undefined = [];
    #socket: Socket | undefined;
    #cork: TickCork | undefined;
    #nextId = 0;
    #done = false;
    readonly #openTimer: NodeJS.Timeout;
    readonly #request: ReturnType<typeof request>;

    /**
     * Starts connecting at once.
     * @param url - the node's `https://host:port`
     * @param tls - the client's TLS material
     * @param hooks - `onAnswer` is told of every answer (the node is alive); `onDone` once, when the channel
     *   fails or is destroyed; `openTimeoutMs`, how long the connection may take to be upgraded
     */
    constructor(
        url: URL,
        tls: ChannelTls,
        hooks: { readonly onAnswer: () => void; readonly onDone: () => void; readonly openTimeoutMs: number },
    ) {
        this.#onAnswer = hooks.onAnswer;
        this.#onDone = hooks.onDone;
        // A connection that is not upgraded in time ends, so that the requests waiting on it fail and the next
        // call opens a new one, rather than every call waiting out its own deadline on it.
        this.#openTimer = setTimeout(() => {
            this.destroy(
                new UnavailableError(`Ledger node did not open the proposal channel within ${hooks.openTimeoutMs} ms`),
            );
        }, hooks.openTimeoutMs);
        this.#request = request(new URL(CHANNEL_PATH, url), {
            method: 'GET',
            agent: false,
            ca: tls.caPem,
            cert: tls.certPem,
            key: tls.keyPem,
            minVersion: 'TLSv1.2',
            headers: { connection: 'Upgrade', upgrade: CHANNEL_PROTOCOL },
        });
        this.#request.once('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
            this.#upgraded(res, socket, head);
        });
        this.#request.once('response', (res: IncomingMessage) => {
            res.resume();
            this.destroy(new UnavailableError(`Ledger node refused the proposal channel: HTTP ${res.statusCode}`));
        });
        this.#request.on('error', (error) => {
            this.destroy(error);
        });
        this.#request.end();
    }

    /**
     * Sends a proposal.
     * @param op - evaluate or submit
     * @param proposal - the SignedProposal bytes
     * @param waitMs - how long to wait for the answer
     * @param expired - the error a request that waited `waitMs` in vain is rejected with
     * @returns the answer; rejects with `expired`, or with the channel's failure
     */
    call(op: ChannelOpName, proposal: Uint8Array, waitMs: number, expired: () => Error): Promise<ChannelAnswer> {
        if (this.#done) {
            return Promise.reject(new UnavailableError('Ledger proposal channel is closed'));
        }
        const id = this.#newId();
        const frame = encodeFrame(id, ChannelOp[op], proposal);
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.#pending.delete(id);
                reject(expired());
            }, waitMs);
            this.#pending.set(id, { resolve, reject, timer });
            if (this.#queued) {
                this.#queued.push(frame);
            } else {
                this.#cork?.hold();
                this.#socket?.write(frame);
            }
        });
    }

    /** Ends the channel; every request waiting on it is rejected with `error`. Idempotent. */
    destroy(error: Error): void {
        if (this.#done) {
            return;
        }
        this.#done = true;
        clearTimeout(this.#openTimer);
        this.#queued = undefined;
        this.#request.destroy();
        this.#socket?.destroy();
        const pending = [...this.#pending.values()];
        this.#pending.clear();
        for (const { reject, timer } of pending) {
            clearTimeout(timer);
            reject(error);
        }
        this.#onDone();
    }

    #upgraded(res: IncomingMessage, socket: Socket, head: Buffer): void {
        if (this.#done) {
            socket.destroy();
            return;
        }
        clearTimeout(this.#openTimer);
        this.#socket = socket;
        if (res.headers.upgrade !== CHANNEL_PROTOCOL) {
            this.destroy(new UnavailableError('Ledger node answered the channel upgrade with another protocol'));
            return;
        }
        socket.setNoDelay(true);
        socket.setKeepAlive(true, KEEP_ALIVE_MS);
        this.#cork = new TickCork(socket);
        socket.on('data', (chunk: Buffer) => {
            this.#read(chunk);
        });
        socket.on('error', (error) => {
            this.destroy(error);
        });
        socket.on('close', () => {
            this.destroy(new UnavailableError('Ledger node closed the proposal channel'));
        });
        const queued = this.#queued ?? [];
        this.#queued = undefined;
        if (queued.length > 0) {
            this.#cork.hold();
            for (const frame of queued) {
                socket.write(frame);
            }
        }
        this.#read(head);
    }

    #read(chunk: Buffer): void {
        const frames = readFrames(this.#reader, chunk, (reason) => {
            this.destroy(new UnavailableError(`Ledger node broke the proposal channel's framing: ${reason}`));
        });
        for (const frame of frames) {
            const pending = this.#pending.get(frame.id);
            this.#onAnswer();
            // An answer after its deadline finds nobody waiting; it is dropped.
            if (pending) {
                this.#pending.delete(frame.id);
                clearTimeout(pending.timer);
                pending.resolve({ status: frame.code, body: frame.payload });
            }
        }
    }

    /** The next request id not waiting for an answer. */
    #newId(): number {
        do {
            this.#nextId = this.#nextId === MAX_REQUEST_ID ? 1 : this.#nextId + 1;
        } while (this.#pending.has(this.#nextId));
        return this.#nextId;
    }
}
