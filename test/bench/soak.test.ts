// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run soak` (bench/soak.ts) as its users run it: a usage error for bad arguments before anything starts;
 * a soak of a few seconds on a real region of processes that reports a row per window with every operation kind
 * and every process, makes no unexpected error, writes its JSON and SVG, and leaves no process and no folder
 * behind. The load's interleaving and the summary's comparison are checked without a region.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { weightedTurns } from '../../bench/soak-load';
import { SoakKinds, SoakMix } from '../../bench/soak-operations';
import { summarise, type SoakRow } from '../../bench/soak-report';
import type { SoakReport } from '../../bench/soak';

const SOAK_SCRIPT = join(__dirname, '..', '..', 'bench', 'soak.js');

interface Exit {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

async function runSoak(args: readonly string[]): Promise<Exit> {
    const child = spawn(process.execPath, [SOAK_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}

function isRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

function row(window: number, rssMb: number, p99Ms: number): SoakRow {
    return {
        window,
        fromSeconds: (window - 1) * 60,
        toSeconds: window * 60,
        perSecond: 20,
        operations: { publishA: { count: 180, perSecond: 3, p50Ms: 10, p99Ms, maxMs: p99Ms } },
        expected: { fetchDenied: { '403 ACCESS_DENIED NO_CONSENT': 180 } },
        unexpected: window === 3 ? { fetchGranted: { '502 PEER_UNAVAILABLE': 1 } } : {},
        behind: 0,
        skipped: 0,
        processes: { 'Ledger node': { rssMb, openHandles: 40 } },
        conditions: { loadAverage: 1, soakLoopDelayMaxMs: 10 },
    };
}

describe('npm run soak', function () {
    this.timeout(120_000);

    it('interleaves the mix so that every 20 operations hold each kind as often as its share', () => {
        const turns = weightedTurns(SoakMix);
        for (let round = 0; round < 3; round++) {
            const counts = new Map<string, number>();
            for (let i = 0; i < 20; i++) {
                const kind = turns.next().value;
                counts.set(kind, (counts.get(kind) ?? 0) + 1);
            }
            assert.deepEqual(Object.fromEntries(counts), { ...SoakMix });
        }
    });

    it('compares the first window after the warm-up with the last and totals the unexpected errors', () => {
        const summary = summarise([row(1, 300, 900), row(2, 150, 40), row(3, 155, 45)]);
        assert.deepEqual(summary.compared, { first: 2, last: 3 });
        assert.deepEqual(summary.rssMb, { 'Ledger node': { first: 150, last: 155 } });
        assert.deepEqual(summary.p99Ms, { publishA: { first: 40, last: 45 } });
        assert.equal(summary.operations, 540);
        assert.equal(summary.expectedDenials, 540);
        assert.equal(summary.unexpectedErrors, 1);
        assert.deepEqual(summary.unexpected, { fetchGranted: { '502 PEER_UNAVAILABLE': 1 } });
    });

    for (const [args, option] of [
        [['--rate', '0'], '--rate'],
        [['--rate', '500'], '--rate'],
        [['--minutes', 'ten'], '--minutes'],
        [['--patients', '2.5'], '--patients'],
        [['--report-seconds', '0'], '--report-seconds'],
        [['--minute', '1'], '--minute'],
        [['extra'], 'extra'],
    ] as const) {
        it(`refuses ${args.join(' ')} with a usage error naming ${option}, starting nothing`, async () => {
            const exit = await runSoak(args);
            assert.equal(exit.code, 64);
            assert.ok(exit.stderr.includes(option), exit.stderr);
            assert.match(exit.stderr, /usage: npm run soak/);
            assert.doesNotMatch(exit.stderr, /starting a region/);
        });
    }

    describe('a soak of six seconds', () => {
        let folder = '';
        let svgFile = '';
        let exit: Exit;
        let report: SoakReport;

        before(async () => {
            folder = mkdtempSync(join(tmpdir(), 'healthchain-soak-test-'));
            const outFile = join(folder, 'out', 'soak.json');
            svgFile = join(folder, 'soak.svg');
            exit = await runSoak(['--minutes', '0.1', '--report-seconds', '2', '--out', outFile, '--svg', svgFile]);
            report = JSON.parse(readFileSync(outFile, 'utf8')) as SoakReport;
        });

        after(() => {
            rmSync(folder, { recursive: true, force: true });
        });

        it('exits 0 with no unexpected error and some expected denials', () => {
            assert.equal(exit.code, 0, exit.stderr);
            assert.ok(report.summary, 'the summary is written');
            assert.equal(report.summary.unexpectedErrors, 0);
            assert.ok(report.summary.expectedDenials > 0);
            assert.match(exit.stdout, /0 unexpected errors/);
        });

        it('reports each window with every kind of operation and every process of the region', () => {
            assert.equal(report.rows.length, 3);
            assert.deepEqual(
                report.processes.map((p) => p.name),
                [
                    'Launcher',
                    'Ledger node',
                    ...['HospitalAMSP', 'HospitalBMSP', 'InsurerMSP', 'CommissionMSP'].map((m) => `Gateway ${m}`),
                ],
            );
            for (const [index, soakRow] of report.rows.entries()) {
                assert.equal(soakRow.window, index + 1);
                assert.deepEqual(Object.keys(soakRow.operations), [...SoakKinds]);
                assert.deepEqual(soakRow.unexpected, {});
                assert.ok(soakRow.conditions.loadAverage >= 0 && soakRow.conditions.soakLoopDelayMaxMs > 0);
                for (const { name } of report.processes) {
                    const usage = soakRow.processes[name];
                    assert.ok(usage && usage.rssMb > 0 && usage.openHandles > 0, `${name} in window ${soakRow.window}`);
                }
            }
            for (const kind of SoakKinds) {
                const count = report.rows.reduce((sum, r) => sum + (r.operations[kind]?.count ?? 0), 0);
                assert.ok(count > 0, `${kind} made`);
            }
            const denied = report.rows.map((r) => r.expected.fetchDenied?.['403 ACCESS_DENIED NO_CONSENT'] ?? 0);
            assert.ok(denied.every((n) => n > 0));
            assert.equal(exit.stdout.match(/^window \d\/3 /gm)?.length, 3);
        });

        it('writes the SVG chart', () => {
            const svg = readFileSync(svgFile, 'utf8');
            assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
            assert.equal(svg.match(/<polyline /g)?.length, report.processes.length + SoakKinds.length);
        });

        it('stops every process it started and removes the region’s folder', () => {
            for (const { name, pid } of report.processes) {
                assert.equal(isRunning(pid), false, `${name} (pid ${pid}) still runs`);
            }
            const dataDir = /region up in (\S+) /.exec(exit.stderr)?.[1];
            assert.ok(dataDir !== undefined, exit.stderr);
            assert.equal(existsSync(dataDir), false);
        });
    });
});
