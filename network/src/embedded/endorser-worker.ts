// SPDX-License-Identifier: Apache-2.0
/**
 * An endorser worker thread: hosts the contracts in fabric-shim (a {@link ChaincodeHost}) and runs the
 * transactions the ledger's thread hands it, forwarding every state call back to that thread, which owns
 * the store and each transaction's simulation. The shim's work — protobuf messages, certificate parsing,
 * argument marshalling — so runs beside the ledger's own work, on another core.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { peer } from '@hyperledger/fabric-protos';
import { ChaincodeHost, type ContractClass } from './chaincode-host';
import type { EndorserWorkerData, FromWorker, StateCall, ToWorker } from './endorser-protocol';
import type { KeyModification } from './store';
import type { RangePage, StateAccess } from './simulator';

interface PendingCall {
    readonly resolve: (value: unknown) => void;
    readonly reject: (error: Error) => void;
}

function loadContracts(data: EndorserWorkerData): ContractClass[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is named at run time
    const loaded = require(data.module) as Record<string, unknown>;
    const exported = loaded[data.exportName ?? 'contracts'];
    const list = Array.isArray(exported) ? (exported as unknown[]) : [exported];
    if (list.length === 0 || !list.every((entry) => typeof entry === 'function')) {
        throw new Error(`${data.module} does not export contract classes as ${data.exportName ?? 'contracts'}`);
    }
    return list as ContractClass[];
}

function main(): void {
    const port = parentPort;
    if (!port) {
        throw new Error('endorser-worker runs only as a worker thread');
    }
    const data = workerData as EndorserWorkerData;
    const host = new ChaincodeHost(loadContracts(data), data.namespace);
    const calls = new Map<number, PendingCall>();
    let nextCall = 0;
    const post = (message: FromWorker): void => {
        port.postMessage(message);
    };
    const ask = <T>(tx: number, request: StateCall): Promise<T> =>
        new Promise<T>((resolve, reject) => {
            const call = nextCall++;
            calls.set(call, { resolve: resolve as (value: unknown) => void, reject });
            post({ type: 'call', tx, call, request });
        });
    const stateFor = (tx: number): StateAccess => ({
        getState: (key) => ask<Uint8Array>(tx, { method: 'getState', args: [key] }),
        putState: (key, value) => ask<undefined>(tx, { method: 'putState', args: [key, value] }),
        deleteState: (key) => ask<undefined>(tx, { method: 'deleteState', args: [key] }),
        openRange: (start, end, pageSize, bookmark) =>
            ask<{ id: string; page: RangePage }>(tx, { method: 'openRange', args: [start, end, pageSize, bookmark] }),
        nextRange: (id) => ask<RangePage>(tx, { method: 'nextRange', args: [id] }),
        closeRange: (id) => ask<undefined>(tx, { method: 'closeRange', args: [id] }),
        getHistory: (key) => ask<KeyModification[]>(tx, { method: 'getHistory', args: [key] }),
    });
    port.on('message', (message: ToWorker) => {
        if (message.type === 'reply') {
            const pending = calls.get(message.call);
            calls.delete(message.call);
            if (message.ok) {
                pending?.resolve(message.value);
            } else {
                pending?.reject(new Error(message.message));
            }
            return;
        }
        const signedProposal = peer.SignedProposal.deserializeBinary(message.signedProposal);
        host.invoke(message.txId, message.channel, message.args, signedProposal, stateFor(message.tx)).then(
            (result) => {
                post({ type: 'done', tx: message.tx, ok: true, result });
            },
            (error: unknown) => {
                post({ type: 'done', tx: message.tx, ok: false, message: String(error) });
            },
        );
    });
    post({ type: 'ready' });
}

main();
