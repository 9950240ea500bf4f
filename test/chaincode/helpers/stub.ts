// SPDX-License-Identifier: Apache-2.0
/**
 * A minimal stub with Fabric's read semantics (reads see committed state only, never this transaction's
 * writes), for the determinism test, which needs to fix the transaction id — the embedded ledger derives
 * it from a random nonce. It implements only the stub calls the contracts make.
 */
import type { Context } from 'fabric-contract-api';

interface KV {
    key: string;
    value: Uint8Array;
}

function iterator(entries: KV[]): { next(): Promise<{ value: KV; done: boolean }>; close(): Promise<void> } {
    let index = 0;
    return {
        next: () => {
            const value = entries[index];
            index += 1;
            return Promise.resolve(
                value === undefined
                    ? { value: { key: '', value: new Uint8Array() }, done: true }
                    : { value, done: false },
            );
        },
        close: () => Promise.resolve(),
    };
}

/** Committed state plus one transaction's write set. */
export class CommittedStateStub {
    readonly committed = new Map<string, Uint8Array>();
    writes = new Map<string, Uint8Array | null>();
    event: { name: string; payload: Uint8Array } | undefined;
    txId = '';
    timestamp = new Date(0);

    #scan(start: string, end: string): KV[] {
        return [...this.committed.entries()]
            .filter(([key]) => key >= start && key < end)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([key, value]) => ({ key, value }));
    }

    /** Applies the write set and starts a new transaction. */
    commit(): void {
        for (const [key, value] of this.writes) {
            if (value === null) {
                this.committed.delete(key);
            } else {
                this.committed.set(key, value);
            }
        }
        this.writes = new Map();
        this.event = undefined;
    }

    /** A context for one transaction by a caller. */
    context(mspId: string, txId: string, timestamp: Date): Context {
        this.txId = txId;
        this.timestamp = timestamp;
        const stub = {
            getTxID: () => this.txId,
            getChannelID: () => 'healthchain',
            getDateTimestamp: () => this.timestamp,
            getFunctionAndParameters: () => ({ fcn: '', params: [] }),
            getState: (key: string) => Promise.resolve(this.committed.get(key) ?? new Uint8Array()),
            putState: (key: string, value: Uint8Array) => {
                this.writes.set(key, value);
                return Promise.resolve();
            },
            deleteState: (key: string) => {
                this.writes.set(key, null);
                return Promise.resolve();
            },
            setEvent: (name: string, payload: Uint8Array) => {
                this.event = { name, payload };
            },
            createCompositeKey: (type: string, attributes: string[]) =>
                `\u0000${type}\u0000${attributes.map((a) => `${a}\u0000`).join('')}`,
            getStateByPartialCompositeKey: (type: string, attributes: string[]) => {
                const prefix = stub.createCompositeKey(type, attributes);
                return Promise.resolve(iterator(this.#scan(prefix, `${prefix}\u{10FFFF}`)));
            },
        };
        return { stub, clientIdentity: { getMSPID: () => mspId } } as unknown as Context;
    }
}
