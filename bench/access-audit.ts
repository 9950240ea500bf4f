// SPDX-License-Identifier: Apache-2.0
/**
 * Audit queries stay fast as data grows, because each is a prefix or range scan whose cost follows the page, not
 * the ledger: times a patient's access log (`audit:listAccessByPatient`) and a one-day range
 * (`audit:listAccessByTime`) through the real chaincode on an embedded ledger (level on disk, temporary folder)
 * holding a few hundred access events, then again after a bulk fill of 1,000,000 events in exactly the
 * chaincode's state layout (100,000 patients, 4 organisations, 30 days).
 *
 * The few hundred events of the small ledger are real `access:requestAccess` transactions; their committed
 * write sets must equal, byte for byte, what the bulk filler writes for the same events, and bulk-loaded
 * copies of real events must read back through the chaincode exactly like the originals.
 *
 * Run alone: `npx tsc -p tsconfig.json && node dist/bench/access-audit.js [--events N] [--runs N]`.
 * Writes `bench-output/access-audit.json`; `bench/run.ts` calls {@link runAccessAuditBench}.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { toCanonicalJson } from '../chaincode/src/protocol/canonical-json';
import type { AccessEvent } from '../chaincode/src/protocol/state';
import { addMillis } from '../chaincode/src/rules/time';
import {
    DAY_MS,
    fillAccessEvents,
    loadAccessEvents,
    newRandom,
    syntheticPatientId,
    syntheticTxId,
    toAccessEventWrites,
    openRegion,
    Orgs,
    seedRealEvents,
    type FillPlan,
    type FillResult,
    type RealEvent,
    type Region,
} from './fill-access-events';

/** What to run; every field has a default. */
export interface AccessAuditBenchOptions {
    /** Bulk-loaded access events (default 1,000,000). */
    readonly events?: number;
    /** Synthetic patients the bulk events spread over (default 100,000). */
    readonly patients?: number;
    /** Days the bulk events spread over (default 30). */
    readonly days?: number;
    /** Timed runs of each first-page query (default 200). */
    readonly runs?: number;
    /** Timed runs of draining a whole day (default 5). */
    readonly drainRuns?: number;
    /** Patients registered by real transactions (default 20). */
    readonly realPatients?: number;
    /** Real `requestAccess` transactions (default 320). */
    readonly realRequests?: number;
    /** Events per store batch of the bulk fill (default 20,000). */
    readonly batchEvents?: number;
    /** Where to write the JSON report (default `bench-output/access-audit.json`); null: do not write. */
    readonly outputFile?: string | null;
    /** Progress and report lines (default `console.log`). */
    readonly log?: (line: string) => void;
}

/** Latency of one query over repeated runs, milliseconds. */
export interface Timing {
    readonly runs: number;
    /** Mean events returned per run. */
    readonly items: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly meanMs: number;
    readonly maxMs: number;
    /** p50 divided by the events returned: the cost per event, comparable across result sizes. */
    readonly p50UsPerEvent: number;
}

/** One query timed on the small and on the filled ledger. */
export interface QueryComparison {
    readonly name: string;
    readonly description: string;
    readonly empty: Timing;
    readonly full: Timing;
    /** Full p50 over empty p50. */
    readonly p50Ratio: number;
}

/** The benchmark's report. */
export interface AccessAuditBenchResult {
    readonly bench: 'access-audit';
    readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly node: string };
    readonly real: { readonly transactions: number; readonly accessEvents: number; readonly ms: number };
    readonly fill: FillResult & {
        readonly patients: number;
        readonly organizations: number;
        readonly days: number;
        readonly eventsPerSecond: number;
        readonly dbBytes: number;
    };
    readonly verification: {
        readonly realEventsMatched: number;
        readonly realKeysMatched: number;
        readonly bulkCopiesReadBack: number;
    };
    readonly ledgerEvents: { readonly empty: number; readonly full: number };
    readonly queries: readonly QueryComparison[];
}

type Settings = Required<Omit<AccessAuditBenchOptions, 'outputFile'>> & { readonly outputFile: string | null };

const DEFAULTS: Settings = {
    events: 1_000_000,
    patients: 100_000,
    days: 30,
    runs: 200,
    drainRuns: 5,
    realPatients: 20,
    realRequests: 320,
    batchEvents: 20_000,
    outputFile: join('bench-output', 'access-audit.json'),
    log: (line) => {
        console.log(line);
    },
};

const SEED = 20_240_601;
const FIRST_PAGE = '50';
const DRAIN_PAGE = '500';

interface Page {
    readonly items: AccessEvent[];
    readonly bookmark: string;
}

async function evaluateText(region: Region, fn: string, args: readonly string[]): Promise<string> {
    const contract = fn === 'readAccess' ? 'access' : 'audit';
    const bytes = await region.clients.commission.evaluate(contract, fn, { arguments: args });
    return Buffer.from(bytes).toString('utf8');
}

async function listPage(region: Region, fn: string, args: readonly string[]): Promise<Page> {
    return JSON.parse(await evaluateText(region, fn, args)) as Page;
}

async function patientLog(region: Region, patientId: string): Promise<number> {
    return (await listPage(region, 'listAccessByPatient', [patientId, FIRST_PAGE, ''])).items.length;
}

function dayArgs(from: number): [string, string] {
    return [new Date(from).toISOString(), new Date(from + DAY_MS).toISOString()];
}

async function dayFirstPage(region: Region, from: number): Promise<number> {
    return (await listPage(region, 'listAccessByTime', [...dayArgs(from), FIRST_PAGE, ''])).items.length;
}

async function dayDrain(region: Region, from: number): Promise<number> {
    let count = 0;
    let bookmark = '';
    do {
        const page = await listPage(region, 'listAccessByTime', [...dayArgs(from), DRAIN_PAGE, bookmark]);
        count += page.items.length;
        bookmark = page.bookmark;
    } while (bookmark !== '');
    return count;
}

function percentile(sorted: readonly number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

/**
 * Runs a query a few times untimed (warm-up), then `runs` times timed.
 * @param runs - timed runs
 * @param call - one run; resolves with the number of events it returned
 * @returns the latency percentiles and the mean events per run
 */
export async function timeRuns(runs: number, call: (run: number) => Promise<number>): Promise<Timing> {
    for (let run = 0; run < Math.min(20, Math.ceil(runs / 10)); run++) {
        await call(run);
    }
    const ms: number[] = [];
    let items = 0;
    for (let run = 0; run < runs; run++) {
        const started = performance.now();
        items += await call(run);
        ms.push(performance.now() - started);
    }
    const sorted = [...ms].sort((a, b) => a - b);
    const round = (value: number): number => Math.round(value * 1000) / 1000;
    return {
        runs,
        items: round(items / runs),
        p50Ms: round(percentile(sorted, 0.5)),
        p99Ms: round(percentile(sorted, 0.99)),
        meanMs: round(ms.reduce((sum, value) => sum + value, 0) / runs),
        maxMs: round(sorted.at(-1) ?? Number.NaN),
        p50UsPerEvent: round((percentile(sorted, 0.5) * 1000 * runs) / Math.max(1, items)),
    };
}

/** The queries of one ledger state: what each one asks, per run. */
interface QueryPlan {
    readonly samePatient: string;
    readonly randomPatient: (run: number) => string;
    readonly sameDay: number;
    readonly randomDay: (run: number) => number;
}

const QUERIES = [
    ['samePatient', 'patient log, same real patient, first page of 50'],
    ['randomPatient', 'patient log, a random patient per run, first page of 50'],
    ['sameDay', 'one-day range, the day of the real events, first page of 50'],
    ['randomDay', 'one-day range, a random day per run (busiest data), first page of 50'],
    ['dayDrain', 'one-day range, whole day drained in pages of 500 (a random day per run)'],
] as const;

type QueryName = (typeof QUERIES)[number][0];

async function timeQueries(region: Region, plan: QueryPlan, settings: Settings): Promise<Record<QueryName, Timing>> {
    const { runs, drainRuns } = settings;
    return {
        samePatient: await timeRuns(runs, () => patientLog(region, plan.samePatient)),
        randomPatient: await timeRuns(runs, (run) => patientLog(region, plan.randomPatient(run))),
        sameDay: await timeRuns(runs, () => dayFirstPage(region, plan.sameDay)),
        randomDay: await timeRuns(runs, (run) => dayFirstPage(region, plan.randomDay(run))),
        dayDrain: await timeRuns(drainRuns, (run) => dayDrain(region, plan.randomDay(run))),
    };
}

/** Every real event's committed write set equals the bulk layout of the same event, key and byte. */
async function verifyRealWrites(region: Region, events: readonly RealEvent[]): Promise<number> {
    let keys = 0;
    for (const { event, txId, writes } of events) {
        assert.equal(event.accessId, txId, 'the access id is the request transaction id');
        const toPair = (write: { key: string; value: Uint8Array }): [string, string] => [
            write.key,
            Buffer.from(write.value).toString('hex'),
        ];
        const expected = toAccessEventWrites(event).map(toPair).sort();
        assert.deepEqual(writes.map(toPair).sort(), expected, `write set of real access ${txId}`);
        for (const [key, value] of expected) {
            const stored = await region.ledger.store.getState(key);
            assert.equal(Buffer.from(stored?.value ?? []).toString('hex'), value, `committed value of ${key}`);
        }
        keys += expected.length;
    }
    return keys;
}

function sameExceptId(copy: AccessEvent | undefined, original: AccessEvent | undefined, what: string): void {
    assert.ok(copy !== undefined && original !== undefined, `${what}: both events listed`);
    assert.deepEqual({ ...copy, accessId: original.accessId }, original, what);
}

/** Bulk-loaded copies (new ids) of one real event per reason read back like the originals. */
async function verifyBulkCopies(region: Region, events: readonly RealEvent[], block: number): Promise<number> {
    const originals = [...new Map(events.map(({ event }) => [event.reason, event])).values()];
    const copies = originals.map((event) => ({ ...event, accessId: syntheticTxId(`copy-${event.accessId}`) }));
    await loadAccessEvents(region.ledger.store, copies, { block, tx: 0 });
    for (const [i, copy] of copies.entries()) {
        const original = originals[i];
        assert.ok(original !== undefined);
        const originalText = await evaluateText(region, 'readAccess', [original.accessId]);
        const expected = toCanonicalJson({ ...(JSON.parse(originalText) as AccessEvent), accessId: copy.accessId });
        assert.equal(await evaluateText(region, 'readAccess', [copy.accessId]), expected, `readAccess ${copy.reason}`);
        const at = copy.requestedAt;
        const byTime = await listPage(region, 'listAccessByTime', [at, addMillis(at, 1), DRAIN_PAGE, '']);
        const find = (page: Page, id: string): AccessEvent | undefined => page.items.find((e) => e.accessId === id);
        sameExceptId(find(byTime, copy.accessId), find(byTime, original.accessId), `by time, ${copy.reason}`);
        if (copy.patientId !== null) {
            const byPatient = await listPage(region, 'listAccessByPatient', [copy.patientId, DRAIN_PAGE, '']);
            const what = `by patient, ${copy.reason}`;
            sameExceptId(find(byPatient, copy.accessId), find(byPatient, original.accessId), what);
        }
    }
    return copies.length;
}

function folderBytes(path: string): number {
    return readdirSync(path, { withFileTypes: true }).reduce((sum, entry) => {
        const child = join(path, entry.name);
        return sum + (entry.isDirectory() ? folderBytes(child) : statSync(child).size);
    }, 0);
}

function toSettings(options: AccessAuditBenchOptions): Settings {
    const settings = { ...DEFAULTS, ...options };
    const counts = [
        'events',
        'patients',
        'days',
        'runs',
        'drainRuns',
        'realPatients',
        'realRequests',
        'batchEvents',
    ] as const;
    for (const name of counts) {
        if (!Number.isInteger(settings[name]) || settings[name] < 1) {
            throw new RangeError(`${name} must be a positive integer`);
        }
    }
    return settings;
}

function startOfUtcDay(ms: number): number {
    return Math.floor(ms / DAY_MS) * DAY_MS;
}

function compare(empty: Record<QueryName, Timing>, full: Record<QueryName, Timing>): QueryComparison[] {
    return QUERIES.map(([name, description]) => ({
        name,
        description,
        empty: empty[name],
        full: full[name],
        p50Ratio: Math.round((full[name].p50Ms / empty[name].p50Ms) * 100) / 100,
    }));
}

function formatTable(queries: readonly QueryComparison[]): string[] {
    const rows = [
        ['query', 'runs', 'events/run', 'small p50 / p99 ms', 'filled p50 / p99 ms', 'p50 x', 'p50 us/event'],
    ];
    for (const { description, empty, full, p50Ratio } of queries) {
        rows.push([
            description,
            `${empty.runs} / ${full.runs}`,
            `${empty.items.toFixed(1)} / ${full.items.toFixed(1)}`,
            `${empty.p50Ms.toFixed(2)} / ${empty.p99Ms.toFixed(2)}`,
            `${full.p50Ms.toFixed(2)} / ${full.p99Ms.toFixed(2)}`,
            p50Ratio.toFixed(2),
            `${empty.p50UsPerEvent.toFixed(0)} / ${full.p50UsPerEvent.toFixed(0)}`,
        ]);
    }
    const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
    return rows.map((row) =>
        row
            .map((cell, column) => cell.padEnd(widths[column] ?? 0))
            .join('  ')
            .trimEnd(),
    );
}

function report(result: AccessAuditBenchResult, log: (line: string) => void): void {
    const { machine, real, fill, verification, ledgerEvents } = result;
    const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
    log(`\naccess-audit: ${machine.cpus} cores (${machine.cpuModel}), node ${machine.node}`);
    log(`real transactions: ${real.transactions} (${real.accessEvents} requestAccess) in ${seconds(real.ms)}`);
    log(
        `bulk fill: ${fill.events.toLocaleString('en')} events, ${fill.keys.toLocaleString('en')} keys, ` +
            `${fill.patients.toLocaleString('en')} patients, ${fill.organizations} organisations, ${fill.days} days ` +
            `in ${seconds(fill.ms)} (${Math.round(fill.eventsPerSecond).toLocaleString('en')} events/s); ` +
            `level folder ${(fill.dbBytes / 1e9).toFixed(2)} GB`,
    );
    log(
        `layout check: ${verification.realEventsMatched} real write sets (${verification.realKeysMatched} keys) ` +
            `equal the bulk layout; ${verification.bulkCopiesReadBack} bulk copies read back like the originals`,
    );
    log(`ledger events: small ${ledgerEvents.empty}, filled ${ledgerEvents.full.toLocaleString('en')}\n`);
    for (const line of formatTable(result.queries)) {
        log(line);
    }
    log('(the filled-ledger timings start right after the fill, while level still compacts in the background)\n');
    log(JSON.stringify(result));
}

function writeReport(result: AccessAuditBenchResult, file: string | null): void {
    if (file !== null) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    }
}

async function runOn(region: Region, settings: Settings): Promise<AccessAuditBenchResult> {
    const { log } = settings;
    log(`access-audit: ledger folder ${region.path}; ${settings.realRequests} real requestAccess transactions`);
    const real = await seedRealEvents(region, settings.realPatients, settings.realRequests);
    const realKeysMatched = await verifyRealWrites(region, real.events);
    const sameDay = Math.min(...real.events.map(({ event }) => Date.parse(event.requestedAt))) - 3_600_000;
    const samePatient = real.patientIds[Math.floor(real.patientIds.length / 2)] ?? '';
    const pickReal = newRandom(SEED + 1);
    log('timing the small ledger');
    const empty = await timeQueries(
        region,
        {
            samePatient,
            randomPatient: () => real.patientIds[Math.floor(pickReal() * real.patientIds.length)] ?? samePatient,
            sameDay,
            randomDay: () => sameDay,
        },
        settings,
    );
    const plan: FillPlan = {
        events: settings.events,
        patients: settings.patients,
        organizations: Object.values(Orgs),
        from: startOfUtcDay(Date.now()) - settings.days * DAY_MS,
        days: settings.days,
        seed: SEED,
        batchEvents: settings.batchEvents,
        block: Number((await region.ledger.info()).height) - 1,
    };
    log(`bulk fill of ${settings.events.toLocaleString('en')} events`);
    const fill = await fillAccessEvents(region.ledger.store, plan, (done) => {
        if (done > 0 && (done % 100_000 === 0 || done === plan.events)) {
            log(`  ${done.toLocaleString('en')} events`);
        }
    });
    const bulkCopiesReadBack = await verifyBulkCopies(region, real.events, plan.block);
    const pickBulk = newRandom(SEED + 2);
    log('timing the filled ledger');
    const full = await timeQueries(
        region,
        {
            samePatient,
            randomPatient: () => syntheticPatientId(SEED, Math.floor(pickBulk() * plan.patients)),
            sameDay,
            randomDay: () => plan.from + Math.floor(pickBulk() * plan.days) * DAY_MS,
        },
        settings,
    );
    return {
        bench: 'access-audit',
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
        real: { transactions: real.transactions, accessEvents: real.events.length, ms: Math.round(real.ms) },
        fill: {
            ...fill,
            ms: Math.round(fill.ms),
            patients: plan.patients,
            organizations: plan.organizations.length,
            days: plan.days,
            eventsPerSecond: Math.round(fill.events / (fill.ms / 1000)),
            dbBytes: folderBytes(region.path),
        },
        verification: { realEventsMatched: real.events.length, realKeysMatched, bulkCopiesReadBack },
        ledgerEvents: { empty: real.events.length, full: real.events.length + fill.events + bulkCopiesReadBack },
        queries: compare(empty, full),
    };
}

/**
 * Runs the audit benchmark: real transactions and timings on a small ledger, a bulk fill, the same
 * timings on the filled ledger; prints a table and a JSON line and writes the JSON report. The
 * temporary ledger folder is removed at the end, also on failure.
 * @param options - sizes, runs, output file, log; defaults as documented on {@link AccessAuditBenchOptions}
 * @returns the report
 * @throws AssertionError when the bulk layout differs from what the chaincode writes
 */
export async function runAccessAuditBench(options: AccessAuditBenchOptions = {}): Promise<AccessAuditBenchResult> {
    const settings = toSettings(options);
    const region = await openRegion();
    let result: AccessAuditBenchResult;
    try {
        result = await runOn(region, settings);
    } finally {
        await region.close();
    }
    report(result, settings.log);
    writeReport(result, settings.outputFile);
    return result;
}

function readCommandLine(argv: readonly string[]): AccessAuditBenchOptions {
    const names = ['events', 'patients', 'days', 'runs', 'drain-runs', 'out'] as const;
    const { values } = parseArgs({
        args: [...argv],
        options: Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<
            (typeof names)[number],
            { type: 'string' }
        >,
    });
    const number = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));
    const options = {
        events: number(values.events),
        patients: number(values.patients),
        days: number(values.days),
        runs: number(values.runs),
        drainRuns: number(values['drain-runs']),
        outputFile: values.out,
    };
    return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

if (require.main === module) {
    runAccessAuditBench(readCommandLine(process.argv.slice(2))).catch((error: unknown) => {
        console.error(error);
        process.exitCode = 1;
    });
}
