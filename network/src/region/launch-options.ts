// SPDX-License-Identifier: Apache-2.0
/**
 * The region launcher's options: the only place it reads the command line and the environment. Flags
 * override `HEALTHCHAIN_DATA` (default `./data`), `HEALTHCHAIN_PORT` (default 7400; `0` picks free ports) and
 * `HEALTHCHAIN_ORDERERS` (how many Fabric orderers a new network has; 1 by default).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultRegionFile } from '../config/region';

/** What the launcher does. */
export interface LaunchOptions {
    /** Absolute path of the data folder. */
    readonly dataDir: string;
    /** First port (the ledger node's); organisations take the next ones. `0`: every port picked free. */
    readonly basePort: number;
    readonly regionConfigFile: string;
    /** Load the demo after start. */
    readonly demo: boolean;
    /** Which ledger: the embedded ledger node, or a loopback Hyperledger Fabric network. */
    readonly ledger: 'embedded' | 'fabric';
    /** `FABRIC_BIN`: the `bin/` folder of a Fabric 2.5 release (needed for `--ledger fabric`). */
    readonly fabricBin: string | undefined;
    /**
     * `HEALTHCHAIN_NODE_OPTIONS`, split on spaces: options given to Node for the ledger node and the gateways
     * only, not the launcher (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them).
     */
    readonly childNodeOptions: readonly string[];
    /**
     * How many etcdraft orderers a new Fabric network has (1 or 3); undefined when not asked, which is one
     * for a new network and the number it was made with for an existing one.
     */
    readonly orderers: number | undefined;
    /**
     * Endorser worker threads of the embedded ledger node (0–8). 0, the default, runs the chaincode on the
     * node's own thread: with the whole region on one machine the gateways keep the other cores busy, and a
     * worker then only adds a message between threads for every state read.
     */
    readonly endorsers: number;
    readonly help: boolean;
}

/** Default data folder. */
export const DEFAULT_DATA_DIR = './data';
/** Default first port. */
export const DEFAULT_BASE_PORT = 7400;

/** The launcher's usage text. */
export const USAGE = `Usage: npm start -- [--demo] [--data <dir>] [--port <n>] [--region <file>] [--ledger embedded|fabric]
                    [--orderers 1|3] [--endorsers <n>]

Starts a whole region on this machine: the embedded ledger node and one gateway per organisation.
  --demo           also load the demo (patients, records, consents, a claim); safe to repeat
  --data <dir>     data folder (default: $HEALTHCHAIN_DATA or ${DEFAULT_DATA_DIR})
  --port <n>       first port: ledger node n, then two per organisation (default: $HEALTHCHAIN_PORT or
                   ${DEFAULT_BASE_PORT}); 0 picks free ports
  --region <file>  region configuration (default: network/region.json)
  --ledger <kind>  embedded (default) or fabric: a loopback Hyperledger Fabric network from the release in
                   $FABRIC_BIN (orderers at port n+100, +103, +106, peers from n+110; with --port 0, free ports)
  --orderers <n>   with --ledger fabric, how many etcdraft orderers a new network has: 1 (default) or 3, which
                   keep ordering when one of them fails (default: $HEALTHCHAIN_ORDERERS or 1; an existing
                   network keeps the number it was made with)
  --endorsers <n>  with the embedded ledger, how many worker threads run the chaincode beside the ledger
                   node's own (0 to 8; default 0: the node's thread runs it and checks proposal signatures,
                   which is faster when the whole region shares one machine; give 1 or more to a node that
                   has cores of its own, which then also checks signatures on libuv's thread pool)
  --help           show this text`;

function readPort(text: string, source: string): number {
    const port = Number(text);
    if (!/^[0-9]{1,5}$/.test(text) || port > 65_535) {
        throw new Error(`${source} must be a port number from 0 to 65535, not "${text}"`);
    }
    return port;
}

function readLedgerChoice(
    value: string | undefined,
    env: NodeJS.ProcessEnv,
): { ledger: 'embedded' | 'fabric'; fabricBin: string | undefined } {
    const ledger = value ?? 'embedded';
    if (ledger !== 'embedded' && ledger !== 'fabric') {
        throw new Error(`--ledger must be embedded or fabric, not "${ledger}"`);
    }
    const fabricBin = env.FABRIC_BIN === undefined || env.FABRIC_BIN === '' ? undefined : resolve(env.FABRIC_BIN);
    if (ledger === 'fabric' && fabricBin === undefined) {
        throw new Error('--ledger fabric needs FABRIC_BIN, the bin/ folder of a Fabric 2.5 release');
    }
    return { ledger, fabricBin };
}

function readChildNodeOptions(env: NodeJS.ProcessEnv): string[] {
    return (env.HEALTHCHAIN_NODE_OPTIONS ?? '').split(/\s+/).filter((option) => option !== '');
}

/** Orderer counts a loopback network may have: Raft needs a majority, so an even count adds no tolerance. */
const ORDERER_COUNTS: readonly number[] = [1, 3];

function readOrderers(
    value: string | undefined,
    env: NodeJS.ProcessEnv,
    ledger: 'embedded' | 'fabric',
): number | undefined {
    if (value !== undefined && ledger !== 'fabric') {
        throw new Error('--orderers needs --ledger fabric');
    }
    // The environment's value applies to Fabric only, so that it can stay set while an embedded region runs.
    const text = value ?? (ledger === 'fabric' ? env.HEALTHCHAIN_ORDERERS : undefined);
    if (text === undefined || text === '') {
        return undefined;
    }
    const orderers = Number(text);
    if (!/^[0-9]$/.test(text) || !ORDERER_COUNTS.includes(orderers)) {
        const source = value === undefined ? 'HEALTHCHAIN_ORDERERS' : '--orderers';
        throw new Error(`${source} must be ${ORDERER_COUNTS.join(' or ')}, not "${text}"`);
    }
    return orderers;
}

/** Most endorser worker threads the ledger node takes. */
const MAX_ENDORSERS = 8;

function readEndorsers(value: string | undefined, ledger: 'embedded' | 'fabric'): number {
    if (value === undefined) {
        return 0;
    }
    if (ledger !== 'embedded') {
        throw new Error('--endorsers needs the embedded ledger');
    }
    const endorsers = Number(value);
    if (!/^[0-9]$/.test(value) || endorsers > MAX_ENDORSERS) {
        throw new Error(`--endorsers must be an integer from 0 to ${MAX_ENDORSERS}, not "${value}"`);
    }
    return endorsers;
}

/**
 * Reads the launcher's options.
 * @param args - command-line arguments after the script
 * @param env - the environment
 * @throws Error on an unknown flag, a missing value, a bad port, orderer or endorser count
 */
export function readLaunchOptions(args: readonly string[], env: NodeJS.ProcessEnv): LaunchOptions {
    const { values } = parseArgs({
        args: [...args],
        options: {
            demo: { type: 'boolean' },
            data: { type: 'string' },
            port: { type: 'string' },
            region: { type: 'string' },
            ledger: { type: 'string' },
            orderers: { type: 'string' },
            endorsers: { type: 'string' },
            help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
    });
    const portText = values.port ?? env.HEALTHCHAIN_PORT ?? String(DEFAULT_BASE_PORT);
    const basePort = readPort(portText, values.port === undefined ? 'HEALTHCHAIN_PORT' : '--port');
    const dataDir = values.data ?? (env.HEALTHCHAIN_DATA || DEFAULT_DATA_DIR);
    if (dataDir.trim() === '') {
        throw new Error('--data must not be empty');
    }
    const { ledger, fabricBin } = readLedgerChoice(values.ledger, env);
    return Object.freeze({
        dataDir: resolve(dataDir),
        basePort,
        regionConfigFile: resolve(values.region ?? defaultRegionFile),
        demo: values.demo ?? false,
        ledger,
        fabricBin,
        childNodeOptions: readChildNodeOptions(env),
        orderers: readOrderers(values.orderers, env, ledger),
        endorsers: readEndorsers(values.endorsers, ledger),
        help: values.help ?? false,
    });
}
