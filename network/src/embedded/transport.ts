// SPDX-License-Identifier: Apache-2.0
/**
 * What a ledger node offers to clients that bring their own signed proposals: the in-process ledger
 * (`ledger.ts`) and the remote client of the ledger node (`remote.ts`) both offer it, and `LedgerClient`
 * (`client.ts`) turns it into the `Ledger` interface by signing proposals for one identity.
 */
import type { ChainInfo, ChainVerification, ChaincodeEvent, CloseableAsyncIterable, CommitResult } from '../ledger';

/** A ledger node's calls, each taking or giving bytes as they travel; failures are `LedgerError`s. */
export interface LedgerTransport {
    /** Runs a proposal without ordering it; returns the chaincode's payload. */
    evaluate(proposal: Uint8Array): Promise<Uint8Array>;
    /** Endorses, orders and commits a proposal; resolves once its block is committed. */
    submit(proposal: Uint8Array): Promise<CommitResult>;
    /** Chaincode events of valid transactions from a block on, then live. */
    chaincodeEvents(startBlock: bigint): Promise<CloseableAsyncIterable<ChaincodeEvent>>;
    /** Height and current block hash. */
    info(): Promise<ChainInfo>;
    /** Re-checks the whole chain. */
    verify(): Promise<ChainVerification>;
    /** A block's canonical JSON bytes, or undefined past the head. */
    getBlock(number: bigint): Promise<Uint8Array | undefined>;
}
