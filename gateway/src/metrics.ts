// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway's Prometheus metrics, on a registry of its own (so several gateways in one test process do
 * not collide). Other parts of the gateway register their own metrics on `registry`.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The gateway's metrics. */
export interface Metrics {
    readonly registry: Registry;
    /** Responses by method, route pattern and status. */
    readonly httpRequests: Counter<'method' | 'route' | 'status'>;
    /** Response times by method and route pattern, seconds. */
    readonly httpDuration: Histogram<'method' | 'route'>;
    /** Ledger writes by contract function and outcome (`ok` or the error code). */
    readonly ledgerSubmits: Counter<'fn' | 'outcome'>;
    /** Access decisions this gateway asked for, by purpose and decision. */
    readonly accessDecisions: Counter<'purpose' | 'decision'>;
    /**
     * Time of each step of a record fetch, seconds, by side (`requester`, `custodian`) and step (see
     * {@link FetchSteps}), so that where a fetch spends its time can be read off `/metrics`.
     */
    readonly fetchSteps: Histogram<'side' | 'step'>;
}

/** The steps of a record fetch that {@link Metrics.fetchSteps} times, by side. */
export const FetchSteps = {
    requester: ['request-access', 'read-record', 'read-custodian', 'p2p', 'hash-check'],
    custodian: ['read-store', 'record-delivery'],
} as const;

/** One side of a fetch. */
export type FetchSide = keyof typeof FetchSteps;

/**
 * Runs one step of a fetch and records how long it took, whether it succeeded or failed.
 * @param metrics - where to record it; nothing is recorded without
 * @param side - requester or custodian
 * @param step - one of that side's {@link FetchSteps}
 * @param run - the step
 * @returns what the step returns
 */
export async function timeFetchStep<S extends FetchSide, T>(
    metrics: Metrics | undefined,
    side: S,
    step: (typeof FetchSteps)[S][number],
    run: () => Promise<T> | T,
): Promise<T> {
    if (metrics === undefined) {
        return run();
    }
    const end = metrics.fetchSteps.startTimer({ side, step });
    try {
        return await run();
    } finally {
        end();
    }
}

/**
 * Creates the metrics.
 * @param options - `defaults`: also collect Node process metrics (the running gateway; not tests)
 */
export function newMetrics(options: { readonly defaults?: boolean } = {}): Metrics {
    const registry = new Registry();
    if (options.defaults) {
        collectDefaultMetrics({ register: registry });
    }
    return {
        registry,
        httpRequests: new Counter({
            name: 'healthchain_http_requests_total',
            help: 'HTTP responses by method, route and status',
            labelNames: ['method', 'route', 'status'],
            registers: [registry],
        }),
        httpDuration: new Histogram({
            name: 'healthchain_http_request_duration_seconds',
            help: 'HTTP response time by method and route',
            labelNames: ['method', 'route'],
            buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            registers: [registry],
        }),
        ledgerSubmits: new Counter({
            name: 'healthchain_ledger_submits_total',
            help: 'Ledger transactions submitted by this gateway, by function and outcome',
            labelNames: ['fn', 'outcome'],
            registers: [registry],
        }),
        accessDecisions: new Counter({
            name: 'healthchain_access_decisions_total',
            help: 'Access decisions requested by this gateway, by purpose and decision',
            labelNames: ['purpose', 'decision'],
            registers: [registry],
        }),
        fetchSteps: new Histogram({
            name: 'healthchain_fetch_step_seconds',
            help: 'Time of each step of a record fetch, by side (requester, custodian) and step',
            labelNames: ['side', 'step'],
            buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
            registers: [registry],
        }),
    };
}
