// SPDX-License-Identifier: Apache-2.0
/**
 * Character sets of HL7 v2 messages: MSH-18 names the message's character set (HL7 table 0211), read from the
 * raw bytes of the header (its separators and codes are ASCII), and the whole frame is decoded with it through
 * iconv-lite. A message that leaves MSH-18 empty is decoded with the gateway's default (`hl7.defaultCharset`,
 * ASCII unless configured). Bytes that are not valid in the named set make the message unreadable rather than
 * silently altered: it is kept in the error queue with the reason (docs/design.md "HL7 v2 intake").
 */
import iconv from 'iconv-lite';

/** A character set the gateway decodes: HL7's name for it and iconv-lite's. */
export interface Charset {
    /** As HL7 table 0211 spells it (or the local variant the sender used). */
    readonly hl7Name: string;
    /** iconv-lite's encoding name; `ascii` is checked strictly. */
    readonly encoding: string;
}

/**
 * HL7 table 0211 names, and the names Chinese systems commonly send instead, with their iconv-lite encodings.
 * UTF-16 and UTF-32 are absent on purpose: their bytes can contain MLLP's frame bytes.
 */
const ENCODINGS: Readonly<Record<string, string>> = {
    ASCII: 'ascii',
    '8859/1': 'latin1',
    '8859/2': 'iso-8859-2',
    '8859/3': 'iso-8859-3',
    '8859/4': 'iso-8859-4',
    '8859/5': 'iso-8859-5',
    '8859/6': 'iso-8859-6',
    '8859/7': 'iso-8859-7',
    '8859/8': 'iso-8859-8',
    '8859/9': 'iso-8859-9',
    '8859/15': 'iso-8859-15',
    'UNICODE UTF-8': 'utf8',
    'UTF-8': 'utf8',
    UTF8: 'utf8',
    'GB 18030-2000': 'gb18030',
    'GB18030-2000': 'gb18030',
    'GB 18030-2005': 'gb18030',
    GB18030: 'gb18030',
    'GB 18030': 'gb18030',
    GBK: 'gbk',
    GB2312: 'gbk',
    'GB 2312': 'gbk',
    CP936: 'gbk',
    'BIG-5': 'big5',
    BIG5: 'big5',
    'KS X 1001': 'euc-kr',
};

/**
 * The charset of an HL7 name, or undefined when the gateway does not decode it.
 * @param name - MSH-18 (one repetition), case and surrounding spaces ignored
 */
export function toCharset(name: string): Charset | undefined {
    const key = name.trim().toUpperCase();
    const encoding = ENCODINGS[key];
    return encoding === undefined ? undefined : { hl7Name: key, encoding };
}

/** The bytes of a frame are not valid in its character set. */
export class CharsetError extends Error {
    /**
     * @param charset - the set that was tried
     */
    constructor(charset: Charset) {
        super(`the message has bytes that are not valid ${charset.hl7Name} (MSH-18)`);
        this.name = 'CharsetError';
    }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a whole frame.
 * @param bytes - the frame's bytes
 * @param charset - its character set
 * @throws CharsetError when a byte sequence is not valid in that set
 */
export function decodeText(bytes: Uint8Array, charset: Charset): string {
    switch (charset.encoding) {
        case 'ascii':
            if (bytes.some((byte) => byte > 0x7f)) {
                throw new CharsetError(charset);
            }
            return Buffer.from(bytes).toString('latin1');
        case 'utf8':
            try {
                return UTF8.decode(bytes);
            } catch {
                throw new CharsetError(charset);
            }
        default: {
            const text = iconv.decode(Buffer.from(bytes), charset.encoding);
            // iconv-lite replaces what it cannot decode with U+FFFD.
            if (text.includes('\uFFFD')) {
                throw new CharsetError(charset);
            }
            return text;
        }
    }
}

/**
 * Encodes text in a character set (an acknowledgment in the sender's set).
 * @param text - the text
 * @param charset - the set
 */
export function encodeText(text: string, charset: Charset): Buffer {
    if (charset.encoding === 'ascii' || charset.encoding === 'utf8') {
        return Buffer.from(text, charset.encoding === 'ascii' ? 'latin1' : 'utf8');
    }
    return iconv.encode(text, charset.encoding);
}

/**
 * Reads MSH-18 from the raw bytes of a frame, before decoding: the header's separators are ASCII.
 * @param bytes - the frame's bytes
 * @returns the first repetition of MSH-18, or '' when absent; undefined when the frame has no MSH header
 */
export function readRawCharsetName(bytes: Uint8Array): string | undefined {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buffer.length < 8 || buffer.toString('latin1', 0, 3) !== 'MSH') {
        return undefined;
    }
    let end = buffer.indexOf(0x0d);
    const lineFeed = buffer.indexOf(0x0a);
    if (end === -1 || (lineFeed !== -1 && lineFeed < end)) {
        end = lineFeed === -1 ? buffer.length : lineFeed;
    }
    const header = buffer.toString('latin1', 0, end);
    const fieldSeparator = header.charAt(3);
    const repetitionSeparator = header.charAt(5);
    // Split field 1 is MSH-2, so MSH-n is at n - 1.
    const field = header.split(fieldSeparator)[17] ?? '';
    return (field.split(repetitionSeparator)[0] ?? '').trim();
}
