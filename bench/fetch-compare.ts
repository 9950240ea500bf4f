// SPDX-License-Identifier: Apache-2.0
/**
 * Two builds measured side by side by `npm run bench:fetch -- --baseline <checkout>`: each step is run in
 * several rounds, alternating the builds (ABBA, so that a machine getting slower or faster during the run
 * weighs on both alike), and each build's rounds are summarized by their medians. On a shared machine whose
 * speed moves from one minute to the next, that is the only fair before/after.
 */

/** What the comparison reads of one measured step (a `FetchBenchStep`). */
export interface ComparedStep {
    readonly kind: string;
    readonly inFlight: number;
    readonly p50: number;
    readonly p99: number;
    readonly perSecond: number;
    readonly errors: number;
    readonly cpuMsPerRequest: Readonly<Record<string, number>>;
}

/** The medians of one build's rounds of one step. */
export interface StepMedians {
    readonly kind: string;
    readonly inFlight: number;
    readonly rounds: number;
    readonly p50: number;
    readonly p99: number;
    readonly perSecond: number;
    /** CPU milliseconds per request across the region's processes. */
    readonly cpuMs: number;
    /** Of it, the ledger's (the ledger node, or the Fabric network). */
    readonly ledgerCpuMs: number;
}

/** A step of both builds, and how the current one differs, in percent of the baseline. */
export interface StepComparison {
    readonly kind: string;
    readonly inFlight: number;
    readonly baseline: StepMedians;
    readonly current: StepMedians;
    readonly change: { readonly p50: number; readonly p99: number; readonly perSecond: number; readonly cpuMs: number };
}

/**
 * The median of some numbers (the mean of the middle two for an even count).
 * @param values - at least one number
 */
export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    const value = sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
    return Math.round((value ?? Number.NaN) * 100) / 100;
}

function keyOf(step: { readonly kind: string; readonly inFlight: number }): string {
    return `${step.kind}\u0000${String(step.inFlight)}`;
}

/**
 * Summarizes one build's rounds, step by step, in the order the steps were first measured.
 * @param steps - every round of every step
 */
export function toMedians(steps: readonly ComparedStep[]): StepMedians[] {
    const groups = new Map<string, ComparedStep[]>();
    for (const step of steps) {
        const group = groups.get(keyOf(step));
        if (group === undefined) {
            groups.set(keyOf(step), [step]);
        } else {
            group.push(step);
        }
    }
    return [...groups.values()].map((group) => {
        const first = group[0] as ComparedStep;
        return {
            kind: first.kind,
            inFlight: first.inFlight,
            rounds: group.length,
            p50: median(group.map((step) => step.p50)),
            p99: median(group.map((step) => step.p99)),
            perSecond: median(group.map((step) => step.perSecond)),
            cpuMs: median(group.map((step) => step.cpuMsPerRequest.total ?? 0)),
            ledgerCpuMs: median(group.map((step) => step.cpuMsPerRequest.ledger ?? 0)),
        };
    });
}

function changePercent(before: number, after: number): number {
    return before === 0 ? 0 : Math.round(((after - before) / before) * 1000) / 10;
}

/**
 * Pairs the medians of the two builds step by step.
 * @param baseline - the baseline build's rounds
 * @param current - this build's rounds
 */
export function compareBuilds(baseline: readonly ComparedStep[], current: readonly ComparedStep[]): StepComparison[] {
    const before = new Map(toMedians(baseline).map((step) => [keyOf(step), step]));
    return toMedians(current).flatMap((after) => {
        const then = before.get(keyOf(after));
        if (then === undefined) {
            return [];
        }
        return [
            {
                kind: after.kind,
                inFlight: after.inFlight,
                baseline: then,
                current: after,
                change: {
                    p50: changePercent(then.p50, after.p50),
                    p99: changePercent(then.p99, after.p99),
                    perSecond: changePercent(then.perSecond, after.perSecond),
                    cpuMs: changePercent(then.cpuMs, after.cpuMs),
                },
            },
        ];
    });
}

function signed(percent: number): string {
    return `${percent > 0 ? '+' : ''}${percent.toFixed(1)}%`;
}

/**
 * The comparison as table rows (header first): for each step, both builds' medians and the change.
 * @param comparisons - from {@link compareBuilds}
 */
export function comparisonRows(comparisons: readonly StepComparison[]): string[][] {
    const cells = (m: StepMedians): string =>
        `${m.p50} / ${m.p99} ms, ${Math.round(m.perSecond)}/s, ${m.cpuMs.toFixed(2)} (${m.ledgerCpuMs.toFixed(2)}) ms CPU`;
    return [
        ['request', 'in flight', 'baseline: p50 / p99, per s, CPU (ledger)', 'current', 'p50', 'per s', 'CPU'],
        ...comparisons.map((c) => [
            c.kind,
            String(c.inFlight),
            cells(c.baseline),
            cells(c.current),
            signed(c.change.p50),
            signed(c.change.perSecond),
            signed(c.change.cpuMs),
        ]),
    ];
}

/**
 * One build's medians as table rows (header first).
 * @param medians - from {@link toMedians}
 */
export function medianRows(medians: readonly StepMedians[]): string[][] {
    return [
        ['request', 'in flight', 'rounds', 'p50 / p99 ms', 'per s', 'CPU ms (ledger)'],
        ...medians.map((m) => [
            m.kind,
            String(m.inFlight),
            String(m.rounds),
            `${m.p50} / ${m.p99}`,
            String(m.perSecond),
            `${m.cpuMs.toFixed(2)} (${m.ledgerCpuMs.toFixed(2)})`,
        ]),
    ];
}
