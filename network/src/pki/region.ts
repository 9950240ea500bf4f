// SPDX-License-Identifier: Apache-2.0
/**
 * Issues a region's crypto material: per organisation a signing CA and a TLS CA, the organisation MSP,
 * the admin, and per member the gateway's identities and `peer0`, for the orderer organisation its ordering
 * nodes `orderer0`, `orderer1`, `orderer2` (three by default: a Raft ordering service that survives one node's
 * failure), each its own identity and TLS certificate. Re-running keeps every existing file and issues only
 * what is missing.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OrdererConfig, OrganizationConfig, RegionConfig } from '../config/region';
import {
    loadCertificateAuthority,
    newCertificateAuthority,
    type CaKind,
    type CertificateAuthority,
    type IssuedCertificate,
    type IssueOptions,
} from './ca';
import { InconsistentMaterialError } from './errors';
import { toOrganizationPaths, type NodePaths, type OrganizationPaths } from './layout';
import { readRegionMaterial, type RegionMaterial } from './material';
import { KEY_FILE_MODE, MSP_KEY, MSP_SIGN_CERT, writeFileOnce, writeMsp, writeTls, type FileListener } from './msp';

export { InconsistentMaterialError, MissingMaterialError } from './errors';

/** Ordering nodes issued by default: three Raft consenters keep ordering through one node's failure. */
export const DEFAULT_ORDERER_NODES = 3;
export {
    findOrganizationMaterial,
    readRegionMaterial,
    type GatewayMaterial,
    type IdentityMaterial,
    type KeyPairMaterial,
    type MemberMaterial,
    type NodeMaterial,
    type OrdererMaterial,
    type OrganizationMaterialBase,
    type RegionMaterial,
    type TlsMaterial,
} from './material';
export type { FileListener, FileOutcome } from './msp';

/** One organisation being issued: its paths, its two CAs and where file outcomes go. */
interface OrgContext {
    readonly domain: string;
    readonly paths: OrganizationPaths;
    readonly ca: CertificateAuthority;
    readonly tlsCa: CertificateAuthority;
    readonly report: FileListener;
}

/**
 * Whether both files of a key pair exist.
 * @throws InconsistentMaterialError when only one of them does
 */
function isPairPresent(certFile: string, keyFile: string): boolean {
    const hasCert = existsSync(certFile);
    const hasKey = existsSync(keyFile);
    if (hasCert !== hasKey) {
        const [present, missing] = hasCert ? [certFile, keyFile] : [keyFile, certFile];
        throw new InconsistentMaterialError(missing, `is missing but ${present} exists; remove it to issue a new pair`);
    }
    return hasCert;
}

/** Checks that a kept pair belongs together and to the organisation's current CA. */
function assertKeptPair(pair: IssuedCertificate, caCertPem: string, certFile: string): void {
    const cert = new X509Certificate(pair.certPem);
    const ca = new X509Certificate(caCertPem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
        throw new InconsistentMaterialError(certFile, "was not issued by the organisation's CA; remove it and its key");
    }
    if (!cert.checkPrivateKey(createPrivateKey(pair.keyPem))) {
        throw new InconsistentMaterialError(certFile, 'does not match its private key; remove both to reissue');
    }
}

/** Returns the stored pair if both files exist (after checking it), or a newly issued one (not yet written). */
async function ensurePair(
    ca: CertificateAuthority,
    certFile: string,
    keyFile: string,
    options: IssueOptions,
): Promise<IssuedCertificate> {
    if (!isPairPresent(certFile, keyFile)) {
        return ca.issue(options);
    }
    const pair = { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
    assertKeptPair(pair, ca.certPem, certFile);
    return pair;
}

async function loadCa(certFile: string, keyFile: string, kind: CaKind): Promise<CertificateAuthority> {
    try {
        return await loadCertificateAuthority(readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8'), kind);
    } catch (cause) {
        throw new InconsistentMaterialError(certFile, 'cannot be loaded with its key as a P-256 CA', { cause });
    }
}

/**
 * Loads the stored CA, or makes one if the organisation has none yet. A missing CA beside an existing
 * organisation MSP (`mspCopy`) is an error: a new CA would orphan every certificate already issued.
 */
async function ensureCa(
    files: { certFile: string; keyFile: string; mspCopy: string },
    options: { commonName: string; organization: string; kind: CaKind },
    report: FileListener,
): Promise<CertificateAuthority> {
    const { certFile, keyFile, mspCopy } = files;
    if (!isPairPresent(certFile, keyFile) && existsSync(mspCopy)) {
        throw new InconsistentMaterialError(
            certFile,
            `is missing but ${mspCopy} exists; restore the CA or remove the organisation folder`,
        );
    }
    const ca = existsSync(certFile)
        ? await loadCa(certFile, keyFile, options.kind)
        : await newCertificateAuthority(options);
    report(writeFileOnce(certFile, ca.certPem));
    report(writeFileOnce(keyFile, ca.keyPem, KEY_FILE_MODE));
    return ca;
}

async function writeIdentity(
    org: OrgContext,
    mspDir: string,
    commonName: string,
    ou: IssueOptions['ou'],
): Promise<void> {
    const identity = await ensurePair(org.ca, join(mspDir, MSP_SIGN_CERT), join(mspDir, MSP_KEY), {
        commonName,
        ou,
        kind: 'sign',
    });
    writeMsp(mspDir, {
        caCertFile: org.paths.mspCaCertName,
        caCertPem: org.ca.certPem,
        tlsCaCertFile: org.paths.mspTlsCaCertName,
        tlsCaCertPem: org.tlsCa.certPem,
        identity,
    }).forEach(org.report);
}

async function ensureTlsPair(
    org: OrgContext,
    tlsDir: string,
    name: 'server' | 'client',
    options: IssueOptions,
): Promise<IssuedCertificate> {
    return ensurePair(org.tlsCa, join(tlsDir, `${name}.crt`), join(tlsDir, `${name}.key`), options);
}

async function writeNode(org: OrgContext, node: NodePaths, ou: 'peer' | 'orderer'): Promise<void> {
    await writeIdentity(org, node.mspDir, node.host, ou);
    const server = await ensureTlsPair(org, node.tlsDir, 'server', {
        commonName: node.host,
        ou,
        kind: 'tls-both',
    });
    writeTls(node.tlsDir, { tlsCaCertPem: org.tlsCa.certPem, server }).forEach(org.report);
}

async function writeGateway(org: OrgContext): Promise<void> {
    const { paths } = org;
    const userName = `gateway@${org.domain}`;
    await writeIdentity(org, paths.gatewayMspDir, userName, 'client');
    const userClient = await ensureTlsPair(org, paths.gatewayUserTlsDir, 'client', {
        commonName: userName,
        ou: 'client',
        kind: 'tls-client',
    });
    writeTls(paths.gatewayUserTlsDir, { tlsCaCertPem: org.tlsCa.certPem, client: userClient }).forEach(org.report);
    const tls = { commonName: paths.gatewayHost, ou: 'client' } as const;
    const server = await ensureTlsPair(org, paths.gatewayTlsDir, 'server', { ...tls, kind: 'tls-both' });
    const client = await ensureTlsPair(org, paths.gatewayTlsDir, 'client', { ...tls, kind: 'tls-client' });
    writeTls(paths.gatewayTlsDir, { tlsCaCertPem: org.tlsCa.certPem, server, client }).forEach(org.report);
}

/** Issues (or keeps) the CAs, the organisation MSP and the admin of an organisation. */
async function writeOrganizationBase(
    dir: string,
    org: OrganizationConfig | OrdererConfig,
    report: FileListener,
): Promise<OrgContext> {
    const paths = toOrganizationPaths(dir, org);
    const ca = await ensureCa(
        {
            certFile: paths.caCertFile,
            keyFile: paths.caKeyFile,
            mspCopy: join(paths.mspDir, 'cacerts', paths.mspCaCertName),
        },
        { commonName: `ca.${org.domain}`, organization: org.domain, kind: 'ca' },
        report,
    );
    const tlsCa = await ensureCa(
        {
            certFile: paths.tlsCaCertFile,
            keyFile: paths.tlsCaKeyFile,
            mspCopy: join(paths.mspDir, 'tlscacerts', paths.mspTlsCaCertName),
        },
        { commonName: `tlsca.${org.domain}`, organization: org.domain, kind: 'tlsca' },
        report,
    );
    const context: OrgContext = { domain: org.domain, paths, ca, tlsCa, report };
    writeMsp(paths.mspDir, {
        caCertFile: paths.mspCaCertName,
        caCertPem: ca.certPem,
        tlsCaCertFile: paths.mspTlsCaCertName,
        tlsCaCertPem: tlsCa.certPem,
    }).forEach(report);
    await writeIdentity(context, paths.adminMspDir, `Admin@${org.domain}`, 'admin');
    return context;
}

/**
 * Issues a region's crypto material under `dir` (layout in `layout.ts`). Existing files are kept byte for
 * byte; only missing material is issued, and kept certificates are checked against their CA and key.
 * @param region - the region configuration
 * @param dir - the region's crypto folder, created if missing
 * @param onFile - told about every file, made or kept
 * @param options - how many ordering nodes to issue ({@link DEFAULT_ORDERER_NODES} by default; more already
 *   issued are kept)
 * @returns the region's material
 * @throws InconsistentMaterialError when kept material does not fit together (half a key pair, a certificate
 *   of another CA, a missing CA beside issued material); nothing is issued over it
 */
export async function issueRegion(
    region: RegionConfig,
    dir: string,
    onFile: FileListener = () => undefined,
    options: { readonly ordererNodes?: number } = {},
): Promise<RegionMaterial> {
    const ordererNodes = options.ordererNodes ?? DEFAULT_ORDERER_NODES;
    if (!Number.isSafeInteger(ordererNodes) || ordererNodes < 1) {
        throw new RangeError('ordererNodes must be a positive whole number');
    }
    const orderer = await writeOrganizationBase(dir, region.orderer, onFile);
    for (let index = 0; index < ordererNodes; index++) {
        await writeNode(orderer, orderer.paths.ordererNode(index), 'orderer');
    }
    for (const config of region.organizations) {
        const org = await writeOrganizationBase(dir, config, onFile);
        await writeGateway(org);
        await writeNode(org, org.paths.peer, 'peer');
    }
    return readRegionMaterial(region, dir);
}
