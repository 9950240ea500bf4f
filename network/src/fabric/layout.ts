// SPDX-License-Identifier: Apache-2.0
/**
 * Where a loopback Fabric network keeps its files under its folder, and which ports it uses. Every process
 * binds 127.0.0.1. Ports follow one base: the orderer takes `base` (gRPC and Raft), `base+1` (channel
 * participation admin) and `base+2` (operations); member organisation *i* takes `base+10+10i` (peer),
 * `+1` (chaincode callback listener), `+2` (operations) and `+3` (its chaincode-as-a-service server).
 *
 * ```
 * <fabric>/config/configtx.yaml       channel configuration (configtxgen input)
 * <fabric>/config/genesis.block       the channel's first block
 * <fabric>/orderer/                    the orderer's ledger, WAL and snapshots
 * <fabric>/peers/<msp>/config/core.yaml  the peer's configuration (also used by the peer CLI)
 * <fabric>/peers/<msp>/data/           the peer's ledger (LevelDB)
 * <fabric>/packages/<msp>-ccaas.tar.gz the organisation's chaincode-as-a-service package
 * <fabric>/deployment.json             what was deployed (a restart reuses the channel and chaincode)
 * <fabric>/logs/                       orderer.log, peer-<msp>.log, chaincode-<msp>.log
 * ```
 */
import { join } from 'node:path';

/** Ports of the orderer. */
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
    readonly orderer: OrdererPorts;
    /** In the region's organisation order. */
    readonly peers: readonly PeerPorts[];
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
    readonly ordererDir: string;
    readonly ordererLogFile: string;
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
        ordererDir: join(dir, 'orderer'),
        ordererLogFile: join(logsDir, 'orderer.log'),
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
 * @param base - the orderer's port
 * @param members - how many member organisations
 * @throws Error when the ports do not fit below 65536
 */
export function toFabricPorts(base: number, members: number): FabricPorts {
    const last = base + 13 + 10 * (members - 1);
    if (base < 1024 || last > 65_535) {
        throw new Error(`Fabric ports ${base}–${last} must lie between 1024 and 65535`);
    }
    return {
        orderer: { listen: base, admin: base + 1, operations: base + 2 },
        peers: Array.from({ length: members }, (_, i) => {
            const p = base + 10 + 10 * i;
            return { listen: p, chaincodeListen: p + 1, operations: p + 2, chaincodeServer: p + 3 };
        }),
    };
}
