// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run soak`: a region started as `npm start` starts it (the ledger node and four gateways each a process of
 * its own, the embedded ledger, a temporary data folder, free ports), set up through the API, then driven at a
 * steady rate with a mix of what the region does all day (`soak-operations.ts`) for a number of minutes, to
 * find what only time shows: memory or handles that keep growing, latency that drifts, errors that appear late.
 *
 * ```
 * npm run soak -- [--minutes 10] [--rate 20] [--report-seconds 60] [--patients 4] [--out <file.json>]
 *                 [--svg <file.svg>] [--keep] [--verbose]
 * ```
 *
 * Every report window (a minute by default) prints a few lines and adds a row to the JSON (written after every
 * window when `--out` is given): operations per second, p50/p99 latency by kind, expected denials and unexpected
 * errors by kind and `<status> <code>`, and each process's resident memory (`VmRSS`) and open handles (entries of
 * `/proc/<pid>/fd`). The first window is the warm-up: the summary compares the second window with the last.
 * Exits 1 when any operation failed unexpectedly or a process was gone, 64 on a usage error. Every process it
 * starts is stopped and the data folder removed (unless `--keep`), also on failure; a first Ctrl-C ends the load
 * early and still reports, a second stops at once. `HEALTHCHAIN_NODE_OPTIONS` is passed to the ledger node and the
 * gateways, e.g. `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=<dir>` to look into what a growing process holds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { RegionProcess } from './fetch-cpu';
import { readProcessUsage } from './process-usage';
import { startBenchRegion } from './region';
import { PacedLoad } from './soak-load';
import { SoakMix, SoakOperations, type SoakKind } from './soak-operations';
import { SoakWindow, summarise, type SoakRow, type SoakSummary, type WindowSample } from './soak-report';
import { setUpSoakWorld, SOAK_CONSENT_HOURS, type SoakWorld } from './soak-setup';
import { toRowLines, toSummaryLines } from './soak-text';
import { toSoakSvg } from './soak-chart';

/** The soak's settings, from the command line. */
export interface SoakOptions {
    readonly minutes: number;
    /** Operations started per second. */
    readonly rate: number;
    readonly reportSeconds: number;
    /** Patients of each kind (`soak-setup.ts`). */
    readonly patients: number;
    readonly outFile: string | undefined;
    readonly svgFile: string | undefined;
    readonly keep: boolean;
    readonly verbose: boolean;
}

/** What `--out` holds: the settings, one row per window, and the summary once the run is over. */
export interface SoakReport {
    readonly benchmark: 'soak';
    readonly machine: { readonly cpus: number; readonly cpu: string; readonly node: string };
    readonly loadAverage: { readonly before: readonly number[]; after: readonly number[] | null };
    readonly settings: Omit<SoakOptions, 'outFile' | 'svgFile' | 'verbose'> & {
        readonly mix: Readonly<Record<SoakKind, number>>;
        readonly maxInFlight: number;
    };
    readonly processes: readonly RegionProcess[];
    readonly setupSeconds: number;
    readonly rows: SoakRow[];
    summary: SoakSummary | null;
}

/**
 * Consent grants and revocations are a tenth of the mix, sent to the four gateways in turn, and each grant also
 * reads the gateway's directory for its notice: three requests per grant and revocation, on routes that allow
 * 120 a minute per gateway and client address together (docs/api.md "Rate limits"). 40 operations a second make
 * 90 a minute at each gateway, under the limit with room for uneven windows.
 */
const MAX_RATE = 40;
/** Most operations in flight: beyond it the region is far behind, and more in flight would only queue. */
const MAX_IN_FLIGHT = 64;
/** Unexpected failures printed as they happen, per kind and label (all are counted). */
const PRINTED_FAILURES = 3;
/** The set-up's consents last a day: a soak must end well within it. */
const MAX_MINUTES = (SOAK_CONSENT_HOURS - 1) * 60;

const USAGE = `usage: npm run soak -- [--minutes <n> (default 10)] [--rate <operations/s> (default 20, at most ${MAX_RATE})]
       [--report-seconds <n> (default 60)] [--patients <n> (default 4)] [--out <file.json>] [--svg <file.svg>]
       [--keep] [--verbose]`;

function readNumber(text: string, name: string, range: { readonly min: number; readonly max: number }): number {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < range.min || value > range.max) {
        throw new Error(`${name} must be a number from ${range.min} to ${range.max}, not '${text}'`);
    }
    return value;
}

/**
 * Reads the command line.
 * @param argv - the arguments after the script
 * @throws Error (or node:util's TypeError for an unknown option) naming what is wrong
 */
export function readSoakOptions(argv: readonly string[]): SoakOptions {
    const { values } = parseArgs({
        args: [...argv],
        strict: true,
        allowPositionals: false,
        options: {
            minutes: { type: 'string', default: '10' },
            rate: { type: 'string', default: '20' },
            'report-seconds': { type: 'string', default: '60' },
            patients: { type: 'string', default: '4' },
            out: { type: 'string' },
            svg: { type: 'string' },
            keep: { type: 'boolean', default: false },
            verbose: { type: 'boolean', default: false },
        },
    });
    const minutes = readNumber(values.minutes, '--minutes', { min: 0.01, max: MAX_MINUTES });
    const rate = readNumber(values.rate, '--rate', { min: 0.1, max: MAX_RATE });
    const patients = readNumber(values.patients, '--patients', { min: 1, max: 100 });
    if (!Number.isInteger(patients)) {
        throw new Error(`--patients must be a whole number, not '${values.patients}'`);
    }
    return {
        minutes,
        rate,
        reportSeconds: readNumber(values['report-seconds'], '--report-seconds', { min: 1, max: 3600 }),
        patients,
        outFile: values.out === undefined ? undefined : resolve(values.out),
        svgFile: values.svg === undefined ? undefined : resolve(values.svg),
        keep: values.keep,
        verbose: values.verbose,
    };
}

const progress = (line: string): void => {
    process.stderr.write(`${line}\n`);
};

/** Signals: during the load the first ends it early; otherwise, or the second time, stop and exit 130. */
class Interruption {
    readonly #endLoad = new AbortController();
    #stopRegion: () => Promise<void> = () => Promise.resolve();
    #loadRunning = false;

    constructor() {
        const onSignal = (): void => {
            if (this.#loadRunning && !this.#endLoad.signal.aborted) {
                progress('soak: interrupted; ending the load early (again to stop at once)');
                this.#endLoad.abort();
                return;
            }
            progress('soak: interrupted; stopping the region');
            void this.#stopRegion().finally(() => process.exit(130));
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
    }

    set stopRegion(stop: () => Promise<void>) {
        this.#stopRegion = stop;
    }

    set loadRunning(running: boolean) {
        this.#loadRunning = running;
    }

    get ended(): boolean {
        return this.#endLoad.signal.aborted;
    }

    /** Waits, or less when the load is ended early. */
    async wait(ms: number): Promise<void> {
        if (ms > 0) {
            await delay(ms, undefined, { signal: this.#endLoad.signal }).catch(() => undefined);
        }
    }
}

/** The launcher, the ledger node, then the gateways in the region's order. */
function inRegionOrder(processes: readonly RegionProcess[], world: SoakWorld): RegionProcess[] {
    const order = ['Launcher', 'Ledger node', ...world.region.organizations.map((org) => `Gateway ${org.mspId}`)];
    const rank = (name: string): number => (order.includes(name) ? order.indexOf(name) : order.length);
    return [...processes].sort((a, b) => rank(a.name) - rank(b.name));
}

function newFailurePrinter(): (kind: SoakKind, label: string, error: unknown) => void {
    const printed = new Map<string, number>();
    return (kind, label, error) => {
        const key = `${kind} ${label}`;
        const count = (printed.get(key) ?? 0) + 1;
        printed.set(key, count);
        if (count <= PRINTED_FAILURES) {
            const detail = error instanceof Error ? error.message : String(error);
            progress(
                `soak: unexpected ${key}: ${detail}${count === PRINTED_FAILURES ? ' (no more of these shown)' : ''}`,
            );
        }
    };
}

/** Samples each process and the conditions, and starts the next window's loop-delay measure. */
function newSampler(processes: readonly RegionProcess[]): { sample(): WindowSample; close(): void } {
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    return {
        sample: () => {
            const conditions = {
                loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
                soakLoopDelayMaxMs: Math.round(loopDelay.max / 1e5) / 10,
            };
            loopDelay.reset();
            const usage = processes.map(({ name, pid }) => [name, readProcessUsage(pid) ?? null] as const);
            return { processes: Object.fromEntries(usage), conditions };
        },
        close: () => {
            loopDelay.disable();
        },
    };
}

/**
 * Drives the load window by window; `onRow` is told each window as it closes. Ends early when interrupted or
 * when a process of the region is gone (the launcher then stops the others).
 */
async function drive(
    world: SoakWorld,
    processes: readonly RegionProcess[],
    options: SoakOptions,
    context: { readonly interruption: Interruption; readonly onRow: (row: SoakRow, windows: number) => void },
): Promise<void> {
    const operations = new SoakOperations(world);
    const onFailure = newFailurePrinter();
    let current = new SoakWindow(onFailure);
    const settings = { rate: options.rate, maxInFlight: MAX_IN_FLIGHT, mix: SoakMix };
    const load = new PacedLoad(
        (kind: SoakKind) => operations.run(kind),
        settings,
        () => current,
    );
    const sampler = newSampler(processes);
    const durationMs = options.minutes * 60_000;
    const reportMs = options.reportSeconds * 1000;
    const windows = Math.ceil(durationMs / reportMs);
    const started = performance.now();
    load.start();
    for (let window = 1, from = 0, last = false; !last; window++) {
        const end = Math.min(window * reportMs, durationMs);
        await context.interruption.wait(started + end - performance.now());
        const sample = sampler.sample();
        const gone = Object.values(sample.processes).some((usage) => usage === null);
        last = end >= durationMs || context.interruption.ended || gone;
        if (gone) {
            progress('soak: a process of the region is gone; ending the load');
        }
        if (last) {
            await load.stop();
            sampler.close();
        }
        const to = (performance.now() - started) / 1000;
        const closing = current;
        current = new SoakWindow(onFailure);
        context.onRow(closing.toRow(window, { from, to }, sample), windows);
        from = to;
    }
}

function writeJson(file: string | undefined, report: SoakReport): void {
    if (file !== undefined) {
        writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    }
}

function newReport(options: SoakOptions, processes: readonly RegionProcess[], setupSeconds: number): SoakReport {
    const { minutes, rate, reportSeconds, patients, keep } = options;
    return {
        benchmark: 'soak',
        machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
        loadAverage: { before: loadavg(), after: null },
        settings: { minutes, rate, reportSeconds, patients, keep, mix: SoakMix, maxInFlight: MAX_IN_FLIGHT },
        processes,
        setupSeconds: Math.round(setupSeconds * 10) / 10,
        rows: [],
        summary: null,
    };
}

/**
 * Runs the soak: starts the region, sets it up, drives it, reports, stops it.
 * @param options - the settings
 * @param interruption - signal handling
 * @returns the report
 */
async function run(options: SoakOptions, interruption: Interruption): Promise<SoakReport> {
    progress(
        `soak: starting a region; load average ${loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')}`,
    );
    const region = await startBenchRegion({
        ledger: 'embedded',
        folderPrefix: 'healthchain-soak-',
        keep: options.keep,
        childNodeOptions: process.env.HEALTHCHAIN_NODE_OPTIONS ?? '',
        log: options.verbose ? progress : () => undefined,
        onSpawn: (stop) => (interruption.stopRegion = stop),
    });
    try {
        const pids = region.processes.map((p) => `${p.name} ${p.pid}`).join(', ');
        progress(
            `soak: region up in ${region.dataDir} (${pids}); setting up ${options.patients} + ${options.patients} patients`,
        );
        const setupStarted = performance.now();
        const world = await setUpSoakWorld(region.region, options.patients);
        const processes = inRegionOrder(region.processes, world);
        const report = newReport(options, processes, (performance.now() - setupStarted) / 1000);
        progress(`soak: set up in ${report.setupSeconds} s; ${options.rate} operations/s for ${options.minutes} min`);
        interruption.loadRunning = true;
        await drive(world, processes, options, {
            interruption,
            onRow: (row, windows) => {
                report.rows.push(row);
                console.log(toRowLines(row, windows).join('\n'));
                writeJson(options.outFile, report);
            },
        });
        interruption.loadRunning = false;
        return report;
    } finally {
        await region.stop();
        progress(
            options.keep ? `soak: region stopped; its data folder is kept: ${region.dataDir}` : 'soak: region stopped',
        );
    }
}

function finish(report: SoakReport, options: SoakOptions): boolean {
    const summary = summarise(report.rows);
    report.summary = summary;
    report.loadAverage.after = loadavg();
    const seconds = report.rows.at(-1)?.toSeconds ?? 0;
    console.log(toSummaryLines(summary, seconds, options.rate).join('\n'));
    writeJson(options.outFile, report);
    if (options.svgFile !== undefined) {
        const title = `soak: ${options.rate} operations/s, ${report.rows.length} windows of ${options.reportSeconds} s`;
        writeFileSync(options.svgFile, toSoakSvg(report.rows, title));
    }
    return summary.unexpectedErrors === 0 && summary.gone.length === 0;
}

function main(): void {
    let options: SoakOptions;
    try {
        options = readSoakOptions(process.argv.slice(2));
        for (const file of [options.outFile, options.svgFile]) {
            if (file !== undefined) {
                mkdirSync(dirname(file), { recursive: true });
            }
        }
    } catch (error) {
        process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
        process.exit(64);
    }
    const interruption = new Interruption();
    run(options, interruption).then(
        (report) => {
            const clean = finish(report, options);
            if (!clean) {
                progress('soak: some operations failed unexpectedly or a process was gone (see above)');
            }
            process.exit(clean ? 0 : 1);
        },
        (error: unknown) => {
            progress(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            process.exit(1);
        },
    );
}

if (require.main === module) {
    main();
}
