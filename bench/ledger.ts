// SPDX-License-Identifier: Apache-2.0
/**
 * Throughput and latency of the embedded ledger in-process, on a level folder with synced writes (one
 * synced batch per block). Proposals are built and signed before the clock starts: signing is the client's
 * cost, not the ledger's. The timed part is submit → endorse (signature check, chaincode) → order → validate
 * → commit, with a bounded number of submits in flight.
 */
import { performance } from 'node:perf_hooks';
import { EmbeddedLedger, newNativeSigner, newSignedProposal } from '../network/src/embedded';
import { join } from 'node:path';
import { KvContract } from '../test/fixtures/kv-contract';
import { newTestOrg } from '../test/helpers/pki';

/** One benchmark run. */
export interface LedgerBenchOptions {
    /** A short name for the report. */
    readonly name: string;
    /** Transactions to submit. */
    readonly transactions: number;
    /** Submits kept in flight. */
    readonly inFlight: number;
    /** The ledger's level folder (must not exist yet, or be empty). */
    readonly dir: string;
    readonly maxBlockTransactions?: number;
    readonly batchTimeoutMs?: number;
    /** Endorser worker threads running the chaincode; 0 runs it in the ledger's own thread. */
    readonly workers?: number;
}

/** Submit latency percentiles, milliseconds. */
export interface LatencySummary {
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
}

/** What a run measured. */
export interface LedgerBenchResult {
    readonly name: string;
    readonly transactions: number;
    readonly inFlight: number;
    readonly committed: number;
    readonly failed: number;
    /** Wall time of the timed part. */
    readonly seconds: number;
    readonly txPerSecond: number;
    readonly latencyMs: LatencySummary;
    readonly blocks: number;
    readonly meanBlockSize: number;
    /** Time spent building and signing the proposals beforehand (not timed). */
    readonly signSeconds: number;
    /** Why the first failed submit failed, if one did. */
    readonly firstError?: string;
}

function percentile(sorted: readonly number[], fraction: number): number {
    if (sorted.length === 0) {
        return 0;
    }
    const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
    return sorted[Math.max(0, index)] ?? 0;
}

function summarize(latencies: number[]): LatencySummary {
    const sorted = latencies.sort((a, b) => a - b);
    const round = (ms: number): number => Math.round(ms * 100) / 100;
    const total = sorted.reduce((sum, ms) => sum + ms, 0);
    return {
        p50: round(percentile(sorted, 0.5)),
        p99: round(percentile(sorted, 0.99)),
        max: round(sorted.at(-1) ?? 0),
        mean: round(sorted.length === 0 ? 0 : total / sorted.length),
    };
}

async function signProposals(count: number, runId: string): Promise<Uint8Array[]> {
    const member = await (await newTestOrg('BenchMSP')).identity('bench');
    const identity = { mspId: member.mspId, credentials: Buffer.from(member.certPem, 'utf8') };
    // The proposal signer signs the proposal bytes (it hashes them itself), as the gateways' signer does.
    const signer = newNativeSigner(member.privateKey);
    const proposals: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
        const request = { channel: 'bench', chaincode: 'bench', fn: 'kv:put', args: [`${runId}-${i}`, `value-${i}`] };
        proposals.push((await newSignedProposal(request, identity, signer)).bytes);
    }
    return proposals;
}

/**
 * Runs one benchmark.
 * @param options - how many transactions, how many in flight, where the ledger lives
 */
export async function runLedgerBench(options: LedgerBenchOptions): Promise<LedgerBenchResult> {
    const org = await newTestOrg('BenchMSP');
    const ledger = await EmbeddedLedger.open({
        channel: 'bench',
        chaincode: 'bench',
        contracts: [KvContract],
        msps: [{ mspId: org.mspId, rootCertsPem: [org.caCertPem] }],
        store: { kind: 'level', path: options.dir },
        maxBlockTransactions: options.maxBlockTransactions,
        batchTimeoutMs: options.batchTimeoutMs,
        ...(options.workers
            ? {
                  endorsers: {
                      module: join(__dirname, '..', 'test', 'fixtures', 'kv-contract.js'),
                      exportName: 'KvContract',
                      workers: options.workers,
                  },
              }
            : {}),
    });
    try {
        const signStart = performance.now();
        const proposals = await signProposals(options.transactions, options.name);
        const signSeconds = (performance.now() - signStart) / 1000;
        const heightBefore = (await ledger.info()).height;
        const latencies: number[] = [];
        let failed = 0;
        let firstError: string | undefined;
        let next = 0;
        const submitter = async (): Promise<void> => {
            for (let i = next++; i < proposals.length; i = next++) {
                const started = performance.now();
                try {
                    await ledger.submit(proposals[i] ?? new Uint8Array());
                    latencies.push(performance.now() - started);
                } catch (error) {
                    failed += 1;
                    firstError ??= error instanceof Error ? error.message : String(error);
                }
            }
        };
        const start = performance.now();
        await Promise.all(Array.from({ length: options.inFlight }, submitter));
        const seconds = (performance.now() - start) / 1000;
        const blocks = Number((await ledger.info()).height - heightBefore);
        const committed = latencies.length;
        return {
            name: options.name,
            transactions: options.transactions,
            inFlight: options.inFlight,
            committed,
            failed,
            seconds: Math.round(seconds * 1000) / 1000,
            txPerSecond: Math.round(committed / seconds),
            latencyMs: summarize(latencies),
            blocks,
            meanBlockSize: blocks === 0 ? 0 : Math.round((committed / blocks) * 10) / 10,
            signSeconds: Math.round(signSeconds * 1000) / 1000,
            ...(firstError === undefined ? {} : { firstError }),
        };
    } finally {
        await ledger.close();
    }
}
