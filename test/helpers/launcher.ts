// SPDX-License-Identifier: Apache-2.0
/**
 * A real region for end-to-end tests: the launcher (`dist/network/src/region/main.js`) as a child process on
 * a temporary data folder with free ports. Ready when the launcher prints its ready line (after writing
 * region.json); stopped with SIGTERM, waiting for the launcher to stop its children and exit. Tests of the
 * launcher, the CLI and the portal use it; gateway tests use the in-process region of `./region.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ApiClient } from '../../clients/shared/api-client';
import { ApiCallError } from '../../clients/shared/api-client';
import { newRegionClient } from '../../clients/shared/region-clients';
import {
    readRegionFile,
    REGION_READY_PREFIX,
    type RegionFile,
    type RegionRole,
} from '../../clients/shared/region-file';

/** The launcher script, compiled. */
export const LAUNCHER_SCRIPT = join(__dirname, '..', '..', 'network', 'src', 'region', 'main.js');
/** The CLI script, compiled. */
export const CLI_SCRIPT = join(__dirname, '..', '..', 'clients', 'cli', 'main.js');

/** A region the launcher runs as processes. */
export interface LauncherRegion {
    readonly dataDir: string;
    readonly regionFile: string;
    readonly region: RegionFile;
    /** The launcher's output so far. */
    output(): string;
    /**
     * A client of an organisation's gateway.
     * @param mspId - the organisation
     * @param role - whose token to send; none for patient-signed calls
     */
    client(mspId: string, role?: RegionRole): ApiClient;
    /** Resolves with the launcher's exit code once it exits by itself. */
    exited(): Promise<number | null>;
    /**
     * Stops the region (SIGTERM, waits for the launcher to exit) and removes its folder unless told to keep it.
     * @returns the launcher's exit code
     */
    stop(options?: { readonly keepData?: boolean }): Promise<number | null>;
}

/** Options of {@link startLauncherRegion}. */
export interface LauncherRegionOptions {
    readonly demo?: boolean;
    /** Reuse this data folder (a new temporary one by default). */
    readonly dataDir?: string;
    /** Which ledger (`--ledger`); Fabric needs `FABRIC_BIN` in the environment. */
    readonly ledger?: 'embedded' | 'fabric';
    /**
     * Start it as `npm start` does: package.json's start script, run by `/bin/sh -c` from the repository with the
     * arguments appended, as npm runs it, without its build step (the tests run on a build). The child is then
     * that shell, which is what npm signals when it is itself told to stop.
     */
    readonly throughStartScript?: boolean;
}

/** The repository, whose package.json and compiled `dist/` the start script names. */
const REPOSITORY = join(__dirname, '..', '..', '..');
/** How the start script builds before it starts the launcher. */
const BUILD_STEP = 'npm run build && ';

/** The shell command npm runs for `npm start -- <args>`, without the build step. */
function startScriptCommand(args: readonly string[]): string {
    const manifest = JSON.parse(readFileSync(join(REPOSITORY, 'package.json'), 'utf8')) as {
        scripts?: Record<string, string>;
    };
    const script = manifest.scripts?.start ?? '';
    if (!script.startsWith(BUILD_STEP)) {
        throw new Error(`the start script no longer begins with "${BUILD_STEP}": ${script}`);
    }
    const quoted = args.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`);
    return [script.slice(BUILD_STEP.length), ...quoted].join(' ');
}

function waitForReady(child: ChildProcess, output: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        if (!child.stdout || !child.stderr) {
            reject(new Error('the launcher has no output pipes'));
            return;
        }
        child.stderr.on('data', (chunk: Buffer) => {
            output.push(chunk.toString('utf8'));
        });
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
            output.push(line + '\n');
            if (line.startsWith(REGION_READY_PREFIX)) {
                resolve(line.slice(REGION_READY_PREFIX.length));
            }
        });
        child.once('exit', (code, signal) => {
            reject(new Error(`the launcher exited (${String(code ?? signal)}) before ready:\n${output.join('')}`));
        });
    });
}

function exited(child: ChildProcess): Promise<number | null> {
    if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve(child.exitCode);
    }
    return new Promise((resolve) => {
        child.once('exit', (code) => {
            resolve(code);
        });
    });
}

/**
 * Starts a region on a temporary folder with free ports and waits until it is ready.
 * @param options - whether to load the demo
 * @returns the running region
 * @throws Error with the launcher's output when it stops before it is ready
 */
export async function startLauncherRegion(options: LauncherRegionOptions = {}): Promise<LauncherRegion> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'healthchain-region-'));
    const args = ['--data', dataDir, '--port', '0', ...(options.demo === true ? ['--demo'] : [])];
    args.push('--ledger', options.ledger ?? 'embedded');
    const child =
        options.throughStartScript === true
            ? spawn('/bin/sh', ['-c', startScriptCommand(args)], { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'] })
            : spawn(process.execPath, [LAUNCHER_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const stop = async (stopOptions: { readonly keepData?: boolean } = {}): Promise<number | null> => {
        child.kill('SIGTERM');
        const code = await exited(child);
        if (stopOptions.keepData !== true) {
            rmSync(dataDir, { recursive: true, force: true });
        }
        return code;
    };
    let regionFile: string;
    try {
        regionFile = await waitForReady(child, output);
    } catch (error) {
        await stop();
        throw error;
    }
    const region = readRegionFile(regionFile);
    return {
        dataDir,
        regionFile,
        region,
        output: () => output.join(''),
        client: (mspId, role) => newRegionClient(region, mspId, role),
        exited: () => exited(child),
        stop,
    };
}

/**
 * Awaits a call that must fail with an API error, and returns that error.
 * @param call - the pending call
 * @throws Error when the call succeeds or fails otherwise
 */
export async function apiErrorOf(call: Promise<unknown>): Promise<ApiCallError> {
    try {
        await call;
    } catch (error) {
        if (error instanceof ApiCallError) {
            return error;
        }
        throw error;
    }
    throw new Error('the call succeeded but was expected to fail');
}
