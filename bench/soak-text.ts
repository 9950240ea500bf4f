// SPDX-License-Identifier: Apache-2.0
/** The lines `npm run soak` prints: a few per report window, and the summary at the end. */
import { SoakKinds } from './soak-operations';
import { sumCounts, type CountsByKind, type FirstLast, type SoakRow, type SoakSummary } from './soak-report';

/**
 * A process's short name: `ledger`, `launcher`, or the gateway's MSP id.
 * @param name - as the launcher announced it (`Ledger node`, `Gateway HospitalAMSP`, `Launcher`)
 */
export function toShortName(name: string): string {
    if (name === 'Ledger node') {
        return 'ledger';
    }
    return name.startsWith('Gateway ') ? name.slice('Gateway '.length) : name.toLowerCase();
}

function ms(value: number | null | undefined): string {
    return value === null || value === undefined ? '–' : value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function countLines(title: string, counts: CountsByKind): string[] {
    return Object.entries(counts).flatMap(([kind, byLabel]) =>
        Object.entries(byLabel).map(([label, n]) => `  ${title} ${kind} ${label} ×${n}`),
    );
}

/**
 * The lines of one window.
 * @param row - the window
 * @param windows - how many windows the run has (as planned)
 */
export function toRowLines(row: SoakRow, windows: number): string[] {
    const latencies = SoakKinds.map((kind) => {
        const k = row.operations[kind];
        return `${kind} ${ms(k?.p50Ms)}/${ms(k?.p99Ms)}`;
    });
    const processes = Object.entries(row.processes).map(([name, usage]) =>
        usage === null ? `${toShortName(name)} gone` : `${toShortName(name)} ${usage.rssMb} (${usage.openHandles})`,
    );
    return [
        `window ${row.window}/${windows}  ${row.fromSeconds}–${row.toSeconds} s  ${row.perSecond} op/s  ` +
            `expected denials ${sumCounts(row.expected)}  unexpected ${sumCounts(row.unexpected)}  ` +
            `behind ${row.behind}  skipped ${row.skipped}  (machine load ${row.conditions.loadAverage}, ` +
            `soak loop delay max ${ms(row.conditions.soakLoopDelayMaxMs)} ms)`,
        `  p50/p99 ms     ${latencies.join('  ')}`,
        `  RSS MB (fds)   ${processes.join('  ')}`,
        ...countLines('unexpected', row.unexpected),
    ];
}

function change(pair: FirstLast, digits: number): string {
    if (pair.first === null || pair.last === null) {
        return `${pair.first ?? '–'} → ${pair.last ?? '–'}`;
    }
    const delta = pair.last - pair.first;
    const sign = delta >= 0 ? '+' : '−';
    return `${pair.first.toFixed(digits)} → ${pair.last.toFixed(digits)} (${sign}${Math.abs(delta).toFixed(digits)})`;
}

/**
 * The summary's lines.
 * @param summary - the summary
 * @param seconds - how long the load ran
 * @param rate - the rate asked for
 */
export function toSummaryLines(summary: SoakSummary, seconds: number, rate: number): string[] {
    const { first, last } = summary.compared;
    const processes = Object.keys(summary.rssMb).map((name) => {
        const rss = change(summary.rssMb[name] ?? { first: null, last: null }, 1);
        const fds = change(summary.openHandles[name] ?? { first: null, last: null }, 0);
        return `  ${toShortName(name).padEnd(15)} ${rss.padEnd(28)} ${fds}`;
    });
    const latencies = Object.entries(summary.p99Ms).map(([kind, pair]) => `  ${kind.padEnd(15)} ${change(pair, 1)}`);
    return [
        `soak: ${seconds.toFixed(1)} s at ${rate}/s: ${summary.operations} operations, ` +
            `${summary.expectedDenials} expected denials, ${summary.unexpectedErrors} unexpected errors`,
        `window ${first}${first > 1 ? ' (the first after the warm-up)' : ''} → window ${last}:`,
        `  ${'process'.padEnd(15)} ${'RSS MB'.padEnd(28)} open fds`,
        ...processes,
        `  ${'operation'.padEnd(15)} p99 ms`,
        ...latencies,
        ...(summary.gone.length > 0 ? [`gone: ${summary.gone.map(toShortName).join(', ')}`] : []),
        ...countLines('unexpected', summary.unexpected),
    ];
}
