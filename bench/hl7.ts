// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:hl7`: a sender streaming ORU^R01 over MLLP to Hospital A's gateway of a region running as
 * processes on this machine (launcher, ledger node, four gateways; free ports, a temporary data folder).
 *
 * - Load: `BENCH_HL7_MESSAGES` (default 5000) messages over `BENCH_HL7_CONNECTIONS` (default 4) connections,
 *   each with up to `BENCH_HL7_WINDOW` (default 32) unacknowledged: acknowledged messages per second, and the
 *   time from sending a message to its acknowledgment (p50, p99).
 * - Paced: `BENCH_HL7_RATE` (default 100) messages per second for `BENCH_HL7_SECONDS` (default 10): the
 *   acknowledgment time, and the time from acknowledgment to anchoring on the ledger as the gateway measures it
 *   (its `healthchain_hl7_ack_to_anchored_seconds` histogram, percentiles interpolated within its buckets).
 *
 * Every message is for one patient registered with its MRN, so each is mapped, stored and anchored (in batches).
 * `BENCH_HL7_LEDGER=fabric` runs the same on a loopback Fabric network (it needs `FABRIC_BIN`, as `npm start --
 * --ledger fabric` does). Prints a table and one JSON line, and writes the JSON to `bench-output/hl7.json`.
 */
import { readFileSync } from 'node:fs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { newPatientKey, newRegistration } from '../clients/shared/patient-keys';
import { findRegionOrganization } from '../clients/shared/region-file';
import { MllpClient } from '../gateway/src/hl7/mllp-client';
import { oru } from '../test/fixtures/hl7/messages';
import { startLauncherRegion as startTestRegion, type LauncherRegion as TestRegion } from '../test/helpers/launcher';
import { damonNote, machineFacts } from './machine';

function readPositiveInteger(name: string, fallback: number): number {
    const text = process.env[name];
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) {
        throw new Error(`${name} must be a positive integer`);
    }
    return value;
}

function percentile(sorted: readonly number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

let sequence = 0;

function nextMessage(mrn: string): string {
    sequence += 1;
    return oru({ controlId: `BENCH-${sequence}`, mrn }, `BENCH-${sequence}`);
}

/** Sends `count` messages over one connection, keeping up to `window` unanswered; returns ack times (ms). */
async function stream(url: string, mrn: string, count: number, window: number): Promise<number[]> {
    const client = await MllpClient.connect(url);
    const times: number[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
        while (next < count) {
            next += 1;
            const started = performance.now();
            const ack = await client.sendOne(nextMessage(mrn));
            if (ack.code !== 'AA') {
                throw new Error(`answered ${ack.code}`);
            }
            times.push(performance.now() - started);
        }
    };
    await Promise.all(Array.from({ length: window }, lane));
    await client.close();
    return times;
}

/** Sends at a fixed rate, one message at a time on its own schedule; returns ack times (ms). */
async function paced(url: string, mrn: string, rate: number, seconds: number): Promise<number[]> {
    const client = await MllpClient.connect(url);
    const times: number[] = [];
    const start = performance.now();
    const sends: Promise<void>[] = [];
    for (let n = 0; n < rate * seconds; n++) {
        const due = start + (n * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) {
            await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const sent = performance.now();
        sends.push(
            client.sendOne(nextMessage(mrn)).then(() => {
                times.push(performance.now() - sent);
            }),
        );
    }
    await Promise.all(sends);
    await client.close();
    return times;
}

/** The gateway's metrics text (HTTPS on loopback, its own TLS CA). */
function readMetrics(apiUrl: string, caFile: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = request(new URL('/metrics', apiUrl), { ca: readFileSync(caFile) }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
                resolve(Buffer.concat(chunks).toString('utf8'));
            });
        });
        req.on('error', reject);
        req.end();
    });
}

/** Cumulative bucket counts of a histogram: upper bound → count. */
function buckets(metrics: string, name: string): Map<number, number> {
    const result = new Map<number, number>();
    for (const match of metrics.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm'))) {
        result.set(match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]), Number(match[2]));
    }
    return result;
}

/** A percentile of the observations between two readings of a histogram, interpolated within a bucket (ms). */
function histogramPercentile(before: Map<number, number>, after: Map<number, number>, p: number): number {
    const bounds = [...after.keys()].sort((a, b) => a - b);
    const counts = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
    const total = counts.at(-1) ?? 0;
    const rank = (p / 100) * total;
    let lower = 0;
    for (const [index, bound] of bounds.entries()) {
        const count = counts[index] ?? 0;
        if (count >= rank) {
            const below = index === 0 ? 0 : (counts[index - 1] ?? 0);
            const upper = Number.isFinite(bound) ? bound : lower;
            const share = count === below ? 1 : (rank - below) / (count - below);
            return (lower + (upper - lower) * share) * 1000;
        }
        lower = bound;
    }
    return Number.NaN;
}

async function waitForQueues(region: TestRegion, mspId: string): Promise<void> {
    for (;;) {
        const status = await region.client(mspId, 'admin').get<{ queues: Record<string, number> }>('/hl7/status');
        if (Object.values(status.queues).every((size) => size === 0)) {
            return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

/** `BENCH_HL7_LEDGER`: `embedded` (default) or `fabric`, which needs `FABRIC_BIN`. */
function readLedger(): 'embedded' | 'fabric' {
    const ledger = process.env.BENCH_HL7_LEDGER ?? 'embedded';
    if (ledger !== 'embedded' && ledger !== 'fabric') {
        throw new Error(`BENCH_HL7_LEDGER must be embedded or fabric, not "${ledger}"`);
    }
    if (ledger === 'fabric' && !process.env.FABRIC_BIN) {
        throw new Error('BENCH_HL7_LEDGER=fabric needs FABRIC_BIN, the bin/ folder of a Fabric 2.5 release');
    }
    return ledger;
}

async function main(): Promise<void> {
    const messages = readPositiveInteger('BENCH_HL7_MESSAGES', 5000);
    const connections = readPositiveInteger('BENCH_HL7_CONNECTIONS', 4);
    const window = readPositiveInteger('BENCH_HL7_WINDOW', 32);
    const rate = readPositiveInteger('BENCH_HL7_RATE', 100);
    const seconds = readPositiveInteger('BENCH_HL7_SECONDS', 10);
    const ledger = readLedger();
    const region = await startTestRegion({ ledger });
    try {
        const hospital = region.region.organizations.find((org) => org.type === 'hospital');
        if (hospital?.hl7Url === undefined) {
            throw new Error('the region has no hospital with an MLLP listener');
        }
        const org = findRegionOrganization(region.region, hospital.mspId);
        const key = newPatientKey();
        await region.client(hospital.mspId, 'clinician').post('/patients', {
            ...newRegistration(key, region.region.channel),
            identifiers: [{ system: 'HOSPA', value: 'BENCH-MRN' }],
        });
        const started = performance.now();
        const perConnection = Math.ceil(messages / connections);
        const loadTimes = (
            await Promise.all(
                Array.from({ length: connections }, () =>
                    stream(hospital.hl7Url ?? '', 'BENCH-MRN', perConnection, window),
                ),
            )
        ).flat();
        const loadSeconds = (performance.now() - started) / 1000;
        await waitForQueues(region, hospital.mspId);
        const drainedSeconds = (performance.now() - started) / 1000;
        const histogram = 'healthchain_hl7_ack_to_anchored_seconds';
        const before = buckets(await readMetrics(org.apiUrl, org.tlsCaFile), histogram);
        const pacedTimes = await paced(hospital.hl7Url, 'BENCH-MRN', rate, seconds);
        await waitForQueues(region, hospital.mspId);
        const after = buckets(await readMetrics(org.apiUrl, org.tlsCaFile), histogram);
        const load = [...loadTimes].sort((a, b) => a - b);
        const slow = [...pacedTimes].sort((a, b) => a - b);
        const report = {
            benchmark: 'hl7-intake',
            machine: machineFacts(),
            ledger,
            setup: `launcher, ${ledger === 'fabric' ? 'a Fabric network' : 'ledger node'} and four gateways as processes on this machine; sender in this process`,
            load: {
                messages: load.length,
                connections,
                window,
                ackedPerSecond: Math.round(load.length / loadSeconds),
                ackMs: { p50: percentile(load, 50), p99: percentile(load, 99) },
                anchoredAllAfterSeconds: Number(drainedSeconds.toFixed(1)),
            },
            paced: {
                rate,
                seconds,
                ackMs: { p50: percentile(slow, 50), p99: percentile(slow, 99) },
                ackToAnchoredMs: {
                    p50: histogramPercentile(before, after, 50),
                    p99: histogramPercentile(before, after, 99),
                },
            },
        };
        console.log(
            `HL7 intake over MLLP (${ledger} ledger) — ${report.machine.cpus} × ${report.machine.cpu}, Node ${process.version}`,
        );
        const note = damonNote(report.machine);
        if (note !== undefined) {
            console.log(note);
        }
        console.log(
            `load:   ${report.load.messages} ORU^R01 over ${connections} connections × window ${window}: ` +
                `${report.load.ackedPerSecond} acknowledged/s, ACK p50 ${report.load.ackMs.p50.toFixed(1)} ms, ` +
                `p99 ${report.load.ackMs.p99.toFixed(1)} ms; all anchored after ${report.load.anchoredAllAfterSeconds} s`,
        );
        console.log(
            `paced:  ${rate}/s for ${seconds} s: ACK p50 ${report.paced.ackMs.p50.toFixed(1)} ms, ` +
                `p99 ${report.paced.ackMs.p99.toFixed(1)} ms; ACK → anchored p50 ` +
                `${report.paced.ackToAnchoredMs.p50.toFixed(0)} ms, p99 ${report.paced.ackToAnchoredMs.p99.toFixed(0)} ms`,
        );
        const json = JSON.stringify(report);
        console.log(json);
        mkdirSync('bench-output', { recursive: true });
        writeFileSync(join('bench-output', 'hl7.json'), json + '\n');
    } finally {
        await region.stop();
    }
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
});
