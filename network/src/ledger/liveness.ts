// SPDX-License-Identifier: Apache-2.0
/**
 * Whether a ledger endpoint (the embedded ledger node, or this organisation's Fabric peer) answers, as both
 * ledger clients track it so that a known-dead endpoint fails a call at once instead of after the call's
 * deadline (docs/design.md "Invariants" 2: fail closed, and fast). Once the client is first used, a probe (a
 * cheap read with a short deadline) runs every `intervalMs`. When a probe gets no answer and no other call got
 * one while it waited, the endpoint is down: calls waiting on it are abandoned with an {@link UnavailableError}
 * and new ones fail at once. The next answered probe, or any answer at all, brings it back up. A call that
 * failed unavailable asks for a probe straight away.
 *
 * "No other answer meanwhile" keeps a busy endpoint up: a node that is slow to answer the probe because it is
 * answering many calls is alive, and failing those calls would be wrong.
 */
import { UnavailableError } from './errors';

/** How to probe an endpoint. */
export interface LivenessOptions {
    /** Names the endpoint in errors: `Ledger node https://127.0.0.1:7400`, `Peer 127.0.0.1:7110`. */
    readonly name: string;
    /** The pause between probes, and each probe's deadline, in milliseconds. */
    readonly intervalMs: number;
    /**
     * Asks the endpoint something cheap.
     * @param deadlineMs - how long it may wait
     * @returns resolves once the endpoint answered anything (a refusal too); rejects when it did not answer
     */
    readonly probe: (deadlineMs: number) => Promise<void>;
}

/** Told when the endpoint goes down (`true`) or comes back up (`false`). */
export type LivenessListener = (down: boolean) => void;

/** Rejects with a timeout error unless the promise settles first; the timer never keeps the process alive. */
function withDeadline<T>(promise: Promise<T>, deadlineMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
            reject(new Error(`no answer within ${deadlineMs} ms`));
        }, deadlineMs);
        timer.unref();
    });
    return Promise.race([promise, expired]).finally(() => {
        clearTimeout(timer);
    });
}

/** The liveness of one ledger endpoint; see the module comment. */
export class Liveness {
    readonly #options: LivenessOptions;
    readonly #listeners = new Set<LivenessListener>();
    /** Calls waiting on the endpoint, each abandoned (rejected) when it goes down. */
    readonly #waiting = new Set<(error: UnavailableError) => void>();
    #down: UnavailableError | undefined;
    /** Counts answers, so that a failed probe can tell whether anything else was answered meanwhile. */
    #answers = 0;
    #timer: NodeJS.Timeout | undefined;
    #probing = false;
    #started = false;
    #closed = false;

    /**
     * Probes nothing until the first call ({@link Liveness.assertUp} or {@link Liveness.guard}).
     * @param options - the endpoint's name, the interval and the probe
     * @throws RangeError when the interval is not a positive whole number
     */
    constructor(options: LivenessOptions) {
        if (!Number.isSafeInteger(options.intervalMs) || options.intervalMs <= 0) {
            throw new RangeError('The probe interval must be a positive whole number of milliseconds');
        }
        this.#options = options;
    }

    /** Whether the last probe went unanswered (and nothing was answered since). */
    get isDown(): boolean {
        return this.#down !== undefined;
    }

    /**
     * Listens to changes of state.
     * @param listener - told `true` when the endpoint goes down, `false` when it comes back
     * @returns stops listening
     */
    onChange(listener: LivenessListener): () => void {
        this.#listeners.add(listener);
        return () => {
            this.#listeners.delete(listener);
        };
    }

    /** Records that the endpoint answered something (a result or a refusal): it is alive. */
    noteAnswer(): void {
        this.#answers++;
        this.#setUp();
    }

    /**
     * Starts probing on first use, and fails at once while the endpoint is down.
     * @throws UnavailableError while it is down
     */
    assertUp(): void {
        this.#start();
        if (this.#down) {
            throw this.#down;
        }
    }

    /**
     * Runs a call unless the endpoint is down, and abandons it as soon as the endpoint is found down. The
     * abandoned call runs on to its own deadline; what it ends with is dropped.
     * @param call - the call
     * @returns what the call resolves with; rejects with UnavailableError while the endpoint is down, or when
     *   it goes down before the call settles, and otherwise as the call does
     */
    async guard<T>(call: () => Promise<T>): Promise<T> {
        this.assertUp();
        let forget = (): void => undefined;
        const abandoned = new Promise<never>((_resolve, reject) => {
            const abandon = (error: UnavailableError): void => {
                reject(error);
            };
            this.#waiting.add(abandon);
            forget = (): void => {
                this.#waiting.delete(abandon);
            };
        });
        try {
            return await Promise.race([call(), abandoned]);
        } finally {
            forget();
        }
    }

    /** Probes as soon as possible: a call just failed unavailable. */
    probeSoon(): void {
        if (this.#started && !this.#probing) {
            this.#schedule(0);
        }
    }

    /** Stops probing. */
    close(): void {
        this.#closed = true;
        clearTimeout(this.#timer);
        this.#listeners.clear();
    }

    #start(): void {
        if (!this.#started && !this.#closed) {
            this.#started = true;
            this.#schedule(this.#options.intervalMs);
        }
    }

    #schedule(delayMs: number): void {
        clearTimeout(this.#timer);
        if (this.#closed) {
            return;
        }
        this.#timer = setTimeout(() => {
            void this.#probe();
        }, delayMs);
        // The probe watches the endpoint for the client's calls; it must not keep a process alive by itself.
        this.#timer.unref();
    }

    async #probe(): Promise<void> {
        if (this.#probing || this.#closed) {
            return;
        }
        this.#probing = true;
        const answersBefore = this.#answers;
        const { intervalMs } = this.#options;
        try {
            await withDeadline(this.#options.probe(intervalMs), intervalMs);
            this.noteAnswer();
        } catch (error) {
            if (this.#answers === answersBefore) {
                this.#setDown(error);
            }
        } finally {
            this.#probing = false;
            this.#schedule(intervalMs);
        }
    }

    #setDown(cause: unknown): void {
        if (this.#down) {
            return;
        }
        const error = new UnavailableError(`${this.#options.name} did not answer its health probe`, { cause });
        this.#down = error;
        const waiting = [...this.#waiting];
        this.#waiting.clear();
        waiting.forEach((abandon) => {
            abandon(error);
        });
        this.#notify(true);
    }

    #setUp(): void {
        if (this.#down) {
            this.#down = undefined;
            this.#notify(false);
        }
    }

    #notify(down: boolean): void {
        [...this.#listeners].forEach((listener) => {
            listener(down);
        });
    }
}
