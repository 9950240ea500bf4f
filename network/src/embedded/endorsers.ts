// SPDX-License-Identifier: Apache-2.0
/**
 * Who runs the chaincode for the ledger: fabric-shim in the ledger's own thread, or a pool of endorser
 * worker threads (`endorser-worker.ts`) that forward every state call back to the ledger's thread, where the
 * transaction's {@link TxSimulator} records reads and writes exactly as in-process. Same shim, same answers;
 * the workers only move the shim's CPU work off the thread that orders and commits.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { peer } from '@hyperledger/fabric-protos';
import { ChaincodeHost, type ChaincodeResult, type ContractClass } from './chaincode-host';
import type { EndorserModule, EndorserWorkerData, FromWorker, StateCall, ToWorker } from './endorser-protocol';
import { UnavailableError } from '../ledger';
import type { StateAccess } from './simulator';

export type { EndorserModule } from './endorser-protocol';

/** One transaction to run. */
export interface Invocation {
    readonly txId: string;
    readonly channel: string;
    readonly args: readonly Uint8Array[];
    readonly signedProposal: peer.SignedProposal;
    /** The serialized SignedProposal (what a worker receives). */
    readonly proposalBytes: Uint8Array;
}

/** Runs transactions of the chaincode. */
export interface ChaincodeRunner {
    invoke(invocation: Invocation, state: StateAccess): Promise<ChaincodeResult>;
    close(): Promise<void>;
}

/** fabric-shim in the ledger's own thread. */
export class InProcessRunner implements ChaincodeRunner {
    readonly #host: ChaincodeHost;

    /**
     * @param contracts - the contract classes
     * @param namespace - the chaincode name
     */
    constructor(contracts: readonly ContractClass[], namespace: string) {
        this.#host = new ChaincodeHost(contracts, namespace);
    }

    /** @inheritdoc */
    invoke(invocation: Invocation, state: StateAccess): Promise<ChaincodeResult> {
        return this.#host.invoke(
            invocation.txId,
            invocation.channel,
            invocation.args,
            invocation.signedProposal,
            state,
        );
    }

    /** @inheritdoc */
    close(): Promise<void> {
        this.#host.close();
        return Promise.resolve();
    }
}

interface Running {
    readonly state: StateAccess;
    readonly resolve: (result: ChaincodeResult) => void;
    readonly reject: (error: Error) => void;
}

async function dispatch(state: StateAccess, request: StateCall): Promise<unknown> {
    switch (request.method) {
        case 'getState':
            return state.getState(...request.args);
        case 'putState':
            return state.putState(...request.args);
        case 'deleteState':
            return state.deleteState(...request.args);
        case 'openRange':
            return state.openRange(...request.args);
        case 'nextRange':
            return state.nextRange(...request.args);
        case 'closeRange':
            return state.closeRange(...request.args);
        case 'getHistory':
            return state.getHistory(...request.args);
    }
}

class EndorserThread {
    readonly #worker: Worker;
    readonly #running = new Map<number, Running>();
    #failure: Error | undefined;

    constructor(data: EndorserWorkerData, ready: (error?: Error) => void) {
        this.#worker = new Worker(join(__dirname, 'endorser-worker.js'), { workerData: data });
        this.#worker.on('message', (message: FromWorker) => {
            if (message.type === 'ready') {
                ready();
            } else if (message.type === 'call') {
                this.#answer(message.tx, message.call, message.request);
            } else {
                this.#finish(message);
            }
        });
        this.#worker.on('error', (error) => {
            this.#fail(error);
            ready(error);
        });
        this.#worker.on('exit', (code) => {
            this.#fail(new Error(`endorser worker exited with code ${code}`));
        });
    }

    get load(): number {
        return this.#running.size;
    }

    invoke(tx: number, invocation: Invocation, state: StateAccess): Promise<ChaincodeResult> {
        if (this.#failure) {
            return Promise.reject(new UnavailableError('Endorser worker failed', { cause: this.#failure }));
        }
        return new Promise((resolve, reject) => {
            this.#running.set(tx, { state, resolve, reject });
            const message: ToWorker = {
                type: 'invoke',
                tx,
                txId: invocation.txId,
                channel: invocation.channel,
                args: invocation.args,
                signedProposal: invocation.proposalBytes,
            };
            this.#worker.postMessage(message);
        });
    }

    #answer(tx: number, call: number, request: StateCall): void {
        const running = this.#running.get(tx);
        const reply = (message: ToWorker): void => {
            this.#worker.postMessage(message);
        };
        if (!running) {
            reply({ type: 'reply', call, ok: false, message: 'transaction is no longer running' });
            return;
        }
        Promise.resolve()
            .then(() => dispatch(running.state, request))
            .then(
                (value) => {
                    reply({ type: 'reply', call, ok: true, value });
                },
                (error: unknown) => {
                    reply({
                        type: 'reply',
                        call,
                        ok: false,
                        message: error instanceof Error ? error.message : String(error),
                    });
                },
            );
    }

    #finish(message: Extract<FromWorker, { type: 'done' }>): void {
        const running = this.#running.get(message.tx);
        this.#running.delete(message.tx);
        if (message.ok) {
            running?.resolve(message.result);
        } else {
            running?.reject(new Error(message.message));
        }
    }

    #fail(error: Error): void {
        this.#failure ??= error;
        for (const running of this.#running.values()) {
            running.reject(new UnavailableError('Endorser worker failed', { cause: error }));
        }
        this.#running.clear();
    }

    async terminate(): Promise<void> {
        this.#worker.removeAllListeners('exit');
        await this.#worker.terminate();
    }
}

/** A pool of endorser worker threads; each transaction goes to the least busy one. */
export class WorkerRunner implements ChaincodeRunner {
    readonly #threads: EndorserThread[];
    #nextTx = 0;

    private constructor(threads: EndorserThread[]) {
        this.#threads = threads;
    }

    /**
     * Starts the workers and waits until each has loaded the contracts.
     * @param module - where the workers find the contracts
     * @param namespace - the chaincode name
     * @param count - number of workers (at least 1)
     */
    static async start(module: EndorserModule, namespace: string, count: number): Promise<WorkerRunner> {
        const data: EndorserWorkerData = { ...module, namespace };
        const threads: EndorserThread[] = [];
        const started = Array.from({ length: Math.max(1, count) }, () => {
            return new Promise<void>((resolve, reject) => {
                threads.push(
                    new EndorserThread(data, (error) => {
                        if (error) {
                            reject(error);
                        } else {
                            resolve();
                        }
                    }),
                );
            });
        });
        const runner = new WorkerRunner(threads);
        try {
            await Promise.all(started);
        } catch (error) {
            await runner.close();
            throw error;
        }
        return runner;
    }

    /** @inheritdoc */
    invoke(invocation: Invocation, state: StateAccess): Promise<ChaincodeResult> {
        const thread = this.#threads.reduce((best, next) => (next.load < best.load ? next : best));
        return thread.invoke(this.#nextTx++, invocation, state);
    }

    /** @inheritdoc */
    async close(): Promise<void> {
        await Promise.all(this.#threads.map((thread) => thread.terminate()));
    }
}
