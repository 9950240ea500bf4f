// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger as the gateway sees it: small and Fabric-shaped (what `@hyperledger/fabric-gateway` offers —
 * submit, evaluate, chaincode events with a start block, chain info), so that the embedded ledger node
 * and a Fabric peer fit it alike. Implementations throw `LedgerError`s (`EndorseError`, `CommitError`,
 * `UnavailableError`) carrying stable codes; {@link toLedgerApiError} turns them into API errors.
 */
import {
    CommitError,
    EndorseError,
    LedgerError,
    UnavailableError,
    type CallOptions,
    type ChainInfo,
    type ChainVerification,
    type ChaincodeEvent,
    type CloseableAsyncIterable,
    type CommitResult,
} from '../../../network/src/embedded';
import { ApiError, ErrorCodes, type ErrorCode } from '../errors';

export type { CallOptions, ChainInfo, ChainVerification, ChaincodeEvent, CloseableAsyncIterable, CommitResult };
export { CommitError, EndorseError, LedgerError, UnavailableError };

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
    if (mapped) {
        return new ApiError(mapped, error.message, { cause: error, extra: { ledgerCode: error.code } });
    }
    return new ApiError('INVALID_INPUT', error.message, { cause: error, extra: { ledgerCode: error.code } });
}
