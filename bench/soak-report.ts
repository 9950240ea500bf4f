// SPDX-License-Identifier: Apache-2.0
/**
 * What `npm run soak` reports: one row per report window (a minute by default) — operations per second and
 * latency percentiles by kind, expected denials and unexpected errors by kind and `<status> <code>`, and each
 * process's resident memory and open handles at the window's end — and a summary comparing the first window
 * after the warm-up (the first window) with the last.
 */
import type { LoadSink } from './soak-load';
import { SoakKinds, toFailureLabel, type SoakKind, type SoakOutcome } from './soak-operations';
import type { ProcessUsage } from './process-usage';

/** One kind's operations in a window; latencies of those that ended as they must, milliseconds. */
export interface KindRow {
    /** Operations that ended in the window, whatever the outcome. */
    readonly count: number;
    readonly perSecond: number;
    /** Null when none ended as it must. */
    readonly p50Ms: number | null;
    readonly p99Ms: number | null;
    readonly maxMs: number | null;
}

/** Counts by kind, then by label. */
export type CountsByKind = Partial<Record<SoakKind, Readonly<Record<string, number>>>>;

/** What the machine and the soak's own process were like in a window: what to read its latencies against. */
export interface WindowConditions {
    /** The machine's one-minute load average at the window's end (the machine may be shared). */
    readonly loadAverage: number;
    /** The longest the soak's own event loop was held up in the window, ms: a stall of the client shows here. */
    readonly soakLoopDelayMaxMs: number;
}

/** What is sampled at a window's end. */
export interface WindowSample {
    /** By process name as the launcher announced it; null when the process was gone. */
    readonly processes: Readonly<Record<string, ProcessUsage | null>>;
    readonly conditions: WindowConditions;
}

/** One report window. */
export interface SoakRow extends WindowSample {
    /** 1 for the first window. */
    readonly window: number;
    /** Seconds since the load started. */
    readonly fromSeconds: number;
    readonly toSeconds: number;
    /** Operations ended per second, all kinds. */
    readonly perSecond: number;
    readonly operations: Partial<Record<SoakKind, KindRow>>;
    /** Denials that are the right answer (a fetch no consent covers). */
    readonly expected: CountsByKind;
    /** Anything else that failed: the soak exits non-zero when this is not empty. */
    readonly unexpected: CountsByKind;
    /** Operations due but not started, too many being in flight. */
    readonly behind: number;
    /** Revocations not made: no consent was granted and unrevoked yet. */
    readonly skipped: number;
}

/** A value in the first window after the warm-up and in the last. */
export interface FirstLast {
    readonly first: number | null;
    readonly last: number | null;
}

/** The whole run. */
export interface SoakSummary {
    readonly operations: number;
    readonly expectedDenials: number;
    readonly unexpectedErrors: number;
    readonly unexpected: CountsByKind;
    /** The windows compared: the second (the first is the warm-up), or the only one; and the last. */
    readonly compared: { readonly first: number; readonly last: number };
    readonly rssMb: Readonly<Record<string, FirstLast>>;
    readonly openHandles: Readonly<Record<string, FirstLast>>;
    readonly p99Ms: Partial<Record<SoakKind, FirstLast>>;
    /** Processes that were gone at some window's end. */
    readonly gone: readonly string[];
}

function percentile(sorted: readonly number[], fraction: number): number | null {
    if (sorted.length === 0) {
        return null;
    }
    const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
    return value === undefined ? null : Math.round(value * 10) / 10;
}

function bump(counts: Map<string, Map<string, number>>, kind: string, label: string): void {
    const byLabel = counts.get(kind) ?? new Map<string, number>();
    byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
    counts.set(kind, byLabel);
}

function toCounts(counts: Map<string, Map<string, number>>): CountsByKind {
    return Object.fromEntries([...counts].map(([kind, byLabel]) => [kind, Object.fromEntries(byLabel)]));
}

/** Collects the operations that end during one window. */
export class SoakWindow implements LoadSink<SoakKind, SoakOutcome> {
    readonly #latencies = new Map<SoakKind, number[]>();
    readonly #ended = new Map<SoakKind, number>();
    readonly #expected = new Map<string, Map<string, number>>();
    readonly #unexpected = new Map<string, Map<string, number>>();
    readonly #onFailure: (kind: SoakKind, label: string, error: unknown) => void;
    #behind = 0;
    #skipped = 0;

    /**
     * @param onFailure - told of every unexpected failure as it happens
     */
    constructor(onFailure: (kind: SoakKind, label: string, error: unknown) => void) {
        this.#onFailure = onFailure;
    }

    /** @inheritDoc */
    done(kind: SoakKind, ms: number, outcome: SoakOutcome): void {
        this.#ended.set(kind, (this.#ended.get(kind) ?? 0) + 1);
        if (outcome.result === 'skipped') {
            this.#skipped += 1;
            return;
        }
        if (outcome.result === 'denied') {
            bump(this.#expected, kind, outcome.label);
        }
        const latencies = this.#latencies.get(kind) ?? [];
        latencies.push(ms);
        this.#latencies.set(kind, latencies);
    }

    /** @inheritDoc */
    failed(kind: SoakKind, _ms: number, error: unknown): void {
        this.#ended.set(kind, (this.#ended.get(kind) ?? 0) + 1);
        const label = toFailureLabel(error);
        bump(this.#unexpected, kind, label);
        this.#onFailure(kind, label, error);
    }

    /** @inheritDoc */
    behind(): void {
        this.#behind += 1;
    }

    /**
     * The window's row.
     * @param window - its number, from 1
     * @param span - seconds since the load started, at its start and end
     * @param sample - each process's usage, and the conditions, at its end
     */
    toRow(window: number, span: { readonly from: number; readonly to: number }, sample: WindowSample): SoakRow {
        const seconds = Math.max(span.to - span.from, 0.001);
        const operations: Partial<Record<SoakKind, KindRow>> = {};
        let ended = 0;
        for (const kind of SoakKinds) {
            const count = this.#ended.get(kind) ?? 0;
            const sorted = [...(this.#latencies.get(kind) ?? [])].sort((a, b) => a - b);
            ended += count;
            operations[kind] = {
                count,
                perSecond: Math.round((count / seconds) * 100) / 100,
                p50Ms: percentile(sorted, 0.5),
                p99Ms: percentile(sorted, 0.99),
                maxMs: percentile(sorted, 1),
            };
        }
        return {
            window,
            fromSeconds: Math.round(span.from * 10) / 10,
            toSeconds: Math.round(span.to * 10) / 10,
            perSecond: Math.round((ended / seconds) * 100) / 100,
            operations,
            expected: toCounts(this.#expected),
            unexpected: toCounts(this.#unexpected),
            behind: this.#behind,
            skipped: this.#skipped,
            ...sample,
        };
    }
}

/**
 * The total of counts by kind and label.
 * @param counts - the counts
 */
export function sumCounts(counts: CountsByKind): number {
    return Object.values(counts).reduce(
        (sum, byLabel) => sum + Object.values(byLabel).reduce((total, n) => total + n, 0),
        0,
    );
}

function addCounts(into: Map<string, Map<string, number>>, counts: CountsByKind): void {
    for (const [kind, byLabel] of Object.entries(counts)) {
        for (const [label, n] of Object.entries(byLabel)) {
            const target = into.get(kind) ?? new Map<string, number>();
            target.set(label, (target.get(label) ?? 0) + n);
            into.set(kind, target);
        }
    }
}

function firstLast(first: number | null | undefined, last: number | null | undefined): FirstLast {
    return { first: first ?? null, last: last ?? null };
}

/**
 * The summary of a run.
 * @param rows - every window, in order
 * @throws Error when there is no row
 */
export function summarise(rows: readonly SoakRow[]): SoakSummary {
    const last = rows.at(-1);
    const first = rows.length > 1 ? rows[1] : last;
    if (first === undefined || last === undefined) {
        throw new Error('no report window');
    }
    const unexpected = new Map<string, Map<string, number>>();
    rows.forEach((row) => {
        addCounts(unexpected, row.unexpected);
    });
    const names = Object.keys(last.processes);
    const kinds = SoakKinds.filter((kind) => first.operations[kind] !== undefined);
    return {
        operations: rows.reduce(
            (sum, row) => sum + SoakKinds.reduce((n, k) => n + (row.operations[k]?.count ?? 0), 0),
            0,
        ),
        expectedDenials: rows.reduce((sum, row) => sum + sumCounts(row.expected), 0),
        unexpectedErrors: rows.reduce((sum, row) => sum + sumCounts(row.unexpected), 0),
        unexpected: toCounts(unexpected),
        compared: { first: first.window, last: last.window },
        rssMb: Object.fromEntries(
            names.map((name) => [name, firstLast(first.processes[name]?.rssMb, last.processes[name]?.rssMb)]),
        ),
        openHandles: Object.fromEntries(
            names.map((name) => [
                name,
                firstLast(first.processes[name]?.openHandles, last.processes[name]?.openHandles),
            ]),
        ),
        p99Ms: Object.fromEntries(
            kinds.map((kind) => [kind, firstLast(first.operations[kind]?.p99Ms, last.operations[kind]?.p99Ms)]),
        ),
        gone: [...new Set(rows.flatMap((row) => names.filter((name) => row.processes[name] === null)))],
    };
}
