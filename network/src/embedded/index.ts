// SPDX-License-Identifier: Apache-2.0
/** The embedded ledger: a Fabric-faithful, single-node ledger for a region on one machine. */
export { EmbeddedLedger } from './ledger';
export { LedgerClient, toIdentityAndSigner } from './client';
export type { ClientOptions, SigningIdentity } from './client';
export type { ContractClass } from './chaincode-host';
export type { EndorserModule } from './endorsers';
export type { EmbeddedLedgerOptions } from './ledger';
export type { MspDefinition } from './msp';
export { newSignedProposal, parseSignedProposal } from './proposal';
export { newNativeSigner } from './signer';
export type { Identity, Signer } from './proposal';
export type { StoreLocation } from './store';
export type { LedgerTransport } from './transport';
export { decodeBlock } from './block';
export type { Block, BlockTransaction } from './block';
