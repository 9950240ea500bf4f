// SPDX-License-Identifier: Apache-2.0
/**
 * Brings a region up on one machine (docs/api.md "The region file"): issues the identities, starts the
 * ledger node, bootstraps the chaincode as the commission, starts one gateway per organisation, approves the
 * organisations and writes `<data>/region.json`. Every step is idempotent, so a restart reuses the data
 * folder, the identities and the tokens. Children run as separate processes and are stopped in order:
 * gateways first, then the ledger node.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { issueRegion, type RegionMaterial } from '../pki/region';
import type { FabricNetwork } from '../fabric/network';
import { approvePending, connectAsCommission, ensureBootstrapped, type CommissionClient } from './bootstrap';
import { readRegionConfig, type OrganizationConfig, type RegionConfig } from '../config/region';
import { toDataLayout, type DataLayout } from './data-layout';
import { connectAsCommissionOnFabric, startRegionFabric, toFabricPeer } from './fabric-ledger';
import type { LaunchOptions } from './launch-options';
import { ensureRoleTokens, writeGatewayConfig, type GatewayPorts } from './org-setup';
import { describeUnexpectedExit, ManagedProcess, type ReadyLine } from './processes';
import { writeRegionFile, type RegionFile, type RegionFileOrganization } from '../../../clients/shared/region-file';

/** Longest wait for a child's ready line. */
const READY_TIMEOUT_MS = 120_000;
/** Log level of fabric-shim and fabric-contract-api inside the children. */
const CHAINCODE_LOG_LEVEL = 'ERROR';
const LEDGER_NODE_SCRIPT = join(__dirname, '..', 'embedded', 'node-main.js');
const GATEWAY_SCRIPT = join(__dirname, '..', '..', '..', 'gateway', 'src', 'main.js');

/** A region that is up. */
export interface RunningRegion {
    readonly layout: DataLayout;
    readonly region: RegionFile;
    /** Stops the gateways, then the ledger node. Safe to call more than once. */
    stop(): Promise<void>;
}

/**
 * Told about progress (one line each), about a child that stopped by itself, and about a loss the region
 * survives (a Fabric orderer that stopped while a majority of orderers still run).
 */
export interface LaunchListener {
    readonly progress: (line: string) => void;
    readonly failure: (message: string) => void;
    readonly warning: (message: string) => void;
}

function readString(ready: ReadyLine, field: string, name: string): string {
    const value = ready[field];
    if (typeof value !== 'string' || value === '') {
        throw new Error(`${name} printed a ready line without ${field}`);
    }
    return value;
}

/**
 * Organisation i gets API n+1+2i and p2p n+2+2i; after them, hospital k (in the region's order) gets its MLLP
 * listener at n+1+2N+k, N organisations in all (the first hospital of the default region: 7409).
 */
function toPorts(options: LaunchOptions, region: RegionConfig, index: number): GatewayPorts {
    const org = region.organizations[index];
    const hospital = region.organizations.filter((o, i) => o.type === 'hospital' && i < index).length;
    const hl7 = org?.type === 'hospital' ? { hl7: 0 } : {};
    if (options.basePort === 0) {
        return { api: 0, p2p: 0, ...hl7 };
    }
    const base = options.basePort;
    const hl7Port = org?.type === 'hospital' ? { hl7: base + 1 + 2 * region.organizations.length + hospital } : {};
    return { api: base + 1 + 2 * index, p2p: base + 2 + 2 * index, ...hl7Port };
}

function assertPortRange(options: LaunchOptions, region: RegionConfig): void {
    const hospitals = region.organizations.filter((o) => o.type === 'hospital').length;
    const last = options.basePort + 2 * region.organizations.length + hospitals;
    if (options.basePort !== 0 && last > 65_535) {
        throw new Error(`Ports ${options.basePort}–${last} do not fit below 65536; choose a lower --port`);
    }
}

/** The children of a region and their shutdown. */
class Children {
    readonly #gateways: ManagedProcess[] = [];
    #ledger: ManagedProcess | undefined;
    #network: FabricNetwork | undefined;
    #stopping: Promise<void> | undefined;
    readonly #onFailure: (message: string) => void;

    constructor(onFailure: (message: string) => void) {
        this.#onFailure = onFailure;
        process.once('exit', () => {
            this.#all().forEach((child) => {
                child.killNow();
            });
            this.#network?.killNow();
        });
    }

    #all(): ManagedProcess[] {
        return this.#ledger ? [...this.#gateways, this.#ledger] : [...this.#gateways];
    }

    #watch(child: ManagedProcess): void {
        child.onUnexpectedExit((exit) => {
            if (this.#stopping === undefined) {
                this.#onFailure(describeUnexpectedExit(child.spec.name, exit, child.spec.logFile));
            }
        });
    }

    setLedger(child: ManagedProcess): void {
        this.#ledger = child;
        this.#watch(child);
    }

    setNetwork(network: FabricNetwork): void {
        this.#network = network;
        void network.failed.then((message) => {
            if (this.#stopping === undefined) {
                this.#onFailure(message);
            }
        });
    }

    addGateway(child: ManagedProcess): void {
        this.#gateways.push(child);
        this.#watch(child);
    }

    stop(): Promise<void> {
        this.#stopping ??= (async (): Promise<void> => {
            await Promise.all(this.#gateways.map((child) => child.stop()));
            await this.#ledger?.stop();
            await this.#network?.stop();
        })();
        return this.#stopping;
    }
}

async function startLedger(
    options: LaunchOptions,
    layout: DataLayout,
    children: Children,
    progress: (line: string) => void,
): Promise<string> {
    const { child, ready } = await ManagedProcess.start({
        name: 'ledger node',
        script: LEDGER_NODE_SCRIPT,
        nodeOptions: options.childNodeOptions,
        args: [
            '--data',
            layout.ledgerDir,
            '--crypto',
            layout.cryptoDir,
            '--region',
            options.regionConfigFile,
            '--port',
            String(options.basePort),
            '--endorsers',
            String(options.endorsers),
        ],
        env: { CORE_CHAINCODE_LOGGING_LEVEL: CHAINCODE_LOG_LEVEL },
        logFile: layout.ledgerLogFile,
        readyTimeoutMs: READY_TIMEOUT_MS,
    });
    children.setLedger(child);
    const url = readString(ready, 'url', 'The ledger node');
    progress(`Ledger node ${url} ready (pid ${String(child.pid)})`);
    return url;
}

interface GatewayContext {
    readonly material: RegionMaterial;
    readonly layout: DataLayout;
    readonly ledgerUrl: string;
    readonly network?: FabricNetwork;
    readonly progress: (line: string) => void;
}

interface GatewayStart {
    readonly org: OrganizationConfig;
    readonly ports: GatewayPorts;
}

async function startGateway(
    start: GatewayStart,
    context: GatewayContext & { region: RegionConfig; options: LaunchOptions },
    children: Children,
): Promise<RegionFileOrganization> {
    const { org, ports } = start;
    const files = context.layout.org(org.mspId);
    const fabricPeer = context.network ? toFabricPeer(context.network, org.mspId) : undefined;
    writeGatewayConfig({ ...context, org, files, ports, fabricPeer });
    const tokens = ensureRoleTokens(files);
    const { child, ready } = await ManagedProcess.start({
        name: `gateway ${org.mspId}`,
        script: GATEWAY_SCRIPT,
        nodeOptions: context.options.childNodeOptions,
        args: [],
        env: { HEALTHCHAIN_GATEWAY_CONFIG: files.gatewayConfigFile, CORE_CHAINCODE_LOGGING_LEVEL: CHAINCODE_LOG_LEVEL },
        logFile: files.logFile,
        readyTimeoutMs: READY_TIMEOUT_MS,
    });
    children.addGateway(child);
    context.progress(`Gateway ${org.mspId} ready (pid ${String(child.pid)})`);
    const member = context.material.organizations.find((o) => o.mspId === org.mspId);
    return {
        mspId: org.mspId,
        type: org.type,
        name: org.name,
        apiUrl: readString(ready, 'apiUrl', child.spec.name),
        p2pUrl: readString(ready, 'p2pUrl', child.spec.name),
        ...(typeof ready.hl7Url === 'string' ? { hl7Url: ready.hl7Url } : {}),
        tlsCaFile: member?.paths.tlsCaCertFile ?? '',
        tokens,
    };
}

async function startGateways(
    region: RegionConfig,
    context: GatewayContext & { options: LaunchOptions },
    children: Children,
): Promise<RegionFileOrganization[]> {
    const starts = region.organizations.map((org, index) => ({ org, ports: toPorts(context.options, region, index) }));
    const results = await Promise.allSettled(
        starts.map((start) => startGateway(start, { ...context, region }, children)),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
        throw failed.reason;
    }
    return results.map((r) => (r as PromiseFulfilledResult<RegionFileOrganization>).value);
}

/** The ledger the gateways use and the commission's client of it. */
interface Backend {
    readonly ledgerUrl: string;
    readonly network?: FabricNetwork;
    readonly commission: CommissionClient;
}

async function startBackend(
    options: LaunchOptions,
    context: { readonly region: RegionConfig; readonly material: RegionMaterial; readonly layout: DataLayout },
    children: Children,
    listener: LaunchListener,
): Promise<Backend> {
    const { region, material, layout } = context;
    if (options.ledger === 'fabric') {
        const network = await startRegionFabric(options, layout, { region, material }, listener);
        children.setNetwork(network);
        const commission = connectAsCommissionOnFabric(region, material, network);
        return { ledgerUrl: `grpcs://${network.ordererEndpoint}`, network, commission };
    }
    const ledgerUrl = await startLedger(options, layout, children, listener.progress);
    return { ledgerUrl, commission: connectAsCommission(region, material, ledgerUrl) };
}

async function bringUp(options: LaunchOptions, listener: LaunchListener, children: Children): Promise<RunningRegion> {
    const region = readRegionConfig(options.regionConfigFile);
    assertPortRange(options, region);
    const layout = toDataLayout(options.dataDir);
    mkdirSync(layout.logsDir, { recursive: true, mode: 0o700 });
    // A region file from an earlier run names URLs that may be gone: it reappears once this run is up.
    rmSync(layout.regionFile, { force: true });
    listener.progress(`Data folder ${layout.dataDir}`);
    const material = await issueRegion(region, layout.cryptoDir);
    const { ledgerUrl, network, commission } = await startBackend(
        options,
        { region, material, layout },
        children,
        listener,
    );
    try {
        if (await ensureBootstrapped(commission.client)) {
            listener.progress('Ledger bootstrapped: the commission is named');
        }
        const context = { options, material, layout, ledgerUrl, network, progress: listener.progress };
        const organizations = await startGateways(region, context, children);
        const approved = await approvePending(commission.client, region);
        if (approved.length > 0) {
            listener.progress(`Approved ${approved.join(', ')}`);
        }
        const file: RegionFile = {
            channel: region.channel,
            ledger: { kind: options.ledger, url: ledgerUrl },
            organizations,
        };
        writeRegionFile(layout.regionFile, file);
        return { layout, region: file, stop: () => children.stop() };
    } finally {
        commission.close();
    }
}

/**
 * Starts a region and resolves once every gateway serves and `region.json` is written.
 * @param options - data folder, ports, region configuration
 * @param listener - progress lines, and a child that stops by itself later
 * @returns the running region
 * @throws Error (after stopping whatever it started) when any step fails
 */
export async function launchRegion(options: LaunchOptions, listener: LaunchListener): Promise<RunningRegion> {
    let starting = true;
    let early: string | undefined;
    const children = new Children((message) => {
        if (starting) {
            early ??= message;
        } else {
            listener.failure(message);
        }
    });
    try {
        const running = await bringUp(options, listener, children);
        starting = false;
        if (early !== undefined) {
            throw new Error(early);
        }
        return running;
    } catch (error) {
        await children.stop();
        throw error;
    }
}
