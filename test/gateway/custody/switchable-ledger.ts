// SPDX-License-Identifier: Apache-2.0
/** A ledger connection that a test can take down and bring back, to simulate an outage. */
import {
    UnavailableError,
    type CallOptions,
    type ChainInfo,
    type ChainVerification,
    type ChaincodeEvent,
    type CloseableAsyncIterable,
    type CommitResult,
    type Ledger,
} from '../../../network/src/ledger';

/** Wraps a ledger; while `down`, every call fails as an unreachable ledger does. */
export class SwitchableLedger implements Ledger {
    readonly #inner: Ledger;
    down = false;
    /** Submits attempted, up or down. */
    submits = 0;

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
        this.submits += 1;
        this.#assertUp();
        return this.#inner.submit(contract, fn, options);
    }

    async evaluate(contract: string, fn: string, options?: CallOptions): Promise<Uint8Array> {
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
