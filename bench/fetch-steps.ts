// SPDX-License-Identifier: Apache-2.0
/**
 * Where a granted fetch spends its time, from the gateways' own Prometheus histograms
 * (`healthchain_fetch_step_seconds{side,step}` on the requester's and the custodian's `/metrics`, which
 * answer on loopback): a snapshot of both before and after a step of the benchmark, and the mean time of
 * each fetch step in between. The custodian's steps happen inside the requester's `p2p` step; what the p2p
 * call costs beyond them (TLS, HTTP, JSON) is shown as `p2p transport`.
 */
import { callHttps, type HttpTarget } from './fetch-load';

/** Sum and count of one histogram series. */
interface Series {
    readonly sum: number;
    readonly count: number;
}

/** Histogram series by `side/step`. */
export type StepSnapshot = ReadonlyMap<string, Series>;

/** One step's mean over a benchmark step. */
export interface StepShare {
    /** `side/step`, or `requester/p2p transport`. */
    readonly step: string;
    readonly meanMs: number;
    /** Mean of the step over the fetch's mean latency as the client measured it, percent. */
    readonly sharePercent: number;
}

const SERIES = /^healthchain_fetch_step_seconds_(sum|count)\{side="([a-z]+)",step="([a-z0-9-]+)"\} ([0-9.e+-]+)$/;

/**
 * Parses the fetch-step series out of a Prometheus text page.
 * @param text - `/metrics`
 */
export function parseStepSeries(text: string): Map<string, Series> {
    const series = new Map<string, Series>();
    for (const line of text.split('\n')) {
        const match = SERIES.exec(line);
        if (match === null) {
            continue;
        }
        const [, field, side, step, value] = match;
        const key = `${side ?? ''}/${step ?? ''}`;
        const known = series.get(key) ?? { sum: 0, count: 0 };
        series.set(key, field === 'sum' ? { ...known, sum: Number(value) } : { ...known, count: Number(value) });
    }
    return series;
}

/**
 * Reads both gateways' fetch-step series.
 * @param gateways - the requester's and the custodian's API
 */
export async function snapshotSteps(gateways: readonly HttpTarget[]): Promise<StepSnapshot> {
    const all = new Map<string, Series>();
    for (const gateway of gateways) {
        const answer = await callHttps(gateway, 'GET', '/metrics');
        if (answer.status !== 200) {
            throw new Error(`GET /metrics answered ${answer.status}`);
        }
        for (const [key, series] of parseStepSeries(answer.body.toString('utf8'))) {
            const known = all.get(key) ?? { sum: 0, count: 0 };
            all.set(key, { sum: known.sum + series.sum, count: known.count + series.count });
        }
    }
    return all;
}

function meanMs(before: StepSnapshot, after: StepSnapshot, key: string): number | undefined {
    const a = after.get(key);
    const b = before.get(key) ?? { sum: 0, count: 0 };
    const count = (a?.count ?? 0) - b.count;
    return a === undefined || count <= 0 ? undefined : ((a.sum - b.sum) * 1000) / count;
}

const CUSTODIAN_STEPS = ['read-store', 'record-delivery'];
const REQUESTER_STEPS = ['request-access', 'read-record', 'read-custodian', 'p2p', 'hash-check'];

/**
 * Each fetch step's mean between two snapshots, and its share of the fetch's mean latency.
 * @param before - snapshot before the benchmark step
 * @param after - snapshot after it
 * @param fetchMeanMs - the mean latency of the fetches the client measured
 */
export function toStepShares(before: StepSnapshot, after: StepSnapshot, fetchMeanMs: number): StepShare[] {
    const share = (ms: number): number => Math.round((ms / fetchMeanMs) * 1000) / 10;
    const rows: StepShare[] = [];
    const add = (step: string, ms: number | undefined): void => {
        if (ms !== undefined) {
            rows.push({ step, meanMs: Math.round(ms * 100) / 100, sharePercent: share(ms) });
        }
    };
    let custodianMs = 0;
    for (const step of REQUESTER_STEPS) {
        add(`requester/${step}`, meanMs(before, after, `requester/${step}`));
        if (step === 'p2p') {
            for (const inner of CUSTODIAN_STEPS) {
                const ms = meanMs(before, after, `custodian/${inner}`);
                custodianMs += ms ?? 0;
                add(`  custodian/${inner}`, ms);
            }
            const p2p = meanMs(before, after, 'requester/p2p');
            add('  p2p transport', p2p === undefined ? undefined : Math.max(0, p2p - custodianMs));
        }
    }
    const timed = REQUESTER_STEPS.reduce((sum, step) => sum + (meanMs(before, after, `requester/${step}`) ?? 0), 0);
    add('outside the steps (HTTP, auth, JSON)', Math.max(0, fetchMeanMs - timed));
    return rows;
}
