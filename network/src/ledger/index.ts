// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger interface both ledger clients implement: value types, the `Ledger` calls and their errors, and
 * the liveness probe both clients keep of the endpoint they call, and the native proposal signature both use.
 */
export type * from './ledger';
export * from './errors';
export * from './liveness';
export * from './signer';
