// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger interface both ledger clients implement: value types, the `Ledger` calls and their errors, and
 * the liveness probe both clients keep of the endpoint they call.
 */
export type * from './ledger';
export * from './errors';
export * from './liveness';
