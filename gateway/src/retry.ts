// SPDX-License-Identifier: Apache-2.0
/**
 * Retrying, as the gateway's loops share it. Two shapes, kept apart because their semantics differ:
 *
 * - {@link retry}: a call repeated a bounded number of times while it fails with an error the caller names
 *   (a stale read retried before it is reported as `CONFLICT`, docs/design.md "Fabric"; an unreachable
 *   ledger at start), with a fixed pause or none;
 * - {@link Backoff}: the delay of a loop that runs until it is closed (the anchoring outbox,
 *   docs/design.md "Invariants" 3; the chaincode event listener), starting small, doubling after each
 *   failure up to a cap, and starting over after a success. {@link withJitter} spreads it and
 *   {@link sleep} waits it out unless the loop is closed first.
 */

/** Timing of a {@link Backoff}. */
export interface BackoffOptions {
    /** First delay after a failure (default 500 ms). */
    readonly initialMs?: number;
    /** Longest delay (default 30 s). */
    readonly maxMs?: number;
}

/** Capped exponential backoff: the delay starts at `initialMs` and doubles on each increase, up to `maxMs`. */
export class Backoff {
    /** The first delay, and the delay after a reset. */
    readonly initialMs: number;
    /** The longest delay. */
    readonly maxMs: number;
    #delayMs: number;

    /**
     * @param options - first and longest delay
     */
    constructor(options: BackoffOptions = {}) {
        this.initialMs = options.initialMs ?? 500;
        this.maxMs = options.maxMs ?? 30_000;
        this.#delayMs = this.initialMs;
    }

    /** The current delay. */
    get delayMs(): number {
        return this.#delayMs;
    }

    /**
     * Doubles the delay, up to the cap.
     * @returns the new delay
     */
    increase(): number {
        this.#delayMs = Math.min(this.maxMs, this.#delayMs * 2);
        return this.#delayMs;
    }

    /** Starts over from the first delay. */
    reset(): void {
        this.#delayMs = this.initialMs;
    }
}

/**
 * Spreads a delay so that loops failing together do not retry together: a random time between half the
 * delay and the whole delay.
 * @param delayMs - the delay
 * @param random - a number in [0, 1); `Math.random` by default
 */
export function withJitter(delayMs: number, random: () => number = Math.random): number {
    return delayMs / 2 + random() * (delayMs / 2);
}

/**
 * Waits, or stops waiting as soon as the signal aborts (at once if it already has). Never rejects: the caller
 * checks why it woke.
 * @param ms - how long
 * @param signal - ends the wait early
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) {
        return Promise.resolve();
    }
    return new Promise((resolve) => {
        const wake = (): void => {
            clearTimeout(timer);
            resolve();
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', wake);
            resolve();
        }, ms);
        signal?.addEventListener('abort', wake, { once: true });
    });
}

/** Options of {@link retry}. */
export interface RetryOptions {
    /** Calls in all, the first included; at least one call is made. */
    readonly attempts: number;
    /** Whether a failure may be retried; any other failure is thrown at once. */
    readonly retriable: (error: unknown) => boolean;
    /** Pause between calls; none by default (the next call starts at once). */
    readonly delayMs?: number;
}

/**
 * Calls until the call succeeds, fails with an error that is not retriable, or has been made `attempts`
 * times.
 * @param call - the call; told which attempt this is, from 1
 * @param options - attempts, which errors to retry, pause
 * @returns what the call resolved to
 * @throws the last error when it is not retriable or no attempt is left
 */
export async function retry<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await call(attempt);
        } catch (error) {
            if (!options.retriable(error) || attempt >= options.attempts) {
                throw error;
            }
        }
        if (options.delayMs !== undefined && options.delayMs > 0) {
            await sleep(options.delayMs);
        }
    }
}
