// SPDX-License-Identifier: Apache-2.0
/**
 * The loop around a chaincode event stream that the gateway's followers share (the event listener, the audit
 * view): follow the stream until it ends or fails, pause with capped exponential backoff (from the start again
 * after a connection that made progress), reopen; `close` ends the stream and any pause at once.
 */
import { Backoff, sleep, type BackoffOptions } from '../retry';

/** Options of a {@link FollowLoop}. */
export interface FollowLoopOptions {
    /** One connection: reads until the stream ends or fails; resolves with whether it made progress. */
    readonly follow: () => Promise<boolean>;
    /** Ends the stream being read, if any (called by `close`). */
    readonly endStream: () => void;
    /** Reconnection backoff: first delay (default 500 ms) and longest (default 30 s). */
    readonly retry?: BackoffOptions;
}

/** Follows, reconnects, stops. */
export class FollowLoop {
    readonly #options: FollowLoopOptions;
    #running: Promise<void> | undefined;
    #closed = false;
    /** Aborted by `close()`: ends a reconnection pause at once. */
    #stop = new AbortController();

    /**
     * @param options - one connection's work, how to end it, backoff
     */
    constructor(options: FollowLoopOptions) {
        this.#options = options;
    }

    /** Whether `close` was called (a connection that opens after it must end at once). */
    get closed(): boolean {
        return this.#closed;
    }

    /** Starts following in the background. */
    start(): void {
        this.#closed = false;
        this.#stop = new AbortController();
        this.#running ??= this.#run().finally(() => (this.#running = undefined));
    }

    /** Ends the stream, stops following and waits for the loop to end. */
    async close(): Promise<void> {
        this.#closed = true;
        this.#options.endStream();
        this.#stop.abort();
        await this.#running;
    }

    async #run(): Promise<void> {
        const backoff = new Backoff(this.#options.retry);
        while (!this.#closed) {
            if (await this.#options.follow()) {
                backoff.reset();
            }
            // Returns at once when closed: the signal is aborted.
            await sleep(backoff.delayMs, this.#stop.signal);
            backoff.increase();
        }
    }
}
