// SPDX-License-Identifier: Apache-2.0
/**
 * The Fabric configuration a loopback network is made from: `configtx.yaml` (four member organisations and
 * the orderer organisation, etcdraft with one consenter per orderer, every orderer an ordering endpoint,
 * endorsement by a MAJORITY of member organisations,
 * anchor peers so that each peer's gateway finds the others), one `core.yaml` per peer (the shipped file with
 * our external chaincode builder, LevelDB, Docker off) and the environment of the orderer, the peers and the
 * peer CLI acting as an organisation's admin.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { MemberMaterial, NodeMaterial, RegionMaterial } from '../pki/region';
import type { FabricLayout, FabricPorts, OrdererFiles, OrdererPorts, PeerPorts } from './layout';

/** The builder folder (`bin/detect`, `bin/build`, `bin/release`) shipped in `network/fabric/builders/ccaas`. */
export const CCAAS_BUILDER_DIR = join(__dirname, '..', '..', '..', '..', 'network', 'fabric', 'builders', 'ccaas');
/** The profile name in the generated configtx.yaml. */
export const CHANNEL_PROFILE = 'HealthChainChannel';

const LOOPBACK = '127.0.0.1';

function at(port: number): string {
    return `${LOOPBACK}:${port}`;
}

function signature(rule: string): { Type: 'Signature'; Rule: string } {
    return { Type: 'Signature', Rule: rule };
}

function implicit(rule: string): { Type: 'ImplicitMeta'; Rule: string } {
    return { Type: 'ImplicitMeta', Rule: rule };
}

function toMemberOrg(member: MemberMaterial, ports: PeerPorts): Record<string, unknown> {
    const id = member.mspId;
    return {
        Name: id,
        ID: id,
        MSPDir: member.mspDir,
        Policies: {
            Readers: signature(`OR('${id}.admin', '${id}.peer', '${id}.client')`),
            Writers: signature(`OR('${id}.admin', '${id}.client')`),
            Admins: signature(`OR('${id}.admin')`),
            Endorsement: signature(`OR('${id}.peer')`),
        },
        AnchorPeers: [{ Host: LOOPBACK, Port: ports.listen }],
    };
}

/**
 * The ordering node that runs as orderer `index`: each its own identity and TLS certificate.
 * @param material - the region's material
 * @param index - 0 for the first orderer
 * @throws Error when the material has fewer ordering nodes
 */
export function toOrdererNode(material: RegionMaterial, index: number): NodeMaterial {
    const node = material.orderer.nodes[index];
    if (!node) {
        throw new Error(
            `The region's crypto material has ${material.orderer.nodes.length} ordering nodes, not ${index + 1}`,
        );
    }
    return node;
}

function toOrdererOrg(material: RegionMaterial, ports: readonly OrdererPorts[]): Record<string, unknown> {
    const id = material.orderer.mspId;
    return {
        Name: id,
        ID: id,
        MSPDir: material.orderer.mspDir,
        Policies: {
            Readers: signature(`OR('${id}.member')`),
            Writers: signature(`OR('${id}.member')`),
            Admins: signature(`OR('${id}.admin')`),
        },
        // Every orderer: peers deliver blocks from, and their gateways submit to, whichever answers.
        OrdererEndpoints: ports.map((orderer) => at(orderer.listen)),
    };
}

const CHANNEL_POLICIES = {
    Readers: implicit('ANY Readers'),
    Writers: implicit('ANY Writers'),
    Admins: implicit('MAJORITY Admins'),
};

/**
 * The configtx document (configtxgen's input) of a region.
 * @param material - the region's crypto material
 * @param ports - the network's ports
 */
export function toConfigtx(material: RegionMaterial, ports: FabricPorts): Record<string, unknown> {
    const members = material.organizations.map((member, i) => {
        const peerPorts = ports.peers[i];
        if (!peerPorts) {
            throw new Error(`No ports for ${member.mspId}`);
        }
        return toMemberOrg(member, peerPorts);
    });
    const orderer = {
        OrdererType: 'etcdraft',
        EtcdRaft: {
            // One Raft consenter per orderer, known by its own TLS certificate; three keep ordering through the
            // loss of one (a majority remains).
            Consenters: ports.orderers.map((orderer, index) => {
                const { tls } = toOrdererNode(material, index);
                return {
                    Host: LOOPBACK,
                    Port: orderer.listen,
                    ClientTLSCert: tls.certFile,
                    ServerTLSCert: tls.certFile,
                };
            }),
        },
        // An interactive exchange: a fetch is two transactions in a row, each waiting for its block, so an idle
        // network cuts a block 50 ms after its first transaction instead of Fabric's default 2 s; under load
        // blocks fill (MaxMessageCount) before the timeout and the timeout costs nothing.
        BatchTimeout: '50ms',
        BatchSize: { MaxMessageCount: 50, AbsoluteMaxBytes: '10 MB', PreferredMaxBytes: '2 MB' },
        Organizations: [toOrdererOrg(material, ports.orderers)],
        Policies: { ...CHANNEL_POLICIES, BlockValidation: implicit('ANY Writers') },
        Capabilities: { V2_0: true },
    };
    const application = {
        Organizations: members,
        Policies: {
            ...CHANNEL_POLICIES,
            // A transaction needs the peers of a majority of member organisations (docs/design.md "Fabric").
            LifecycleEndorsement: implicit('MAJORITY Endorsement'),
            Endorsement: implicit('MAJORITY Endorsement'),
        },
        Capabilities: { V2_5: true },
    };
    return {
        Profiles: {
            [CHANNEL_PROFILE]: {
                Policies: CHANNEL_POLICIES,
                Capabilities: { V2_0: true },
                Orderer: orderer,
                Application: application,
            },
        },
    };
}

/**
 * Writes `configtx.yaml`.
 * @param layout - the network folder
 * @param material - the region's crypto material
 * @param ports - the network's ports
 */
export function writeConfigtx(layout: FabricLayout, material: RegionMaterial, ports: FabricPorts): void {
    mkdirSync(layout.configDir, { recursive: true, mode: 0o700 });
    const header = '# SPDX-License-Identifier: Apache-2.0\n# Generated by network/src/fabric; edit the generator.\n';
    writeFileSync(layout.configtxFile, header + stringify(toConfigtx(material, ports)));
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new Error(`core.yaml: ${where} is not a mapping`);
    }
    return value as Record<string, unknown>;
}

/**
 * Writes a peer's `core.yaml`: the release's shipped file with only what a loopback network without Docker
 * needs changed (the rest — addresses, MSP, TLS — comes from the environment, {@link toPeerEnv}).
 * @param fabricConfigDir - the release's `config/` folder
 * @param configDir - where to write
 */
export function writeCoreYaml(fabricConfigDir: string, configDir: string): void {
    const core = asRecord(parse(readFileSync(join(fabricConfigDir, 'core.yaml'), 'utf8')), 'document');
    const chaincode = asRecord(core.chaincode, 'chaincode');
    chaincode.externalBuilders = [{ name: 'healthchain-ccaas', path: CCAAS_BUILDER_DIR }];
    // No Docker: the only chaincode is served by our builder's chaincode-as-a-service packages.
    asRecord(core.vm, 'vm').endpoint = '';
    const ledger = asRecord(core.ledger, 'ledger');
    asRecord(ledger.state, 'ledger.state').stateDatabase = 'goleveldb';
    mkdirSync(configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(configDir, 'core.yaml'), stringify(core));
}

/**
 * An orderer's environment (overrides of the shipped `orderer.yaml`).
 * @param node - its identity and TLS certificate ({@link toOrdererNode})
 * @param mspId - the ordering organisation
 * @param ports - its ports
 * @param files - its folder
 */
export function toOrdererEnv(
    node: NodeMaterial,
    mspId: string,
    ports: OrdererPorts,
    files: OrdererFiles,
): NodeJS.ProcessEnv {
    const tls = node.tls;
    return {
        ORDERER_GENERAL_LISTENADDRESS: LOOPBACK,
        ORDERER_GENERAL_LISTENPORT: String(ports.listen),
        ORDERER_GENERAL_LOCALMSPID: mspId,
        ORDERER_GENERAL_LOCALMSPDIR: node.identity.mspDir,
        ORDERER_GENERAL_TLS_ENABLED: 'true',
        ORDERER_GENERAL_TLS_CERTIFICATE: tls.certFile,
        ORDERER_GENERAL_TLS_PRIVATEKEY: tls.keyFile,
        ORDERER_GENERAL_TLS_ROOTCAS: `[${tls.caCertFile}]`,
        ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: tls.certFile,
        ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: tls.keyFile,
        ORDERER_GENERAL_CLUSTER_ROOTCAS: `[${tls.caCertFile}]`,
        ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
        ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
        ORDERER_ADMIN_LISTENADDRESS: at(ports.admin),
        ORDERER_ADMIN_TLS_ENABLED: 'true',
        ORDERER_ADMIN_TLS_CERTIFICATE: tls.certFile,
        ORDERER_ADMIN_TLS_PRIVATEKEY: tls.keyFile,
        ORDERER_ADMIN_TLS_ROOTCAS: `[${tls.caCertFile}]`,
        ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
        ORDERER_ADMIN_TLS_CLIENTROOTCAS: `[${tls.caCertFile}]`,
        ORDERER_OPERATIONS_LISTENADDRESS: at(ports.operations),
        // `/metrics` on the operations port says which orderer leads the Raft cluster
        // (consensus_etcdraft_is_leader), for operators and for the test that stops the leader.
        ORDERER_METRICS_PROVIDER: 'prometheus',
        ORDERER_FILELEDGER_LOCATION: join(files.dir, 'ledger'),
        ORDERER_CONSENSUS_WALDIR: join(files.dir, 'etcdraft', 'wal'),
        ORDERER_CONSENSUS_SNAPDIR: join(files.dir, 'etcdraft', 'snapshot'),
    };
}

/**
 * How long a peer's Gateway service waits for one other peer's endorsement, and for one orderer to accept a
 * transaction, before it tries another or gives up (the release's default is 30 s, as long as a caller would
 * wait). Below the gateways' own 2.5 s call deadline (`ledgerTimeoutMs`): a frozen endorser or orderer costs
 * one 2 s wait, after which the peer tries another layout of endorsers or another orderer, or answers that
 * too few organisations endorsed; if it is still waiting when the gateway's deadline passes, the gateway
 * fails closed on its own. Either way the caller hears `LEDGER_UNAVAILABLE` within about three seconds.
 */
export const PEER_GATEWAY_TIMEOUT = '2s';

/**
 * A peer's environment (overrides of its `core.yaml`).
 * @param member - the organisation's material
 * @param ports - the peer's ports
 * @param dataDir - the peer's ledger folder
 */
export function toPeerEnv(member: MemberMaterial, ports: PeerPorts, dataDir: string): NodeJS.ProcessEnv {
    const { peer } = member;
    return {
        CORE_PEER_ID: peer.host,
        CORE_PEER_ADDRESS: at(ports.listen),
        CORE_PEER_LISTENADDRESS: at(ports.listen),
        CORE_PEER_CHAINCODEADDRESS: at(ports.chaincodeListen),
        CORE_PEER_CHAINCODELISTENADDRESS: at(ports.chaincodeListen),
        // One peer per organisation: it bootstraps gossip from itself and is known to the other
        // organisations through its external endpoint (and the anchor peers of the channel configuration).
        CORE_PEER_GOSSIP_BOOTSTRAP: at(ports.listen),
        CORE_PEER_GOSSIP_EXTERNALENDPOINT: at(ports.listen),
        CORE_PEER_LOCALMSPID: member.mspId,
        CORE_PEER_MSPCONFIGPATH: peer.identity.mspDir,
        CORE_PEER_TLS_ENABLED: 'true',
        CORE_PEER_TLS_CERT_FILE: peer.tls.certFile,
        CORE_PEER_TLS_KEY_FILE: peer.tls.keyFile,
        CORE_PEER_TLS_ROOTCERT_FILE: peer.tls.caCertFile,
        CORE_PEER_FILESYSTEMPATH: dataDir,
        CORE_PEER_GATEWAY_ENABLED: 'true',
        CORE_PEER_GATEWAY_ENDORSEMENTTIMEOUT: PEER_GATEWAY_TIMEOUT,
        CORE_PEER_GATEWAY_BROADCASTTIMEOUT: PEER_GATEWAY_TIMEOUT,
        CORE_OPERATIONS_LISTENADDRESS: at(ports.operations),
        CORE_METRICS_PROVIDER: 'disabled',
        CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb',
    };
}

/**
 * The peer CLI's environment acting as an organisation's admin against its own peer.
 * @param member - the organisation's material
 * @param ports - the peer's ports
 * @param configDir - the folder holding the peer's core.yaml
 */
export function toAdminCliEnv(member: MemberMaterial, ports: PeerPorts, configDir: string): NodeJS.ProcessEnv {
    return {
        FABRIC_CFG_PATH: configDir,
        CORE_PEER_LOCALMSPID: member.mspId,
        CORE_PEER_MSPCONFIGPATH: member.admin.mspDir,
        CORE_PEER_ADDRESS: at(ports.listen),
        CORE_PEER_TLS_ENABLED: 'true',
        CORE_PEER_TLS_ROOTCERT_FILE: member.peer.tls.caCertFile,
    };
}
