// SPDX-License-Identifier: Apache-2.0
/**
 * The processes of a loopback Fabric network (orderer, peers, chaincode servers) and its one-shot tools
 * (configtxgen, osnadmin, peer CLI). A server is ready when its port accepts connections; it is stopped with
 * SIGTERM, then SIGKILL after a grace period. Output goes to a log file in the network folder.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** How to start a server process. */
export interface ServerSpec {
    readonly name: string;
    readonly command: string;
    readonly args: readonly string[];
    readonly env: NodeJS.ProcessEnv;
    readonly cwd?: string;
    readonly logFile: string;
    /** The port that accepts connections once the process is ready (on 127.0.0.1). */
    readonly readyPort: number;
    readonly readyTimeoutMs: number;
}

function tail(file: string, lines = 20): string {
    try {
        return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
        return '(no log)';
    }
}

function isPortOpen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = connect({ host: '127.0.0.1', port });
        socket.once('connect', () => {
            socket.destroy();
            resolve(true);
        });
        socket.once('error', () => {
            socket.destroy();
            resolve(false);
        });
    });
}

/** A running server process. */
export class ServerProcess {
    readonly spec: ServerSpec;
    readonly #child: ChildProcess;
    readonly #exited: Promise<void>;
    #running = true;

    private constructor(spec: ServerSpec) {
        this.spec = spec;
        const log = openSync(spec.logFile, 'a', 0o600);
        try {
            // Own process group, so a Ctrl-C in the terminal reaches the launcher, which stops them in order.
            this.#child = spawn(spec.command, [...spec.args], {
                env: spec.env,
                cwd: spec.cwd,
                stdio: ['ignore', log, log],
                detached: true,
            });
        } finally {
            closeSync(log);
        }
        this.#exited = new Promise((resolve) => {
            this.#child.once('exit', () => {
                this.#running = false;
                resolve();
            });
            this.#child.once('error', () => {
                this.#running = false;
                resolve();
            });
        });
    }

    /**
     * Starts a server and waits until its port accepts connections.
     * @param spec - what to run
     * @throws Error with the end of its log when it exits or stays closed past the deadline (it is stopped)
     */
    static async start(spec: ServerSpec): Promise<ServerProcess> {
        const server = new ServerProcess(spec);
        const deadline = Date.now() + spec.readyTimeoutMs;
        while (server.isRunning && Date.now() < deadline) {
            if (await isPortOpen(spec.readyPort)) {
                return server;
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
        await server.stop();
        throw new Error(
            `${spec.name} did not open port ${spec.readyPort}; ${spec.logFile} ends:\n${tail(spec.logFile)}`,
        );
    }

    get pid(): number | undefined {
        return this.#child.pid;
    }

    get isRunning(): boolean {
        return this.#running;
    }

    /** Resolves when the process exits, however it ends. */
    exited(): Promise<void> {
        return this.#exited;
    }

    /**
     * Stops the process: SIGTERM, then SIGKILL after the grace period.
     * @param graceMs - how long it may take to stop cleanly
     */
    async stop(graceMs = 10_000): Promise<void> {
        if (!this.#running) {
            return;
        }
        this.#child.kill('SIGTERM');
        const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
        try {
            await this.#exited;
        } finally {
            clearTimeout(timer);
        }
    }

    /** Kills the process at once (the launcher itself is exiting). */
    killNow(): void {
        if (this.#running) {
            this.#child.kill('SIGKILL');
        }
    }
}

/**
 * Runs a tool to completion.
 * @param command - the binary
 * @param args - its arguments
 * @param env - its whole environment
 * @returns its standard output
 * @throws Error quoting the command and its output when it fails
 */
export function runTool(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(command, [...args], { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error) {
                const shown = [command, ...args.slice(0, 4)].join(' ');
                reject(
                    new Error(`${shown} … failed: ${stderr.trim() || stdout.trim() || error.message}`, {
                        cause: error,
                    }),
                );
                return;
            }
            resolve(stdout);
        });
    });
}

function isPortFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = createServer();
        server.once('error', () => {
            resolve(false);
        });
        server.listen(port, '127.0.0.1', () => {
            server.close(() => {
                resolve(true);
            });
        });
    });
}

/**
 * Finds a base port whose whole range `[base, base + span)` is free on 127.0.0.1 right now.
 * @param span - how many ports the network uses from its base
 * @throws Error after a number of tries
 */
export async function findFreePortBase(span: number): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
        const base = 20_000 + 10 * Math.floor(Math.random() * 3_000);
        const ports = Array.from({ length: span }, (_, i) => base + i);
        const free = await Promise.all(ports.map(isPortFree));
        if (free.every(Boolean)) {
            return base;
        }
    }
    throw new Error(`No ${span} free consecutive ports found on 127.0.0.1`);
}
