// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger's share of a record fetch, in-process: the health-chain contracts on the embedded ledger (level store,
 * one synced batch per block), a consent in place, and what each granted fetch asks of the ledger, an access request
 * (`requestAccess`, which reads the patient's consent index) and then the custodian's delivery (`recordDelivery`).
 * Without the gateways' processes, HTTP and TLS, the ledger's own cost stands alone and varies much less from run
 * to run than the whole region's (`npm run bench:fetch`). Both proposals of a pair are built and signed in the
 * loop, as the two gateways would; that is in the CPU figures.
 */
import { anchor, grant, request, deliver } from '../test/chaincode/helpers/acts';
import { newRegion } from '../test/chaincode/helpers/region';
import { snapshotCpu } from './fetch-cpu';
import { runStep } from './fetch-load';
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
        const heights = { before: 0n, after: 0n };
        // The closed loop of `npm run bench:fetch`, over this process alone: its CPU is the ledger's and the clients'.
        const step = await runStep(
            fetch,
            options.inFlight,
            { seconds: 0, requests: options.pairs, warmupPerSlot: options.warmupPerSlot ?? WARMUP_PER_SLOT },
            () => snapshotCpu([]),
            {
                beforeTimed: async () => {
                    heights.before = (await region.ledger.info()).height;
                },
                afterTimed: async () => {
                    heights.after = (await region.ledger.info()).height;
                },
            },
        );
        const blocks = Number(heights.after - heights.before);
        return {
            name: options.name,
            pairs: options.pairs,
            inFlight: options.inFlight,
            completed: step.requests,
            failed: step.errors,
            seconds: step.seconds,
            pairsPerSecond: step.perSecond,
            latencyMs: { p50: step.p50, p99: step.p99, max: step.max, mean: step.mean },
            cpuMsPerPair: step.cpuMsPerRequest.total ?? 0,
            blocks,
            meanBlockSize: blocks === 0 ? 0 : Math.round(((2 * step.requests) / blocks) * 10) / 10,
            ...(step.firstError === undefined ? {} : { firstError: step.firstError }),
        };
    } finally {
        await region.close();
    }
}
