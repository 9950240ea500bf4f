// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger as the gateway sees it: small and Fabric-shaped (what `@hyperledger/fabric-gateway` offers —
 * submit, evaluate, chaincode events with a start block, chain info), so that the embedded ledger's client
 * (`network/src/embedded/client.ts`) and the Fabric client (`gateway/src/ledger/fabric.ts`) both implement it
 * (docs/design.md "The parts"). This module and `errors.ts` are the whole interface: they import nothing of
 * ours, so neither implementation depends on the other, and the gateway depends on neither. Implementations
 * throw the `LedgerError`s of `errors.ts`.
 */

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

/** A connection to the ledger under one organisation member's identity. */
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
    /** Releases what the connection holds. */
    close(): void;
}
