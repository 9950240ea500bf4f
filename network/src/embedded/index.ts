// SPDX-License-Identifier: Apache-2.0
/** The embedded ledger: a Fabric-faithful, single-node ledger for a region on one machine. */
export { EmbeddedLedger } from './ledger';
export { LedgerClient, toIdentityAndSigner } from './client';
export type { CallOptions, ClientOptions, SigningIdentity } from './client';
export type { ContractClass } from './chaincode-host';
export type { EndorserModule } from './endorsers';
export { CommitError, EndorseError, LedgerError, UnavailableError } from './errors';
export type { EmbeddedLedgerOptions } from './ledger';
export type { MspDefinition } from './msp';
export { newSignedProposal, parseSignedProposal } from './proposal';
export { newNativeSigner } from './signer';
export type { Identity, Signer } from './proposal';
export type { StoreLocation } from './store';
export type * from './types';
export { decodeBlock } from './block';
export type { Block, BlockTransaction } from './block';
