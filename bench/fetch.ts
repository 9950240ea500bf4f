// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:fetch`: what a record fetch between two hospitals costs in a region started as `npm start`
 * starts it (ledger node and gateways each a process of its own), side by side with what moving the same
 * bytes over mutual TLS costs, at several numbers of requests in flight; and where a granted fetch spends
 * its time, step by step, from the gateways' own histograms.
 *
 * ```
 * npm run bench:fetch -- [--ledger embedded|fabric] [--duration <s>] [--requests <n>] [--in-flight 1,8,32]
 *                        [--kinds bare,evaluate,denied,granted] [--rounds <n>] [--baseline <checkout>]
 *                        [--warmup <s>] [--json <file>] [--profile <dir>] [--verbose]
 * ```
 *
 * Before any step is timed, every region serves denied and granted fetches untimed for `--warmup` seconds (10 by
 * default, half each, at the most requests in flight asked for): a region runs for days, and its first seconds
 * measure V8 compiling its hot code on the same two cores, not the system. The first idle steps of a cold
 * region spent close to half of the ledger node's CPU in the optimizing compiler.
 *
 * After the granted fetches at one in flight, the bare transfer is made again one request at a time at their pace
 * (`pacedBare`): on a machine whose processes wake slowly after a few idle milliseconds, that is the floor under
 * each of a fetch's hops between processes, and back to back it is several times lower.
 *
 * Prints progress on stderr, then a table and one JSON line on stdout; `--json <file>` also writes the JSON
 * there. `--baseline <checkout>` starts a second region from another checkout (built with
 * `npm run build:test` there) beside this one and runs every step on both, alternating them over `--rounds`
 * rounds (3 by default), then prints each build's medians and the change (`fetch-compare.ts`).
 * `--profile <dir>` runs the ledger node and the gateways with `--cpu-prof` into that folder
 * (`HEALTHCHAIN_NODE_OPTIONS` given to the launcher is passed through as well). Every process it starts is
 * stopped and its temporary folder removed, also on failure and on Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runPaced, runStep, type PacedResult, type StepLength, type StepResult } from './fetch-load';
import { BareServer, captureGrantedAnswer, newProbeSet, type ProbeKind, type ProbeSet } from './fetch-probes';
import { LAUNCHER_PATH, startBenchRegion, type BenchRegion } from './region';
import { compareBuilds, comparisonRows, medianRows, toMedians } from './fetch-compare';
import { setUpFetchFixture, type FetchFixture } from './fetch-setup';
import { snapshotCpu } from './fetch-cpu';
import { damonNote, machineFacts, type MachineFacts } from './machine';
import { snapshotSteps, toStepShares, type StepShare } from './fetch-steps';

/** The benchmark's settings, from the command line. */
export interface FetchBenchOptions {
    readonly ledger: 'embedded' | 'fabric';
    readonly length: Omit<StepLength, 'warmupPerSlot'>;
    readonly inFlight: readonly number[];
    readonly kinds: readonly ProbeKind[];
    readonly jsonFile: string | undefined;
    readonly childNodeOptions: string;
    readonly verbose: boolean;
    /** Rounds of every step (each build's medians are reported when more than one). */
    readonly rounds: number;
    /** Another checkout to measure beside this one. */
    readonly baseline: Baseline | undefined;
    /** Untimed seconds of denied and granted fetches on every region before the first step. */
    readonly warmupSeconds: number;
}

/** The checkout `--baseline` names. */
export interface Baseline {
    readonly dir: string;
    readonly launcher: string;
    /** Its `git rev-parse --short HEAD`, when it is a git checkout. */
    readonly commit: string | undefined;
}

/** One measured step. */
export interface FetchBenchStep extends StepResult {
    readonly kind: ProbeKind;
    /**
     * CPU milliseconds per request by role — `requester`, `custodian`, `ledger`, `others` (the other
     * gateways), `launcher`, `bench` — and their total.
     */
    readonly cpuMsPerRequest: Readonly<Record<string, number>>;
    /** Granted fetches only: each fetch step's mean and share. */
    readonly steps?: readonly StepShare[];
    /**
     * Granted fetches at one in flight: a bare mutual-TLS round trip (the `bare mTLS` probe) made one at a time
     * at the pace these fetches came, so with the processes idle as long between requests. Each of a fetch's
     * four hops between processes costs at least this; back to back, the same round trip costs far less.
     */
    readonly pacedBare?: PacedResult;
    /** Which round of the step this is, from 1. */
    readonly round: number;
    /**
     * Denied and granted fetches: transactions per block in the timed part (one transaction per denied
     * fetch, two per granted one, over the blocks the ledger's height grew by), since a block's fixed costs
     * are a large part of a transaction's.
     */
    readonly transactionsPerBlock?: number;
}

/** Transactions a fetch of each kind commits. */
const TRANSACTIONS_PER_REQUEST: Partial<Record<ProbeKind, number>> = { denied: 1, granted: 2 };

/** A region being measured: this checkout's (`current`) or the baseline's. */
interface Target {
    readonly name: 'baseline' | 'current';
    readonly region: BenchRegion;
    readonly fixture: FetchFixture;
}

const USAGE = `usage: npm run bench:fetch -- [--ledger embedded|fabric] [--duration <s> (default 4)] [--requests <n>]
       [--in-flight 1,8,32] [--kinds bare,evaluate,denied,granted] [--rounds <n>] [--baseline <checkout>]
       [--warmup <s> (default 10, 0 for none)]
       [--json <file>] [--profile <dir>] [--verbose]`;

const KIND_NAMES: Readonly<Record<string, ProbeKind>> = {
    bare: 'bare mTLS',
    evaluate: 'evaluate',
    denied: 'denied',
    granted: 'granted',
};

function positive(text: string, name: string): number {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) {
        throw new Error(`${name} must be a positive number`);
    }
    return value;
}

function readKinds(text: string): ProbeKind[] {
    return text.split(',').map((name) => {
        const kind = KIND_NAMES[name.trim()];
        if (kind === undefined) {
            throw new Error(`--kinds takes ${Object.keys(KIND_NAMES).join(', ')}`);
        }
        return kind;
    });
}

function readOptions(argv: readonly string[], env: NodeJS.ProcessEnv): FetchBenchOptions {
    const { values } = parseArgs({
        args: [...argv],
        strict: true,
        allowPositionals: false,
        options: {
            ledger: { type: 'string', default: 'embedded' },
            duration: { type: 'string', default: '4' },
            requests: { type: 'string' },
            'in-flight': { type: 'string', default: '1,8,32' },
            kinds: { type: 'string', default: 'bare,evaluate,denied,granted' },
            json: { type: 'string' },
            profile: { type: 'string' },
            verbose: { type: 'boolean', default: false },
            rounds: { type: 'string' },
            baseline: { type: 'string' },
            warmup: { type: 'string', default: '10' },
        },
    });
    if (values.ledger !== 'embedded' && values.ledger !== 'fabric') {
        throw new Error('--ledger must be embedded or fabric');
    }
    if (values.ledger === 'fabric' && !env.FABRIC_BIN) {
        throw new Error('--ledger fabric needs FABRIC_BIN, the bin/ folder of a Fabric 2.5 release');
    }
    const profile = values.profile === undefined ? '' : `--cpu-prof --cpu-prof-dir=${resolve(values.profile)}`;
    return {
        ledger: values.ledger,
        length: {
            seconds: positive(values.duration, '--duration'),
            ...(values.requests === undefined ? {} : { requests: Math.ceil(positive(values.requests, '--requests')) }),
        },
        inFlight: values['in-flight'].split(',').map((text) => Math.ceil(positive(text, '--in-flight'))),
        kinds: readKinds(values.kinds),
        jsonFile: values.json,
        childNodeOptions: [env.HEALTHCHAIN_NODE_OPTIONS ?? '', profile].join(' ').trim(),
        verbose: values.verbose,
        rounds: readRounds(values.rounds, values.baseline !== undefined),
        baseline: values.baseline === undefined ? undefined : readBaseline(values.baseline),
        warmupSeconds: readWarmup(values.warmup),
    };
}

function readWarmup(text: string): number {
    const seconds = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(seconds)) {
        throw new Error('--warmup must be a number of seconds, 0 or more');
    }
    return seconds;
}

function readRounds(text: string | undefined, comparing: boolean): number {
    if (text === undefined) {
        return comparing ? 3 : 1;
    }
    return Math.ceil(positive(text, '--rounds'));
}

function readBaseline(dir: string): Baseline {
    const root = resolve(dir);
    const launcher = join(root, LAUNCHER_PATH);
    if (!existsSync(launcher)) {
        throw new Error(`--baseline ${root} has no ${LAUNCHER_PATH}: run npm ci and npm run build:test there`);
    }
    let commit: string | undefined;
    try {
        commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
        commit = undefined;
    }
    return { dir: root, launcher, commit };
}

const progress = (line: string): void => {
    process.stderr.write(`${line}\n`);
};

/** The role a process plays in the fetch. */
function roleOf(name: string, fixture: FetchFixture): string {
    if (name === `Gateway ${fixture.requester}`) {
        return 'requester';
    }
    if (name === `Gateway ${fixture.custodian}`) {
        return 'custodian';
    }
    // The embedded ledger node, or a Fabric network's orderers and peers with their chaincode processes.
    if (name.startsWith('Ledger node')) {
        return 'ledger';
    }
    if (name === 'Launcher') {
        return 'launcher';
    }
    return name === 'bench' || name === 'total' ? name : 'others';
}

/** CPU per request by role in the fetch rather than by process name. */
function toRoles(byProcess: Readonly<Record<string, number>>, fixture: FetchFixture): Record<string, number> {
    const roles: Record<string, number> = {
        requester: 0,
        custodian: 0,
        ledger: 0,
        others: 0,
        launcher: 0,
        bench: 0,
        total: 0,
    };
    for (const [name, ms] of Object.entries(byProcess)) {
        const role = roleOf(name, fixture);
        roles[role] = Math.round(((roles[role] ?? 0) + ms) * 100) / 100;
    }
    return roles;
}

async function measureStep(
    target: Target,
    set: ProbeSet,
    kind: ProbeKind,
    inFlight: number,
    options: FetchBenchOptions,
    round: number,
): Promise<FetchBenchStep> {
    const length = { ...options.length, warmupPerSlot: Math.max(2, Math.ceil(20 / inFlight)) };
    const before = kind === 'granted' ? await snapshotSteps(set.gateways) : undefined;
    const perRequest = TRANSACTIONS_PER_REQUEST[kind];
    const heights = { start: 0n, end: 0n };
    const hooks =
        perRequest === undefined
            ? {}
            : {
                  beforeTimed: async (): Promise<void> => void (heights.start = await set.height()),
                  afterTimed: async (): Promise<void> => void (heights.end = await set.height()),
              };
    const result = await runStep(set.probes[kind], inFlight, length, () => snapshotCpu(target.region.processes), hooks);
    const shares = before && toStepShares(before, await snapshotSteps(set.gateways), result.mean);
    const cpuMsPerRequest = toRoles(result.cpuMsPerRequest, target.fixture);
    const blocks = Number(heights.end - heights.start);
    const perBlock =
        perRequest !== undefined && blocks > 0
            ? { transactionsPerBlock: Math.round(((result.requests + result.errors) * perRequest * 10) / blocks) / 10 }
            : {};
    const label = options.baseline === undefined ? '' : ` ${target.name.padEnd(8)}`;
    const blockNote = perBlock.transactionsPerBlock === undefined ? '' : `, ${perBlock.transactionsPerBlock} tx/block`;
    progress(`  ${kind.padEnd(9)} ${String(inFlight).padStart(3)} in flight${label}: ${summary(result)}${blockNote}`);
    const paced = await measurePacedBare(set, kind, inFlight, result.mean);
    return { kind, ...result, cpuMsPerRequest, ...(shares ? { steps: shares } : {}), ...paced, round, ...perBlock };
}

/** Bare round trips made at the pace of the granted fetches at one in flight. */
const PACED_BARE_REQUESTS = 100;

/**
 * After the granted fetches at one in flight, bare round trips at their pace (their mean latency apart); nothing
 * after other steps.
 */
async function measurePacedBare(
    set: ProbeSet,
    kind: ProbeKind,
    inFlight: number,
    everyMs: number,
): Promise<{ pacedBare?: PacedResult }> {
    if (kind !== 'granted' || inFlight !== 1) {
        return {};
    }
    const paced = await runPaced(set.probes['bare mTLS'], everyMs, PACED_BARE_REQUESTS);
    progress(`  ${''.padEnd(9)}     ${pacedSummary(paced)}`);
    return { pacedBare: paced };
}

function pacedSummary(paced: PacedResult): string {
    return `bare mTLS, one every ${paced.everyMs} ms as these fetches came: p50 ${paced.p50} ms, p99 ${paced.p99} ms`;
}

/** A target with its bare mutual-TLS server and the probes of one number in flight. */
interface Run {
    readonly target: Target;
    readonly bare: BareServer;
    readonly set: ProbeSet;
}

/** One kind of request at one number in flight, on every target, round after round. */
async function measureRounds(
    runs: readonly Run[],
    kind: ProbeKind,
    inFlight: number,
    options: FetchBenchOptions,
    results: Map<Target['name'], FetchBenchStep[]>,
): Promise<void> {
    for (let round = 1; round <= options.rounds; round++) {
        // The targets take turns, in reverse order every other round.
        for (const { target, set } of round % 2 === 1 ? runs : [...runs].reverse()) {
            results.get(target.name)?.push(await measureStep(target, set, kind, inFlight, options, round));
        }
    }
}

/** Serves denied and granted fetches untimed, so that the region's hot code is compiled before it is timed. */
async function warmUp(target: Target, bareUrl: string, options: FetchBenchOptions): Promise<void> {
    if (options.warmupSeconds === 0) {
        return;
    }
    const inFlight = Math.max(...options.inFlight);
    const set = newProbeSet(target.region, target.fixture, bareUrl, inFlight);
    try {
        progress(
            `warming up the ${target.name === 'current' ? 'region' : 'baseline region'} for ${options.warmupSeconds} s`,
        );
        const length = { seconds: options.warmupSeconds / 2, warmupPerSlot: 0 };
        for (const kind of ['denied', 'granted'] as const) {
            const result = await runStep(set.probes[kind], inFlight, length, () =>
                snapshotCpu(target.region.processes),
            );
            if (result.errors > 0) {
                throw new Error(`warm-up ${kind} fetches failed: ${result.firstError ?? 'unknown'}`);
            }
        }
    } finally {
        set.close();
    }
}

/** Runs every step on every target, in rounds. */
async function measure(
    targets: readonly Target[],
    options: FetchBenchOptions,
): Promise<Map<Target['name'], FetchBenchStep[]>> {
    const results = new Map<Target['name'], FetchBenchStep[]>(targets.map((target) => [target.name, []]));
    const bares = targets.map((target) => ({
        target,
        bare: new BareServer(target.region.tlsFiles(target.fixture.custodian)),
    }));
    try {
        const listening = await Promise.all(bares.map(async (entry) => ({ ...entry, url: await entry.bare.listen() })));
        for (const { target, url } of listening) {
            await warmUp(target, url, options);
        }
        for (const inFlight of options.inFlight) {
            const runs: Run[] = listening.map(({ target, bare, url }) => ({
                target,
                bare,
                set: newProbeSet(target.region, target.fixture, url, inFlight),
            }));
            try {
                // Each bare server answers with the bytes its custodian delivers.
                for (const { target, bare, set } of runs) {
                    bare.answer = await captureGrantedAnswer(target.region, target.fixture, set);
                }
                for (const kind of options.kinds) {
                    await measureRounds(runs, kind, inFlight, options, results);
                }
            } finally {
                for (const run of runs) {
                    run.set.close();
                }
            }
        }
    } finally {
        await Promise.all(bares.map(({ bare }) => bare.close()));
    }
    return results;
}

function summary(result: StepResult): string {
    const errors = result.errors > 0 ? `, ${result.errors} errors (${result.firstError ?? ''})` : '';
    return `p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.perSecond}/s, ${result.requests} requests${errors}`;
}

function table(rows: readonly string[][]): string {
    const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
    return rows.map((row) => row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ')).join('\n');
}

function printReport(steps: readonly FetchBenchStep[], options: FetchBenchOptions): void {
    const header = ['in flight', ...options.kinds.map((kind) => `${kind}: p50 / p99 ms, per s`)];
    const rows = options.inFlight.map((inFlight) => [
        String(inFlight),
        ...options.kinds.map((kind) => {
            const step = steps.find((s) => s.kind === kind && s.inFlight === inFlight);
            return step === undefined ? '' : `${step.p50} / ${step.p99}, ${step.perSecond}${step.errors ? ' !' : ''}`;
        }),
    ]);
    console.log(table([header, ...rows]));
    const roles = ['requester', 'custodian', 'ledger', 'others', 'launcher', 'bench', 'total'];
    console.log('\nCPU milliseconds per request, by process (what bounds requests per second on this machine)');
    const cpuRows = steps.map((step) => [
        step.kind,
        String(step.inFlight),
        ...roles.map((role) => (step.cpuMsPerRequest[role] ?? 0).toFixed(2)),
    ]);
    console.log(table([['request', 'in flight', ...roles], ...cpuRows]));
    for (const step of steps.filter((s) => s.steps !== undefined)) {
        console.log(`\ngranted fetch, ${step.inFlight} in flight (mean ${step.mean} ms): where the time goes`);
        const shareRows = (step.steps ?? []).map((s) => [
            s.step,
            s.meanMs.toFixed(2),
            `${s.sharePercent.toFixed(1)} %`,
        ]);
        console.log(table([['step', 'mean ms', 'share'], ...shareRows]));
        if (step.pacedBare !== undefined) {
            console.log(`(for scale: ${pacedSummary(step.pacedBare)})`);
        }
    }
}

function printResults(
    steps: readonly FetchBenchStep[],
    baselineSteps: readonly FetchBenchStep[] | undefined,
    options: FetchBenchOptions,
): void {
    if (baselineSteps !== undefined) {
        const commit = options.baseline?.commit === undefined ? '' : ` at ${options.baseline.commit}`;
        console.log(`Medians of ${options.rounds} rounds, the two builds taking turns; baseline${commit}:`);
        console.log(table(comparisonRows(compareBuilds(baselineSteps, steps))));
    } else if (options.rounds > 1) {
        console.log(`Medians of ${options.rounds} rounds:`);
        console.log(table(medianRows(toMedians(steps))));
    } else {
        printReport(steps, options);
    }
}

function toReport(run: {
    readonly options: FetchBenchOptions;
    readonly load: number[];
    readonly machine: MachineFacts;
    readonly fixture: FetchFixture;
    readonly steps: readonly FetchBenchStep[];
    readonly baselineSteps: readonly FetchBenchStep[] | undefined;
}): Record<string, unknown> {
    const { options, steps, baselineSteps } = run;
    return {
        benchmark: 'fetch',
        ledger: options.ledger,
        machine: run.machine,
        loadAverage: { before: run.load, after: loadavg() },
        settings: {
            ...options.length,
            warmupSeconds: options.warmupSeconds,
            inFlight: options.inFlight,
            rounds: options.rounds,
            childNodeOptions: options.childNodeOptions,
        },
        resourceBytes: run.fixture.resourceJson.length,
        steps,
        ...(options.rounds > 1 ? { medians: toMedians(steps) } : {}),
        ...(baselineSteps === undefined || options.baseline === undefined
            ? {}
            : {
                  baseline: { dir: options.baseline.dir, commit: options.baseline.commit, steps: baselineSteps },
                  comparison: compareBuilds(baselineSteps, steps),
              }),
    };
}

async function startTarget(
    name: Target['name'],
    options: FetchBenchOptions,
    onSpawn: (stop: () => Promise<void>) => void,
    started: BenchRegion[],
): Promise<Target> {
    const region = await startBenchRegion({
        folderPrefix: name === 'current' ? 'healthchain-bench-fetch-' : 'healthchain-bench-fetch-baseline-',
        ledger: options.ledger,
        childNodeOptions: options.childNodeOptions,
        log: options.verbose ? progress : () => undefined,
        onSpawn,
        ...(name === 'baseline' && options.baseline ? { launcherScript: options.baseline.launcher } : {}),
    });
    started.push(region);
    const fixture = await setUpFetchFixture(region.region);
    progress(`${name === 'current' ? 'region' : 'baseline region'} up; patient, records and consent set up`);
    return { name, region, fixture };
}

async function run(options: FetchBenchOptions, onSpawn: (stop: () => Promise<void>) => void): Promise<boolean> {
    const load = loadavg();
    const machine = machineFacts();
    const regions = options.baseline === undefined ? 'a region' : `two regions (baseline ${options.baseline.dir})`;
    progress(
        `bench:fetch: starting ${regions} (${options.ledger} ledger); load average ${load.map((l) => l.toFixed(2)).join(' ')}`,
    );
    const note = damonNote(machine);
    if (note !== undefined) {
        progress(note);
    }
    const started: BenchRegion[] = [];
    let results: Map<Target['name'], FetchBenchStep[]>;
    let fixture: FetchFixture;
    try {
        const targets: Target[] = [];
        if (options.baseline !== undefined) {
            targets.push(await startTarget('baseline', options, onSpawn, started));
        }
        const current = await startTarget('current', options, onSpawn, started);
        targets.push(current);
        fixture = current.fixture;
        progress(`${fixture.resourceJson.length} bytes of FHIR per granted fetch`);
        results = await measure(targets, options);
    } finally {
        await Promise.all(started.map((region) => region.stop()));
    }
    const steps = results.get('current') ?? [];
    const baselineSteps = results.get('baseline');
    printResults(steps, baselineSteps, options);
    const report = toReport({ options, load, machine, fixture, steps, baselineSteps });
    console.log(JSON.stringify(report));
    if (options.jsonFile !== undefined) {
        writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    }
    return [...steps, ...(baselineSteps ?? [])].every((step) => step.errors === 0);
}

function main(): void {
    let options: FetchBenchOptions;
    try {
        options = readOptions(process.argv.slice(2), process.env);
    } catch (error) {
        process.stderr.write(`bench:fetch: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
        process.exit(64);
    }
    const stops: (() => Promise<void>)[] = [];
    const interrupt = (): void => {
        progress('bench:fetch: interrupted; stopping the region');
        void Promise.all(stops.map((stop) => stop())).finally(() => process.exit(130));
    };
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    run(options, (stop) => stops.push(stop)).then(
        (clean) => {
            if (!clean) {
                progress('bench:fetch: some requests did not get the answer they must (see errors above)');
            }
            process.exit(clean ? 0 : 1);
        },
        (error: unknown) => {
            progress(`bench:fetch: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            process.exit(1);
        },
    );
}

main();
