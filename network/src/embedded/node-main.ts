// SPDX-License-Identifier: Apache-2.0
/**
 * The ledger node: an {@link EmbeddedLedger} on a level folder, served over mutual TLS by
 * {@link startLedgerServer}. `runLedgerNode` is the library entry (tests, the region launcher); run directly,
 * this module is the node's command line:
 *
 * ```
 * node dist/network/src/embedded/node-main.js --data <dir> --crypto <region crypto dir> [--region <file>] [--port N]
 * ```
 *
 * It prints one JSON line `{"event":"ready","url":"https://127.0.0.1:PORT"}` on stdout once it serves, logs
 * JSON lines on stderr, and on SIGTERM or SIGINT closes the server and the ledger and exits 0. fabric-shim
 * writes its own log lines to stdout too (level `CORE_CHAINCODE_LOGGING_LEVEL`, WARNING by default here), so a
 * parent should pick the ready line out as the JSON line whose `event` is `ready`.
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ContractClass } from './chaincode-host';
import type { EmbeddedLedger, EmbeddedLedgerOptions } from './ledger';
import type { MspDefinition } from './msp';
import { startLedgerServer, type LedgerServerLogEntry, type LedgerServerTls } from './server';
import { readRegionConfig, type RegionConfig } from '../config/region';
import { readRegionMaterial, type RegionMaterial } from '../pki/region';

/** Ledger tuning a node may set. */
export type LedgerNodeTuning = Partial<
    Pick<
        EmbeddedLedgerOptions,
        'maxBlockTransactions' | 'batchTimeoutMs' | 'maxClockSkewMs' | 'executeTimeoutMs' | 'signatureChecks'
    >
>;

/** Options of {@link runLedgerNode}. */
export interface LedgerNodeOptions {
    /** The ledger's level folder; created if missing. */
    readonly dataDir: string;
    readonly channel: string;
    readonly chaincode: string;
    readonly contracts: readonly ContractClass[];
    /** The member organisations whose identities may sign proposals. */
    readonly msps: readonly MspDefinition[];
    readonly tls: LedgerServerTls;
    /** `127.0.0.1` by default. */
    readonly host?: string;
    /** 0 (a free port) by default. */
    readonly port?: number;
    readonly ledger?: LedgerNodeTuning;
    /** Run the chaincode in endorser worker threads loading it from this module (see EmbeddedLedgerOptions). */
    readonly endorsers?: EmbeddedLedgerOptions['endorsers'];
    readonly log?: (entry: LedgerServerLogEntry) => void;
    /** How long an event stream holds events before sending them (the server's default if unset). */
    readonly eventFlushMs?: number;
}

/** A running ledger node. */
export interface LedgerNode {
    readonly url: string;
    readonly ledger: EmbeddedLedger;
    /** Closes the server (waiting for requests in flight), then the ledger. */
    close(): Promise<void>;
}

/**
 * Opens the ledger on its folder and serves it.
 * @param options - folder, chaincode, organisations, TLS material, where to listen
 * @returns the node's URL, its ledger and `close()`
 * @throws the ledger's open error (e.g. the folder is locked by another node) or the server's listen error
 */
export async function runLedgerNode(options: LedgerNodeOptions): Promise<LedgerNode> {
    mkdirSync(options.dataDir, { recursive: true });
    // Loaded on first use: fabric-shim reads its log level when it loads, so the CLI sets it first.
    const { EmbeddedLedger } = await import('./ledger.js');
    const ledger = await EmbeddedLedger.open({
        ...options.ledger,
        channel: options.channel,
        chaincode: options.chaincode,
        contracts: options.contracts,
        msps: options.msps,
        store: { kind: 'level', path: options.dataDir },
        ...(options.endorsers ? { endorsers: options.endorsers } : {}),
    });
    let server: Awaited<ReturnType<typeof startLedgerServer>>;
    try {
        server = await startLedgerServer({
            ledger,
            host: options.host,
            port: options.port,
            tls: options.tls,
            log: options.log,
            eventFlushMs: options.eventFlushMs,
        });
    } catch (error) {
        await ledger.close();
        throw error;
    }
    let closing: Promise<void> | undefined;
    const close = async (): Promise<void> => {
        await server.close();
        await ledger.close();
    };
    return { url: server.url, ledger, close: () => (closing ??= close()) };
}

/**
 * What the node needs from a region: member MSPs (each organisation's signing CA as root), the orderer's TLS
 * server pair, and every member's TLS CA as an accepted client CA.
 * @param region - the region configuration
 * @param material - the region's issued material
 */
export function toNodeIdentity(
    region: RegionConfig,
    material: RegionMaterial,
): Pick<LedgerNodeOptions, 'channel' | 'chaincode' | 'msps' | 'tls'> {
    const server = material.orderer.orderer.tls;
    return {
        channel: region.channel,
        chaincode: region.chaincode,
        msps: material.organizations.map((org) => ({ mspId: org.mspId, rootCertsPem: [org.caCertPem] })),
        tls: {
            certPem: server.certPem,
            keyPem: server.readKeyPem(),
            clientCaPems: material.organizations.map((org) => org.tlsCaCertPem),
        },
    };
}

/** Command-line arguments of the node. */
interface CliArgs {
    readonly data: string;
    readonly crypto: string;
    readonly region: string | undefined;
    readonly port: number;
    /** Endorser worker threads (0: the chaincode runs in the node's own thread). */
    readonly endorsers: number;
}

const USAGE =
    'usage: node-main --data <dir> --crypto <region crypto dir> [--region <file>] [--port N] [--endorsers N (0-8, default 1; with 0 the node also checks every signature on its own thread)]';

class UsageError extends Error {}

function readCliArgs(argv: readonly string[]): CliArgs {
    let values: Partial<Record<'data' | 'crypto' | 'region' | 'port' | 'endorsers', string>>;
    try {
        ({ values } = parseArgs({
            args: [...argv],
            strict: true,
            allowPositionals: false,
            options: {
                data: { type: 'string' },
                crypto: { type: 'string' },
                region: { type: 'string' },
                port: { type: 'string' },
                endorsers: { type: 'string' },
            },
        }));
    } catch (cause) {
        throw new UsageError(cause instanceof Error ? cause.message : String(cause));
    }
    const { data, crypto, region, port = '0', endorsers = '1' } = values;
    if (!data || !crypto) {
        throw new UsageError('--data and --crypto are required');
    }
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65_535) {
        throw new UsageError('--port must be an integer from 0 to 65535');
    }
    if (!/^[0-8]$/.test(endorsers)) {
        throw new UsageError('--endorsers must be an integer from 0 to 8');
    }
    return { data, crypto, region, port: Number(port), endorsers: Number(endorsers) };
}

function logToStderr(entry: LedgerServerLogEntry): void {
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), component: 'ledger-node', ...entry }) + '\n');
}

/**
 * Installs SIGTERM/SIGINT handlers that close the node and exit 0 (1 if closing failed).
 * @param node - the running node
 */
export function closeOnSignals(node: { close(): Promise<void> }): void {
    const stop = (signal: NodeJS.Signals): void => {
        logToStderr({ level: 'info', event: 'stopping', signal });
        node.close().then(
            () => process.exit(0),
            (error: unknown) => {
                logToStderr({ level: 'error', event: 'close-failed', message: String(error) });
                process.exit(1);
            },
        );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
}

/**
 * Announces readiness: one JSON line on stdout, the only thing the node writes there.
 * @param url - the node's URL
 */
export function announceReady(url: string): void {
    process.stdout.write(JSON.stringify({ event: 'ready', url }) + '\n');
}

async function main(argv: readonly string[]): Promise<void> {
    const args = readCliArgs(argv);
    // fabric-shim logs to stdout, which carries the ready line: keep it to warnings unless told otherwise.
    process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';
    const region = readRegionConfig(args.region);
    const material = readRegionMaterial(region, args.crypto);
    // Loaded here only: the library part of this module does not depend on the health-chain contracts.
    const contractsModule = require.resolve('../../../chaincode/src/index.js');
    const { contracts } = await import('../../../chaincode/src/index.js');
    const node = await runLedgerNode({
        ...toNodeIdentity(region, material),
        dataDir: args.data,
        contracts,
        ...(args.endorsers > 0
            ? { endorsers: { module: contractsModule, exportName: 'contracts', workers: args.endorsers } }
            : {}),
        // A node given no endorser workers shares its machine's cores (a whole region on one machine): there a
        // signature checked on the thread pool costs more than it frees, as a worker does for the chaincode.
        ledger: { signatureChecks: args.endorsers > 0 ? 'thread-pool' : 'ledger-thread' },
        port: args.port,
        log: logToStderr,
    });
    closeOnSignals(node);
    announceReady(node.url);
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`ledger node: ${message}\n${error instanceof UsageError ? USAGE + '\n' : ''}`);
        process.exit(1);
    });
}
