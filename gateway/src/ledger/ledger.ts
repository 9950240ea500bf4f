// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger as the gateway sees it: small and Fabric-shaped (what `@hyperledger/fabric-gateway` offers —
 * submit, evaluate, chaincode events with a start block, chain info), so that the embedded ledger node
 * (`embedded.ts`) and a Fabric peer (`fabric.ts`) fit it alike (docs/design.md "The parts"). This module and
 * `ledger-errors.ts` are the interface: they import neither implementation nor `network/`. Implementations
 * throw `LedgerError`s (`EndorseError`, `CommitError`, `UnavailableError`) carrying stable codes;
 * {@link toLedgerApiError} turns them into API errors.
 */
import { ApiError, ErrorCodes, type ErrorCode } from '../errors';
import { LedgerError, UnavailableError } from './ledger-errors';

export { CommitError, EndorseError, LedgerError, UnavailableError, type LedgerErrorOptions } from './ledger-errors';

/** Options of one transaction call. */
export interface CallOptions {
    readonly arguments?: readonly string[];
    readonly transientData?: Readonly<Record<string, Uint8Array>>;
    /** Transaction timestamp; the caller's clock by default. The embedded ledger refuses one far from its own. */
    readonly timestamp?: Date;
}

/** A chaincode event of a committed, valid transaction (the shape `@hyperledger/fabric-gateway` gives). */
export interface ChaincodeEvent {
    readonly blockNumber: bigint;
    readonly transactionId: string;
    readonly chaincodeName: string;
    readonly eventName: string;
    readonly payload: Uint8Array;
}

/** An async iterable that must be closed when the caller stops reading. */
export interface CloseableAsyncIterable<T> extends AsyncIterable<T> {
    /** Ends the iteration and releases what it holds. */
    close(): void;
}

/** What a submitted transaction came to. */
export interface CommitResult {
    readonly txId: string;
    readonly blockNumber: bigint;
    /** The chaincode's response payload. */
    readonly result: Uint8Array;
}

/** The head of the chain. */
export interface ChainInfo {
    readonly height: bigint;
    /** Hex hash of the last block's header. */
    readonly currentHash: string;
}

/** The outcome of re-checking the whole chain. */
export interface ChainVerification {
    readonly ok: boolean;
    readonly height: number;
    /** Blocks checked. */
    readonly checked: number;
    /** The first block that failed, when one did. */
    readonly firstBadBlock?: number;
    readonly reason?: string;
}

/** A connection to the ledger under one organisation's identity. */
export interface Ledger {
    /** The MSP id transactions are signed as. */
    readonly mspId: string;
    /**
     * Endorses, orders and commits a transaction; resolves once it is committed and valid.
     * @throws EndorseError, CommitError, UnavailableError
     */
    submit(contract: string, fn: string, options?: CallOptions): Promise<CommitResult>;
    /**
     * Runs a transaction function without ordering it.
     * @throws EndorseError, UnavailableError
     */
    evaluate(contract: string, fn: string, options?: CallOptions): Promise<Uint8Array>;
    /** Chaincode events of valid transactions from `startBlock` (default 0) on, then live. */
    chaincodeEvents(options?: { readonly startBlock?: bigint }): Promise<CloseableAsyncIterable<ChaincodeEvent>>;
    /** Height and current block hash. */
    getChainInfo(): Promise<ChainInfo>;
    /** Re-checks the whole chain (hash links, data hashes, transaction signatures). */
    verifyChain(): Promise<ChainVerification>;
    /** Releases connections. */
    close(): void;
}

/** Chaincode codes that are not API codes, and the API code each becomes. */
const CHAINCODE_CODES: Readonly<Record<string, ErrorCode>> = {
    BAD_SIGNATURE: 'FORBIDDEN',
    ORG_NOT_ACTIVE: 'FORBIDDEN',
    UNKNOWN_IDENTITY: 'FORBIDDEN',
    MVCC_READ_CONFLICT: 'CONFLICT',
    PHANTOM_READ_CONFLICT: 'CONFLICT',
    DUPLICATE_TXID: 'CONFLICT',
    CLOCK_SKEW: 'LEDGER_UNAVAILABLE',
    // Fabric: the peer gateway could not gather endorsements satisfying the policy (too few organisations'
    // peers answered, or they disagreed); like an unreachable ledger, nothing is granted.
    ENDORSEMENT_POLICY_FAILURE: 'LEDGER_UNAVAILABLE',
    TIMEOUT: 'LEDGER_UNAVAILABLE',
};

function isErrorCode(code: string): code is ErrorCode {
    return Object.hasOwn(ErrorCodes, code);
}

/**
 * Converts a ledger failure into an API error with a stable code; anything else passes through.
 * @param error - what a ledger call threw
 */
export function toLedgerApiError(error: unknown): unknown {
    if (error instanceof UnavailableError) {
        return new ApiError('LEDGER_UNAVAILABLE', 'The ledger cannot be reached', { cause: error });
    }
    if (!(error instanceof LedgerError)) {
        return error;
    }
    const mapped = CHAINCODE_CODES[error.code] ?? (isErrorCode(error.code) ? error.code : undefined);
    // The chaincode's message starts with its code, which the outcome already carries as `details.text`.
    const prefix = `${error.code}: `;
    const diagnostics = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    const options = { cause: error, extra: { ledgerCode: error.code } };
    return new ApiError(mapped ?? 'INVALID_INPUT', diagnostics, options);
}
