// SPDX-License-Identifier: Apache-2.0
/**
 * `node dist/network/src/fabric/cli.js <command>` (wrapped by `network/fabric/scripts/*.sh`):
 *
 * - `up [--data <dir>] [--region <file>] [--port <n>] [--orderers 1|3]`: issues the region's identities into
 *   `<data>/crypto` (kept if present), starts the loopback Fabric network in `<data>/fabric` (creating the
 *   channel and deploying the chaincode on first use, with one orderer unless told three), prints the
 *   orderers and peers, and runs until SIGINT/SIGTERM, which tears it down. Its pid is in
 *   `<data>/fabric/network.pid`.
 * - `package-node --out <file> [--label <label>]`: the Node chaincode package of `chaincode/` (build it first).
 *
 * `FABRIC_BIN` names the release's `bin/` folder.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { issueRegion } from '../pki/region';
import { defaultRegionFile, readRegionConfig } from '../config/region';
import { startFabricNetwork } from './network';
import { DEFAULT_LABEL, writeNodePackage } from './packages';

const USAGE = `Usage (FABRIC_BIN must name the bin/ folder of a Fabric 2.5 release):
  cli.js up [--data <dir>] [--region <file>] [--port <n>] [--orderers 1|3]
                                                           start the network; Ctrl-C tears it down
  cli.js package-node --out <file> [--label <label>]       Node chaincode package of chaincode/`;

function fabricBin(): string {
    const bin = process.env.FABRIC_BIN;
    if (bin === undefined || bin === '') {
        throw new Error('FABRIC_BIN must name the bin/ folder of a Fabric 2.5 release');
    }
    return resolve(bin);
}

async function up(args: string[]): Promise<void> {
    const { values } = parseArgs({
        args,
        options: {
            data: { type: 'string' },
            region: { type: 'string' },
            port: { type: 'string' },
            orderers: { type: 'string' },
        },
        strict: true,
    });
    const dataDir = resolve(values.data ?? process.env.HEALTHCHAIN_DATA ?? './data');
    const region = readRegionConfig(values.region ?? defaultRegionFile);
    const material = await issueRegion(region, join(dataDir, 'crypto'));
    const network = await startFabricNetwork({
        fabricBin: fabricBin(),
        dir: join(dataDir, 'fabric'),
        region,
        material,
        basePort: Number(values.port ?? '7050'),
        orderers: values.orderers === undefined ? undefined : Number(values.orderers),
        progress: (line) => process.stdout.write(line + '\n'),
        warning: (line) => process.stderr.write(`fabric: warning: ${line}\n`),
    });
    const pidFile = join(network.layout.dir, 'network.pid');
    writeFileSync(pidFile, `${process.pid}\n`);
    for (const orderer of network.orderers) {
        process.stdout.write(
            `Orderer ${orderer.endpoint} (${orderer.hostAlias}, operations ${orderer.operationsUrl})\n`,
        );
    }
    for (const peer of network.peers) {
        process.stdout.write(`Peer ${peer.mspId.padEnd(16)} ${peer.endpoint} (${peer.hostAlias})\n`);
    }
    process.stdout.write(`Logs in ${network.layout.logsDir}. Press Ctrl-C to stop.\n`);
    const stop = (code: number): void => {
        void network.stop().then(() => {
            rmSync(pidFile, { force: true });
            process.exit(code);
        });
    };
    process.once('SIGINT', () => {
        stop(0);
    });
    process.once('SIGTERM', () => {
        stop(0);
    });
    void network.failed.then((message) => {
        process.stderr.write(`fabric: ${message}\n`);
        stop(1);
    });
}

async function packageNode(args: string[]): Promise<void> {
    const { values } = parseArgs({
        args,
        options: { out: { type: 'string' }, label: { type: 'string' } },
        strict: true,
    });
    if (values.out === undefined) {
        throw new Error('--out is required');
    }
    const bin = fabricBin();
    const id = await writeNodePackage({
        peerBin: join(bin, 'peer'),
        fabricConfigDir: join(bin, '..', 'config'),
        file: resolve(values.out),
        label: values.label ?? DEFAULT_LABEL,
    });
    process.stdout.write(`${resolve(values.out)}\npackage id ${id}\n`);
}

async function main(argv: string[]): Promise<void> {
    const [command, ...rest] = argv;
    switch (command) {
        case 'up':
            return up(rest);
        case 'package-node':
            return packageNode(rest);
        case undefined:
        default:
            process.stdout.write(USAGE + '\n');
            process.exitCode = command === undefined || command === '--help' ? 0 : 64;
    }
}

main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`fabric: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
