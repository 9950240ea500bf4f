// SPDX-License-Identifier: Apache-2.0
/**
 * The few protobuf encodings a proposal needs, written directly: varints and length-delimited fields.
 * Building a proposal through google-protobuf's message objects cost a gateway about a tenth of its CPU
 * per call; these produce the same bytes (proto3 rules: a scalar, string or bytes field holding its default
 * is left out, a set sub-message is written even when empty, fields go in the order they are written).
 * Decoding stays with google-protobuf, which is what the chaincode shim reads proposals with.
 */

/** Wire type of a varint field. */
const VARINT = 0;
/** Wire type of a length-delimited field (bytes, string, sub-message). */
const LENGTH_DELIMITED = 2;
/** Largest value a varint here may hold: exact as a JavaScript number. */
const MAX_VARINT = Number.MAX_SAFE_INTEGER;

function varintLength(value: number): number {
    let length = 1;
    for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) {
        length++;
    }
    return length;
}

function writeVarint(target: Uint8Array, offset: number, value: number): number {
    let at = offset;
    let rest = value;
    while (rest >= 0x80) {
        target[at++] = (rest % 0x80) | 0x80;
        rest = Math.floor(rest / 0x80);
    }
    target[at++] = rest;
    return at;
}

/** One protobuf message being written, field by field; {@link finish} gives its bytes. */
export class MessageWriter {
    /** Field keys, lengths and values, in order; numbers are varints. */
    readonly #parts: (number | Uint8Array)[] = [];
    #length = 0;

    /**
     * A varint field (int32 and int64 of non-negative values, uint64, enum, bool); left out when 0.
     * @param field - field number
     * @param value - a non-negative integer up to 2^53 − 1
     * @throws RangeError for a negative, fractional or larger value
     */
    varint(field: number, value: number): this {
        if (!Number.isInteger(value) || value < 0 || value > MAX_VARINT) {
            throw new RangeError(`Field ${field}: ${value} is not a varint this writer encodes`);
        }
        if (value !== 0) {
            this.#key(field, VARINT);
            this.#varint(value);
        }
        return this;
    }

    /**
     * A bytes field; left out when empty.
     * @param field - field number
     * @param value - the bytes
     */
    bytes(field: number, value: Uint8Array): this {
        if (value.length > 0) {
            this.#delimited(field, value);
        }
        return this;
    }

    /**
     * A repeated bytes field: one entry per value, empty values included.
     * @param field - field number
     * @param values - the entries
     */
    repeatedBytes(field: number, values: readonly Uint8Array[]): this {
        for (const value of values) {
            this.#delimited(field, value);
        }
        return this;
    }

    /**
     * A string field, UTF-8; left out when empty.
     * @param field - field number
     * @param value - the text
     */
    string(field: number, value: string): this {
        return this.bytes(field, Buffer.from(value, 'utf8'));
    }

    /**
     * A sub-message field, written even when the message is empty.
     * @param field - field number
     * @param message - the sub-message
     */
    message(field: number, message: MessageWriter): this {
        this.#delimited(field, message.finish());
        return this;
    }

    /**
     * A `map<string, bytes>` field: one entry message per key, in key order, its key (1) and value (2)
     * written even when empty.
     * @param field - field number
     * @param map - the entries
     */
    stringToBytesMap(field: number, map: Readonly<Record<string, Uint8Array>>): this {
        for (const key of Object.keys(map).sort()) {
            const entry = new MessageWriter();
            entry.#delimited(1, Buffer.from(key, 'utf8'));
            entry.#delimited(2, map[key] ?? new Uint8Array());
            this.message(field, entry);
        }
        return this;
    }

    /** The message's bytes. */
    finish(): Uint8Array {
        const bytes = Buffer.allocUnsafe(this.#length);
        let offset = 0;
        for (const part of this.#parts) {
            if (typeof part === 'number') {
                offset = writeVarint(bytes, offset, part);
            } else {
                bytes.set(part, offset);
                offset += part.length;
            }
        }
        return bytes;
    }

    #key(field: number, wireType: number): void {
        this.#varint(field * 8 + wireType);
    }

    #varint(value: number): void {
        this.#parts.push(value);
        this.#length += varintLength(value);
    }

    #delimited(field: number, value: Uint8Array): void {
        this.#key(field, LENGTH_DELIMITED);
        this.#varint(value.length);
        this.#parts.push(value);
        this.#length += value.length;
    }
}
