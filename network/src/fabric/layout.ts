// SPDX-License-Identifier: Apache-2.0
/**
 * Where a loopback Fabric network keeps its files under its folder, and which ports it uses. Every process
 * binds 127.0.0.1. Ports follow one base: orderer *k* (0, 1, 2) takes `base+3k` (gRPC and Raft), `base+3k+1`
 * (channel participation admin) and `base+3k+2` (operations); member organisation *i* takes `base+10+10i`
 * (peer), `+1` (chaincode callback listener), `+2` (operations) and `+3` (its chaincode-as-a-service server).
 *
 * ```
 * <fabric>/config/configtx.yaml       channel configuration (configtxgen input)
 * <fabric>/config/genesis.block       the channel's first block
 * <fabric>/orderer/, orderer1/, orderer2/  each orderer's ledger, WAL and snapshots
 * <fabric>/peers/<msp>/config/core.yaml  the peer's configuration (also used by the peer CLI)
 * <fabric>/peers/<msp>/data/           the peer's ledger (LevelDB)
 * <fabric>/packages/<msp>-ccaas.tar.gz the organisation's chaincode-as-a-service package
 * <fabric>/deployment.json             what was deployed (a restart reuses the channel and chaincode)
 * <fabric>/logs/                       orderer.log, orderer1.log, …, peer-<msp>.log, chaincode-<msp>.log
 * ```
 *
 * Orderer 0 keeps the folder and log names a network of one orderer always had, so such a network restarts
 * unchanged.
 */
import { join } from 'node:path';

/** The most orderers the loopback layout has ports for, below the first peer's. */
export const MAX_ORDERERS = 3;

/** Ports of one orderer. */
export interface OrdererPorts {
    readonly listen: number;
    readonly admin: number;
    readonly operations: number;
}

/** Ports of one member organisation's peer and chaincode server. */
export interface PeerPorts {
    readonly listen: number;
    readonly chaincodeListen: number;
    readonly operations: number;
    readonly chaincodeServer: number;
}

/** Every port of a network. */
export interface FabricPorts {
    /** Orderer 0 first; a channel of several orderers has each as a Raft consenter. */
    readonly orderers: readonly OrdererPorts[];
    /** In the region's organisation order. */
    readonly peers: readonly PeerPorts[];
}

/** Files of one orderer. */
export interface OrdererFiles {
    /** Its ledger, WAL and snapshots. */
    readonly dir: string;
    readonly logFile: string;
}

/** Files of one member organisation's peer. */
export interface PeerFiles {
    readonly configDir: string;
    readonly dataDir: string;
    readonly logFile: string;
    readonly chaincodeLogFile: string;
    readonly ccaasPackageFile: string;
}

/** The network folder's layout. */
export interface FabricLayout {
    readonly dir: string;
    readonly configDir: string;
    readonly configtxFile: string;
    readonly genesisBlockFile: string;
    /** Files of orderer `index` (0 for the first). */
    orderer(index: number): OrdererFiles;
    readonly packagesDir: string;
    readonly logsDir: string;
    readonly deploymentFile: string;
    peer(mspId: string): PeerFiles;
}

/**
 * The layout of a network folder.
 * @param dir - absolute path of the network folder
 */
export function toFabricLayout(dir: string): FabricLayout {
    const logsDir = join(dir, 'logs');
    const packagesDir = join(dir, 'packages');
    return Object.freeze({
        dir,
        configDir: join(dir, 'config'),
        configtxFile: join(dir, 'config', 'configtx.yaml'),
        genesisBlockFile: join(dir, 'config', 'genesis.block'),
        orderer: (index: number): OrdererFiles => {
            const name = index === 0 ? 'orderer' : `orderer${index}`;
            return Object.freeze({ dir: join(dir, name), logFile: join(logsDir, `${name}.log`) });
        },
        packagesDir,
        logsDir,
        deploymentFile: join(dir, 'deployment.json'),
        peer: (mspId: string): PeerFiles =>
            Object.freeze({
                configDir: join(dir, 'peers', mspId, 'config'),
                dataDir: join(dir, 'peers', mspId, 'data'),
                logFile: join(logsDir, `peer-${mspId}.log`),
                chaincodeLogFile: join(logsDir, `chaincode-${mspId}.log`),
                ccaasPackageFile: join(packagesDir, `${mspId}-ccaas.tar.gz`),
            }),
    });
}

/**
 * The ports of a network from its base port.
 * @param base - the first orderer's port
 * @param members - how many member organisations
 * @param orderers - how many orderers, 1 to {@link MAX_ORDERERS}
 * @throws Error when the ports do not fit below 65536 or there are too many orderers
 */
export function toFabricPorts(base: number, members: number, orderers = 1): FabricPorts {
    const last = base + 13 + 10 * (members - 1);
    if (base < 1024 || last > 65_535) {
        throw new Error(`Fabric ports ${base}–${last} must lie between 1024 and 65535`);
    }
    if (!Number.isSafeInteger(orderers) || orderers < 1 || orderers > MAX_ORDERERS) {
        throw new Error(`A loopback network has 1 to ${MAX_ORDERERS} orderers, not ${orderers}`);
    }
    return {
        orderers: Array.from({ length: orderers }, (_, k) => ({
            listen: base + 3 * k,
            admin: base + 3 * k + 1,
            operations: base + 3 * k + 2,
        })),
        peers: Array.from({ length: members }, (_, i) => {
            const p = base + 10 + 10 * i;
            return { listen: p, chaincodeListen: p + 1, operations: p + 2, chaincodeServer: p + 3 };
        }),
    };
}
