// SPDX-License-Identifier: Apache-2.0
/**
 * MLLP framing over bytes (HL7 v2 Minimal Lower Layer Protocol, release 1: a message is `0x0B`, the message
 * bytes, `0x1C 0x0D`). TCP delivers a stream, so one read may hold part of a frame, several frames, or bytes
 * outside any frame; the framer gathers the bytes of each complete frame and hands them over undecoded, so a
 * multi-byte character split across reads is decoded once, whole, with the charset its own MSH-18 names.
 *
 * `@medplum/hl7`'s connection was checked for this and not used for framing: it ends a frame only when a read
 * ends with `0x1C 0x0D`, so several frames in one read become one message and a read that ends between the two
 * end bytes loses the frame; and it decodes with one charset per connection (docs/design.md "HL7 v2 intake").
 */

/** Start of block (VT). */
export const MLLP_START = 0x0b;
/** End of block (FS). */
export const MLLP_END = 0x1c;
/** Carriage return after the end of block. */
export const MLLP_CR = 0x0d;

/** What the framer found in the bytes given to it. */
export type MllpChunk =
    | { readonly kind: 'frame'; readonly bytes: Buffer }
    /** A frame longer than the limit, dropped; `head` holds its first bytes (enough for an MSH). */
    | { readonly kind: 'oversized'; readonly head: Buffer; readonly size: number };

/** How many bytes of an oversized frame are kept to answer it. */
const HEAD_BYTES = 4096;

/** Splits a byte stream into MLLP frames. One framer per connection. */
export class MllpFramer {
    readonly #maxFrameBytes: number;
    #inside = false;
    /** The end byte was the last byte of the previous read: a CR may follow. */
    #afterEnd = false;
    #parts: Buffer[] = [];
    #size = 0;
    #oversized = false;
    #head: Buffer = Buffer.alloc(0);
    /** Bytes seen outside any frame, and partial frames abandoned by a new start byte. */
    strayBytes = 0;

    /** @param maxFrameBytes - longest frame accepted; longer ones are dropped and reported */
    constructor(maxFrameBytes: number) {
        this.#maxFrameBytes = maxFrameBytes;
    }

    /** Whether a frame has started and not ended (bytes are buffered). */
    get inFrame(): boolean {
        return this.#inside;
    }

    /**
     * Takes the next bytes of the stream.
     * @param chunk - bytes as read
     * @returns the frames completed by these bytes, in order
     */
    push(chunk: Buffer): MllpChunk[] {
        const out: MllpChunk[] = [];
        let at = 0;
        if (this.#afterEnd) {
            this.#afterEnd = false;
            if (chunk[0] === MLLP_CR) {
                at = 1;
            }
        }
        while (at < chunk.length) {
            at = this.#inside ? this.#readInside(chunk, at, out) : this.#readOutside(chunk, at);
        }
        return out;
    }

    #readOutside(chunk: Buffer, at: number): number {
        const start = chunk.indexOf(MLLP_START, at);
        if (start === -1) {
            this.strayBytes += chunk.length - at;
            return chunk.length;
        }
        this.strayBytes += start - at;
        this.#begin();
        return start + 1;
    }

    #readInside(chunk: Buffer, at: number, out: MllpChunk[]): number {
        const end = chunk.indexOf(MLLP_END, at);
        const restart = chunk.indexOf(MLLP_START, at);
        if (restart !== -1 && (end === -1 || restart < end)) {
            // A new start byte inside a frame: the sender gave up on the frame before it; so do we.
            this.strayBytes += this.#size + (restart - at) + 1;
            this.#begin();
            return restart + 1;
        }
        if (end === -1) {
            this.#append(chunk.subarray(at));
            return chunk.length;
        }
        this.#append(chunk.subarray(at, end));
        out.push(this.#finish());
        if (end + 1 === chunk.length) {
            this.#afterEnd = true;
            return chunk.length;
        }
        return chunk[end + 1] === MLLP_CR ? end + 2 : end + 1;
    }

    #begin(): void {
        this.#inside = true;
        this.#parts = [];
        this.#size = 0;
        this.#oversized = false;
        this.#head = Buffer.alloc(0);
    }

    #append(bytes: Buffer): void {
        if (bytes.length === 0) {
            return;
        }
        this.#size += bytes.length;
        if (this.#oversized) {
            return;
        }
        if (this.#size > this.#maxFrameBytes) {
            this.#oversized = true;
            this.#head = Buffer.concat([...this.#parts, bytes]).subarray(0, HEAD_BYTES);
            this.#parts = [];
            return;
        }
        // Copied: the socket may reuse its buffers.
        this.#parts.push(Buffer.from(bytes));
    }

    #finish(): MllpChunk {
        this.#inside = false;
        const size = this.#size;
        const parts = this.#parts;
        this.#parts = [];
        if (this.#oversized) {
            return { kind: 'oversized', head: this.#head, size };
        }
        return { kind: 'frame', bytes: parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts, size) };
    }
}

/**
 * Wraps message bytes in an MLLP frame.
 * @param bytes - the encoded message
 */
export function toMllpFrame(bytes: Uint8Array): Buffer {
    const frame = Buffer.allocUnsafe(bytes.length + 3);
    frame[0] = MLLP_START;
    frame.set(bytes, 1);
    frame[bytes.length + 1] = MLLP_END;
    frame[bytes.length + 2] = MLLP_CR;
    return frame;
}
