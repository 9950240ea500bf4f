// SPDX-License-Identifier: Apache-2.0
/**
 * The commission's audit API at a busy region's volume, through HTTPS as the portal and the CLI call it
 * (docs/design.md "The audit view"): a real region (`npm start`'s launcher: ledger node and four gateways, each
 * a process) whose ledger holds 1,000,000 bulk-loaded access events over 30 days (`bench/fill-access-events.ts`,
 * the chaincode's exact state layout), timed for `GET /audit/stats` over 1, 7 and 30 days, the view's
 * verification of a day, and the export of a whole day as CSV and FHIR NDJSON (and of an hour and of three
 * days as CSV, to compare), with the commission gateway's peak resident memory during each.
 *
 * Bulk-loaded events are state that no block explains, so no chaincode event announces them: the benchmark
 * counts the same events into the commission's view directly (`ViewGeneration.addForBenchmark`), with the
 * gateways stopped, and the day's verification checks those counts against the ledger. A rebuild of this
 * view from block 0 would drop them.
 *
 * Run: `npm run bench:audit [-- --events N --days N --runs N]`. Writes `bench-output/audit-api.json`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { newRegionClient } from '../clients/shared/region-clients';
import type { ApiClient } from '../clients/shared/api-client';
import { fromRowKey, toRowKey, toViewRow } from '../gateway/src/audit/view-rows';
import { ViewStore } from '../gateway/src/audit/view-store';
import { openCustodyDb } from '../gateway/src/custody/db';
import { defaultRegionFile } from '../network/src/config/region';
import { LedgerStore } from '../network/src/embedded/store';
import { toDataLayout, type DataLayout } from '../network/src/region/data-layout';
import { launchRegion, type RunningRegion } from '../network/src/region/launcher';
import { timeRuns, type Timing } from './access-audit';
import { readStatusKb } from './process-usage';
import { DAY_MS, fillAccessEvents, Orgs, type FillPlan, type FillResult } from './fill-access-events';

const COMMISSION = 'CommissionMSP';
const SEED = 20_240_601;

/** What to run. */
interface Settings {
    readonly events: number;
    readonly patients: number;
    readonly days: number;
    /** Timed runs of each statistics query. */
    readonly runs: number;
    /** Timed runs of each day's export. */
    readonly exportRuns: number;
    readonly outputFile: string;
    /** Keep the region's data folder (logs, ledger) after the run. */
    readonly keep: boolean;
}

/** A running region and its commission gateway's process. */
interface Launched {
    readonly running: RunningRegion;
    readonly pid: number;
}

/** Peak and current resident memory of a process, MB. */
interface Memory {
    readonly peakMb: number;
    readonly rssMb: number;
}

/** One export timed: a format over a span of time. */
interface ExportTiming {
    /** The span exported: `one hour`, `one day`, `3 days`. */
    readonly span: string;
    readonly format: string;
    readonly runs: number;
    readonly events: number;
    readonly megabytes: number;
    readonly p50Ms: number;
    readonly maxMs: number;
    readonly eventsPerSecond: number;
    /** The gateway's peak RSS during the runs (the peak is reset before them, where Linux allows). */
    readonly gatewayPeakRssMb: number;
}

/** What the timed phase measured. */
interface Measurement {
    /** The gateway's memory once the region is up again. */
    readonly idle: Memory;
    readonly stats: Record<string, Timing>;
    /** The gateway's memory after the statistics runs. */
    readonly statsMemory: Memory;
    readonly verify: { readonly ok: boolean; readonly total: { readonly ledger: number }; readonly ms: number };
    readonly exports: ExportTiming[];
}

function log(line: string): void {
    console.log(line);
}

async function launch(dataDir: string): Promise<Launched> {
    let pid: number | undefined;
    const running = await launchRegion(
        {
            dataDir,
            basePort: 0,
            regionConfigFile: defaultRegionFile,
            demo: false,
            ledger: 'embedded',
            fabricBin: undefined,
            childNodeOptions: [],
            orderers: undefined,
            endorsers: 0,
            help: false,
        },
        {
            progress: (line) => {
                const match = new RegExp(`^Gateway ${COMMISSION} ready \\(pid (\\d+)\\)`).exec(line);
                pid = match ? Number(match[1]) : pid;
            },
            failure: (message) => {
                log(`region: ${message}`);
            },
            warning: (message) => {
                log(`region: ${message}`);
            },
        },
    );
    assert.ok(pid !== undefined, 'the launcher names the commission gateway’s process');
    return { running, pid };
}

/** Loads the events into the ledger's state and counts them into the commission's view, the region stopped. */
async function fill(layout: DataLayout, plan: Omit<FillPlan, 'block'>): Promise<FillResult & { rows: number }> {
    const store = await LedgerStore.open({ kind: 'level', path: layout.ledgerDir });
    const counts = new Map<string, number>();
    let result: FillResult;
    try {
        const block = store.head.height - 1;
        const progress = (done: number): void => {
            if (done > 0 && done % 200_000 === 0) {
                log(`  ${done.toLocaleString('en')} events`);
            }
        };
        result = await fillAccessEvents(store, { ...plan, block }, progress, (events) => {
            for (const event of events) {
                const key = toRowKey('h', toViewRow(event));
                counts.set(key, (counts.get(key) ?? 0) + 1);
            }
        });
    } finally {
        await store.close();
    }
    const db = await openCustodyDb(layout.org(COMMISSION).storeDir);
    try {
        const view = await ViewStore.open(db.auditView);
        await view.active.addForBenchmark([...counts].map(([key, count]) => ({ row: fromRowKey(key), count })));
    } finally {
        await db.close();
    }
    return { ...result, rows: counts.size };
}

function readMemory(pid: number): Memory {
    const kb = readStatusKb(pid, ['VmHWM', 'VmRSS']);
    return { peakMb: Math.round(kb.VmHWM / 1024), rssMb: Math.round(kb.VmRSS / 1024) };
}

/** Resets a process's peak RSS (Linux `clear_refs` 5); false where not allowed. */
function resetPeak(pid: number): boolean {
    try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
    } catch {
        return false;
    }
}

function statsCall(client: ApiClient, query: string): () => Promise<number> {
    return async () => (await client.get<{ total: number }>(`/audit/stats?${query}`)).total;
}

/** What an export covers. */
interface ExportSpan {
    readonly name: string;
    readonly from: string;
    readonly hours: number;
}

async function timeExport(
    client: ApiClient,
    pid: number,
    format: string,
    span: ExportSpan,
    runs: number,
): Promise<ExportTiming> {
    const to = new Date(Date.parse(span.from) + span.hours * 3_600_000).toISOString();
    const path = `/audit/export?format=${format}&from=${span.from}&to=${to}`;
    resetPeak(pid);
    const ms: number[] = [];
    let lines = 0;
    let bytes = 0;
    for (let run = 0; run < runs; run++) {
        lines = 0;
        const sink = new Writable({
            write(chunk: Buffer, _encoding, done): void {
                for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) {
                    lines += 1;
                }
                done();
            },
        });
        const started = performance.now();
        bytes = (await client.download(path, sink)).bytes;
        ms.push(performance.now() - started);
    }
    const events = format === 'csv' ? lines - 1 : lines;
    const sorted = [...ms].sort((a, b) => a - b);
    const p50 = sorted[Math.ceil(sorted.length / 2) - 1] ?? NaN;
    return {
        span: span.name,
        format,
        runs,
        events,
        megabytes: Math.round(bytes / 100_000) / 10,
        p50Ms: Math.round(p50),
        maxMs: Math.round(sorted.at(-1) ?? NaN),
        eventsPerSecond: Math.round(events / (p50 / 1000)),
        gatewayPeakRssMb: readMemory(pid).peakMb,
    };
}

async function measure(launched: Launched, settings: Settings, from: number): Promise<Measurement> {
    const client = newRegionClient(launched.running.region, COMMISSION, 'auditor').withTimeout(600_000);
    const day = (n: number): string => new Date(from + n * DAY_MS).toISOString();
    const last = settings.days - 1;
    const idle = readMemory(launched.pid);
    resetPeak(launched.pid);
    const stats: Record<string, Timing> = {
        'one day, per hour': await timeRuns(
            settings.runs,
            statsCall(client, `bucket=hour&from=${day(last)}&to=${day(settings.days)}`),
        ),
        '7 days, per day': await timeRuns(
            settings.runs,
            statsCall(client, `bucket=day&from=${day(settings.days - 7)}&to=${day(settings.days)}`),
        ),
        [`${settings.days} days, per day`]: await timeRuns(
            settings.runs,
            statsCall(client, `bucket=day&from=${day(0)}&to=${day(settings.days)}`),
        ),
    };
    const statsMemory = readMemory(launched.pid);
    const middle = day(Math.floor(settings.days / 2));
    const started = performance.now();
    const verification = await client.get<{ ok: boolean; total: { ledger: number } }>(
        `/audit/stats/verify?from=${middle}&to=${new Date(Date.parse(middle) + DAY_MS).toISOString()}`,
    );
    const verifyMs = Math.round(performance.now() - started);
    // A day in both formats; an hour and three days once each, so the gateway's peak memory can be compared
    // across ranges: it follows the page, not the range.
    const plans: [string, ExportSpan, number][] = [
        ['csv', { name: 'one hour', from: middle, hours: 1 }, 1],
        ['csv', { name: 'one day', from: middle, hours: 24 }, settings.exportRuns],
        ['ndjson', { name: 'one day', from: middle, hours: 24 }, settings.exportRuns],
        ['csv', { name: '3 days', from: day(Math.floor(settings.days / 2) - 1), hours: 72 }, 1],
    ];
    const exports: ExportTiming[] = [];
    for (const [format, span, runs] of plans) {
        exports.push(await timeExport(client, launched.pid, format, span, runs));
    }
    return { idle, stats, statsMemory, verify: { ...verification, ms: verifyMs }, exports };
}

function report(result: Measurement & { fill: FillResult & { rows: number } }): void {
    log(
        `\naudit-api: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')}`,
    );
    log(
        `fill: ${result.fill.events.toLocaleString('en')} events in ${(result.fill.ms / 1000).toFixed(1)} s; view rows ${result.fill.rows.toLocaleString('en')}`,
    );
    log(`gateway RSS after start ${result.idle.rssMb} MB; peak during stats ${result.statsMemory.peakMb} MB`);
    for (const [name, timing] of Object.entries(result.stats)) {
        log(
            `stats ${name}: p50 ${timing.p50Ms.toFixed(1)} ms, p99 ${timing.p99Ms.toFixed(1)} ms (${timing.items.toLocaleString('en')} events)`,
        );
    }
    log(
        `verify one day: ${result.verify.total.ledger.toLocaleString('en')} events recounted in ${result.verify.ms} ms, ok ${String(result.verify.ok)}`,
    );
    for (const timing of result.exports) {
        log(
            `export ${timing.span} ${timing.format}: ${timing.events.toLocaleString('en')} events, ${timing.megabytes} MB, ` +
                `p50 ${timing.p50Ms} ms (${timing.eventsPerSecond.toLocaleString('en')} events/s), gateway peak RSS ${timing.gatewayPeakRssMb} MB`,
        );
    }
}

async function run(settings: Settings): Promise<void> {
    const dataDir = mkdtempSync(join(tmpdir(), 'healthchain-audit-api-'));
    const layout = toDataLayout(dataDir);
    try {
        log(`audit-api: region in ${dataDir}`);
        let launched = await launch(dataDir);
        await launched.running.stop();
        const from = Math.floor(Date.now() / DAY_MS) * DAY_MS - settings.days * DAY_MS;
        log(`bulk fill of ${settings.events.toLocaleString('en')} events`);
        const plan = { events: settings.events, patients: settings.patients, organizations: Object.values(Orgs) };
        const filled = await fill(layout, { ...plan, from, days: settings.days, seed: SEED, batchEvents: 20_000 });
        launched = await launch(dataDir);
        try {
            log('timing');
            const result = { ...(await measure(launched, settings, from)), fill: filled };
            assert.equal(result.verify.ok, true, 'the view equals a recount of the ledger');
            const total = Object.values(result.stats).at(-1)?.items;
            assert.equal(total, settings.events, 'the view counts every event');
            report(result);
            mkdirSync(dirname(settings.outputFile), { recursive: true });
            writeFileSync(
                settings.outputFile,
                `${JSON.stringify({ bench: 'audit-api', loadavg: loadavg(), ...result }, null, 2)}\n`,
            );
        } finally {
            await launched.running.stop();
        }
    } finally {
        if (!settings.keep) {
            rmSync(dataDir, { recursive: true, force: true });
        }
    }
}

function readSettings(argv: readonly string[]): Settings {
    const names = ['events', 'patients', 'days', 'runs', 'export-runs', 'out'] as const;
    const options = Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<
        (typeof names)[number],
        { type: 'string' }
    >;
    const { values } = parseArgs({ args: [...argv], options: { ...options, keep: { type: 'boolean' } } });
    const number = (text: string | undefined, fallback: number): number => {
        const value = text === undefined ? fallback : Number(text);
        if (!Number.isSafeInteger(value) || value < 1) {
            throw new RangeError(`not a positive integer: ${String(text)}`);
        }
        return value;
    };
    return {
        events: number(values.events, 1_000_000),
        patients: number(values.patients, 100_000),
        days: number(values.days, 30),
        runs: number(values.runs, 100),
        exportRuns: number(values['export-runs'], 3),
        outputFile: values.out ?? join('bench-output', 'audit-api.json'),
        keep: values.keep === true,
    };
}

if (require.main === module) {
    run(readSettings(process.argv.slice(2))).catch((error: unknown) => {
        console.error(error);
        process.exitCode = 1;
    });
}
