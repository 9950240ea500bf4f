// SPDX-License-Identifier: Apache-2.0
/** The ledger interface both ledger clients implement: value types, the `Ledger` calls and their errors. */
export type * from './ledger';
export * from './errors';
