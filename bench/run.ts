// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench`: the embedded ledger's in-process throughput under load and its latency when idle. Prints a
 * table and one JSON line, and writes the JSON to `bench-output/ledger.json`.
 *
 * Environment: `BENCH_TRANSACTIONS` (default 20000) and `BENCH_IN_FLIGHT` (default 512) size the load run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerBenchOptions, LedgerBenchResult } from './ledger';

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

function printTable(results: readonly LedgerBenchResult[]): void {
    const header = ['run', 'in flight', 'committed', 'tx/s', 'p50 ms', 'p99 ms', 'max ms', 'blocks', 'tx/block'];
    const rows = [header, ...results.map(toRow)];
    const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
    for (const row of rows) {
        console.log(row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  '));
    }
}

async function main(): Promise<void> {
    // fabric-shim reads its log level when first loaded: set it before the ledger module is.
    process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
    const { runLedgerBench } = await import('./ledger.js');
    const transactions = readPositiveInteger('BENCH_TRANSACTIONS', 20_000);
    const inFlight = readPositiveInteger('BENCH_IN_FLIGHT', 512);
    const temp = mkdtempSync(join(tmpdir(), 'healthchain-bench-'));
    const runs: Omit<LedgerBenchOptions, 'dir'>[] = [
        { name: 'load', transactions, inFlight },
        { name: 'load, 1 endorser worker', transactions, inFlight, workers: 1 },
        { name: 'idle', transactions: 500, inFlight: 1 },
        { name: 'idle, 1 endorser worker', transactions: 500, inFlight: 1, workers: 1 },
    ];
    const results: LedgerBenchResult[] = [];
    try {
        for (const run of runs) {
            results.push(await runLedgerBench({ ...run, dir: join(temp, run.name) }));
        }
    } finally {
        rmSync(temp, { recursive: true, force: true });
    }
    const cpu = cpus()[0]?.model ?? 'unknown';
    const report = {
        benchmark: 'embedded-ledger',
        machine: { cpus: cpus().length, cpu, node: process.version, platform: process.platform },
        store: 'level, one synced batch per block',
        note: 'proposals are built and signed before timing (signing is the client cost, not the ledger cost)',
        results,
    };
    console.log(
        `Embedded ledger, in-process, level store with synced writes — ${cpus().length} × ${cpu}, Node ${process.version}`,
    );
    console.log('Proposals (kv:put) are built and signed before the clock starts: signing is the client’s cost.');
    printTable(results);
    const json = JSON.stringify(report);
    console.log(json);
    mkdirSync('bench-output', { recursive: true });
    writeFileSync(join('bench-output', 'ledger.json'), json + '\n');
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
});
