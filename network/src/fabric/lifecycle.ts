// SPDX-License-Identifier: Apache-2.0
/**
 * Channel and chaincode set-up with Fabric's own tools: `configtxgen` makes the channel's first block,
 * `osnadmin channel join` gives it to each orderer (channel participation API, no system channel), every
 * organisation's admin joins its peer, installs its chaincode-as-a-service package and approves the
 * definition, and one admin commits it once every organisation has approved.
 */
import { join } from 'node:path';
import type { MemberMaterial, RegionMaterial } from '../pki/region';
import { CHANNEL_PROFILE, toAdminCliEnv, toOrdererNode } from './config-files';
import type { FabricLayout, FabricPorts, PeerPorts } from './layout';
import { runTool } from './process';

/** The binaries of a Fabric release. */
export interface FabricTools {
    readonly binDir: string;
    /** The release's `config/` folder (shipped core.yaml, orderer.yaml). */
    readonly configDir: string;
}

/** A chaincode definition. */
export interface ChaincodeDefinition {
    readonly channel: string;
    readonly name: string;
    readonly version: string;
    readonly sequence: number;
}

/** One member organisation as the lifecycle steps need it. */
export interface MemberNode {
    readonly member: MemberMaterial;
    readonly ports: PeerPorts;
    /** Folder of the peer's core.yaml. */
    readonly configDir: string;
}

function tool(tools: FabricTools, name: string): string {
    return join(tools.binDir, name);
}

function at(port: number): string {
    return `127.0.0.1:${port}`;
}

/**
 * Writes the channel's first block with configtxgen.
 * @param tools - the release
 * @param layout - the network folder (configtx.yaml written already)
 * @param channel - the channel name
 */
export async function writeGenesisBlock(tools: FabricTools, layout: FabricLayout, channel: string): Promise<void> {
    const args = ['-profile', CHANNEL_PROFILE, '-channelID', channel, '-outputBlock', layout.genesisBlockFile];
    await runTool(tool(tools, 'configtxgen'), [...args, '-configPath', layout.configDir], process.env);
}

/**
 * Joins an orderer to the channel through its admin endpoint (mutual TLS with that orderer node's certificate).
 * Every orderer of the channel is joined with the same first block, which names them all as consenters.
 * @param tools - the release
 * @param layout - the network folder
 * @param material - the region's material
 * @param ports - the network's ports
 * @param target - the channel name and the orderer's index
 */
export async function joinOrderer(
    tools: FabricTools,
    layout: FabricLayout,
    material: RegionMaterial,
    ports: FabricPorts,
    target: { readonly channel: string; readonly index: number },
): Promise<void> {
    const { tls } = toOrdererNode(material, target.index);
    const admin = ports.orderers[target.index]?.admin;
    if (admin === undefined) {
        throw new Error(`No ports for orderer ${target.index}`);
    }
    await runTool(
        tool(tools, 'osnadmin'),
        [
            'channel',
            'join',
            '--channelID',
            target.channel,
            '--config-block',
            layout.genesisBlockFile,
            '-o',
            at(admin),
        ].concat(['--ca-file', tls.caCertFile, '--client-cert', tls.certFile, '--client-key', tls.keyFile]),
        process.env,
    );
}

/** How long an ordering transaction is retried while the new channel's Raft cluster elects its leader. */
const NO_LEADER_ATTEMPTS = 30;

async function peerCli(tools: FabricTools, node: MemberNode, args: readonly string[]): Promise<string> {
    const env = { ...process.env, ...toAdminCliEnv(node.member, node.ports, node.configDir) };
    for (let attempt = 1; ; attempt++) {
        try {
            return await runTool(tool(tools, 'peer'), args, env);
        } catch (error) {
            // The CLI reports the orderer's status only as text: SERVICE_UNAVAILABLE until a Raft leader exists.
            const waiting = error instanceof Error && error.message.includes('SERVICE_UNAVAILABLE');
            if (!waiting || attempt >= NO_LEADER_ATTEMPTS) {
                throw error;
            }
            await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
    }
}

/**
 * The organisation's admin joins its peer to the channel.
 * @param tools - the release
 * @param node - the organisation
 * @param layout - the network folder
 */
export async function joinPeer(tools: FabricTools, node: MemberNode, layout: FabricLayout): Promise<void> {
    await peerCli(tools, node, ['channel', 'join', '-b', layout.genesisBlockFile]);
}

/**
 * Installs a chaincode package on the organisation's peer.
 * @param tools - the release
 * @param node - the organisation
 * @param packageFile - the package
 */
export async function installPackage(tools: FabricTools, node: MemberNode, packageFile: string): Promise<void> {
    await peerCli(tools, node, ['lifecycle', 'chaincode', 'install', packageFile]);
}

/** The first orderer: lifecycle transactions are made while every orderer of a new channel runs. */
function ordererArgs(material: RegionMaterial, ports: FabricPorts): string[] {
    const first = ports.orderers[0]?.listen ?? 0;
    return ['-o', at(first), '--tls', '--cafile', material.orderer.orderer.tls.caCertFile];
}

function definitionArgs(definition: ChaincodeDefinition): string[] {
    return ['--channelID', definition.channel, '--name', definition.name].concat([
        '--version',
        definition.version,
        '--sequence',
        String(definition.sequence),
    ]);
}

/**
 * The organisation approves the chaincode definition for its peer's package. No `--signature-policy`: the
 * definition uses the channel's `/Channel/Application/Endorsement` policy, a MAJORITY of member organisations.
 * @param tools - the release
 * @param node - the organisation
 * @param context - region material, ports, definition and this organisation's package id
 */
export async function approveDefinition(
    tools: FabricTools,
    node: MemberNode,
    context: {
        readonly material: RegionMaterial;
        readonly ports: FabricPorts;
        readonly definition: ChaincodeDefinition;
        readonly packageId: string;
    },
): Promise<void> {
    await peerCli(tools, node, [
        'lifecycle',
        'chaincode',
        'approveformyorg',
        ...ordererArgs(context.material, context.ports),
        ...definitionArgs(context.definition),
        '--package-id',
        context.packageId,
    ]);
}

/**
 * Commits the chaincode definition, endorsed by every member organisation's peer.
 * @param tools - the release
 * @param nodes - every member organisation; the first one's admin submits
 * @param context - region material, ports and definition
 */
export async function commitDefinition(
    tools: FabricTools,
    nodes: readonly MemberNode[],
    context: {
        readonly material: RegionMaterial;
        readonly ports: FabricPorts;
        readonly definition: ChaincodeDefinition;
    },
): Promise<void> {
    const [first] = nodes;
    if (!first) {
        throw new Error('A region needs at least one member organisation');
    }
    const peers = nodes.flatMap((node) => [
        '--peerAddresses',
        at(node.ports.listen),
        '--tlsRootCertFiles',
        node.member.peer.tls.caCertFile,
    ]);
    await peerCli(tools, first, [
        'lifecycle',
        'chaincode',
        'commit',
        ...ordererArgs(context.material, context.ports),
        ...definitionArgs(context.definition),
        ...peers,
    ]);
}
