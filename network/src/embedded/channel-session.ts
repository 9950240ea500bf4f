// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger node's side of a proposal channel (`channel.ts`): reads request frames from one upgraded
 * mutual-TLS connection, answers each as the HTTP route would, in whatever order the ledger finishes them, and
 * writes the answers back. A client may keep at most {@link MAX_CHANNEL_IN_FLIGHT} requests waiting; beyond
 * that the node stops reading the connection until answers go out, so a client cannot make it buffer without
 * bound. A frame over the proposal size limit ends the connection.
 */
import type { Socket } from 'node:net';
import { ChannelOp, FrameReader, TickCork, encodeFrame, readFrames, type ChannelOpName, type Frame } from './channel';
import { LedgerError } from '../ledger';
import { MAX_PROPOSAL_BYTES, toWireError } from './wire';
import type { LedgerServerLogEntry } from './server';

/** Requests one connection may have waiting before the node stops reading it. */
export const MAX_CHANNEL_IN_FLIGHT = 1_024;

/** What a session needs from the server that accepted it. */
export interface ChannelSessionContext {
    /** Answers a proposal: status and JSON body as the HTTP route gives them. Never rejects. */
    answer(op: ChannelOpName, proposal: Buffer): Promise<{ status: number; body: Buffer }>;
    /** Counts an answer in flight, so closing the server waits for it. */
    track(answer: Promise<void>): void;
    readonly log: (entry: LedgerServerLogEntry) => void;
    /** Requests waiting before the node stops reading; {@link MAX_CHANNEL_IN_FLIGHT} by default. */
    readonly maxInFlight?: number;
}

const OP_NAMES = new Map<number, ChannelOpName>(
    Object.entries(ChannelOp).map(([name, code]) => [code, name as ChannelOpName]),
);

/** One accepted channel. */
export class ChannelSession {
    readonly #socket: Socket;
    readonly #context: ChannelSessionContext;
    readonly #reader = new FrameReader(MAX_PROPOSAL_BYTES);
    readonly #cork: TickCork;
    readonly #maxInFlight: number;
    #inFlight = 0;

    /**
     * @param socket - the upgraded connection (its errors are the server's to listen to; its close ends the
     *   session)
     * @param head - bytes the client sent after its upgrade request
     * @param context - answers, tracking, log
     */
    constructor(socket: Socket, head: Buffer, context: ChannelSessionContext) {
        this.#socket = socket;
        this.#context = context;
        this.#maxInFlight = context.maxInFlight ?? MAX_CHANNEL_IN_FLIGHT;
        this.#cork = new TickCork(socket);
        socket.setNoDelay(true);
        socket.on('data', (chunk: Buffer) => {
            this.#read(chunk);
        });
        this.#read(head);
    }

    #read(chunk: Buffer): void {
        const frames = readFrames(this.#reader, chunk, (reason) => {
            this.#context.log({ level: 'warn', event: 'channel-refused', reason });
            this.#socket.destroy();
        });
        for (const frame of frames) {
            this.#accept(frame);
        }
    }

    #accept(frame: Frame): void {
        const op = OP_NAMES.get(frame.code);
        if (op === undefined) {
            const error = new LedgerError('INVALID_INPUT', `Unknown channel operation ${frame.code}`);
            const { status, body } = toWireError(error);
            this.#write(frame.id, status, Buffer.from(JSON.stringify(body), 'utf8'));
            return;
        }
        this.#inFlight += 1;
        if (this.#inFlight === this.#maxInFlight) {
            this.#socket.pause();
        }
        const answered = this.#context.answer(op, frame.payload).then(({ status, body }) => {
            this.#write(frame.id, status, body);
            this.#inFlight -= 1;
            if (this.#inFlight === this.#maxInFlight - 1) {
                this.#socket.resume();
            }
        });
        this.#context.track(answered);
    }

    #write(id: number, status: number, body: Buffer): void {
        if (this.#socket.destroyed || !this.#socket.writable) {
            return;
        }
        this.#cork.hold();
        this.#socket.write(encodeFrame(id, status, body));
    }
}
