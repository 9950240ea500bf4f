// SPDX-License-Identifier: Apache-2.0
// @peculiar/x509 needs the Reflect metadata polyfill before it loads.
import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import * as x509 from '@peculiar/x509';
import { after, before, describe, it } from 'mocha';
import { readRegionConfig } from '../../../network/src/config/region';
import {
    issueRegion,
    readRegionMaterial,
    type FileOutcome,
    type KeyPairMaterial,
    type RegionMaterial,
} from '../../../network/src/pki/region';
import { viewCert } from './certs';

const SERVER_AUTH = x509.ExtendedKeyUsage.serverAuth as string;
const CLIENT_AUTH = x509.ExtendedKeyUsage.clientAuth as string;

/** Every file under a folder, as path relative to it → content and mode. */
function snapshot(dir: string): Map<string, { content: Buffer; mode: number }> {
    const files = new Map<string, { content: Buffer; mode: number }>();
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) {
            const path = join(entry.parentPath, entry.name);
            files.set(relative(dir, path), { content: readFileSync(path), mode: statSync(path).mode & 0o777 });
        }
    }
    return files;
}

function isKeyFile(path: string): boolean {
    return /(priv_sk|\.key|-key\.pem)$/.test(path);
}

function assertChains(pair: KeyPairMaterial, caCertPem: string): void {
    const cert = new X509Certificate(pair.certPem);
    const ca = new X509Certificate(caCertPem);
    assert.ok(cert.checkIssued(ca), `${pair.certFile} is issued by ${ca.subject}`);
    assert.ok(cert.verify(ca.publicKey), `${pair.certFile} verifies with its CA key`);
    assert.equal(viewCert(pair.certPem).authorityKeyId, viewCert(caCertPem).subjectKeyId);
    assert.ok(cert.checkPrivateKey(pair.readPrivateKey()), `${pair.keyFile} is the key of ${pair.certFile}`);
}

describe('pki/region issueRegion on the default region', () => {
    const region = readRegionConfig();
    let dir: string;
    let material: RegionMaterial;
    const outcomes: FileOutcome[] = [];

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'pki-region-'));
        material = await issueRegion(region, dir, (outcome) => outcomes.push(outcome));
    });

    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('writes the documented layout for a member organisation', () => {
        const org = join(dir, 'organizations', 'HospitalAMSP');
        const d = 'hospital-a.region.example';
        const expected = [
            'ca/ca-cert.pem',
            'ca/ca-key.pem',
            'tlsca/tlsca-cert.pem',
            'tlsca/tlsca-key.pem',
            `msp/cacerts/ca.${d}-cert.pem`,
            `msp/tlscacerts/tlsca.${d}-cert.pem`,
            'msp/config.yaml',
            ...['Admin', 'gateway'].flatMap((user) =>
                ['signcerts/cert.pem', 'keystore/priv_sk', 'config.yaml', `cacerts/ca.${d}-cert.pem`].map(
                    (file) => `users/${user}@${d}/msp/${file}`,
                ),
            ),
            ...['client.crt', 'client.key', 'ca.crt'].map((file) => `users/gateway@${d}/tls/${file}`),
            `peers/peer0.${d}/msp/signcerts/cert.pem`,
            `peers/peer0.${d}/msp/keystore/priv_sk`,
            ...['server.crt', 'server.key', 'ca.crt'].map((file) => `peers/peer0.${d}/tls/${file}`),
            ...['server.crt', 'server.key', 'client.crt', 'client.key', 'ca.crt'].map((file) => `gateway/tls/${file}`),
        ];
        const present = snapshot(org);
        for (const file of expected) {
            assert.ok(present.has(file), `${file} exists`);
        }
        const hospital = material.organizations[0];
        assert.ok(hospital);
        assert.equal(hospital.peer.tls.certFile, join(org, `peers/peer0.${d}/tls/server.crt`));
        assert.equal(hospital.gateway.identity.mspDir, join(org, `users/gateway@${d}/msp`));
    });

    it('writes the orderer organisation with three ordering nodes and neither peers nor a gateway', () => {
        const org = join(dir, 'organizations', 'OrdererMSP');
        const files = [...snapshot(org).keys()];
        const d = 'orderer.region.example';
        for (const file of ['msp/config.yaml', `users/Admin@${d}/msp/keystore/priv_sk`]) {
            assert.ok(files.includes(file), `${file} exists`);
        }
        for (const node of ['orderer0', 'orderer1', 'orderer2']) {
            for (const file of ['signcerts/cert.pem', 'keystore/priv_sk']) {
                assert.ok(files.includes(`orderers/${node}.${d}/msp/${file}`));
            }
            for (const file of ['server.crt', 'server.key', 'ca.crt']) {
                assert.ok(files.includes(`orderers/${node}.${d}/tls/${file}`));
            }
        }
        assert.ok(!files.some((file) => file.startsWith('peers/') || file.startsWith('gateway/')));
        assert.equal(material.orderer.orderer.host, `orderer0.${d}`);
        assert.deepEqual(
            material.orderer.nodes.map((node) => node.host),
            ['orderer0', 'orderer1', 'orderer2'].map((node) => `${node}.${d}`),
        );
        assert.equal(material.orderer.nodes[0], material.orderer.orderer);
    });

    it('reports every file it wrote as made', () => {
        assert.equal(outcomes.length, snapshot(dir).size);
        assert.ok(outcomes.every((outcome) => outcome.outcome === 'made'));
    });

    it('chains every signing certificate to the organisation CA and every TLS certificate to its TLS CA', () => {
        for (const org of [...material.organizations, material.orderer]) {
            assert.notEqual(org.caCertPem, org.tlsCaCertPem);
            const identities = [org.admin];
            const tls = [];
            if (org.kind === 'member') {
                identities.push(org.gateway.identity, org.peer.identity);
                tls.push(org.gateway.tlsClient, org.gateway.tlsServer, org.gateway.p2pClient, org.peer.tls);
            } else {
                identities.push(...org.nodes.map((node) => node.identity));
                tls.push(...org.nodes.map((node) => node.tls));
            }
            identities.forEach((identity) => {
                assertChains(identity, org.caCertPem);
                assert.equal(identity.mspId, org.mspId);
            });
            tls.forEach((pair) => {
                assertChains(pair, org.tlsCaCertPem);
                assert.equal(pair.caCertPem, org.tlsCaCertPem);
            });
        }
    });

    it('gives each signing certificate the node OU of its role', () => {
        const ous = (pem: string): readonly string[] => viewCert(pem).ou;
        for (const org of material.organizations) {
            assert.deepEqual(ous(org.admin.certPem), ['admin']);
            assert.deepEqual(ous(org.gateway.identity.certPem), ['client']);
            assert.deepEqual(ous(org.peer.identity.certPem), ['peer']);
            assert.deepEqual(viewCert(org.peer.identity.certPem).cn, [`peer0.${org.domain}`]);
        }
        assert.deepEqual(ous(material.orderer.admin.certPem), ['admin']);
        for (const node of material.orderer.nodes) {
            assert.deepEqual(ous(node.identity.certPem), ['orderer']);
            assert.deepEqual(viewCert(node.identity.certPem).cn, [node.host]);
        }
    });

    it('gives TLS certificates their host names and usages', () => {
        const local = ['ip:127.0.0.1', 'dns:localhost'];
        const both = [SERVER_AUTH, CLIENT_AUTH];
        for (const org of material.organizations) {
            const peer = viewCert(org.peer.tls.certPem);
            assert.deepEqual(peer.sans, [...local, `dns:peer0.${org.domain}`]);
            assert.deepEqual(peer.extendedKeyUsage, both);
            const server = viewCert(org.gateway.tlsServer.certPem);
            assert.deepEqual(server.sans, [...local, `dns:gateway.${org.domain}`]);
            assert.deepEqual(server.extendedKeyUsage, both);
            assert.deepEqual(viewCert(org.gateway.p2pClient.certPem).extendedKeyUsage, [CLIENT_AUTH]);
            assert.deepEqual(viewCert(org.gateway.tlsClient.certPem).extendedKeyUsage, [CLIENT_AUTH]);
        }
        // Each ordering node its own TLS certificate: Raft knows a consenter by it.
        for (const [index, node] of material.orderer.nodes.entries()) {
            const orderer = viewCert(node.tls.certPem);
            assert.deepEqual(orderer.sans, [...local, `dns:orderer${index}.orderer.region.example`]);
            assert.deepEqual(orderer.extendedKeyUsage, both);
        }
        assert.equal(new Set(material.orderer.nodes.map((node) => node.tls.certPem)).size, 3);
    });

    it('enables NodeOUs in every MSP, each pointing at the cacerts copy of the organisation CA', () => {
        for (const org of [...material.organizations, material.orderer]) {
            for (const mspDir of [org.mspDir, org.admin.mspDir]) {
                const config = readFileSync(join(mspDir, 'config.yaml'), 'utf8');
                assert.match(config, /^NodeOUs:\n {2}Enable: true\n/);
                for (const role of ['Client', 'Peer', 'Admin', 'Orderer']) {
                    const ou = role.toLowerCase();
                    const entry = `  ${role}OUIdentifier:\n    Certificate: cacerts/ca.${org.domain}-cert.pem\n    OrganizationalUnitIdentifier: ${ou}\n`;
                    assert.ok(config.includes(entry), `${role} OU in ${mspDir}`);
                }
                assert.equal(readFileSync(join(mspDir, 'cacerts', `ca.${org.domain}-cert.pem`), 'utf8'), org.caCertPem);
                const tlsCa = join(mspDir, 'tlscacerts', `tlsca.${org.domain}-cert.pem`);
                assert.equal(readFileSync(tlsCa, 'utf8'), org.tlsCaCertPem);
            }
        }
    });

    it('writes private keys with mode 0600 in folders with mode 0700', () => {
        const keys = [...snapshot(dir)].filter(([path]) => isKeyFile(path));
        assert.equal(
            keys.length,
            4 * 9 + 3 + 3 * 2,
            '9 keys per member organisation; the orderer organisation: 2 CAs, the admin, 2 per ordering node',
        );
        for (const [path, { mode }] of keys) {
            assert.equal(mode.toString(8), '600', path);
            assert.equal((statSync(join(dir, dirname(path))).mode & 0o777).toString(8), '700', dirname(path));
        }
    });

    it('keeps private keys on disk and reads them on demand', () => {
        const gateway = material.organizations[0]?.gateway.identity;
        assert.ok(gateway);
        assert.equal(basename(gateway.keyFile), 'priv_sk');
        assert.equal(gateway.readKeyPem(), readFileSync(gateway.keyFile, 'utf8'));
        assert.ok(!JSON.stringify(material).includes('PRIVATE KEY'));
    });

    it('keeps every file byte-identical when run again, and reports them as kept', async () => {
        const first = snapshot(dir);
        const second: FileOutcome[] = [];
        const again = await issueRegion(region, dir, (outcome) => second.push(outcome));
        assert.deepEqual(snapshot(dir), first);
        assert.equal(second.length, first.size);
        assert.ok(second.every((outcome) => outcome.outcome === 'kept'));
        assert.deepEqual(JSON.stringify(again), JSON.stringify(material));
    });

    it('reads back the material it issued', () => {
        assert.deepEqual(JSON.stringify(readRegionMaterial(region, dir)), JSON.stringify(material));
    });

    it('issues certificates openssl verifies for their purpose', function () {
        if (spawnSync('openssl', ['version']).error) {
            this.skip(); // openssl is not installed on this machine
        }
        const org = material.organizations[0];
        assert.ok(org);
        const checks = [
            { ca: org.paths.tlsCaCertFile, cert: org.peer.tls.certFile, purpose: 'sslserver' },
            { ca: org.paths.tlsCaCertFile, cert: org.gateway.p2pClient.certFile, purpose: 'sslclient' },
            { ca: org.paths.caCertFile, cert: org.admin.certFile, purpose: 'any' },
        ];
        for (const { ca, cert, purpose } of checks) {
            const result = spawnSync('openssl', ['verify', '-CAfile', ca, '-purpose', purpose, cert], {
                encoding: 'utf8',
            });
            assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
            assert.equal(result.stdout.trim(), `${cert}: OK`);
        }
    });
});
