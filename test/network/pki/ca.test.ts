// SPDX-License-Identifier: Apache-2.0
// @peculiar/x509 needs the Reflect metadata polyfill before it loads.
import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { createHash, createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { before, describe, it } from 'mocha';
import {
    loadCertificateAuthority,
    newCertificateAuthority,
    type CertificateAuthority,
    type CertificateKind,
} from '../../../network/src/pki/ca';
import { ECDSA_WITH_SHA256, isLowS, rawFields, viewCert } from './certs';

const { digitalSignature, keyEncipherment, keyCertSign, cRLSign } = x509.KeyUsageFlags;
const SERVER_AUTH = x509.ExtendedKeyUsage.serverAuth as string;
const CLIENT_AUTH = x509.ExtendedKeyUsage.clientAuth as string;
const DAY = 24 * 60 * 60 * 1000;

describe('pki/ca', () => {
    let ca: CertificateAuthority;
    let tlsCa: CertificateAuthority;

    before(async () => {
        ca = await newCertificateAuthority({ commonName: 'ca.a.test', organization: 'a.test', kind: 'ca' });
        tlsCa = await newCertificateAuthority({ commonName: 'tlsca.a.test', organization: 'a.test', kind: 'tlsca' });
    });

    describe('newCertificateAuthority', () => {
        it('makes a self-signed P-256 root with critical CA:true and keyCertSign+cRLSign+digitalSignature', () => {
            const view = viewCert(ca.certPem);
            assert.equal(view.node.ca, true);
            assert.ok(view.node.checkIssued(view.node));
            assert.ok(view.node.verify(view.node.publicKey));
            assert.equal(view.basicConstraints?.ca, true);
            assert.equal(view.basicConstraints.critical, true);
            assert.equal(view.keyUsage?.usages, keyCertSign | cRLSign | digitalSignature);
            assert.equal(view.keyUsage.critical, true);
            assert.equal(view.node.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
        });

        it('sets the subject key identifier to SHA-256 of the public point, as cryptogen does', () => {
            const view = viewCert(ca.certPem);
            const spki = view.node.publicKey.export({ format: 'der', type: 'spki' });
            const point = spki.subarray(spki.length - 65);
            assert.equal(point.readUInt8(0), 0x04, 'uncompressed point');
            assert.equal(view.subjectKeyId, createHash('sha256').update(point).digest('hex'));
            assert.equal(view.authorityKeyId, null, 'a self-signed root carries no AKI, like Go roots');
        });

        it('writes a cryptogen-like subject C/ST/L/O/CN', () => {
            assert.equal(
                viewCert(tlsCa.certPem).node.subject,
                'C=US\nST=California\nL=San Francisco\nO=a.test\nCN=tlsca.a.test',
            );
        });

        it('is valid from five minutes ago (rounded) for ten years', () => {
            const { cert } = viewCert(ca.certPem);
            const age = Date.now() - cert.notBefore.getTime();
            assert.ok(age >= 4 * 60_000 && age <= 6 * 60_000, `notBefore is ${age} ms ago`);
            const days = (cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY;
            assert.ok(days >= 3650 && days <= 3653, `${days} days`);
        });

        it('returns the private key as PKCS#8 PEM matching the certificate', () => {
            assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
            assert.ok(new X509Certificate(ca.certPem).checkPrivateKey(createPrivateKey(ca.keyPem)));
        });
    });

    describe('issue', () => {
        it('issues a sign certificate with the node OU, critical CA:false, digitalSignature only and no EKU or SANs', async () => {
            const issued = await ca.issue({ commonName: 'Admin@a.test', ou: 'admin', kind: 'sign' });
            const view = viewCert(issued.certPem);
            assert.deepEqual(view.ou, ['admin']);
            assert.deepEqual(view.cn, ['Admin@a.test']);
            assert.equal(view.basicConstraints?.ca, false);
            assert.equal(view.basicConstraints.critical, true);
            assert.equal(view.keyUsage?.usages, digitalSignature);
            assert.equal(view.keyUsage.critical, true);
            assert.equal(view.extendedKeyUsage, null);
            assert.deepEqual(view.sans, []);
        });

        const tlsCases: { kind: CertificateKind; eku: string[]; names: string }[] = [
            { kind: 'tls-server', eku: [SERVER_AUTH], names: 'serverAuth' },
            { kind: 'tls-client', eku: [CLIENT_AUTH], names: 'clientAuth' },
            { kind: 'tls-both', eku: [SERVER_AUTH, CLIENT_AUTH], names: 'serverAuth+clientAuth' },
        ];
        for (const { kind, eku, names } of tlsCases) {
            it(`issues a ${kind} certificate with digitalSignature+keyEncipherment, ${names} and local SANs`, async () => {
                const issued = await tlsCa.issue({
                    commonName: 'peer0.a.test',
                    ou: 'peer',
                    kind,
                    sans: ['alias.a.test'],
                });
                const view = viewCert(issued.certPem);
                assert.equal(view.keyUsage?.usages, digitalSignature | keyEncipherment);
                assert.deepEqual(view.extendedKeyUsage, eku);
                assert.deepEqual(view.sans, ['ip:127.0.0.1', 'dns:localhost', 'dns:peer0.a.test', 'dns:alias.a.test']);
                assert.ok(view.node.checkHost('peer0.a.test'));
                assert.ok(view.node.checkIP('127.0.0.1'));
            });
        }

        it('chains to the issuing CA: issuer bytes equal the CA subject bytes, AKI equals the CA SKI', async () => {
            const issued = await ca.issue({ commonName: 'peer0.a.test', ou: 'peer', kind: 'sign' });
            const leaf = viewCert(issued.certPem);
            const root = viewCert(ca.certPem);
            assert.ok(leaf.node.checkIssued(root.node));
            assert.ok(leaf.node.verify(root.node.publicKey));
            assert.equal(leaf.node.verify(viewCert(tlsCa.certPem).node.publicKey), false);
            assert.ok(rawFields(issued.certPem).issuer.equals(rawFields(ca.certPem).subject));
            assert.equal(leaf.authorityKeyId, root.subjectKeyId);
            assert.notEqual(leaf.subjectKeyId, root.subjectKeyId);
        });

        it('signs with ecdsa-with-SHA256 in low-S form on P-256 keys', async () => {
            for (let i = 0; i < 8; i += 1) {
                const issued = await ca.issue({ commonName: `user${i}@a.test`, ou: 'client', kind: 'sign' });
                assert.equal(rawFields(issued.certPem).signatureAlgorithm.toString('hex'), ECDSA_WITH_SHA256);
                assert.equal(rawFields(issued.certPem).tbsSignature.toString('hex'), ECDSA_WITH_SHA256);
                assert.ok(isLowS(issued.certPem), 'Fabric would rewrite a high-S certificate');
                assert.equal(createPrivateKey(issued.keyPem).asymmetricKeyDetails?.namedCurve, 'prime256v1');
            }
            assert.ok(isLowS(ca.certPem));
        });

        it('gives every certificate a distinct positive serial of at most 128 bits', async () => {
            const serials = new Set<string>();
            for (let i = 0; i < 5; i += 1) {
                const issued = await ca.issue({ commonName: 'x', ou: 'client', kind: 'sign' });
                const serial = BigInt(`0x${new X509Certificate(issued.certPem).serialNumber}`);
                assert.ok(serial > 0n && serial < 1n << 128n);
                serials.add(serial.toString());
            }
            assert.equal(serials.size, 5);
        });

        it('makes leaves valid for three years from five minutes ago', async () => {
            const { cert } = viewCert((await ca.issue({ commonName: 'x', ou: 'client', kind: 'sign' })).certPem);
            const days = (cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY;
            assert.ok(days >= 1095 && days <= 1096, `${days} days`);
            assert.ok(cert.notBefore.getTime() < Date.now() - 4 * 60_000);
        });
    });

    describe('loadCertificateAuthority', () => {
        it('issues certificates that chain to the loaded CA', async () => {
            const loaded = await loadCertificateAuthority(ca.certPem, ca.keyPem);
            assert.equal(loaded.certPem, ca.certPem);
            const issued = await loaded.issue({ commonName: 'peer0.a.test', ou: 'peer', kind: 'sign' });
            const leaf = new X509Certificate(issued.certPem);
            assert.ok(leaf.checkIssued(new X509Certificate(ca.certPem)));
            assert.ok(leaf.verify(new X509Certificate(ca.certPem).publicKey));
            assert.deepEqual(viewCert(issued.certPem).cert.subjectName.getField('O'), ['a.test']);
        });

        it("repeats a loaded CA's own SKI as the AKI, whatever method made it", async () => {
            const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
                'sign',
                'verify',
            ]);
            const foreign = await x509.X509CertificateGenerator.createSelfSigned({
                name: 'CN=foreign CA, O=elsewhere',
                keys,
                signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
                extensions: [
                    new x509.BasicConstraintsExtension(true, undefined, true),
                    new x509.KeyUsagesExtension(keyCertSign | cRLSign, true),
                    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey), // SHA-1, RFC 5280 method 1
                ],
            });
            const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
            const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
                format: 'pem',
                type: 'pkcs8',
            });
            const loaded = await loadCertificateAuthority(foreign.toString('pem'), keyPem.toString());
            const issued = viewCert((await loaded.issue({ commonName: 'x', ou: 'client', kind: 'sign' })).certPem);
            const foreignSki = viewCert(foreign.toString('pem')).subjectKeyId;
            assert.equal(foreignSki?.length, 40);
            assert.equal(issued.authorityKeyId, foreignSki);
            assert.ok(issued.node.verify(new X509Certificate(foreign.toString('pem')).publicKey));
        });

        it('refuses a key that is not the CA key', async () => {
            await assert.rejects(loadCertificateAuthority(ca.certPem, tlsCa.keyPem), /not the P-256 key/);
        });

        it('refuses a certificate that is not a CA certificate', async () => {
            const leaf = await ca.issue({ commonName: 'x', ou: 'client', kind: 'sign' });
            await assert.rejects(loadCertificateAuthority(leaf.certPem, leaf.keyPem), /not a CA certificate/);
        });
    });
});
