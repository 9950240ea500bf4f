// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger node's wire format, shared by its server and its remote client: error bodies that carry the
 * ledger error's class, code and transaction id (so a remote caller gets the same error an in-process caller
 * would), chaincode events as NDJSON lines, and the input limits both sides check.
 */
import { CommitError, EndorseError, LedgerError, UnavailableError } from '../ledger';
import type { ChaincodeEvent } from '../ledger';

/** Largest signed proposal the node accepts (bytes). */
export const MAX_PROPOSAL_BYTES = 1024 * 1024;

/** Content type of a signed proposal body. */
export const PROPOSAL_CONTENT_TYPE = 'application/octet-stream';

/** Content type of the event stream: one JSON event per line. */
export const EVENTS_CONTENT_TYPE = 'application/x-ndjson';

/** What kind of failure an error body reports; `request` is a bad HTTP request, not a ledger failure. */
export const WireErrorKinds = ['endorse', 'commit', 'unavailable', 'request'] as const;
/** One of {@link WireErrorKinds}. */
export type WireErrorKind = (typeof WireErrorKinds)[number];

/** The JSON body of every error response. */
export interface WireErrorBody {
    readonly error: {
        readonly kind: WireErrorKind;
        readonly code: string;
        readonly message: string;
        readonly txId?: string;
    };
}

/** A chaincode event as one NDJSON line carries it. */
export interface WireEvent {
    readonly blockNumber: string;
    readonly transactionId: string;
    readonly chaincodeName: string;
    readonly eventName: string;
    /** base64 */
    readonly payload: string;
}

/** Codes that mean "not allowed" rather than "malformed": the ledger's identity checks and the chaincode's. */
const FORBIDDEN_CODES = new Set(['BAD_SIGNATURE', 'UNKNOWN_IDENTITY', 'UNAUTHENTICATED', 'FORBIDDEN', 'ACCESS_DENIED']);
/** Codes that mean the request contradicts the ledger's state. */
const CONFLICT_CODES = new Set([
    'DUPLICATE_TXID',
    'CONFLICT',
    'DUPLICATE_CLAIM',
    'MVCC_READ_CONFLICT',
    'PHANTOM_READ_CONFLICT',
]);

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/**
 * Reads a non-negative decimal integer no larger than `Number.MAX_SAFE_INTEGER`.
 * @param text - the decimal digits
 * @returns the number, or undefined when the text is not such a number
 */
export function readBlockNumber(text: string): number | undefined {
    if (!DECIMAL.test(text)) {
        return undefined;
    }
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : undefined;
}

/** The kind of a ledger error on the wire. */
function toKind(error: LedgerError): WireErrorKind {
    if (error instanceof UnavailableError) {
        return 'unavailable';
    }
    if (error instanceof CommitError) {
        return 'commit';
    }
    return error instanceof EndorseError ? 'endorse' : 'request';
}

/** Statuses of request errors (codes the server raises about the HTTP request itself). */
const REQUEST_STATUS: Readonly<Record<string, number>> = {
    NOT_FOUND: 404,
    BLOCK_NOT_FOUND: 404,
    METHOD_NOT_ALLOWED: 405,
    UNSUPPORTED_MEDIA_TYPE: 415,
};

function toEndorseStatus(code: string): number {
    if (code === 'TIMEOUT') {
        return 503;
    }
    if (CONFLICT_CODES.has(code)) {
        return 409;
    }
    if (code === 'PAYLOAD_TOO_LARGE') {
        return 413;
    }
    return FORBIDDEN_CODES.has(code) ? 403 : 400;
}

/** The HTTP status of a ledger error. */
function toStatus(kind: WireErrorKind, code: string): number {
    switch (kind) {
        case 'unavailable':
            return 503;
        case 'commit':
            return 409;
        case 'request':
            return REQUEST_STATUS[code] ?? 400;
        case 'endorse':
            return toEndorseStatus(code);
    }
}

/**
 * Turns a ledger error into an HTTP status and JSON body. Only the error's message leaves: no stack, no cause.
 * @param error - an error the ledger threw
 */
export function toWireError(error: LedgerError): { status: number; body: WireErrorBody } {
    const kind = toKind(error);
    const txId = error.txId === undefined ? {} : { txId: error.txId };
    return {
        status: toStatus(kind, error.code),
        body: { error: { kind, code: error.code, message: error.message, ...txId } },
    };
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readWireError(value: unknown): WireErrorBody['error'] | undefined {
    const error = isRecord(value) ? value.error : undefined;
    if (!isRecord(error)) {
        return undefined;
    }
    const { kind, code, message, txId } = error;
    if (
        !(WireErrorKinds as readonly unknown[]).includes(kind) ||
        typeof code !== 'string' ||
        typeof message !== 'string' ||
        (txId !== undefined && typeof txId !== 'string')
    ) {
        return undefined;
    }
    return { kind: kind as WireErrorKind, code, message, ...(txId === undefined ? {} : { txId }) };
}

/**
 * Turns an error response back into the ledger error the server raised, with the same class, code and
 * transaction id. A body that is not a well-formed error becomes an {@link UnavailableError}.
 * @param status - HTTP status
 * @param body - the response body
 */
export function fromWireError(status: number, body: Uint8Array): LedgerError {
    let parsed: WireErrorBody['error'] | undefined;
    try {
        parsed = readWireError(JSON.parse(Buffer.from(body).toString('utf8')));
    } catch {
        parsed = undefined;
    }
    if (!parsed) {
        return new UnavailableError(`Ledger node answered HTTP ${status} without an error body`);
    }
    const options = { txId: parsed.txId };
    switch (parsed.kind) {
        case 'endorse':
            return new EndorseError(parsed.code, parsed.message, options);
        case 'commit':
            return new CommitError(parsed.code, parsed.message, options);
        case 'unavailable':
            return new UnavailableError(parsed.message, options);
        case 'request':
            return new LedgerError(parsed.code, parsed.message, options);
    }
}

/**
 * One NDJSON line for an event.
 * @param event - a chaincode event
 */
export function toWireEvent(event: ChaincodeEvent): string {
    const wire: WireEvent = {
        blockNumber: event.blockNumber.toString(),
        transactionId: event.transactionId,
        chaincodeName: event.chaincodeName,
        eventName: event.eventName,
        payload: Buffer.from(event.payload).toString('base64'),
    };
    return JSON.stringify(wire) + '\n';
}

/**
 * Parses one NDJSON event line.
 * @param line - the line, without its newline
 * @throws UnavailableError when the line is not an event
 */
export function fromWireEvent(line: string): ChaincodeEvent {
    let value: unknown;
    try {
        value = JSON.parse(line);
    } catch (cause) {
        throw new UnavailableError('Ledger node sent an event line that is not JSON', { cause });
    }
    if (!isRecord(value)) {
        throw new UnavailableError('Ledger node sent an event that is not an object');
    }
    const { blockNumber, transactionId, chaincodeName, eventName, payload } = value;
    const number = typeof blockNumber === 'string' ? readBlockNumber(blockNumber) : undefined;
    if (
        number === undefined ||
        typeof transactionId !== 'string' ||
        typeof chaincodeName !== 'string' ||
        typeof eventName !== 'string' ||
        typeof payload !== 'string'
    ) {
        throw new UnavailableError('Ledger node sent a malformed event');
    }
    return {
        blockNumber: BigInt(number),
        transactionId,
        chaincodeName,
        eventName,
        payload: Buffer.from(payload, 'base64'),
    };
}
