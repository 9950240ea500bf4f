// SPDX-License-Identifier: Apache-2.0
/**
 * HL7 v2 escape sequences (HL7 v2.5.1 chapter 2, 2.7 "Use of escape sequences in text fields"): a delimiter
 * inside a value is sent as `\F\` (field), `\S\` (component), `\T\` (subcomponent), `\R\` (repetition), `\E\`
 * (escape); `\.br\` is a line break in formatted text, `\Xhh…\` hexadecimal data in the message's character
 * set, and `\H\ \N\ \Cxxyy\ \Mxxyyzz\ \Zxx\` are highlighting, character-set and local escapes, dropped here.
 * A value is split on delimiters first and unescaped after, so an escaped delimiter never splits it.
 */
import type { Hl7Context } from '@medplum/core';

/** Decodes `\Xhh…\` bytes in the message's own character set. */
export type HexDecoder = (bytes: Buffer) => string;

function replacementFor(code: string, context: Hl7Context, decodeHex: HexDecoder): string | undefined {
    switch (code) {
        case 'F':
            return context.fieldSeparator;
        case 'S':
            return context.componentSeparator;
        case 'T':
            return context.subcomponentSeparator;
        case 'R':
            return context.repetitionSeparator;
        case 'E':
            return context.escapeCharacter;
        case '.br':
        case '.sp':
            return '\n';
        default:
            break;
    }
    if (/^X([0-9A-Fa-f]{2})+$/.test(code)) {
        return decodeHex(Buffer.from(code.slice(1), 'hex'));
    }
    // Highlighting, character-set switches, local escapes and other formatting commands carry no text.
    return /^(H|N|C[0-9A-Fa-f]{4}|M[0-9A-Fa-f]{4,6}|Z.*|\.[a-z]{2}[+-]?[0-9]*)$/.test(code) ? '' : undefined;
}

/**
 * Unescapes a value (a subcomponent, component or field already split on delimiters).
 * @param value - the raw value
 * @param context - the message's separators and escape character
 * @param decodeHex - how `\X…\` bytes are decoded
 */
export function unescapeHl7(value: string, context: Hl7Context, decodeHex: HexDecoder): string {
    const escape = context.escapeCharacter;
    if (escape === '' || !value.includes(escape)) {
        return value;
    }
    let out = '';
    let at = 0;
    while (at < value.length) {
        const start = value.indexOf(escape, at);
        const end = start === -1 ? -1 : value.indexOf(escape, start + 1);
        if (start === -1 || end === -1) {
            return out + value.slice(at);
        }
        const replacement = replacementFor(value.slice(start + 1, end), context, decodeHex);
        if (replacement === undefined) {
            // Not an escape sequence: keep the text as sent.
            out += value.slice(at, end);
            at = end;
            continue;
        }
        out += value.slice(at, start) + replacement;
        at = end + 1;
    }
    return out;
}

/**
 * Escapes text for a value of a message built here (an acknowledgment's text), with the standard delimiters.
 * @param text - plain text
 */
export function escapeHl7(text: string): string {
    return text
        .replace(/\\/g, '\\E\\')
        .replace(/\|/g, '\\F\\')
        .replace(/\^/g, '\\S\\')
        .replace(/&/g, '\\T\\')
        .replace(/~/g, '\\R\\')
        .replace(/\r\n|\r|\n/g, '\\.br\\');
}
