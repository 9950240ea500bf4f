// SPDX-License-Identifier: Apache-2.0
/**
 * Where a region's crypto material lives under its folder. Other components (embedded ledger, gateways,
 * Fabric scripts) depend on these paths, so change them only together with their readers.
 */
import { join, resolve } from 'node:path';

/** Paths of a node (peer or orderer): its MSP folder and its `tls/` folder. */
export interface NodePaths {
    /** Host name, e.g. `peer0.hospital-a.region.example`; also a TLS subject alternative name. */
    readonly host: string;
    readonly mspDir: string;
    readonly tlsDir: string;
}

/** Paths of one organisation's material. */
export interface OrganizationPaths {
    /** `<dir>/organizations/<mspId>`. */
    readonly dir: string;
    readonly caCertFile: string;
    readonly caKeyFile: string;
    readonly tlsCaCertFile: string;
    readonly tlsCaKeyFile: string;
    /** File name of the CA certificate inside MSP `cacerts/` folders (cryptogen's name). */
    readonly mspCaCertName: string;
    /** File name of the TLS CA certificate inside MSP `tlscacerts/` folders. */
    readonly mspTlsCaCertName: string;
    /** The organisation MSP (no signing identity): what a channel configuration needs. */
    readonly mspDir: string;
    /** `users/Admin@<domain>/msp`. */
    readonly adminMspDir: string;
    /** `users/gateway@<domain>/msp`: the gateway's client identity that signs ledger transactions. */
    readonly gatewayMspDir: string;
    /** `users/gateway@<domain>/tls`: the gateway user's TLS client certificate. */
    readonly gatewayUserTlsDir: string;
    /** `gateway/tls`: the gateway's HTTPS/p2p server certificate and its p2p client certificate. */
    readonly gatewayTlsDir: string;
    /** Host name of the gateway's server certificate, `gateway.<domain>`. */
    readonly gatewayHost: string;
    /** `peers/peer0.<domain>`. */
    readonly peer: NodePaths;
    /** `orderers/orderer0.<domain>`, the first ordering node ({@link OrganizationPaths.ordererNode}(0)). */
    readonly orderer: NodePaths;
    /**
     * `orderers/orderer<index>.<domain>`: one node of an ordering service, each its own identity and TLS
     * certificate (a Raft consenter is known by its TLS certificate).
     * @param index - 0 for the first node
     */
    ordererNode(index: number): NodePaths;
}

function toNodePaths(base: string, host: string): NodePaths {
    return { host, mspDir: join(base, host, 'msp'), tlsDir: join(base, host, 'tls') };
}

/**
 * Computes the absolute paths of an organisation's material.
 * @param dir - the region's crypto folder (e.g. `./data/crypto`)
 * @param org - MSP id and certificate domain of the organisation
 */
export function toOrganizationPaths(
    dir: string,
    org: { readonly mspId: string; readonly domain: string },
): OrganizationPaths {
    const root = join(resolve(dir), 'organizations', org.mspId);
    const user = (name: string): string => join(root, 'users', `${name}@${org.domain}`);
    return Object.freeze({
        dir: root,
        caCertFile: join(root, 'ca', 'ca-cert.pem'),
        caKeyFile: join(root, 'ca', 'ca-key.pem'),
        tlsCaCertFile: join(root, 'tlsca', 'tlsca-cert.pem'),
        tlsCaKeyFile: join(root, 'tlsca', 'tlsca-key.pem'),
        mspCaCertName: `ca.${org.domain}-cert.pem`,
        mspTlsCaCertName: `tlsca.${org.domain}-cert.pem`,
        mspDir: join(root, 'msp'),
        adminMspDir: join(user('Admin'), 'msp'),
        gatewayMspDir: join(user('gateway'), 'msp'),
        gatewayUserTlsDir: join(user('gateway'), 'tls'),
        gatewayTlsDir: join(root, 'gateway', 'tls'),
        gatewayHost: `gateway.${org.domain}`,
        peer: toNodePaths(join(root, 'peers'), `peer0.${org.domain}`),
        orderer: toNodePaths(join(root, 'orderers'), `orderer0.${org.domain}`),
        ordererNode: (index: number): NodePaths => toNodePaths(join(root, 'orderers'), `orderer${index}.${org.domain}`),
    });
}
