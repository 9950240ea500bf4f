// SPDX-License-Identifier: Apache-2.0
/** Value types shared by the embedded ledger, its node server and its clients. Fabric-shaped on purpose. */

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

/** What a ledger node offers to clients that bring their own signed proposals. */
export interface LedgerTransport {
    /** Runs a proposal without ordering it; returns the chaincode's payload. */
    evaluate(proposal: Uint8Array): Promise<Uint8Array>;
    /** Endorses, orders and commits a proposal; resolves once its block is committed. */
    submit(proposal: Uint8Array): Promise<CommitResult>;
    /** Chaincode events of valid transactions from a block on, then live. */
    chaincodeEvents(startBlock: bigint): Promise<CloseableAsyncIterable<ChaincodeEvent>>;
    info(): Promise<ChainInfo>;
    verify(): Promise<ChainVerification>;
    /** A block's canonical JSON bytes, or undefined past the head. */
    getBlock(number: bigint): Promise<Uint8Array | undefined>;
}
