// SPDX-License-Identifier: Apache-2.0
/**
 * Errors of the ledger, one class per phase of a transaction, as `@hyperledger/fabric-gateway` has them
 * (endorse, submit, commit). Each carries a stable `code` and, where known, the transaction id.
 */

/** Options common to every ledger error. */
export interface LedgerErrorOptions {
    readonly txId?: string;
    readonly cause?: unknown;
}

/** Base class: a stable code, the transaction id where known. */
export class LedgerError extends Error {
    /** Stable machine code, e.g. `MVCC_READ_CONFLICT`, `BAD_SIGNATURE`, or the chaincode's own code. */
    readonly code: string;
    readonly txId: string | undefined;

    constructor(code: string, message: string, options: LedgerErrorOptions = {}) {
        super(message, { cause: options.cause });
        this.name = new.target.name;
        this.code = code;
        this.txId = options.txId;
    }
}

/**
 * The proposal was refused before ordering: malformed, badly signed, from an unknown identity, a replayed
 * transaction id, a timestamp too far from the ledger's clock, or the chaincode itself failed. For a
 * chaincode failure, `code` is the `CODE` of the chaincode's `CODE: detail` message and `message` the
 * whole message.
 */
export class EndorseError extends LedgerError {}

/** The transaction was ordered but the ledger marked it invalid; `code` is Fabric's validation code. */
export class CommitError extends LedgerError {}

/** The ledger cannot be reached or did not answer in time. */
export class UnavailableError extends LedgerError {
    constructor(message: string, options: LedgerErrorOptions = {}) {
        super('LEDGER_UNAVAILABLE', message, options);
    }
}

const CHAINCODE_CODE = /^([A-Z][A-Z0-9_]{1,63}): /;

/**
 * Builds the error for a chaincode that returned an error response.
 * @param message - the chaincode's message, `CODE: detail` by the project's convention
 * @param txId - the transaction id
 */
export function newChaincodeError(message: string, txId: string): EndorseError {
    const code = CHAINCODE_CODE.exec(message)?.[1] ?? 'CHAINCODE_ERROR';
    return new EndorseError(code, message, { txId });
}
