// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger's share of a record fetch, in-process: the health-chain contracts on the embedded ledger (level store,
 * one synced batch per block), a consent in place, and what each granted fetch asks of the ledger, an access request
 * (`requestAccess`, which reads the patient's consent index) and then the custodian's delivery (`recordDelivery`).
 * Without the gateways' processes, HTTP and TLS, the ledger's own cost stands alone and varies much less from run
 * to run than the whole region's (`npm run bench:fetch`). Both proposals of a pair are built and signed in the
 * loop, as the two gateways would; that is in the CPU figures.
 */
import { performance } from 'node:perf_hooks';
import { anchor, grant, request, deliver } from '../test/chaincode/helpers/acts';
import { newRegion } from '../test/chaincode/helpers/region';
import type { LatencySummary } from './ledger';

/** One run. */
export interface AccessBenchOptions {
    readonly name: string;
    /** Grant and delivery pairs, timed. */
    readonly pairs: number;
    /** Pairs in flight. */
    readonly inFlight: number;
    /** The ledger's level folder (must not exist yet, or be empty). */
    readonly dir: string;
    /** Untimed pairs first, per pair in flight (default 50), so that the code is compiled and the store warm. */
    readonly warmupPerSlot?: number;
}

/** What a run measured. */
export interface AccessBenchResult {
    readonly name: string;
    readonly pairs: number;
    readonly inFlight: number;
    readonly completed: number;
    readonly failed: number;
    readonly seconds: number;
    readonly pairsPerSecond: number;
    /** From the access request's submit to the delivery's commit. */
    readonly latencyMs: LatencySummary;
    /** This process's CPU (every thread) per pair: the ledger, its level store and both clients' signing. */
    readonly cpuMsPerPair: number;
    readonly blocks: number;
    readonly meanBlockSize: number;
    /** Why the first failed pair failed, if one did. */
    readonly firstError?: string;
}

const WARMUP_PER_SLOT = 50;

function summarize(latencies: number[]): LatencySummary {
    const sorted = latencies.sort((a, b) => a - b);
    const at = (fraction: number): number =>
        sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1))] ?? 0;
    const round = (ms: number): number => Math.round(ms * 100) / 100;
    const total = sorted.reduce((sum, ms) => sum + ms, 0);
    return {
        p50: round(at(0.5)),
        p99: round(at(0.99)),
        max: round(sorted.at(-1) ?? 0),
        mean: round(sorted.length === 0 ? 0 : total / sorted.length),
    };
}

/**
 * Runs one benchmark.
 * @param options - pairs, pairs in flight, where the ledger lives
 */
export async function runAccessBench(options: AccessBenchOptions): Promise<AccessBenchResult> {
    const region = await newRegion(undefined, { kind: 'level', path: options.dir });
    try {
        const patient = await region.newPatient();
        const record = await anchor(region, 'hospitalA', patient);
        await grant(region, patient);
        const fetch = async (): Promise<void> => {
            const event = await request(region, 'hospitalB', record.recordId);
            if (event.decision !== 'GRANTED') {
                throw new Error(`access ${event.accessId} was ${event.decision}`);
            }
            const delivered = await deliver(region, 'hospitalA', event);
            if (delivered.delivery?.status !== 'DELIVERED') {
                throw new Error(`delivery of ${event.accessId} was ${delivered.delivery?.status ?? 'missing'}`);
            }
        };
        await Promise.all(
            Array.from({ length: options.inFlight }, async () => {
                for (let i = 0; i < (options.warmupPerSlot ?? WARMUP_PER_SLOT); i++) {
                    await fetch();
                }
            }),
        );
        const heightBefore = (await region.ledger.info()).height;
        const latencies: number[] = [];
        let failed = 0;
        let firstError: string | undefined;
        let started = 0;
        const slot = async (): Promise<void> => {
            while (started < options.pairs) {
                started += 1;
                const begun = performance.now();
                try {
                    await fetch();
                    latencies.push(performance.now() - begun);
                } catch (error) {
                    failed += 1;
                    firstError ??= error instanceof Error ? error.message : String(error);
                }
            }
        };
        const cpuBefore = process.cpuUsage();
        const start = performance.now();
        await Promise.all(Array.from({ length: options.inFlight }, slot));
        const seconds = (performance.now() - start) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        const blocks = Number((await region.ledger.info()).height - heightBefore);
        const completed = latencies.length;
        return {
            name: options.name,
            pairs: options.pairs,
            inFlight: options.inFlight,
            completed,
            failed,
            seconds: Math.round(seconds * 1000) / 1000,
            pairsPerSecond: Math.round(completed / seconds),
            latencyMs: summarize(latencies),
            cpuMsPerPair: completed === 0 ? 0 : Math.round(((cpu.user + cpu.system) / 1000 / completed) * 100) / 100,
            blocks,
            meanBlockSize: blocks === 0 ? 0 : Math.round(((2 * completed) / blocks) * 10) / 10,
            ...(firstError === undefined ? {} : { firstError }),
        };
    } finally {
        await region.close();
    }
}
