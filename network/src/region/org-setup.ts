// SPDX-License-Identifier: Apache-2.0
/**
 * Per organisation, what its gateway needs before it starts: the gateway configuration (absolute paths;
 * the record store key is made by the gateway itself, beside the organisation's MSP) and, on first run, a
 * staff token for each role, each written to its own file at mode 0600 (only hashes go in the token store).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createToken } from '../../../gateway/src/auth/tokens';
import type { GatewayConfigFile } from '../../../gateway/src/config';
import type { MemberMaterial, RegionMaterial } from '../pki/region';
import type { OrganizationConfig, RegionConfig } from '../config/region';
import type { OrgFiles } from './data-layout';
import { RegionRoles, type RegionRole } from '../../../clients/shared/region-file';

/** Ports of one gateway (0: a free one). */
export interface GatewayPorts {
    readonly api: number;
    readonly p2p: number;
    /** The MLLP listener of a hospital's HL7 intake. */
    readonly hl7?: number;
}

/** What a gateway configuration is made from. */
export interface GatewaySetup {
    readonly region: RegionConfig;
    readonly org: OrganizationConfig;
    readonly material: RegionMaterial;
    readonly files: OrgFiles;
    readonly ports: GatewayPorts;
    readonly ledgerUrl: string;
    /** This organisation's Fabric peer, when the region runs on Fabric. */
    readonly fabricPeer?: { readonly endpoint: string; readonly hostAlias: string; readonly tlsCaFile: string };
}

function findMember(material: RegionMaterial, mspId: string): MemberMaterial {
    const member = material.organizations.find((o) => o.mspId === mspId);
    if (!member) {
        throw new Error(`No crypto material for ${mspId}`);
    }
    return member;
}

/**
 * The gateway configuration file of an organisation, of the gateway's own type.
 * @param setup - region, organisation, material, files, ports, ledger URL
 */
export function toGatewayConfigFile(setup: GatewaySetup): GatewayConfigFile {
    const { region, org, material, files, ports } = setup;
    const member = findMember(material, org.mspId);
    const { tlsServer, identity } = member.gateway;
    return {
        org: {
            mspId: org.mspId,
            type: org.type,
            name: org.name,
            ...(org.contact === null ? {} : { contact: org.contact }),
        },
        channel: region.channel,
        chaincode: region.chaincode,
        dataDir: files.storeDir,
        tokensFile: files.tokensFile,
        storeKeyFile: join(member.paths.dir, 'gateway', 'store.key'),
        api: { host: '127.0.0.1', port: ports.api },
        p2p: { host: '127.0.0.1', port: ports.p2p },
        tls: { certFile: tlsServer.certFile, keyFile: tlsServer.keyFile, caFile: member.paths.tlsCaCertFile },
        regionTlsCaFiles: Object.fromEntries(material.organizations.map((o) => [o.mspId, o.paths.tlsCaCertFile])),
        identity: { certFile: identity.certFile, keyFile: identity.keyFile },
        ledger: setup.fabricPeer
            ? {
                  kind: 'fabric',
                  peerEndpoint: setup.fabricPeer.endpoint,
                  peerHostAlias: setup.fabricPeer.hostAlias,
                  tlsCaFile: setup.fabricPeer.tlsCaFile,
              }
            : { kind: 'embedded', url: setup.ledgerUrl, tlsCaFile: material.orderer.paths.tlsCaCertFile },
        ...(org.type === 'hospital' ? { hl7: { host: '127.0.0.1', port: ports.hl7 ?? 0 } } : {}),
    };
}

/**
 * Writes the gateway configuration (rewritten on every start: the ledger URL may have changed).
 * @param setup - what the configuration is made from
 */
export function writeGatewayConfig(setup: GatewaySetup): void {
    mkdirSync(setup.files.storeDir, { recursive: true, mode: 0o700 });
    writeFileSync(setup.files.gatewayConfigFile, JSON.stringify(toGatewayConfigFile(setup), null, 2) + '\n', {
        mode: 0o600,
    });
}

/**
 * Makes a token for each role that has no token file yet; existing tokens are kept.
 * @param files - the organisation's files
 * @returns role → token file
 */
export function ensureRoleTokens(files: OrgFiles): Record<RegionRole, string> {
    mkdirSync(files.tokensDir, { recursive: true, mode: 0o700 });
    const entries = RegionRoles.map((role): [RegionRole, string] => {
        const file = files.tokenFile(role);
        if (!existsSync(file)) {
            const { token } = createToken(files.tokensFile, role, `region ${role}`);
            writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
        }
        return [role, file];
    });
    return Object.fromEntries(entries) as Record<RegionRole, string>;
}
