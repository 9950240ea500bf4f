// SPDX-License-Identifier: Apache-2.0
/**
 * The pace of `npm run soak`: an open loop that starts operations at a steady rate, whatever the answers'
 * latency, in a fixed interleaving of the mix's kinds (smooth weighted round-robin, so each kind is spread
 * evenly over time rather than bunched), with a bound on the operations in flight. When the region falls so far
 * behind that the bound is reached, an operation due is not started and is counted as behind.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

/** Where the loop reports each operation. */
export interface LoadSink<K extends string, O> {
    /** An operation ended as it must (`outcome`) after `ms`. */
    done(kind: K, ms: number, outcome: O): void;
    /** An operation threw after `ms`. */
    failed(kind: K, ms: number, error: unknown): void;
    /** An operation due was not started: too many were in flight. */
    behind(kind: K): void;
}

/**
 * The kinds of a mix in a steady interleaving: each kind comes `weight` times in every `sum of weights`, as
 * evenly spaced as the weights allow (nginx's smooth weighted round-robin).
 * @param weights - the mix; positive integers
 */
export function* weightedTurns<K extends string>(weights: Readonly<Record<K, number>>): Generator<K, never> {
    const kinds = Object.keys(weights) as K[];
    const total = kinds.reduce((sum, kind) => sum + weights[kind], 0);
    const current = new Map<K, number>(kinds.map((kind) => [kind, 0]));
    for (;;) {
        let best: K | undefined;
        for (const kind of kinds) {
            const value = (current.get(kind) ?? 0) + weights[kind];
            current.set(kind, value);
            if (best === undefined || value > (current.get(best) ?? 0)) {
                best = kind;
            }
        }
        if (best === undefined) {
            throw new Error('an empty mix');
        }
        current.set(best, (current.get(best) ?? 0) - total);
        yield best;
    }
}

/** How the loop runs. */
export interface PaceSettings<K extends string> {
    /** Operations started per second. */
    readonly rate: number;
    /** Most operations in flight. */
    readonly maxInFlight: number;
    readonly mix: Readonly<Record<K, number>>;
}

/** A steady stream of operations until stopped. */
export class PacedLoad<K extends string, O> {
    readonly #operate: (kind: K) => Promise<O>;
    readonly #settings: PaceSettings<K>;
    readonly #sink: () => LoadSink<K, O>;
    readonly #inFlight = new Set<Promise<void>>();
    readonly #stop = new AbortController();
    #loop: Promise<void> | undefined;

    /**
     * @param operate - makes one operation of a kind
     * @param settings - rate, bound, mix
     * @param sink - where results go now (the current report window)
     */
    constructor(operate: (kind: K) => Promise<O>, settings: PaceSettings<K>, sink: () => LoadSink<K, O>) {
        this.#operate = operate;
        this.#settings = settings;
        this.#sink = sink;
    }

    /** Starts the loop; once only. */
    start(): void {
        this.#loop ??= this.#run();
    }

    /** Stops starting operations and resolves when those in flight have ended. */
    async stop(): Promise<void> {
        this.#stop.abort();
        await this.#loop;
        await Promise.all(this.#inFlight);
    }

    async #run(): Promise<void> {
        const turns = weightedTurns(this.#settings.mix);
        const start = performance.now();
        for (let n = 0; !this.#stopped(); n++) {
            const wait = start + (n * 1000) / this.#settings.rate - performance.now();
            if (wait > 0) {
                await delay(wait, undefined, { signal: this.#stop.signal }).catch(() => undefined);
            }
            if (this.#stopped()) {
                return;
            }
            const kind = turns.next().value;
            if (this.#inFlight.size >= this.#settings.maxInFlight) {
                this.#sink().behind(kind);
                continue;
            }
            const one = this.#one(kind);
            this.#inFlight.add(one);
            void one.then(() => this.#inFlight.delete(one));
        }
    }

    #stopped(): boolean {
        return this.#stop.signal.aborted;
    }

    /** One operation, reported where it ends; never rejects. */
    async #one(kind: K): Promise<void> {
        const begun = performance.now();
        try {
            const outcome = await this.#operate(kind);
            this.#sink().done(kind, performance.now() - begun, outcome);
        } catch (error) {
            this.#sink().failed(kind, performance.now() - begun, error);
        }
    }
}
