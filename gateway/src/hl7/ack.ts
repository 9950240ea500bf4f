// SPDX-License-Identifier: Apache-2.0
/**
 * Acknowledgments (HL7 v2.5.1 chapter 2, 2.9 "Message processing rules"). In original mode (MSH-15 and MSH-16
 * empty) the answer is one application acknowledgment: `AA` accepted, `AE` error, `AR` rejected. In enhanced
 * mode the receiver first commits (`CA`, `CE`, `CR`) when MSH-15 asks for it (`AL` always, `ER` on error or
 * reject, `SU` on success, `NE` never; empty means `AL`), then sends the application acknowledgment when
 * MSH-16 asks for it (empty means `NE`); both go back on the same connection. MSA-2 is the message's MSH-10;
 * an error carries an ERR segment with the HL7 table 0357 code, its location and text.
 */
import { escapeHl7 } from './escapes';
import type { V2Header } from './header';

/** Application acknowledgment codes (HL7 table 0008). */
export const AckCodes = ['AA', 'AE', 'AR'] as const;
/** One of {@link AckCodes}. */
export type AckCode = (typeof AckCodes)[number];

/** Why a message was not accepted, for the ERR segment. */
export interface AckError {
    /** HL7 table 0357: 100 segment sequence, 101 required field missing, 102 data type, 103 table value not
     * found, 200 unsupported message type, 201 unsupported event, 202 unsupported processing id, 207 application
     * internal error. */
    readonly code: string;
    /** Text for the sender's operators (no personal data). */
    readonly text: string;
    /** `SEG^sequence^field` */
    readonly location?: string;
}

/** The intake's answer to one message. */
export interface AckOutcome {
    readonly code: AckCode;
    readonly error?: AckError;
    /** Whether the message is durably kept (accepted, or kept in the error queue): the commit is then `CA`. */
    readonly stored: boolean;
}

/** Stands for the header of a message whose header could not be read. */
const NO_HEADER: V2Header = {
    sendingApplication: '',
    sendingFacility: '',
    receivingApplication: '',
    receivingFacility: '',
    time: '',
    messageCode: '',
    triggerEvent: '',
    controlId: '',
    processingId: '',
    version: '',
    acceptAckType: '',
    applicationAckType: '',
    charsetName: '',
};

const ERROR_NAMES: Readonly<Record<string, string>> = {
    '0': 'Message accepted',
    '100': 'Segment sequence error',
    '101': 'Required field missing',
    '102': 'Data type error',
    '103': 'Table value not found',
    '200': 'Unsupported message type',
    '201': 'Unsupported event code',
    '202': 'Unsupported processing id',
    '203': 'Unsupported version id',
    '207': 'Application internal error',
};

/** Who answers: this gateway's facility and application names. */
export interface AckSender {
    readonly application: string;
    readonly facility: string;
}

function hl7Time(now: Date): string {
    return now
        .toISOString()
        .replace(/[-:T]/g, '')
        .replace(/\.(\d{3})Z$/, '.$1+0000');
}

function toErr(error: AckError): string {
    const name = ERROR_NAMES[error.code] ?? 'Error';
    const location = error.location ?? '';
    const [segment = '', sequence = '', field = ''] = location.split('^');
    // ERR-1 (kept for receivers before v2.5), ERR-2 location, ERR-3 code, ERR-4 severity, ERR-8 user message.
    const legacy = location === '' ? '' : `${segment}^${sequence}^${field}^${error.code}&${name}&HL70357`;
    return `ERR|${legacy}|${location}|${error.code}^${name}^HL70357|E||||${escapeHl7(error.text)}`;
}

/**
 * Builds one acknowledgment message (text, segments separated by CR).
 * @param header - the message answered (the raw header if nothing more could be read)
 * @param msa1 - `AA`/`AE`/`AR`, or a commit code `CA`/`CE`/`CR`
 * @param outcome - the error, if any
 * @param context - who answers, the acknowledgment's own control id, and the time
 */
export function buildAck(
    header: V2Header | undefined,
    msa1: string,
    outcome: AckOutcome,
    context: { readonly sender: AckSender; readonly controlId: string; readonly now: Date },
): string {
    const h = header ?? NO_HEADER;
    const msh = [
        'MSH',
        '^~\\&',
        escapeHl7(context.sender.application),
        escapeHl7(context.sender.facility),
        escapeHl7(h.sendingApplication),
        escapeHl7(h.sendingFacility),
        hl7Time(context.now),
        '',
        h.triggerEvent === '' ? 'ACK' : `ACK^${escapeHl7(h.triggerEvent)}^ACK`,
        context.controlId,
        escapeHl7(h.processingId === '' ? 'P' : h.processingId),
        escapeHl7(h.version === '' ? '2.5.1' : h.version),
        '',
        '',
        '',
        '',
        '',
        escapeHl7(h.charsetName),
    ];
    const text = outcome.error ? escapeHl7(outcome.error.text).slice(0, 80) : 'OK';
    const segments = [msh.join('|').replace(/\|+$/, ''), `MSA|${msa1}|${escapeHl7(h.controlId)}|${text}`];
    if (outcome.error) {
        segments.push(toErr(outcome.error));
    }
    return segments.join('\r');
}

function commitCode(outcome: AckOutcome): string {
    if (outcome.stored) {
        return 'CA';
    }
    return outcome.code === 'AR' ? 'CR' : 'CE';
}

function wanted(condition: string, success: boolean): boolean {
    switch (condition) {
        case 'AL':
            return true;
        case 'ER':
            return !success;
        case 'SU':
            return success;
        default:
            return false;
    }
}

/**
 * The acknowledgments to send for a message, in order: one in original mode; the commit acknowledgment and/or
 * the application acknowledgment in enhanced mode, as MSH-15 and MSH-16 ask.
 * @param header - the message answered (undefined when its header could not be read)
 * @param outcome - the intake's answer
 * @returns MSA-1 codes to send, in order
 */
export function ackCodesFor(header: V2Header | undefined, outcome: AckOutcome): string[] {
    const { acceptAckType: accept, applicationAckType: application } = header ?? NO_HEADER;
    if (accept === '' && application === '') {
        return [outcome.code];
    }
    const codes: string[] = [];
    const commit = commitCode(outcome);
    if (wanted(accept === '' ? 'AL' : accept, commit === 'CA')) {
        codes.push(commit);
    }
    if (wanted(application === '' ? 'NE' : application, outcome.code === 'AA')) {
        codes.push(outcome.code);
    }
    return codes;
}
