// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import {
    compareBuilds,
    comparisonRows,
    median,
    medianRows,
    toMedians,
    type ComparedStep,
} from '../../bench/fetch-compare';

function step(
    kind: string,
    inFlight: number,
    p50: number,
    perSecond: number,
    total: number,
    ledger: number,
): ComparedStep {
    return { kind, inFlight, p50, p99: p50 * 2, perSecond, errors: 0, cpuMsPerRequest: { total, ledger } };
}

describe('bench:fetch build comparison', () => {
    it('takes the median of an odd and of an even number of rounds', () => {
        assert.equal(median([5, 1, 3]), 3);
        assert.equal(median([4, 1, 3, 2]), 2.5);
        assert.equal(median([7]), 7);
    });

    it('summarizes each step’s rounds by their medians, in the order the steps were first measured', () => {
        const medians = toMedians([
            step('denied', 1, 7, 140, 10, 4),
            step('granted', 1, 12, 80, 16, 6),
            step('denied', 1, 9, 100, 14, 6),
            step('denied', 1, 6, 150, 9, 3),
            step('granted', 1, 14, 70, 18, 7),
        ]);
        assert.deepEqual(
            medians.map((m) => [m.kind, m.rounds, m.p50, m.p99, m.perSecond, m.cpuMs, m.ledgerCpuMs]),
            [
                ['denied', 3, 7, 14, 140, 10, 4],
                ['granted', 2, 13, 26, 75, 17, 6.5],
            ],
        );
        assert.deepEqual(medianRows(medians)[1], ['denied', '1', '3', '7 / 14', '140', '10.00 (4.00)']);
    });

    it('pairs the two builds step by step and gives the change in percent of the baseline', () => {
        const baseline = [step('granted', 32, 120, 250, 7.2, 3.3), step('granted', 32, 130, 240, 7.6, 3.5)];
        const current = [step('granted', 32, 110, 270, 6.8, 3.0), step('granted', 32, 114, 260, 6.8, 3.0)];
        const [comparison, ...rest] = compareBuilds(baseline, current);
        assert.equal(rest.length, 0);
        assert.ok(comparison);
        assert.equal(comparison.baseline.p50, 125);
        assert.equal(comparison.current.p50, 112);
        assert.deepEqual(comparison.change, { p50: -10.4, p99: -10.4, perSecond: 8.2, cpuMs: -8.1 });
        assert.deepEqual(comparisonRows([comparison])[1]?.slice(4), ['-10.4%', '+8.2%', '-8.1%']);
    });

    it('leaves out a step that only one build measured', () => {
        assert.deepEqual(compareBuilds([step('denied', 1, 7, 140, 10, 4)], [step('granted', 1, 12, 80, 16, 6)]), []);
    });
});
