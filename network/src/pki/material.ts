// SPDX-License-Identifier: Apache-2.0
/**
 * A region's issued material as typed paths and certificates. Private keys stay on disk: a key pair
 * carries its key file's path and reads the key only when asked.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OrdererConfig, OrganizationConfig, RegionConfig } from '../config/region';
import { MissingMaterialError } from './errors';
import { toOrganizationPaths, type NodePaths, type OrganizationPaths } from './layout';
import { MSP_KEY, MSP_SIGN_CERT } from './msp';

/** A certificate and the file of its private key. */
export interface KeyPairMaterial {
    /** Absolute path of the PEM certificate. */
    readonly certFile: string;
    readonly certPem: string;
    /** Absolute path of the PKCS#8 PEM private key (mode 0600). */
    readonly keyFile: string;
    /** Reads the private key PEM from {@link KeyPairMaterial.keyFile} (on every call). */
    readKeyPem(): string;
    /** Reads the private key from {@link KeyPairMaterial.keyFile} as a Node key object (on every call). */
    readPrivateKey(): KeyObject;
}

/** A TLS key pair and the certificate of the TLS CA that issued it. */
export interface TlsMaterial extends KeyPairMaterial {
    /** The `ca.crt` beside the pair. */
    readonly caCertFile: string;
    readonly caCertPem: string;
}

/** A signing identity in an MSP folder (`signcerts/cert.pem`, `keystore/priv_sk`). */
export interface IdentityMaterial extends KeyPairMaterial {
    readonly mspId: string;
    readonly mspDir: string;
}

/** A peer or orderer: its signing identity and its TLS server certificate (server and client auth). */
export interface NodeMaterial {
    readonly host: string;
    readonly identity: IdentityMaterial;
    readonly tls: TlsMaterial;
}

/** What every organisation has. */
export interface OrganizationMaterialBase {
    readonly mspId: string;
    readonly domain: string;
    readonly paths: OrganizationPaths;
    readonly caCertPem: string;
    readonly tlsCaCertPem: string;
    /** The organisation MSP folder for channel configurations (no signing identity). */
    readonly mspDir: string;
    /** The organisation's admin (node OU `admin`). */
    readonly admin: IdentityMaterial;
}

/** A gateway's identities. */
export interface GatewayMaterial {
    /** Client identity (node OU `client`) that signs ledger transactions. */
    readonly identity: IdentityMaterial;
    /** TLS client certificate of the gateway user (`users/gateway@<domain>/tls`), for mutual TLS to the ledger. */
    readonly tlsClient: TlsMaterial;
    /** TLS server certificate of the HTTPS API and p2p server (`gateway/tls/server.*`, host `gateway.<domain>`). */
    readonly tlsServer: TlsMaterial;
    /** TLS client certificate for p2p calls to other gateways (`gateway/tls/client.*`). */
    readonly p2pClient: TlsMaterial;
}

/** A member organisation's material. */
export interface MemberMaterial extends OrganizationMaterialBase {
    readonly kind: 'member';
    readonly gateway: GatewayMaterial;
    /** `peer0.<domain>`. */
    readonly peer: NodeMaterial;
}

/** The ordering organisation's material. */
export interface OrdererMaterial extends OrganizationMaterialBase {
    readonly kind: 'orderer';
    /** `orderer0.<domain>`; the embedded ledger node serves with its TLS certificate. */
    readonly orderer: NodeMaterial;
    /** Every ordering node issued, `orderer0.<domain>` first, then `orderer1.<domain>`, … in order. */
    readonly nodes: readonly NodeMaterial[];
}

/** A whole region's material. */
export interface RegionMaterial {
    /** Absolute path of the region's crypto folder. */
    readonly dir: string;
    readonly orderer: OrdererMaterial;
    /** Member organisations, in the region configuration's order. */
    readonly organizations: readonly MemberMaterial[];
}

function readText(file: string): string {
    try {
        return readFileSync(file, 'utf8');
    } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
            throw new MissingMaterialError(file);
        }
        throw cause;
    }
}

function assertExists(file: string): void {
    if (!existsSync(file)) {
        throw new MissingMaterialError(file);
    }
}

function toKeyPair(certFile: string, keyFile: string): KeyPairMaterial {
    const certPem = readText(certFile);
    assertExists(keyFile);
    return {
        certFile,
        certPem,
        keyFile,
        readKeyPem: () => readText(keyFile),
        readPrivateKey: () => createPrivateKey(readText(keyFile)),
    };
}

function toTls(tlsDir: string, name: 'server' | 'client'): TlsMaterial {
    const caCertFile = join(tlsDir, 'ca.crt');
    const caCertPem = readText(caCertFile);
    const pair = toKeyPair(join(tlsDir, `${name}.crt`), join(tlsDir, `${name}.key`));
    return Object.freeze({ ...pair, caCertFile, caCertPem });
}

function toIdentity(mspId: string, mspDir: string): IdentityMaterial {
    assertExists(join(mspDir, 'config.yaml'));
    const pair = toKeyPair(join(mspDir, MSP_SIGN_CERT), join(mspDir, MSP_KEY));
    return Object.freeze({ ...pair, mspId, mspDir });
}

function toNode(mspId: string, node: NodePaths): NodeMaterial {
    return Object.freeze({
        host: node.host,
        identity: toIdentity(mspId, node.mspDir),
        tls: toTls(node.tlsDir, 'server'),
    });
}

function toBase(dir: string, org: OrdererConfig | OrganizationConfig): OrganizationMaterialBase {
    const paths = toOrganizationPaths(dir, org);
    assertExists(paths.caKeyFile);
    assertExists(paths.tlsCaKeyFile);
    assertExists(join(paths.mspDir, 'cacerts', paths.mspCaCertName));
    assertExists(join(paths.mspDir, 'tlscacerts', paths.mspTlsCaCertName));
    assertExists(join(paths.mspDir, 'config.yaml'));
    return {
        mspId: org.mspId,
        domain: org.domain,
        paths,
        caCertPem: readText(paths.caCertFile),
        tlsCaCertPem: readText(paths.tlsCaCertFile),
        mspDir: paths.mspDir,
        admin: toIdentity(org.mspId, paths.adminMspDir),
    };
}

function toMember(dir: string, org: OrganizationConfig): MemberMaterial {
    const base = toBase(dir, org);
    const { paths } = base;
    const gateway: GatewayMaterial = Object.freeze({
        identity: toIdentity(org.mspId, paths.gatewayMspDir),
        tlsClient: toTls(paths.gatewayUserTlsDir, 'client'),
        tlsServer: toTls(paths.gatewayTlsDir, 'server'),
        p2pClient: toTls(paths.gatewayTlsDir, 'client'),
    });
    return Object.freeze({ ...base, kind: 'member', gateway, peer: toNode(org.mspId, paths.peer) });
}

/**
 * Reads a region's issued material (certificates now, private keys on demand).
 * @param region - the region configuration the material was issued for
 * @param dir - the region's crypto folder
 * @returns the material of the orderer organisation and of every member organisation
 * @throws MissingMaterialError naming the first missing file
 */
export function readRegionMaterial(region: RegionConfig, dir: string): RegionMaterial {
    const base = toBase(dir, region.orderer);
    const first = toNode(region.orderer.mspId, base.paths.orderer);
    const nodes = [first];
    // Nodes after the first are read as far as they were issued (`issueRegion`'s `ordererNodes`).
    for (let index = 1; existsSync(base.paths.ordererNode(index).mspDir); index++) {
        nodes.push(toNode(region.orderer.mspId, base.paths.ordererNode(index)));
    }
    const orderer: OrdererMaterial = Object.freeze({
        ...base,
        kind: 'orderer',
        orderer: first,
        nodes: Object.freeze(nodes),
    });
    return Object.freeze({
        dir: resolve(dir),
        orderer,
        organizations: Object.freeze(region.organizations.map((org) => toMember(dir, org))),
    });
}

/**
 * Finds an organisation's material by MSP id.
 * @param material - the region's material
 * @param mspId - a member or the orderer MSP id
 * @throws Error when no organisation of the region has that MSP id
 */
export function findOrganizationMaterial(material: RegionMaterial, mspId: string): MemberMaterial | OrdererMaterial {
    const found =
        material.orderer.mspId === mspId ? material.orderer : material.organizations.find((o) => o.mspId === mspId);
    if (!found) {
        throw new Error(`No organisation ${mspId} in the region material`);
    }
    return found;
}
