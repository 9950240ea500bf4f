// SPDX-License-Identifier: Apache-2.0
/**
 * A small MLLP sender, as a hospital's integration engine is one: frames messages, may send several before
 * their acknowledgments come back, and hands each acknowledgment to the message it answers, in order. The demo
 * loader, the tests and `npm run bench:hl7` use it.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { MllpFramer, toMllpFrame } from './mllp-framer';

/** An acknowledgment as the sender reads it. */
export interface ReceivedAck {
    /** MSA-1 */
    readonly code: string;
    /** MSA-2: the control id of the message answered */
    readonly controlId: string;
    /** ERR-3.1, when there is an ERR segment. */
    readonly errorCode?: string;
    /** The whole acknowledgment, as text (ISO 8859-1). */
    readonly text: string;
}

/**
 * Reads an acknowledgment's MSA (and ERR) from its bytes.
 * @param bytes - one frame's bytes
 */
export function readAck(bytes: Buffer): ReceivedAck {
    const text = bytes.toString('latin1');
    const segments = text.split(/\r\n|\r|\n/);
    const msa = segments.find((segment) => segment.startsWith('MSA'))?.split('|') ?? [];
    const err = segments.find((segment) => segment.startsWith('ERR'))?.split('|');
    const errorCode = err?.[3]?.split('^')[0];
    return {
        code: msa[1] ?? '',
        controlId: msa[2] ?? '',
        ...(errorCode === undefined || errorCode === '' ? {} : { errorCode }),
        text,
    };
}

interface Waiter {
    remaining: number;
    readonly acks: ReceivedAck[];
    readonly resolve: (acks: ReceivedAck[]) => void;
    readonly reject: (error: Error) => void;
}

/** One MLLP connection. */
export class MllpClient {
    readonly #socket: Socket;
    readonly #framer = new MllpFramer(64 * 1024 * 1024);
    readonly #waiters: Waiter[] = [];
    #failure: Error | undefined;

    private constructor(socket: Socket) {
        this.#socket = socket;
        socket.on('data', (chunk: Buffer) => {
            for (const item of this.#framer.push(chunk)) {
                if (item.kind === 'frame') {
                    this.#deliver(readAck(item.bytes));
                }
            }
        });
        const fail = (error: Error): void => {
            this.#failure ??= error;
            this.#waiters.splice(0).forEach((waiter) => {
                waiter.reject(error);
            });
        };
        socket.on('error', fail);
        socket.on('close', () => {
            fail(new Error('the MLLP connection closed'));
        });
    }

    /**
     * Connects to an MLLP listener.
     * @param url - `mllp://host:port`, or `mllps://` with `ca`
     * @param options - the listener's CA for `mllps://`
     */
    static async connect(url: string, options: { readonly ca?: Buffer } = {}): Promise<MllpClient> {
        const parsed = new URL(url);
        const host = parsed.hostname.replace(/^\[|\]$/g, '');
        const port = Number(parsed.port);
        const socket =
            parsed.protocol === 'mllps:'
                ? connectTls({ host, port, ...(options.ca === undefined ? {} : { ca: options.ca }), servername: host })
                : connectTcp({ host, port });
        await new Promise<void>((resolve, reject) => {
            socket.once(parsed.protocol === 'mllps:' ? 'secureConnect' : 'connect', () => {
                socket.off('error', reject);
                resolve();
            });
            socket.once('error', reject);
        });
        socket.setNoDelay(true);
        return new MllpClient(socket);
    }

    #deliver(ack: ReceivedAck): void {
        const waiter = this.#waiters[0];
        if (waiter === undefined) {
            return;
        }
        waiter.acks.push(ack);
        waiter.remaining -= 1;
        if (waiter.remaining === 0) {
            this.#waiters.shift();
            waiter.resolve(waiter.acks);
        }
    }

    /**
     * Sends a message and resolves with its acknowledgments (one in original mode).
     * @param message - the encoded message, or text to send as UTF-8
     * @param acks - how many acknowledgments it gets (enhanced mode may send two)
     */
    send(message: Uint8Array | string, acks = 1): Promise<ReceivedAck[]> {
        if (this.#failure !== undefined) {
            return Promise.reject(this.#failure);
        }
        const bytes = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
        return new Promise((resolve, reject) => {
            this.#waiters.push({ remaining: acks, acks: [], resolve, reject });
            this.#socket.write(toMllpFrame(bytes));
        });
    }

    /**
     * Sends a message and resolves with its one acknowledgment.
     * @param message - the encoded message or UTF-8 text
     */
    async sendOne(message: Uint8Array | string): Promise<ReceivedAck> {
        const [ack] = await this.send(message, 1);
        if (ack === undefined) {
            throw new Error('no acknowledgment');
        }
        return ack;
    }

    /**
     * Writes raw bytes (tests: frames split or joined across writes, stray bytes).
     * @param bytes - what to write
     * @param acks - acknowledgments these bytes will be answered with
     */
    writeRaw(bytes: Uint8Array, acks: number): Promise<ReceivedAck[]> {
        return new Promise((resolve, reject) => {
            if (acks > 0) {
                this.#waiters.push({ remaining: acks, acks: [], resolve, reject });
            }
            this.#socket.write(bytes, (error) => {
                if (error) {
                    reject(error);
                } else if (acks === 0) {
                    resolve([]);
                }
            });
        });
    }

    /** Closes the connection. */
    async close(): Promise<void> {
        if (this.#socket.destroyed) {
            return;
        }
        const closed = new Promise<void>((resolve) => {
            this.#socket.once('close', () => {
                resolve();
            });
        });
        this.#socket.end();
        this.#socket.destroy();
        await closed;
    }
}
