// SPDX-License-Identifier: Apache-2.0
/**
 * The proposal channel's frames. A gateway sends its proposals to the ledger node on one long-lived mutual-TLS
 * connection, upgraded from HTTP (`GET /v1/channel` with `Upgrade: healthchain-proposals/1`), instead of one
 * HTTP exchange per proposal: many proposals share the connection and answers come back in any order, matched
 * by the id the client gave. Node's HTTP client and server machinery cost about ten times the channel's CPU per
 * exchange with many in flight (two to three times with one), on the path every record fetch takes twice.
 *
 * Every frame, both ways, is a 10-byte header and a payload:
 *
 * | bytes | field |
 * | --- | --- |
 * | 0–3 | payload length, big-endian |
 * | 4–7 | request id, chosen by the client, echoed in the answer |
 * | 8–9 | a request's operation ({@link ChannelOp}), or an answer's HTTP status |
 *
 * A request's payload is the signed proposal's bytes; an answer's is the JSON body that the HTTP route
 * (`/v1/evaluate`, `/v1/submit`) answers with the same status, errors included (`wire.ts`).
 */

/** The protocol named in the `Upgrade` header. */
export const CHANNEL_PROTOCOL = 'healthchain-proposals/1';
/** The path whose request is upgraded. */
export const CHANNEL_PATH = '/v1/channel';
/** Bytes of a frame's header. */
export const FRAME_HEADER_BYTES = 10;
/** Request ids are 32-bit and wrap around. */
export const MAX_REQUEST_ID = 0xffff_ffff;

/** Operations of a request frame. */
export const ChannelOp = { evaluate: 1, submit: 2 } as const;
/** An operation's name. */
export type ChannelOpName = keyof typeof ChannelOp;

/** One frame, its payload a view of the bytes received. */
export interface Frame {
    readonly id: number;
    /** The operation of a request, the status of an answer. */
    readonly code: number;
    readonly payload: Buffer;
}

/** The peer broke the framing (a frame over the size limit): the connection cannot be trusted further. */
export class FrameError extends Error {
    override readonly name = 'FrameError';
}

/**
 * Encodes one frame.
 * @param id - request id (0 to {@link MAX_REQUEST_ID})
 * @param code - operation or status (0 to 65535)
 * @param payload - the payload
 */
export function encodeFrame(id: number, code: number, payload: Uint8Array): Buffer {
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
    frame.writeUInt32BE(payload.length, 0);
    frame.writeUInt32BE(id, 4);
    frame.writeUInt16BE(code, 8);
    frame.set(payload, FRAME_HEADER_BYTES);
    return frame;
}

/** Splits the bytes of a connection into frames, whatever the chunks they arrive in. */
export class FrameReader {
    readonly #maxPayload: number;
    #chunks: Buffer[] = [];
    #size = 0;

    /** @param maxPayload - a frame that declares a longer payload is a {@link FrameError} */
    constructor(maxPayload: number) {
        this.#maxPayload = maxPayload;
    }

    /**
     * Takes the next chunk of the connection.
     * @returns the frames it completes, in order
     * @throws FrameError when a frame declares a payload over the limit
     */
    push(chunk: Buffer): Frame[] {
        if (chunk.length === 0) {
            return [];
        }
        this.#chunks.push(chunk);
        this.#size += chunk.length;
        const frames: Frame[] = [];
        while (this.#size >= FRAME_HEADER_BYTES) {
            const head = this.#contiguous(FRAME_HEADER_BYTES);
            const length = head.readUInt32BE(0);
            if (length > this.#maxPayload) {
                throw new FrameError(`A frame declares ${length} bytes, over the limit of ${this.#maxPayload}`);
            }
            if (this.#size < FRAME_HEADER_BYTES + length) {
                break;
            }
            const bytes = this.#take(FRAME_HEADER_BYTES + length);
            frames.push({
                id: bytes.readUInt32BE(4),
                code: bytes.readUInt16BE(8),
                payload: bytes.subarray(FRAME_HEADER_BYTES),
            });
        }
        return frames;
    }

    /** The first chunk, once it holds at least `length` bytes (chunks are joined only when they must be). */
    #contiguous(length: number): Buffer {
        const first = this.#chunks[0] as Buffer;
        if (first.length >= length) {
            return first;
        }
        const joined = Buffer.concat(this.#chunks, this.#size);
        this.#chunks = [joined];
        return joined;
    }

    #take(length: number): Buffer {
        const first = this.#contiguous(length);
        this.#size -= length;
        if (first.length === length) {
            this.#chunks.shift();
        } else {
            this.#chunks[0] = first.subarray(length);
        }
        return first.subarray(0, length);
    }
}

/**
 * Takes a chunk of a connection into its reader.
 * @param reader - the connection's reader
 * @param chunk - the bytes received
 * @param broken - told why, when the peer broke the framing; no frame is returned then
 * @returns the frames the chunk completes
 */
export function readFrames(reader: FrameReader, chunk: Buffer, broken: (reason: string) => void): Frame[] {
    try {
        return reader.push(chunk);
    } catch (error) {
        broken(error instanceof FrameError ? error.message : 'unreadable frame');
        return [];
    }
}

/** Corks a socket for the rest of this tick, so the frames written in one turn of the event loop leave together. */
export class TickCork {
    readonly #socket: { cork(): void; uncork(): void };
    #corked = false;

    /** @param socket - the socket to cork */
    constructor(socket: { cork(): void; uncork(): void }) {
        this.#socket = socket;
    }

    /** Writes are held until the current tick ends. */
    hold(): void {
        if (this.#corked) {
            return;
        }
        this.#corked = true;
        this.#socket.cork();
        process.nextTick(() => {
            this.#corked = false;
            this.#socket.uncork();
        });
    }
}
