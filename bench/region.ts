// SPDX-License-Identifier: Apache-2.0
/**
 * The region `npm run bench:fetch` and `npm run soak` drive: the launcher (`dist/network/src/region/main.js`)
 * started as `npm start` starts it — the ledger node and each gateway a process of its own — on a temporary data
 * folder with free ports, then stopped with SIGTERM and its folder removed (unless kept). The launcher runs in a
 * process group of its own, so a Ctrl-C in the terminal reaches the benchmark only, which stops the region once
 * and in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readRegionFile, REGION_READY_PREFIX, type RegionFile } from '../clients/shared/region-file';
import type { RegionProcess } from './fetch-cpu';

/** The launcher, compiled, relative to a checkout's root. */
export const LAUNCHER_PATH = join('dist', 'network', 'src', 'region', 'main.js');
/** This checkout's launcher. */
const LAUNCHER_SCRIPT = join(__dirname, '..', '..', LAUNCHER_PATH);
/** Longest wait for the region (the Fabric network with its chaincode deployment takes minutes). */
const READY_TIMEOUT_MS = 600_000;
/** Longest wait for the launcher to stop its children and exit before it is killed. */
const STOP_TIMEOUT_MS = 60_000;

/** How to start the region. */
export interface BenchRegionOptions {
    readonly ledger: 'embedded' | 'fabric';
    /** Node options for the ledger node and the gateways (`HEALTHCHAIN_NODE_OPTIONS`), e.g. to profile them. */
    readonly childNodeOptions?: string;
    /** Where the launcher's own output goes, line by line. */
    readonly log: (line: string) => void;
    /** Told how to stop the region as soon as the launcher runs, so that a Ctrl-C during start-up stops it. */
    readonly onSpawn?: (stop: () => Promise<void>) => void;
    /** Start of the temporary folder's name (`healthchain-bench-` by default). */
    readonly folderPrefix?: string;
    /** Leave the data folder (logs, ledger, stores) in place when the region stops. */
    readonly keep?: boolean;
    /** The launcher to start: this checkout's by default; another build's, to compare two builds. */
    readonly launcherScript?: string;
}

/** The TLS files a gateway uses (from its `gateway.json`). */
export interface GatewayTlsFiles {
    readonly certFile: string;
    readonly keyFile: string;
    /** Every member's TLS CA, by MSP id. */
    readonly regionTlsCaFiles: Readonly<Record<string, string>>;
}

/** A running region. */
export interface BenchRegion {
    readonly dataDir: string;
    readonly region: RegionFile;
    /** The launcher, and the ledger node and gateways as it announced them. */
    readonly processes: readonly RegionProcess[];
    /**
     * The TLS files of an organisation's gateway.
     * @param mspId - the organisation
     */
    tlsFiles(mspId: string): GatewayTlsFiles;
    /** Stops the region and removes its data folder unless it is kept; safe to call more than once. */
    stop(): Promise<void>;
}

function waitForExit(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve();
    }
    return new Promise((resolve) =>
        child.once('exit', () => {
            resolve();
        }),
    );
}

/** The launcher's `… ready (pid N)` lines: `Ledger node https://… ready (pid N)`, `Gateway X ready (pid N)`. */
const READY_PID = /^(Ledger node|Gateway \S+)\b.* ready \(pid ([0-9]+)\)$/;

/** The launcher's `Fabric network ready: … processes 1 2 3` line. */
const FABRIC_PIDS = /^Fabric network ready: .*; processes ([0-9]+(?: [0-9]+)*)$/;

function waitForReady(child: ChildProcess, log: (line: string) => void, processes: RegionProcess[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const output: string[] = [];
        const timer = setTimeout(() => {
            reject(new Error(`the region was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${output.join('\n')}`));
        }, READY_TIMEOUT_MS);
        const take = (line: string): void => {
            output.push(line);
            log(line);
            const started = READY_PID.exec(line);
            if (started?.[1] !== undefined && started[2] !== undefined) {
                processes.push({ name: started[1], pid: Number(started[2]) });
            }
            // A Fabric network's orderers and peers, each counted with the chaincode processes it starts.
            for (const pid of FABRIC_PIDS.exec(line)?.[1]?.split(' ') ?? []) {
                processes.push({ name: `Ledger node ${pid}`, pid: Number(pid), withDescendants: true });
            }
            if (line.startsWith(REGION_READY_PREFIX)) {
                clearTimeout(timer);
                resolve(line.slice(REGION_READY_PREFIX.length));
            }
        };
        if (child.stdout) {
            createInterface({ input: child.stdout }).on('line', take);
        }
        if (child.stderr) {
            createInterface({ input: child.stderr }).on('line', take);
        }
        child.once('exit', (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`the launcher exited (${String(code ?? signal)}) before ready:\n${output.join('\n')}`));
        });
    });
}

function readTlsFiles(dataDir: string, mspId: string): GatewayTlsFiles {
    const config = JSON.parse(readFileSync(join(dataDir, 'orgs', mspId, 'gateway.json'), 'utf8')) as {
        tls: { certFile: string; keyFile: string };
        regionTlsCaFiles: Record<string, string>;
    };
    return { ...config.tls, regionTlsCaFiles: config.regionTlsCaFiles };
}

/**
 * Starts a region on a new temporary folder and waits until it is ready.
 * @param options - which ledger, Node options for the children, where the launcher's lines go, the folder
 * @returns the running region
 * @throws Error with the launcher's output when it stops before it is ready (the folder is removed unless kept)
 */
export async function startBenchRegion(options: BenchRegionOptions): Promise<BenchRegion> {
    const dataDir = mkdtempSync(join(tmpdir(), options.folderPrefix ?? 'healthchain-bench-'));
    const args = [
        options.launcherScript ?? LAUNCHER_SCRIPT,
        '--data',
        dataDir,
        '--port',
        '0',
        '--ledger',
        options.ledger,
    ];
    const env = { ...process.env, HEALTHCHAIN_NODE_OPTIONS: options.childNodeOptions ?? '' };
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
        (stopping ??= (async (): Promise<void> => {
            if (child.exitCode === null && child.signalCode === null) {
                child.kill('SIGTERM');
                const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
                await waitForExit(child);
                clearTimeout(timer);
            }
            if (options.keep !== true) {
                rmSync(dataDir, { recursive: true, force: true });
            }
        })());
    options.onSpawn?.(stop);
    try {
        // The launcher copies its children's output into their log files: its work is the region's too.
        const processes: RegionProcess[] = child.pid === undefined ? [] : [{ name: 'Launcher', pid: child.pid }];
        const region = readRegionFile(await waitForReady(child, options.log, processes));
        return { dataDir, region, processes, tlsFiles: (mspId) => readTlsFiles(dataDir, mspId), stop };
    } catch (error) {
        await stop();
        throw error;
    }
}
