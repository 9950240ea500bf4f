// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench`: the embedded ledger's in-process throughput under load and its latency when idle, first with a
 * key-value contract (the ledger alone), then with the health-chain contracts doing what a granted record fetch
 * asks of the ledger (an access request and a delivery). Prints two tables and one JSON line, and writes the JSON
 * to `bench-output/ledger.json`.
 *
 * Environment: `BENCH_TRANSACTIONS` (default 20000) and `BENCH_IN_FLIGHT` (default 512) size the key-value load
 * run, `BENCH_PAIRS` (default 3000) the access pairs at 32 in flight.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerBenchOptions, LedgerBenchResult } from './ledger';
import type { AccessBenchOptions, AccessBenchResult } from './ledger-access';

function readPositiveInteger(name: string, fallback: number): number {
    const text = process.env[name];
    if (text === undefined) {
        return fallback;
    }
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) {
        throw new Error(`${name} must be a positive integer`);
    }
    return value;
}

function toRow(result: LedgerBenchResult): string[] {
    const { latencyMs } = result;
    return [
        result.name,
        String(result.inFlight),
        `${result.committed}/${result.transactions}`,
        String(result.txPerSecond),
        latencyMs.p50.toFixed(2),
        latencyMs.p99.toFixed(2),
        latencyMs.max.toFixed(2),
        String(result.blocks),
        result.meanBlockSize.toFixed(1),
    ];
}

function toAccessRow(result: AccessBenchResult): string[] {
    const { latencyMs } = result;
    return [
        result.name,
        String(result.inFlight),
        `${result.completed}/${result.pairs}`,
        String(result.pairsPerSecond),
        latencyMs.p50.toFixed(2),
        latencyMs.p99.toFixed(2),
        result.cpuMsPerPair.toFixed(2),
        result.meanBlockSize.toFixed(1),
    ];
}

function printTable(header: readonly string[], body: readonly string[][]): void {
    const rows = [header, ...body];
    const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
    for (const row of rows) {
        console.log(row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  '));
    }
}

async function main(): Promise<void> {
    // fabric-shim reads its log level when first loaded: set it before the ledger module is.
    process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
    const { runLedgerBench } = await import('./ledger.js');
    const { runAccessBench } = await import('./ledger-access.js');
    const pairs = readPositiveInteger('BENCH_PAIRS', 3_000);
    const transactions = readPositiveInteger('BENCH_TRANSACTIONS', 20_000);
    const inFlight = readPositiveInteger('BENCH_IN_FLIGHT', 512);
    const temp = mkdtempSync(join(tmpdir(), 'healthchain-bench-'));
    const runs: Omit<LedgerBenchOptions, 'dir'>[] = [
        { name: 'load', transactions, inFlight },
        { name: 'load, 1 endorser worker', transactions, inFlight, workers: 1 },
        { name: 'idle', transactions: 500, inFlight: 1 },
        { name: 'idle, 1 endorser worker', transactions: 500, inFlight: 1, workers: 1 },
    ];
    const accessRuns: Omit<AccessBenchOptions, 'dir'>[] = [
        { name: 'access, idle', pairs: 500, inFlight: 1 },
        { name: 'access, load', pairs, inFlight: 32 },
    ];
    const results: LedgerBenchResult[] = [];
    const access: AccessBenchResult[] = [];
    try {
        for (const run of runs) {
            results.push(await runLedgerBench({ ...run, dir: join(temp, run.name) }));
        }
        for (const run of accessRuns) {
            access.push(await runAccessBench({ ...run, dir: join(temp, run.name) }));
        }
    } finally {
        rmSync(temp, { recursive: true, force: true });
    }
    const cpu = cpus()[0]?.model ?? 'unknown';
    const report = {
        benchmark: 'embedded-ledger',
        machine: { cpus: cpus().length, cpu, node: process.version, platform: process.platform },
        store: 'level, one synced batch per block',
        note: 'kv proposals are built and signed before timing (the client cost); access pairs are signed in the loop',
        results,
        access,
    };
    console.log(
        `Embedded ledger, in-process, level store with synced writes — ${cpus().length} × ${cpu}, Node ${process.version}`,
    );
    console.log('Proposals (kv:put) are built and signed before the clock starts: signing is the client’s cost.');
    printTable(
        ['run', 'in flight', 'committed', 'tx/s', 'p50 ms', 'p99 ms', 'max ms', 'blocks', 'tx/block'],
        results.map(toRow),
    );
    console.log('A granted fetch’s two transactions (access request, then delivery), in-process, signed in the loop:');
    printTable(
        ['run', 'in flight', 'pairs', 'pairs/s', 'p50 ms', 'p99 ms', 'CPU ms/pair', 'tx/block'],
        access.map(toAccessRow),
    );
    const json = JSON.stringify(report);
    console.log(json);
    mkdirSync('bench-output', { recursive: true });
    writeFileSync(join('bench-output', 'ledger.json'), json + '\n');
    const failures = [...results, ...access].filter((run) => run.firstError !== undefined);
    for (const run of failures) {
        console.error(`${run.name}: ${String(run.failed)} failed, the first with: ${run.firstError ?? ''}`);
    }
    if (failures.length > 0) {
        process.exitCode = 1;
    }
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
});
