// SPDX-License-Identifier: Apache-2.0
/**
 * From a frame's bytes to FHIR: the character set (MSH-18, else the gateway's default), the decoded and parsed
 * message, its header, and its mapping. The intake reads a message this way before acknowledging it (so a
 * message that cannot be mapped is answered `AE`), and the processor reads it again from the inbox.
 */
import { CharsetError, decodeText, readRawCharsetName, toCharset, type Charset } from './charset';
import type { AckError } from './ack';
import { readHeader, type V2Header } from './header';
import { mapMessage, MappingError, type MappedMessage, type MappingOptions } from './mapping';
import { Hl7ParseError, parseV2, type V2Message } from './message';

/** How messages are read at this gateway. */
export interface ReadSettings {
    /** For a message whose MSH-18 is empty. */
    readonly defaultCharset: Charset;
    readonly mapping: MappingOptions;
}

/** A message read and mapped. */
export interface ReadMessage {
    readonly header: V2Header;
    readonly charset: Charset;
    readonly message: V2Message;
    readonly mapped: MappedMessage;
}

/** The message cannot be read or mapped: the reason, as an ERR segment gives it. */
export class Hl7ReadError extends Error {
    readonly error: AckError;

    /** @param error - code, text, location */
    constructor(error: AckError) {
        super(error.text);
        this.name = 'Hl7ReadError';
        this.error = error;
    }
}

/**
 * The character set of a frame, from its MSH-18 or the default.
 * @param name - MSH-18 as read
 * @param settings - the default
 * @throws Hl7ReadError (103) for a set the gateway does not decode
 */
export function charsetOf(name: string, settings: ReadSettings): Charset {
    if (name === '') {
        return settings.defaultCharset;
    }
    const charset = toCharset(name);
    if (charset === undefined) {
        throw new Hl7ReadError({ code: '103', text: `character set ${name} is not supported`, location: 'MSH^1^18' });
    }
    return charset;
}

function decodeAndParse(bytes: Uint8Array, charset: Charset): V2Message {
    try {
        return parseV2(decodeText(bytes, charset), charset);
    } catch (error) {
        if (error instanceof CharsetError) {
            throw new Hl7ReadError({ code: '102', text: error.message, location: 'MSH^1^18' });
        }
        throw error;
    }
}

function toReadError(error: unknown): unknown {
    if (error instanceof MappingError || error instanceof Hl7ParseError) {
        return new Hl7ReadError({ code: error.errorCode, text: error.message, location: error.location });
    }
    return error;
}

/**
 * Decodes, parses and maps a frame.
 * @param bytes - the frame's bytes
 * @param settings - default charset and mapping options
 * @throws Hl7ReadError when any step fails for a reason in the message
 */
export function readMessage(bytes: Uint8Array, settings: ReadSettings): ReadMessage {
    try {
        let charset = charsetOf(readRawCharsetName(bytes) ?? '', settings);
        let message = decodeAndParse(bytes, charset);
        // A multi-byte character in MSH-3..17 can hold a byte that looks like a separator in the raw header; the
        // decoded header is the truth, and names the set to decode with when it differs.
        const decodedName = message.msh.get(18);
        const named = charsetOf(decodedName, settings);
        if (named.encoding !== charset.encoding) {
            charset = named;
            message = decodeAndParse(bytes, charset);
        }
        const header = readHeader(message);
        return { header, charset, message, mapped: mapMessage({ message, header, options: settings.mapping }) };
    } catch (error) {
        throw toReadError(error);
    }
}
