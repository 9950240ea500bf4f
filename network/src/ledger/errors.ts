// SPDX-License-Identifier: Apache-2.0
/**
 * The errors of the `Ledger` (`ledger.ts`), one class per phase of a transaction as
 * `@hyperledger/fabric-gateway` has them: endorsement refused, transaction invalidated at commit, ledger
 * unreachable. Each carries a stable `code` (docs/design.md "Recorded refusals": the chaincode's own code, or
 * the ledger's, e.g. `MVCC_READ_CONFLICT`) and the transaction id where known. The embedded ledger throws
 * these itself; the Fabric client turns fabric-gateway's failures into them; so the gateway reasons about one
 * family whichever ledger runs.
 */

/** Options common to every ledger error. */
export interface LedgerErrorOptions {
    /** The transaction id, where known. */
    readonly txId?: string;
    /** What the implementation threw, if anything. */
    readonly cause?: unknown;
}

/** Base class: a stable code, the transaction id where known; `name` is the class's name. */
export class LedgerError extends Error {
    /** Stable machine code, e.g. `MVCC_READ_CONFLICT`, `BAD_SIGNATURE`, or the chaincode's own code. */
    readonly code: string;
    /** The transaction id, where known. */
    readonly txId: string | undefined;

    /**
     * @param code - the stable code
     * @param message - what happened
     * @param options - transaction id and cause
     */
    constructor(code: string, message: string, options: LedgerErrorOptions = {}) {
        super(message, { cause: options.cause });
        this.name = new.target.name;
        this.code = code;
        this.txId = options.txId;
    }
}

/**
 * The proposal was refused before ordering: malformed, badly signed, from an unknown identity, a replayed
 * transaction id, a timestamp too far from the ledger's clock, endorsements that do not satisfy the policy,
 * or the chaincode itself failed. For a chaincode failure, `code` is the `CODE` of the chaincode's
 * `CODE: detail` message and `message` the whole message.
 */
export class EndorseError extends LedgerError {}

/** The transaction was ordered but the ledger marked it invalid; `code` is Fabric's validation code. */
export class CommitError extends LedgerError {}

/** The ledger cannot be reached or did not answer in time; `code` is always `LEDGER_UNAVAILABLE`. */
export class UnavailableError extends LedgerError {
    /**
     * @param message - what failed
     * @param options - transaction id and cause
     */
    constructor(message: string, options: LedgerErrorOptions = {}) {
        super('LEDGER_UNAVAILABLE', message, options);
    }
}

/** The chaincode's stable code at the start of its message (`chaincode/src/errors.ts`). */
const CHAINCODE_CODE = /^([A-Z][A-Z0-9_]{1,63}): /;

/**
 * Builds the error for a chaincode that returned an error response.
 * @param message - the chaincode's message, `CODE: detail` by the project's convention
 * @param txId - the transaction id
 * @returns an `EndorseError` whose code is the message's `CODE`, or `CHAINCODE_ERROR` when it has none
 */
export function newChaincodeError(message: string, txId: string): EndorseError {
    const code = CHAINCODE_CODE.exec(message)?.[1] ?? 'CHAINCODE_ERROR';
    return new EndorseError(code, message, { txId });
}
