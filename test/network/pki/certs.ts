// SPDX-License-Identifier: Apache-2.0
/** Certificate inspection for the PKI tests: extensions through @peculiar/x509, raw fields through a small DER reader. */
import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** Order of the P-256 group (SEC 2, section 2.4.2). */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
/** AlgorithmIdentifier of ecdsa-with-SHA256 without parameters (RFC 5758, section 3.2). */
export const ECDSA_WITH_SHA256 = '300a06082a8648ce3d040302';

/** The parts of a certificate the tests look at. */
export interface CertView {
    readonly node: X509Certificate;
    readonly cert: x509.X509Certificate;
    readonly basicConstraints: x509.BasicConstraintsExtension | null;
    readonly keyUsage: x509.KeyUsagesExtension | null;
    readonly extendedKeyUsage: readonly string[] | null;
    readonly subjectKeyId: string | null;
    readonly authorityKeyId: string | null;
    /** `ip:127.0.0.1`, `dns:localhost`, ... */
    readonly sans: readonly string[];
    readonly ou: readonly string[];
    readonly cn: readonly string[];
}

/** Parses a PEM certificate into a {@link CertView}. */
export function viewCert(pem: string): CertView {
    const cert = new x509.X509Certificate(pem);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    // The extension's list is an Array subclass; copy it so deepEqual compares plain arrays.
    const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
    return {
        node: new X509Certificate(pem),
        cert,
        basicConstraints: cert.getExtension(x509.BasicConstraintsExtension),
        keyUsage: cert.getExtension(x509.KeyUsagesExtension),
        extendedKeyUsage: eku ? Array.from(eku.usages, String) : null,
        subjectKeyId: cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? null,
        authorityKeyId: cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId ?? null,
        sans: san?.names.items.map((name) => `${name.type}:${name.value}`) ?? [],
        ou: cert.subjectName.getField('OU'),
        cn: cert.subjectName.getField('CN'),
    };
}

/** Start and end (exclusive) of the DER element at `offset`, and where its content starts. */
function readElement(der: Buffer, offset: number): { content: number; end: number } {
    let length = der.readUInt8(offset + 1);
    let content = offset + 2;
    if (length & 0x80) {
        const bytes = length & 0x7f;
        length = der.readUIntBE(content, bytes);
        content += bytes;
    }
    return { content, end: content + length };
}

/** The encoded children of a DER SEQUENCE (or of the content of another constructed element). */
export function derChildren(der: Buffer, from = 0): Buffer[] {
    const outer = readElement(der, from);
    const children: Buffer[] = [];
    for (let offset = outer.content; offset < outer.end;) {
        const { end } = readElement(der, offset);
        children.push(der.subarray(offset, end));
        offset = end;
    }
    return children;
}

function child(der: Buffer, index: number, from = 0): Buffer {
    const found = derChildren(der, from)[index];
    assert.ok(found, `DER element has no child ${index}`);
    return found;
}

/** The raw encoded issuer and subject names and the signature algorithm of a certificate. */
export function rawFields(pem: string): {
    issuer: Buffer;
    subject: Buffer;
    tbsSignature: Buffer;
    signatureAlgorithm: Buffer;
} {
    const der = new X509Certificate(pem).raw;
    const tbs = child(der, 0);
    return {
        tbsSignature: child(tbs, 2),
        issuer: child(tbs, 3),
        subject: child(tbs, 5),
        signatureAlgorithm: child(der, 1),
    };
}

/** Whether the certificate's ECDSA signature has S in the lower half of the P-256 group (Fabric's canonical form). */
export function isLowS(pem: string): boolean {
    const der = new X509Certificate(pem).raw;
    const bitString = child(der, 2);
    // BIT STRING: tag, length, unused-bits byte, then the DER ECDSA-Sig-Value.
    const signature = bitString.subarray(readElement(bitString, 0).content + 1);
    const s = child(signature, 1);
    const value = BigInt(`0x${s.subarray(readElement(s, 0).content).toString('hex')}`);
    return value <= P256_N >> 1n;
}
