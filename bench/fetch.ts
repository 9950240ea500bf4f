// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:fetch`: what a record fetch between two hospitals costs in a region started as `npm start`
 * starts it (ledger node and gateways each a process of its own), side by side with what moving the same
 * bytes over mutual TLS costs, at several numbers of requests in flight; and where a granted fetch spends
 * its time, step by step, from the gateways' own histograms.
 *
 * ```
 * npm run bench:fetch -- [--ledger embedded|fabric] [--duration <s>] [--requests <n>] [--in-flight 1,8,32]
 *                        [--kinds bare,evaluate,denied,granted] [--json <file>] [--profile <dir>] [--verbose]
 * ```
 *
 * Prints progress on stderr, then a table and one JSON line on stdout; `--json <file>` also writes the JSON
 * there. `--profile <dir>` runs the ledger node and the gateways with `--cpu-prof` into that folder
 * (`HEALTHCHAIN_NODE_OPTIONS` given to the launcher is passed through as well). Every process it starts is
 * stopped and its temporary folder removed, also on failure and on Ctrl-C.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runStep, type StepLength, type StepResult } from './fetch-load';
import { BareServer, captureGrantedAnswer, newProbeSet, type ProbeKind } from './fetch-probes';
import { startBenchRegion, type BenchRegion } from './region';
import { setUpFetchFixture, type FetchFixture } from './fetch-setup';
import { snapshotCpu } from './fetch-cpu';
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
}

const USAGE = `usage: npm run bench:fetch -- [--ledger embedded|fabric] [--duration <s> (default 4)] [--requests <n>]
       [--in-flight 1,8,32] [--kinds bare,evaluate,denied,granted] [--json <file>] [--profile <dir>] [--verbose]`;

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
    };
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

async function measure(
    region: BenchRegion,
    fixture: FetchFixture,
    options: FetchBenchOptions,
): Promise<FetchBenchStep[]> {
    const { processes } = region;
    const bare = new BareServer(region.tlsFiles(fixture.custodian));
    const bareUrl = await bare.listen();
    const steps: FetchBenchStep[] = [];
    try {
        for (const inFlight of options.inFlight) {
            const set = newProbeSet(region, fixture, bareUrl, inFlight);
            try {
                bare.answer = await captureGrantedAnswer(region, fixture, set);
                for (const kind of options.kinds) {
                    const length = { ...options.length, warmupPerSlot: Math.max(2, Math.ceil(20 / inFlight)) };
                    const before = kind === 'granted' ? await snapshotSteps(set.gateways) : undefined;
                    const result = await runStep(set.probes[kind], inFlight, length, () => snapshotCpu(processes));
                    const shares = before && toStepShares(before, await snapshotSteps(set.gateways), result.mean);
                    const cpuMsPerRequest = toRoles(result.cpuMsPerRequest, fixture);
                    steps.push({ kind, ...result, cpuMsPerRequest, ...(shares ? { steps: shares } : {}) });
                    progress(`  ${kind.padEnd(9)} ${String(inFlight).padStart(3)} in flight: ${summary(result)}`);
                }
            } finally {
                set.close();
            }
        }
    } finally {
        await bare.close();
    }
    return steps;
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
    }
}

async function run(options: FetchBenchOptions, onSpawn: (stop: () => Promise<void>) => void): Promise<boolean> {
    const load = loadavg();
    progress(
        `bench:fetch: starting a region (${options.ledger} ledger); load average ${load.map((l) => l.toFixed(2)).join(' ')}`,
    );
    const region = await startBenchRegion({
        folderPrefix: 'healthchain-bench-fetch-',
        ledger: options.ledger,
        childNodeOptions: options.childNodeOptions,
        log: options.verbose ? progress : () => undefined,
        onSpawn,
    });
    let steps: FetchBenchStep[];
    let fixture: FetchFixture;
    try {
        fixture = await setUpFetchFixture(region.region);
        progress(`region up; patient, records and consent set up (${fixture.resourceJson.length} bytes of FHIR)`);
        steps = await measure(region, fixture, options);
    } finally {
        await region.stop();
    }
    const report = {
        benchmark: 'fetch',
        ledger: options.ledger,
        machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
        loadAverage: { before: load, after: loadavg() },
        settings: { ...options.length, inFlight: options.inFlight, childNodeOptions: options.childNodeOptions },
        resourceBytes: fixture.resourceJson.length,
        steps,
    };
    printReport(steps, options);
    const json = JSON.stringify(report);
    console.log(json);
    if (options.jsonFile !== undefined) {
        writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    }
    return steps.every((step) => step.errors === 0);
}

function main(): void {
    let options: FetchBenchOptions;
    try {
        options = readOptions(process.argv.slice(2), process.env);
    } catch (error) {
        process.stderr.write(`bench:fetch: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
        process.exit(64);
    }
    let stopRegion = (): Promise<void> => Promise.resolve();
    const interrupt = (): void => {
        progress('bench:fetch: interrupted; stopping the region');
        void stopRegion().finally(() => process.exit(130));
    };
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    run(options, (stop) => (stopRegion = stop)).then(
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
