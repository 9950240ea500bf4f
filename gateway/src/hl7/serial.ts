// SPDX-License-Identifier: Apache-2.0
/**
 * One task at a time: every change to the intake's queues after a message is acknowledged (processing, waking
 * pending messages, merges, expiry, reprocessing, the anchoring results) runs through one of these, so no two
 * read and rewrite the same message's state at once.
 */

/** Runs tasks one after another, in the order given. */
export class SerialQueue {
    #tail: Promise<unknown> = Promise.resolve();

    /**
     * Runs a task after those given before it.
     * @param task - the task
     * @returns its result
     */
    run<T>(task: () => Promise<T>): Promise<T> {
        const result = this.#tail.then(task, task);
        this.#tail = result.catch(() => undefined);
        return result;
    }

    /** Resolves once every task given so far has finished. */
    async idle(): Promise<void> {
        await this.#tail;
    }
}
