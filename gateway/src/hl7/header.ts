// SPDX-License-Identifier: Apache-2.0
/** The message header (MSH) fields the intake acts on, and the header of a frame read before decoding. */
import { toCharset } from './charset';
import { Hl7ParseError, parseV2, type V2Message } from './message';

/** MSH as the intake reads it. */
export interface V2Header {
    /** MSH-3.1 */
    readonly sendingApplication: string;
    /** MSH-4.1 */
    readonly sendingFacility: string;
    /** MSH-5.1 */
    readonly receivingApplication: string;
    /** MSH-6.1 */
    readonly receivingFacility: string;
    /** MSH-7 */
    readonly time: string;
    /** MSH-9.1, e.g. `ORU` */
    readonly messageCode: string;
    /** MSH-9.2, e.g. `R01` */
    readonly triggerEvent: string;
    /** MSH-10 */
    readonly controlId: string;
    /** MSH-11.1: `P` production, `T` training, `D` debugging */
    readonly processingId: string;
    /** MSH-12.1 */
    readonly version: string;
    /** MSH-15: accept acknowledgment type (enhanced mode) */
    readonly acceptAckType: string;
    /** MSH-16: application acknowledgment type (enhanced mode) */
    readonly applicationAckType: string;
    /** MSH-18, first repetition */
    readonly charsetName: string;
}

/**
 * Reads the header of a parsed message.
 * @param message - the message
 * @throws Hl7ParseError (101) when MSH-9 or MSH-10 is missing
 */
export function readHeader(message: V2Message): V2Header {
    const msh = message.msh;
    const header: V2Header = {
        sendingApplication: msh.get(3),
        sendingFacility: msh.get(4),
        receivingApplication: msh.get(5),
        receivingFacility: msh.get(6),
        time: msh.get(7),
        messageCode: msh.get(9, 1).toUpperCase(),
        triggerEvent: msh.get(9, 2).toUpperCase(),
        controlId: msh.get(10),
        processingId: msh.get(11).toUpperCase(),
        version: msh.get(12),
        acceptAckType: msh.get(15).toUpperCase(),
        applicationAckType: msh.get(16).toUpperCase(),
        charsetName: msh.get(18),
    };
    if (header.messageCode === '') {
        throw new Hl7ParseError('MSH-9 (message type) is empty', '101', 'MSH^1^9');
    }
    if (header.controlId === '') {
        throw new Hl7ParseError('MSH-10 (message control id) is empty', '101', 'MSH^1^10');
    }
    return header;
}

/**
 * Reads the header from a frame's bytes without decoding the rest: MSH's separators and codes are ASCII, so the
 * header line read as ISO 8859-1 gives the control id even when the body's character set is not decodable.
 * @param bytes - the frame
 * @throws Hl7ParseError when the frame does not start with a readable MSH
 */
export function readRawHeader(bytes: Uint8Array): V2Header {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ends = [buffer.indexOf(0x0d), buffer.indexOf(0x0a)].filter((at) => at !== -1);
    const end = ends.length === 0 ? buffer.length : Math.min(...ends);
    const latin1 = toCharset('8859/1');
    if (latin1 === undefined) {
        throw new Error('ISO 8859-1 is always known');
    }
    return readHeader(parseV2(buffer.toString('latin1', 0, Math.min(end, 4096)), latin1));
}
