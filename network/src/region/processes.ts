// SPDX-License-Identifier: Apache-2.0
/**
 * The region's child processes (ledger node, gateways): started with Node, their output appended to a log
 * file (stderr written there by the child itself, stdout through the launcher), ready when they print one JSON line `{"event":"ready",…}` on stdout, stopped with SIGTERM (SIGKILL
 * after a grace period). A child that exits while nobody asked it to is reported to a listener.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, openSync, readFileSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** How to start a child. */
export interface ChildSpec {
    /** Short name in messages, e.g. `ledger`, `HospitalAMSP`. */
    readonly name: string;
    /** The Node script to run. */
    readonly script: string;
    /** Options for Node itself, before the script (e.g. `--cpu-prof`). */
    readonly nodeOptions?: readonly string[];
    readonly args: readonly string[];
    /** Added to the launcher's environment. */
    readonly env: Readonly<Record<string, string>>;
    /** stdout and stderr are appended here. */
    readonly logFile: string;
    /** Longest wait for the ready line. */
    readonly readyTimeoutMs: number;
}

/** How a child ended. */
export interface ChildExit {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
}

/** The JSON object of a ready line. */
export type ReadyLine = Readonly<Record<string, unknown>>;

function isReadyLine(line: string): ReadyLine | undefined {
    if (!line.startsWith('{')) {
        return undefined;
    }
    try {
        const value = JSON.parse(line) as unknown;
        const isReady = typeof value === 'object' && value !== null && (value as ReadyLine).event === 'ready';
        return isReady ? (value as ReadyLine) : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The last lines of a log file, for error messages.
 * @param file - the log
 * @param count - how many lines
 */
export function tailOf(file: string, count = 15): string {
    try {
        const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
        return lines.slice(-count).join('\n');
    } catch {
        return '(no log)';
    }
}

function describeExit(exit: ChildExit): string {
    return exit.signal === null ? `exit code ${String(exit.code)}` : `signal ${exit.signal}`;
}

/** A running child. */
export class ManagedProcess {
    readonly spec: ChildSpec;
    readonly #child: ChildProcess;
    readonly #log: WriteStream;
    readonly #exited: Promise<ChildExit>;
    #exit: ChildExit | undefined;
    #stopping = false;
    #onUnexpectedExit: ((exit: ChildExit) => void) | undefined;

    private constructor(spec: ChildSpec) {
        this.spec = spec;
        this.#log = createWriteStream(spec.logFile, { flags: 'a', mode: 0o600 });
        // The child's stderr, where its log lines go, is the log file itself: a busy gateway's lines do not pass
        // through the launcher (a process woken per line, and a pipe that blocks the child when the launcher
        // lags). Its stdout, which carries the ready line, is read here and appended to the same file.
        const stderr = openSync(spec.logFile, 'a', 0o600);
        try {
            // Own process group: a Ctrl-C in the terminal reaches the launcher only, which stops the children in
            // order.
            this.#child = spawn(process.execPath, [...(spec.nodeOptions ?? []), spec.script, ...spec.args], {
                env: { ...process.env, ...spec.env },
                stdio: ['ignore', 'pipe', stderr],
                detached: true,
            });
        } finally {
            closeSync(stderr);
        }
        this.#exited = new Promise((resolve) => {
            this.#child.once('exit', (code, signal) => {
                this.#exit = { code, signal };
                resolve(this.#exit);
                if (!this.#stopping) {
                    this.#onUnexpectedExit?.(this.#exit);
                }
            });
        });
        this.#child.once('close', () => {
            this.#log.end();
        });
    }

    /**
     * Starts a child and waits for its ready line.
     * @param spec - what to run
     * @returns the running child and its ready line
     * @throws Error when the child exits, fails to start or stays silent past the deadline (it is then stopped)
     */
    static async start(spec: ChildSpec): Promise<{ child: ManagedProcess; ready: ReadyLine }> {
        const child = new ManagedProcess(spec);
        try {
            return { child, ready: await child.#waitForReady() };
        } catch (error) {
            await child.stop();
            throw error;
        }
    }

    /** The child's process id. */
    get pid(): number | undefined {
        return this.#child.pid;
    }

    /** Whether the child is still running. */
    get isRunning(): boolean {
        return this.#exit === undefined;
    }

    /**
     * Names the listener told when the child exits without {@link ManagedProcess.stop}.
     * @param listener - called once with how it ended
     */
    onUnexpectedExit(listener: (exit: ChildExit) => void): void {
        this.#onUnexpectedExit = listener;
    }

    /**
     * Stops the child: SIGTERM, then SIGKILL after the grace period.
     * @param graceMs - how long it may take to stop cleanly
     * @returns how it ended
     */
    async stop(graceMs = 15_000): Promise<ChildExit> {
        this.#stopping = true;
        if (this.#exit) {
            return this.#exit;
        }
        this.#child.kill('SIGTERM');
        const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
        try {
            return await this.#exited;
        } finally {
            clearTimeout(timer);
        }
    }

    /** Kills the child at once (used when the launcher itself exits abruptly). */
    killNow(): void {
        this.#stopping = true;
        if (!this.#exit) {
            this.#child.kill('SIGKILL');
        }
    }

    #waitForReady(): Promise<ReadyLine> {
        const { name, readyTimeoutMs, logFile } = this.spec;
        return new Promise((resolve, reject) => {
            const lines = createInterface({ input: this.#requireStdout() });
            let ready: ReadyLine | undefined;
            const timer = setTimeout(() => {
                reject(new Error(`${name} printed no ready line within ${readyTimeoutMs} ms; see ${logFile}`));
            }, readyTimeoutMs);
            lines.on('line', (line) => {
                this.#log.write(line + '\n');
                if (ready === undefined) {
                    ready = isReadyLine(line);
                    if (ready) {
                        clearTimeout(timer);
                        resolve(ready);
                    }
                }
            });
            this.#child.once('error', (error) => {
                clearTimeout(timer);
                reject(new Error(`${name} could not be started: ${error.message}`));
            });
            void this.#exited.then((exit) => {
                clearTimeout(timer);
                const tail = tailOf(logFile);
                reject(
                    new Error(`${name} stopped before it was ready (${describeExit(exit)}); last log lines:\n${tail}`),
                );
            });
        });
    }

    #requireStdout(): NodeJS.ReadableStream {
        const stdout = this.#child.stdout;
        if (!stdout) {
            throw new Error(`${this.spec.name} has no stdout`);
        }
        return stdout;
    }
}

/**
 * A message about a child that exited by itself.
 * @param name - the child's name
 * @param exit - how it ended
 * @param logFile - its log
 */
export function describeUnexpectedExit(name: string, exit: ChildExit, logFile: string): string {
    return `${name} stopped unexpectedly (${describeExit(exit)}); last lines of ${logFile}:\n${tailOf(logFile)}`;
}
