// SPDX-License-Identifier: Apache-2.0
/**
 * A gateway's ledger connection as tests see it: every call that would run chaincode is counted, and the
 * connection can be taken down and brought back to simulate an outage.
 */
import {
    UnavailableError,
    type CallOptions,
    type ChainInfo,
    type ChainVerification,
    type ChaincodeEvent,
    type CloseableAsyncIterable,
    type CommitResult,
    type Ledger,
} from '../../network/src/ledger';

/** Wraps a ledger connection; while `down`, every call fails as an unreachable ledger does. */
export class ProbeLedger implements Ledger {
    readonly #inner: Ledger;
    /** `contract:fn` of every submit and evaluate asked for, in order, whether the ledger was up or down. */
    readonly calls: string[] = [];
    down = false;

    /**
     * @param inner - the real connection
     */
    constructor(inner: Ledger) {
        this.#inner = inner;
    }

    get mspId(): string {
        return this.#inner.mspId;
    }

    #assertUp(): void {
        if (this.down) {
            throw new UnavailableError('simulated outage');
        }
    }

    async submit(contract: string, fn: string, options?: CallOptions): Promise<CommitResult> {
        this.calls.push(`${contract}:${fn}`);
        this.#assertUp();
        return this.#inner.submit(contract, fn, options);
    }

    async evaluate(contract: string, fn: string, options?: CallOptions): Promise<Uint8Array> {
        this.calls.push(`${contract}:${fn}`);
        this.#assertUp();
        return this.#inner.evaluate(contract, fn, options);
    }

    async chaincodeEvents(options?: { readonly startBlock?: bigint }): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        this.#assertUp();
        return this.#inner.chaincodeEvents(options);
    }

    async getChainInfo(): Promise<ChainInfo> {
        this.#assertUp();
        return this.#inner.getChainInfo();
    }

    async verifyChain(): Promise<ChainVerification> {
        this.#assertUp();
        return this.#inner.verifyChain();
    }

    close(): void {
        this.#inner.close();
    }
}
