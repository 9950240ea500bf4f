// SPDX-License-Identifier: Apache-2.0
/**
 * A native loopback Hyperledger Fabric network for a region, from the binaries of a Fabric 2.5 release
 * (`FABRIC_BIN`; no Docker): one or three etcdraft orderers (each a Raft consenter with its own identity and
 * TLS certificate), one peer per member organisation (LevelDB, Gateway service), the channel created with
 * `osnadmin` on every orderer, the chaincode deployed as a service (one chaincode server per organisation,
 * `fabric-chaincode-node server` over `chaincode/dist`). The first start creates the channel and deploys the
 * chaincode and writes `deployment.json`; later starts on the same folder only start the processes. Stopping
 * stops the chaincode servers, the peers, then the orderers.
 *
 * A process that stops by itself fails the network, except an orderer while a majority of the orderers still
 * run: Raft goes on ordering, so that is a warning.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MemberMaterial, RegionMaterial } from '../pki/region';
import type { RegionConfig } from '../config/region';
import { toOrdererEnv, toOrdererNode, toPeerEnv, writeConfigtx, writeCoreYaml } from './config-files';
import { toFabricLayout, toFabricPorts, type FabricLayout, type FabricPorts, type PeerPorts } from './layout';
import {
    approveDefinition,
    commitDefinition,
    installPackage,
    joinOrderer,
    joinPeer,
    writeGenesisBlock,
    type ChaincodeDefinition,
    type FabricTools,
    type MemberNode,
} from './lifecycle';
import { CHAINCODE_DIR, DEFAULT_LABEL, writeCcaasPackage } from './packages';
import { findFreePortBase, ServerProcess } from './process';

/** How to start a network. */
export interface FabricNetworkOptions {
    /** The release's `bin/` folder; its sibling `config/` holds the shipped core.yaml and orderer.yaml. */
    readonly fabricBin: string;
    /** The network folder (made if missing, reused if it holds a deployment). */
    readonly dir: string;
    readonly region: RegionConfig;
    readonly material: RegionMaterial;
    /** The first orderer's port, the rest follow (`layout.ts`); 0 picks a free range. Ignored on a reused folder. */
    readonly basePort: number;
    /**
     * How many orderers a new network has, 1 to 3 (default 1). A reused folder keeps the number it was made
     * with; asking for another is an error.
     */
    readonly orderers?: number;
    readonly progress?: (line: string) => void;
    /** Told when an orderer stops by itself while a majority of orderers still run (the network goes on). */
    readonly warning?: (line: string) => void;
}

/** How a client, or an operator, reaches one orderer. */
export interface OrdererEndpoint {
    /** `127.0.0.1:<port>`: ordering and Raft. */
    readonly endpoint: string;
    /** `http://127.0.0.1:<port>`: the operations service (`/healthz`, `/metrics`). */
    readonly operationsUrl: string;
    /** The name in its TLS certificate. */
    readonly hostAlias: string;
}

/** How a client reaches one organisation's peer. */
export interface PeerEndpoint {
    readonly mspId: string;
    /** `127.0.0.1:<port>`. */
    readonly endpoint: string;
    /** The name in the peer's TLS certificate. */
    readonly hostAlias: string;
    /** The organisation's TLS CA certificate. */
    readonly tlsCaFile: string;
}

/** A running network. */
export interface FabricNetwork {
    readonly layout: FabricLayout;
    readonly ports: FabricPorts;
    /** The first orderer's endpoint. */
    readonly ordererEndpoint: string;
    /** Every orderer, in the order of the channel's consenters. */
    readonly orderers: readonly OrdererEndpoint[];
    readonly peers: readonly PeerEndpoint[];
    /** Process ids of everything running. */
    pids(): number[];
    /** The process id of an organisation's peer. */
    pidOf(mspId: string): number | undefined;
    /** The process id of orderer `index` (0 for the first), while it runs. */
    pidOfOrderer(index: number): number | undefined;
    /** Stops one organisation's peer (tests: a peer that is down). */
    stopPeer(mspId: string): Promise<void>;
    /** Resolves when any process of the network exits without being asked to. */
    readonly failed: Promise<string>;
    /** Stops everything; safe to call more than once. */
    stop(): Promise<void>;
    /** Kills everything at once (the caller is exiting). */
    killNow(): void;
}

interface Deployment {
    readonly basePort: number;
    /** Absent in a network made before there could be several: one. */
    readonly orderers?: number;
    readonly label: string;
    readonly packageIds: Readonly<Record<string, string>>;
}

const READY_TIMEOUT_MS = 60_000;
const CHAINCODE_VERSION = '1.0';
const SHIM_CLI = require.resolve('fabric-shim/cli.js');

function readDeployment(file: string): Deployment | undefined {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Deployment) : undefined;
}

function toNodes(material: RegionMaterial, ports: FabricPorts, layout: FabricLayout): MemberNode[] {
    return material.organizations.map((member, i) => {
        const peerPorts = ports.peers[i];
        if (!peerPorts) {
            throw new Error(`No ports for ${member.mspId}`);
        }
        return { member, ports: peerPorts, configDir: layout.peer(member.mspId).configDir };
    });
}

/** The processes of a network and their order of shutdown. */
class Processes {
    readonly chaincodes = new Map<string, ServerProcess>();
    readonly peers = new Map<string, ServerProcess>();
    /** In consenter order. */
    readonly orderers: ServerProcess[] = [];
    readonly #stopped = new Set<ServerProcess>();
    readonly #warning: (line: string) => void;
    #stopping: Promise<void> | undefined;
    #onFailure: (message: string) => void = () => undefined;
    readonly failed = new Promise<string>((resolve) => {
        this.#onFailure = resolve;
    });

    constructor(warning: (line: string) => void) {
        this.#warning = warning;
    }

    all(): ServerProcess[] {
        return [...this.chaincodes.values(), ...this.peers.values(), ...this.orderers];
    }

    watch(server: ServerProcess): ServerProcess {
        void server.exited().then(() => {
            if (this.#isUnexpected(server)) {
                this.#onFailure(`${server.spec.name} stopped by itself; see ${server.spec.logFile}`);
            }
        });
        return server;
    }

    /** Watches an orderer of `total`: its loss fails the network only when no majority of orderers is left. */
    watchOrderer(server: ServerProcess, total: number): ServerProcess {
        void server.exited().then(() => {
            if (!this.#isUnexpected(server)) {
                return;
            }
            const running = this.orderers.filter((orderer) => orderer.isRunning).length;
            const message = `${server.spec.name} stopped by itself; see ${server.spec.logFile}`;
            if (2 * running > total) {
                this.#warning(`${message}; ordering goes on with ${running} of ${total} orderers`);
            } else {
                this.#onFailure(`${message}; ${running} of ${total} orderers left, no majority to order`);
            }
        });
        return server;
    }

    #isUnexpected(server: ServerProcess): boolean {
        return this.#stopping === undefined && !this.#stopped.has(server);
    }

    async stopOne(server: ServerProcess): Promise<void> {
        this.#stopped.add(server);
        await server.stop();
    }

    stop(): Promise<void> {
        this.#stopping ??= (async (): Promise<void> => {
            await Promise.all([...this.chaincodes.values()].map((s) => s.stop()));
            await Promise.all([...this.peers.values()].map((s) => s.stop()));
            await Promise.all(this.orderers.map((s) => s.stop()));
        })();
        return this.#stopping;
    }
}

function startOrderer(
    tools: FabricTools,
    layout: FabricLayout,
    material: RegionMaterial,
    ports: FabricPorts,
    index: number,
): Promise<ServerProcess> {
    const files = layout.orderer(index);
    const ordererPorts = ports.orderers[index];
    if (!ordererPorts) {
        throw new Error(`No ports for orderer ${index}`);
    }
    mkdirSync(files.dir, { recursive: true, mode: 0o700 });
    const env = toOrdererEnv(toOrdererNode(material, index), material.orderer.mspId, ordererPorts, files);
    return ServerProcess.start({
        name: index === 0 ? 'orderer' : `orderer${index}`,
        command: join(tools.binDir, 'orderer'),
        args: [],
        env: { ...process.env, FABRIC_CFG_PATH: tools.configDir, ...env },
        logFile: files.logFile,
        readyPort: ordererPorts.listen,
        readyTimeoutMs: READY_TIMEOUT_MS,
    });
}

function startPeer(tools: FabricTools, layout: FabricLayout, node: MemberNode): Promise<ServerProcess> {
    const files = layout.peer(node.member.mspId);
    mkdirSync(files.dataDir, { recursive: true, mode: 0o700 });
    return ServerProcess.start({
        name: `peer ${node.member.mspId}`,
        command: join(tools.binDir, 'peer'),
        args: ['node', 'start'],
        env: { ...process.env, FABRIC_CFG_PATH: files.configDir, ...toPeerEnv(node.member, node.ports, files.dataDir) },
        logFile: files.logFile,
        readyPort: node.ports.listen,
        readyTimeoutMs: READY_TIMEOUT_MS,
    });
}

function startChaincode(
    layout: FabricLayout,
    member: MemberMaterial,
    ports: PeerPorts,
    packageId: string,
): Promise<ServerProcess> {
    return ServerProcess.start({
        name: `chaincode ${member.mspId}`,
        command: process.execPath,
        args: [SHIM_CLI, 'server', '--chaincode-address', `127.0.0.1:${ports.chaincodeServer}`].concat([
            '--chaincode-id',
            packageId,
            '--module-path',
            CHAINCODE_DIR,
        ]),
        env: { ...process.env, CORE_CHAINCODE_LOGGING_LEVEL: process.env.CORE_CHAINCODE_LOGGING_LEVEL ?? 'WARNING' },
        cwd: CHAINCODE_DIR,
        logFile: layout.peer(member.mspId).chaincodeLogFile,
        readyPort: ports.chaincodeServer,
        readyTimeoutMs: READY_TIMEOUT_MS,
    });
}

async function prepare(options: FabricNetworkOptions, tools: FabricTools, layout: FabricLayout): Promise<Deployment> {
    const base =
        options.basePort === 0
            ? await findFreePortBase(14 + 10 * options.region.organizations.length)
            : options.basePort;
    const orderers = options.orderers ?? 1;
    const ports = toFabricPorts(base, options.material.organizations.length, orderers);
    writeConfigtx(layout, options.material, ports);
    await writeGenesisBlock(tools, layout, options.region.channel);
    const packageIds: Record<string, string> = {};
    for (const node of toNodes(options.material, ports, layout)) {
        writeCoreYaml(tools.configDir, node.configDir);
        const file = layout.peer(node.member.mspId).ccaasPackageFile;
        const address = `127.0.0.1:${node.ports.chaincodeServer}`;
        packageIds[node.member.mspId] = await writeCcaasPackage(file, { label: DEFAULT_LABEL, address });
    }
    return { basePort: base, orderers, label: DEFAULT_LABEL, packageIds };
}

async function deploy(
    options: FabricNetworkOptions,
    tools: FabricTools,
    context: { layout: FabricLayout; ports: FabricPorts; nodes: MemberNode[]; deployment: Deployment },
): Promise<void> {
    const { layout, ports, nodes, deployment } = context;
    const progress = options.progress ?? ((): void => undefined);
    for (const index of ports.orderers.keys()) {
        await joinOrderer(tools, layout, options.material, ports, { channel: options.region.channel, index });
    }
    for (const node of nodes) {
        await joinPeer(tools, node, layout);
    }
    progress(`Channel ${options.region.channel} created; ${nodes.length} peers joined`);
    const definition: ChaincodeDefinition = {
        channel: options.region.channel,
        name: options.region.chaincode,
        version: CHAINCODE_VERSION,
        sequence: 1,
    };
    for (const node of nodes) {
        const mspId = node.member.mspId;
        await installPackage(tools, node, layout.peer(mspId).ccaasPackageFile);
        const packageId = deployment.packageIds[mspId] ?? '';
        await approveDefinition(tools, node, { material: options.material, ports, definition, packageId });
    }
    await commitDefinition(tools, nodes, { material: options.material, ports, definition });
    progress(`Chaincode ${definition.name} ${definition.version} committed (every organisation approved)`);
}

/** The orderers of a network: as many as it was made with; asking a made network for another count fails. */
function toOrdererCount(options: FabricNetworkOptions, deployment: Deployment, dir: string): number {
    const orderers = deployment.orderers ?? 1;
    if (options.orderers !== undefined && options.orderers !== orderers) {
        throw new Error(
            `${dir} holds a network of ${orderers} orderer(s), not ${options.orderers}: ` +
                'start it as it was made, or remove the folder to make a new one',
        );
    }
    return orderers;
}

/** Starts every orderer at once; those that started are kept in `processes` even when another fails. */
async function startOrderers(
    context: { tools: FabricTools; layout: FabricLayout; material: RegionMaterial; ports: FabricPorts },
    processes: Processes,
): Promise<void> {
    const { tools, layout, material, ports } = context;
    const started = await Promise.allSettled(
        ports.orderers.map((_, index) => startOrderer(tools, layout, material, ports, index)),
    );
    for (const result of started) {
        if (result.status === 'fulfilled') {
            processes.orderers.push(processes.watchOrderer(result.value, ports.orderers.length));
        }
    }
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) {
        throw failed.reason;
    }
}

async function startMembers(
    context: { tools: FabricTools; layout: FabricLayout; nodes: MemberNode[]; deployment: Deployment },
    processes: Processes,
): Promise<void> {
    const { tools, layout, nodes, deployment } = context;
    const peers = await Promise.all(nodes.map((node) => startPeer(tools, layout, node)));
    nodes.forEach((node, i) => processes.peers.set(node.member.mspId, processes.watch(peers[i] as ServerProcess)));
    for (const node of nodes) {
        const id = deployment.packageIds[node.member.mspId] ?? '';
        processes.chaincodes.set(
            node.member.mspId,
            processes.watch(await startChaincode(layout, node.member, node.ports, id)),
        );
    }
}

function toFabricNetwork(
    context: { layout: FabricLayout; ports: FabricPorts; nodes: MemberNode[]; material: RegionMaterial },
    processes: Processes,
): FabricNetwork {
    const { layout, ports, nodes, material } = context;
    return {
        layout,
        ports,
        ordererEndpoint: `127.0.0.1:${String(ports.orderers[0]?.listen)}`,
        orderers: ports.orderers.map((orderer, index) => ({
            endpoint: `127.0.0.1:${orderer.listen}`,
            operationsUrl: `http://127.0.0.1:${orderer.operations}`,
            hostAlias: toOrdererNode(material, index).host,
        })),
        peers: nodes.map((node) => ({
            mspId: node.member.mspId,
            endpoint: `127.0.0.1:${node.ports.listen}`,
            hostAlias: node.member.peer.host,
            tlsCaFile: node.member.peer.tls.caCertFile,
        })),
        pids: () =>
            processes
                .all()
                .filter((p) => p.isRunning)
                .flatMap((p) => (p.pid === undefined ? [] : [p.pid])),
        pidOf: (mspId) => processes.peers.get(mspId)?.pid,
        pidOfOrderer: (index) => processes.orderers[index]?.pid,
        stopPeer: async (mspId) => {
            const peer = processes.peers.get(mspId);
            if (peer) {
                await processes.stopOne(peer);
            }
        },
        failed: processes.failed,
        stop: () => processes.stop(),
        killNow: () => {
            processes.all().forEach((p) => {
                p.killNow();
            });
        },
    };
}

/**
 * Starts (and on first use creates) a region's loopback Fabric network.
 * @param options - the release, the folder, the region and its material, ports, how many orderers
 * @returns the running network
 * @throws Error (after stopping what it started) when a step fails
 */
export async function startFabricNetwork(options: FabricNetworkOptions): Promise<FabricNetwork> {
    const tools: FabricTools = { binDir: options.fabricBin, configDir: join(dirname(options.fabricBin), 'config') };
    if (!existsSync(join(CHAINCODE_DIR, 'dist', 'index.js'))) {
        throw new Error('chaincode/dist is missing: run npm run build:chaincode first');
    }
    const layout = toFabricLayout(options.dir);
    mkdirSync(layout.logsDir, { recursive: true, mode: 0o700 });
    const existing = readDeployment(layout.deploymentFile);
    const deployment = existing ?? (await prepare(options, tools, layout));
    const orderers = toOrdererCount(options, deployment, layout.dir);
    const material = options.material;
    const ports = toFabricPorts(deployment.basePort, material.organizations.length, orderers);
    const nodes = toNodes(material, ports, layout);
    const processes = new Processes(options.warning ?? ((): void => undefined));
    try {
        await startOrderers({ tools, layout, material, ports }, processes);
        await startMembers({ tools, layout, nodes, deployment }, processes);
        if (!existing) {
            await deploy(options, tools, { layout, ports, nodes, deployment });
            writeFileSync(layout.deploymentFile, JSON.stringify(deployment, null, 2) + '\n');
        }
    } catch (error) {
        await processes.stop();
        throw error;
    }
    return toFabricNetwork({ layout, ports, nodes, material }, processes);
}
