// SPDX-License-Identifier: Apache-2.0
/**
 * A decoded HL7 v2 message, parsed by `@medplum/core`'s `Hl7Message` (segments, fields, repetitions,
 * components; any segment name, Z-segments included), read through {@link V2Segment}, which picks
 * repetitions, components and subcomponents by their 1-based HL7 positions and unescapes the value.
 */
import { Hl7Message, type Hl7Field, type Hl7Segment } from '@medplum/core';
import iconv from 'iconv-lite';
import type { Charset } from './charset';
import { unescapeHl7, type HexDecoder } from './escapes';

/** The message cannot be parsed or lacks what every message must have. */
export class Hl7ParseError extends Error {
    /** HL7 table 0357 error code. */
    readonly errorCode: string;
    /** `SEG^sequence^field` of the problem, when known. */
    readonly location: string;

    /**
     * @param message - what is wrong (no personal data)
     * @param errorCode - HL7 table 0357 code, e.g. 101 required field missing
     * @param location - where
     */
    constructor(message: string, errorCode = '100', location = '') {
        super(message);
        this.name = 'Hl7ParseError';
        this.errorCode = errorCode;
        this.location = location;
    }
}

/** One segment of a parsed message. */
export class V2Segment {
    readonly #segment: Hl7Segment;
    readonly #decodeHex: HexDecoder;
    /** 1-based position among the segments of its name. */
    readonly sequence: number;

    /**
     * @param segment - the parsed segment
     * @param sequence - its position among segments of the same name
     * @param decodeHex - decoder of `\X…\` escapes
     */
    constructor(segment: Hl7Segment, sequence: number, decodeHex: HexDecoder) {
        this.#segment = segment;
        this.sequence = sequence;
        this.#decodeHex = decodeHex;
    }

    /** The segment's name (`PID`, `OBX`, `ZPI`, …). */
    get name(): string {
        return this.#segment.name;
    }

    #field(field: number): Hl7Field | undefined {
        return this.#segment.getField(field);
    }

    /**
     * How many repetitions a field has (0 when empty).
     * @param field - 1-based field number
     */
    repeats(field: number): number {
        const value = this.#field(field);
        if (value === undefined) {
            return 0;
        }
        const reps = value.components.length;
        return reps === 1 && value.toString() === '' ? 0 : reps;
    }

    /**
     * One value, unescaped: `get(3, 4, 1, 0)` is PID-3.4.1 of the first repetition.
     * @param field - 1-based field
     * @param component - 1-based component (1 by default)
     * @param subcomponent - 1-based subcomponent (1 by default; the whole component when 0)
     * @param repetition - 0-based repetition
     */
    get(field: number, component = 1, subcomponent = 1, repetition = 0): string {
        const raw = this.#field(field)?.components[repetition]?.[component - 1] ?? '';
        return unescapeHl7(this.#subcomponent(raw, subcomponent), this.#segment.context, this.#decodeHex).trim();
    }

    #subcomponent(raw: string, subcomponent: number): string {
        const sub = this.#segment.context.subcomponentSeparator;
        if (subcomponent === 0 || (subcomponent === 1 && !raw.includes(sub))) {
            return raw;
        }
        return raw.split(sub)[subcomponent - 1] ?? '';
    }

    /**
     * Every repetition of a field, each as a segment-like reader of its components.
     * @param field - 1-based field
     */
    repetitions(field: number): number[] {
        return Array.from({ length: this.repeats(field) }, (_, index) => index);
    }

    /**
     * A whole field, unescaped, components and repetitions joined by their separators (for text fields).
     * @param field - 1-based field
     */
    text(field: number): string {
        const value = this.#field(field);
        return value === undefined ? '' : unescapeHl7(value.toString(), this.#segment.context, this.#decodeHex);
    }
}

/** A parsed message. */
export class V2Message {
    /** Segments in order. */
    readonly segments: readonly V2Segment[];

    /** @param segments - the segments */
    constructor(segments: readonly V2Segment[]) {
        this.segments = segments;
    }

    /** The MSH segment. */
    get msh(): V2Segment {
        const first = this.segments[0];
        if (first?.name !== 'MSH') {
            throw new Hl7ParseError('the message does not start with MSH');
        }
        return first;
    }

    /**
     * The first segment of a name.
     * @param name - segment name
     */
    first(name: string): V2Segment | undefined {
        return this.segments.find((segment) => segment.name === name);
    }

    /**
     * Every segment of a name.
     * @param name - segment name
     */
    all(name: string): V2Segment[] {
        return this.segments.filter((segment) => segment.name === name);
    }
}

/**
 * Parses decoded message text.
 * @param text - the message, segments separated by CR (LF and CRLF are tolerated)
 * @param charset - the message's character set, for `\X…\` escapes
 * @throws Hl7ParseError when it is not an HL7 v2 message
 */
export function parseV2(text: string, charset: Charset): V2Message {
    if (!/^MSH(.)[^\r\n]{4}/.test(text)) {
        throw new Hl7ParseError('the message does not start with an MSH segment');
    }
    const parsed = Hl7Message.parse(text.replace(/[\r\n]+$/, ''));
    const decodeHex: HexDecoder = (bytes) =>
        charset.encoding === 'ascii' ? bytes.toString('latin1') : iconv.decode(bytes, charset.encoding);
    const counts = new Map<string, number>();
    const segments = parsed.segments
        .filter((segment) => segment.name !== '')
        .map((segment) => {
            const sequence = (counts.get(segment.name) ?? 0) + 1;
            counts.set(segment.name, sequence);
            return new V2Segment(segment, sequence, decodeHex);
        });
    return new V2Message(segments);
}
