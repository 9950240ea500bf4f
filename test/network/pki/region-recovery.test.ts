// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { newCertificateAuthority } from '../../../network/src/pki/ca';
import {
    InconsistentMaterialError,
    issueRegion,
    MissingMaterialError,
    readRegionMaterial,
    type FileOutcome,
    type RegionMaterial,
} from '../../../network/src/pki/region';
import { toRegionConfig } from '../../../network/src/config/region';

/** A one-member region keeps these tests fast. */
const region = toRegionConfig({
    name: 'Recovery test region',
    channel: 'testchannel',
    chaincode: 'healthchain',
    orderer: { mspId: 'OrdererMSP', name: 'Orderer', domain: 'orderer.test' },
    organizations: [{ mspId: 'CommissionMSP', type: 'commission', name: 'Commission', domain: 'commission.test' }],
});

async function rejectsWith<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
    try {
        await promise;
    } catch (error) {
        assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
        return error;
    }
    return assert.fail(`expected ${type.name}`);
}

function throwsWith<T extends Error>(action: () => unknown, type: new (...args: never[]) => T): T {
    try {
        action();
    } catch (error) {
        assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
        return error;
    }
    return assert.fail(`expected ${type.name}`);
}

describe('pki/region with missing or inconsistent files', () => {
    let dir: string;
    let material: RegionMaterial;

    beforeEach(async () => {
        dir = mkdtempSync(join(tmpdir(), 'pki-recovery-'));
        material = await issueRegion(region, dir);
    });

    afterEach(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    function member(): RegionMaterial['organizations'][number] {
        const org = material.organizations[0];
        assert.ok(org);
        return org;
    }

    it('readRegionMaterial names a missing certificate', () => {
        const file = member().peer.tls.certFile;
        unlinkSync(file);
        const error = throwsWith(() => readRegionMaterial(region, dir), MissingMaterialError);
        assert.equal(error.file, file);
        assert.ok(error.message.includes(file));
    });

    it('readRegionMaterial names a missing private key', () => {
        const file = member().gateway.identity.keyFile;
        unlinkSync(file);
        assert.equal(throwsWith(() => readRegionMaterial(region, dir), MissingMaterialError).file, file);
    });

    it('readRegionMaterial names the first file of an empty folder', () => {
        const empty = mkdtempSync(join(tmpdir(), 'pki-empty-'));
        try {
            const error = throwsWith(() => readRegionMaterial(region, empty), MissingMaterialError);
            assert.equal(error.file, join(empty, 'organizations', 'OrdererMSP', 'ca', 'ca-key.pem'));
        } finally {
            rmSync(empty, { recursive: true, force: true });
        }
    });

    it('issues only a removed key pair again and keeps everything else', async () => {
        const { tls } = member().peer;
        const before = readFileSync(member().admin.certFile);
        unlinkSync(tls.certFile);
        unlinkSync(tls.keyFile);
        const outcomes: FileOutcome[] = [];
        const again = await issueRegion(region, dir, (outcome) => outcomes.push(outcome));
        const made = outcomes.filter((outcome) => outcome.outcome === 'made').map((outcome) => outcome.path);
        assert.deepEqual(made.sort(), [tls.certFile, tls.keyFile].sort());
        const reissued = again.organizations[0]?.peer.tls;
        assert.ok(reissued);
        assert.notEqual(reissued.certPem, tls.certPem);
        assert.ok(new X509Certificate(reissued.certPem).verify(new X509Certificate(member().tlsCaCertPem).publicKey));
        assert.ok(readFileSync(member().admin.certFile).equals(before));
    });

    it('issues the ordering nodes a folder made with fewer lacks, keeping the ones it has', async () => {
        const single = mkdtempSync(join(tmpdir(), 'pki-recovery-'));
        try {
            const first = await issueRegion(region, single, () => undefined, { ordererNodes: 1 });
            assert.deepEqual(
                first.orderer.nodes.map((node) => node.host),
                ['orderer0.orderer.test'],
            );
            const outcomes: FileOutcome[] = [];
            const later = await issueRegion(region, single, (outcome) => outcomes.push(outcome));
            assert.equal(later.orderer.nodes.length, 3);
            assert.equal(later.orderer.orderer.tls.certPem, first.orderer.orderer.tls.certPem);
            const made = outcomes.filter((o) => o.outcome === 'made').map((o) => o.path);
            assert.ok(made.length > 0 && made.every((path) => /orderer[12]\.orderer\.test/.test(path)), made.join());
        } finally {
            rmSync(single, { recursive: true, force: true });
        }
    });

    it('refuses half a key pair instead of issuing a certificate for a lost key', async () => {
        const { identity } = member().gateway;
        unlinkSync(identity.keyFile);
        const error = await rejectsWith(issueRegion(region, dir), InconsistentMaterialError);
        assert.equal(error.file, identity.keyFile);
    });

    it('refuses a kept certificate that another CA issued', async () => {
        const { identity } = member().peer;
        const stranger = await newCertificateAuthority({
            commonName: 'ca.commission.test',
            organization: 'x',
            kind: 'ca',
        });
        const forged = await stranger.issue({ commonName: 'peer0.commission.test', ou: 'peer', kind: 'sign' });
        writeFileSync(identity.certFile, forged.certPem);
        writeFileSync(identity.keyFile, forged.keyPem);
        const error = await rejectsWith(issueRegion(region, dir), InconsistentMaterialError);
        assert.equal(error.file, identity.certFile);
    });

    it('refuses a kept certificate whose key was swapped', async () => {
        const { identity } = member().peer;
        writeFileSync(identity.keyFile, member().gateway.identity.readKeyPem());
        const error = await rejectsWith(issueRegion(region, dir), InconsistentMaterialError);
        assert.equal(error.file, identity.certFile);
    });

    it('refuses to make a new CA beside an organisation MSP issued by the old one', async () => {
        const { paths } = member();
        unlinkSync(paths.caCertFile);
        unlinkSync(paths.caKeyFile);
        const error = await rejectsWith(issueRegion(region, dir), InconsistentMaterialError);
        assert.equal(error.file, paths.caCertFile);
        assert.equal(throwsWith(() => readRegionMaterial(region, dir), MissingMaterialError).file, paths.caKeyFile);
    });

    it('refuses an MSP whose CA copy differs from the organisation CA', async () => {
        const copy = join(member().admin.mspDir, 'cacerts', 'ca.commission.test-cert.pem');
        writeFileSync(copy, material.orderer.caCertPem);
        const error = await rejectsWith(issueRegion(region, dir), InconsistentMaterialError);
        assert.equal(error.file, copy);
    });

    it('refuses a stored CA whose key is not its own', async () => {
        const { paths } = member();
        writeFileSync(paths.caKeyFile, readFileSync(paths.tlsCaKeyFile));
        const error = await rejectsWith(issueRegion(region, dir), InconsistentMaterialError);
        assert.equal(error.file, paths.caCertFile);
        assert.ok(error.cause instanceof Error);
    });
});
