// SPDX-License-Identifier: Apache-2.0
/**
 * Group commit: writes asked for while a synced batch is on its way to disk go together in the next one, so a
 * busy feed pays one fsync per batch rather than one per message, and each caller still learns only once its
 * own writes are durable.
 */
import type { Hl7Store, StoreOperation } from './store';

interface Waiting {
    readonly operations: readonly StoreOperation[];
    readonly resolve: () => void;
    readonly reject: (error: unknown) => void;
}

/** Coalesces concurrent synced writes. */
export class GroupWriter {
    readonly #store: Hl7Store;
    #queue: Waiting[] = [];
    #writing = false;

    /** @param store - where to write */
    constructor(store: Hl7Store) {
        this.#store = store;
    }

    /**
     * Writes operations durably, with whatever else is waiting.
     * @param operations - the writes
     * @returns once they are on disk
     */
    write(operations: readonly StoreOperation[]): Promise<void> {
        return new Promise((resolve, reject) => {
            this.#queue.push({ operations, resolve, reject });
            if (!this.#writing) {
                void this.#flush();
            }
        });
    }

    async #flush(): Promise<void> {
        this.#writing = true;
        while (this.#queue.length > 0) {
            const group = this.#queue;
            this.#queue = [];
            try {
                await this.#store.write(group.flatMap((waiting) => waiting.operations));
                group.forEach((waiting) => {
                    waiting.resolve();
                });
            } catch (error) {
                group.forEach((waiting) => {
                    waiting.reject(error);
                });
            }
        }
        this.#writing = false;
    }
}
