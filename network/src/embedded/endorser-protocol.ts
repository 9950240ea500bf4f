// SPDX-License-Identifier: Apache-2.0
/** Messages between the ledger's thread and its endorser workers (structured-clone values only). */
import type { ChaincodeResult } from './chaincode-host';

/** What a worker needs to load the contracts: a module path and the export holding the contract list. */
export interface EndorserModule {
    /** Absolute path (or resolvable id) of a CommonJS module exporting the contracts. */
    readonly module: string;
    /** Export name: a list of contract classes, or one class. `contracts` by default. */
    readonly exportName?: string;
}

/** Data a worker starts with. */
export interface EndorserWorkerData extends EndorserModule {
    readonly namespace: string;
}

/** The state calls a worker forwards, by name. */
export type StateCall =
    | { readonly method: 'getState'; readonly args: [string] }
    | { readonly method: 'putState'; readonly args: [string, Uint8Array] }
    | { readonly method: 'deleteState'; readonly args: [string] }
    | { readonly method: 'openRange'; readonly args: [string, string, number | undefined, string | undefined] }
    | { readonly method: 'nextRange'; readonly args: [string] }
    | { readonly method: 'closeRange'; readonly args: [string] }
    | { readonly method: 'getHistory'; readonly args: [string] };

/** Ledger thread → worker. */
export type ToWorker =
    | {
          readonly type: 'invoke';
          readonly tx: number;
          readonly txId: string;
          readonly channel: string;
          readonly args: readonly Uint8Array[];
          readonly signedProposal: Uint8Array;
      }
    | { readonly type: 'reply'; readonly call: number; readonly ok: true; readonly value: unknown }
    | { readonly type: 'reply'; readonly call: number; readonly ok: false; readonly message: string };

/** Worker → ledger thread. */
export type FromWorker =
    | { readonly type: 'ready' }
    | { readonly type: 'call'; readonly tx: number; readonly call: number; readonly request: StateCall }
    | { readonly type: 'done'; readonly tx: number; readonly ok: true; readonly result: ChaincodeResult }
    | { readonly type: 'done'; readonly tx: number; readonly ok: false; readonly message: string };
