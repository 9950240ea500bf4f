// SPDX-License-Identifier: Apache-2.0
/**
 * An in-memory certificate authority that issues the certificates Fabric 2.5 peers, orderers and our
 * gateways accept: ECDSA P-256 keys, ecdsa-with-SHA256 signatures, subjects and extensions shaped like
 * Fabric's cryptogen (`internal/cryptogen/ca/ca.go`), node OUs in the subject for Fabric's NodeOUs.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { toLowS } from '../ledger';

x509.cryptoProvider.set(webcrypto);

/** What a CA issues: identities (`ca`) or TLS certificates (`tlsca`). */
export const CaKinds = ['ca', 'tlsca'] as const;
/** One of {@link CaKinds}. */
export type CaKind = (typeof CaKinds)[number];

/** Fabric node OUs (`config.yaml` NodeOUs); the OU of a sign certificate decides its role. */
export const NodeOus = ['client', 'peer', 'orderer', 'admin'] as const;
/** One of {@link NodeOus}. */
export type NodeOu = (typeof NodeOus)[number];

/** Certificate profiles: a signing identity, or a TLS certificate for a server, a client or both. */
export const CertificateKinds = ['sign', 'tls-server', 'tls-client', 'tls-both'] as const;
/** One of {@link CertificateKinds}. */
export type CertificateKind = (typeof CertificateKinds)[number];

/** Options of {@link newCertificateAuthority}. */
export interface CertificateAuthorityOptions {
    /** Subject CN, e.g. `ca.hospital-a.region.example`. */
    readonly commonName: string;
    /** Subject O, e.g. the organisation's MSP id or name. */
    readonly organization: string;
    readonly kind: CaKind;
}

/** Options of {@link CertificateAuthority.issue}. */
export interface IssueOptions {
    /** Subject CN, e.g. `peer0.hospital-a.region.example` or `Admin@hospital-a.region.example`. */
    readonly commonName: string;
    /** Subject OU: the Fabric node OU. */
    readonly ou: NodeOu;
    readonly kind: CertificateKind;
    /** Extra subject alternative names (host names or IP addresses) for TLS certificates. */
    readonly sans?: readonly string[];
}

/** A certificate and its private key, both PEM (the key as PKCS#8). */
export interface IssuedCertificate {
    readonly certPem: string;
    readonly keyPem: string;
}

/** A CA held in memory. */
export interface CertificateAuthority extends IssuedCertificate {
    readonly kind: CaKind;
    /**
     * Issues a certificate with a fresh P-256 key.
     * @param options - subject and profile
     * @returns the certificate and its private key
     */
    issue(options: IssueOptions): Promise<IssuedCertificate>;
}

/** Subject fields cryptogen puts in every certificate (`subjectTemplate`). */
const SUBJECT_BASE: x509.JsonName = [{ C: ['US'] }, { ST: ['California'] }, { L: ['San Francisco'] }];
const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const MINUTE = 60_000;
const YEAR = 365 * 24 * 60 * MINUTE;
const CA_VALIDITY = 10 * YEAR;
const LEAF_VALIDITY = 3 * YEAR;
const TLS_USAGES: x509.KeyUsageFlags = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
const EXTENDED_USAGES: Record<CertificateKind, readonly x509.ExtendedKeyUsage[]> = {
    sign: [],
    'tls-server': [x509.ExtendedKeyUsage.serverAuth],
    'tls-client': [x509.ExtendedKeyUsage.clientAuth],
    'tls-both': [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
};

/**
 * Signs like WebCrypto, then moves S into the lower half of the group. Fabric's MSP rewrites any
 * certificate whose signature has a high S ("sanitizes" it), so issuing low-S certificates keeps the
 * bytes Fabric sees identical to the bytes we wrote.
 */
async function signLowS(
    algorithm: webcrypto.EcdsaParams,
    key: webcrypto.CryptoKey,
    data: webcrypto.BufferSource,
): Promise<ArrayBuffer> {
    const signature = Buffer.from(await webcrypto.subtle.sign(algorithm, key, data));
    signature.set(toLowS(signature.subarray(32)), 32);
    return new Uint8Array(signature).buffer;
}

const lowSSubtle = new Proxy(webcrypto.subtle, {
    get(target, property): unknown {
        if (property === 'sign') {
            return signLowS;
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
});

/** The WebCrypto provider handed to the certificate generator (it uses only these members). */
const signingCrypto: Pick<webcrypto.Crypto, 'subtle' | 'getRandomValues' | 'randomUUID'> = {
    subtle: lowSSubtle,
    getRandomValues: (array) => webcrypto.getRandomValues(array),
    randomUUID: () => webcrypto.randomUUID(),
};

/** Subject key identifier as cryptogen computes it: SHA-256 of the uncompressed EC point (RFC 7093, 2, method 4). */
function toKeyIdentifier(publicKeyPem: string): string {
    const spki = createPublicKey(publicKeyPem).export({ format: 'der', type: 'spki' });
    // A P-256 SubjectPublicKeyInfo ends with the 65-byte uncompressed point.
    return createHash('sha256')
        .update(spki.subarray(spki.length - 65))
        .digest('hex');
}

function toPem(label: string, der: ArrayBuffer): string {
    const lines =
        Buffer.from(der)
            .toString('base64')
            .match(/.{1,64}/g) ?? [];
    return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

async function newKeyPair(): Promise<{ keys: webcrypto.CryptoKeyPair; keyPem: string; publicKeyPem: string }> {
    const keys = await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
    const keyPem = toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const publicKeyPem = toPem('PUBLIC KEY', await webcrypto.subtle.exportKey('spki', keys.publicKey));
    return { keys, keyPem, publicKeyPem };
}

/** A positive 128-bit serial number, as cryptogen's `x509Template` makes. */
function newSerialNumber(): string {
    return `00${randomBytes(16).toString('hex')}`;
}

/** Validity start: now, rounded to the minute and backdated five minutes for clock skew (cryptogen). */
function newNotBefore(): Date {
    return new Date(Math.round(Date.now() / MINUTE) * MINUTE - 5 * MINUTE);
}

function toSubject(organization: string, commonName: string, ou?: NodeOu): x509.JsonName {
    return [...SUBJECT_BASE, { O: [organization] }, ...(ou ? [{ OU: [ou] }] : []), { CN: [commonName] }];
}

function toSubjectAltNames(commonName: string, sans: readonly string[]): x509.SubjectAlternativeNameExtension {
    const names = [...new Set(['127.0.0.1', 'localhost', commonName, ...sans])];
    return new x509.SubjectAlternativeNameExtension(
        names.map((value) => ({ type: isIP(value) === 0 ? 'dns' : 'ip', value })),
    );
}

function toLeafExtensions(options: IssueOptions, subjectKeyId: string, authorityKeyId: string): x509.Extension[] {
    const extensions: x509.Extension[] = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(options.kind === 'sign' ? x509.KeyUsageFlags.digitalSignature : TLS_USAGES, true),
        new x509.SubjectKeyIdentifierExtension(subjectKeyId),
        new x509.AuthorityKeyIdentifierExtension(authorityKeyId),
    ];
    const usages = EXTENDED_USAGES[options.kind];
    if (usages.length > 0) {
        extensions.push(new x509.ExtendedKeyUsageExtension([...usages]));
        extensions.push(toSubjectAltNames(options.commonName, options.sans ?? []));
    }
    return extensions;
}

function newAuthority(kind: CaKind, certPem: string, keyPem: string, key: webcrypto.CryptoKey): CertificateAuthority {
    const cert = new x509.X509Certificate(certPem);
    // AKI must repeat the CA's own SKI, whichever method the CA that is loaded used to compute it.
    const subjectKeyId =
        cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ??
        toKeyIdentifier(new X509Certificate(certPem).publicKey.export({ format: 'pem', type: 'spki' }).toString());
    const organization = cert.subjectName.getField('O')[0] ?? '';
    return Object.freeze({
        kind,
        certPem,
        keyPem,
        async issue(options: IssueOptions): Promise<IssuedCertificate> {
            const leaf = await newKeyPair();
            const notBefore = newNotBefore();
            const notAfter = new Date(Math.min(notBefore.getTime() + LEAF_VALIDITY, cert.notAfter.getTime()));
            const issued = await x509.X509CertificateGenerator.create(
                {
                    serialNumber: newSerialNumber(),
                    subject: toSubject(organization, options.commonName, options.ou),
                    issuer: cert.subjectName,
                    notBefore,
                    notAfter,
                    publicKey: leaf.keys.publicKey,
                    signingKey: key,
                    signingAlgorithm: SIGNING,
                    extensions: toLeafExtensions(options, toKeyIdentifier(leaf.publicKeyPem), subjectKeyId),
                },
                signingCrypto,
            );
            return { certPem: issued.toString('pem') + '\n', keyPem: leaf.keyPem };
        },
    });
}

/**
 * Creates a self-signed root CA with a fresh P-256 key.
 * @param options - subject CN and O, and whether it issues identities or TLS certificates
 * @returns the CA, whose `certPem`/`keyPem` the caller stores
 */
export async function newCertificateAuthority(options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    const { keys, keyPem, publicKeyPem } = await newKeyPair();
    const notBefore = newNotBefore();
    const name = toSubject(options.organization, options.commonName);
    const cert = await x509.X509CertificateGenerator.create(
        {
            serialNumber: newSerialNumber(),
            subject: name,
            issuer: name,
            notBefore,
            notAfter: new Date(notBefore.getTime() + CA_VALIDITY),
            publicKey: keys.publicKey,
            signingKey: keys.privateKey,
            signingAlgorithm: SIGNING,
            extensions: [
                new x509.BasicConstraintsExtension(true, undefined, true),
                new x509.KeyUsagesExtension(
                    x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
                    true,
                ),
                new x509.SubjectKeyIdentifierExtension(toKeyIdentifier(publicKeyPem)),
            ],
        },
        signingCrypto,
    );
    return newAuthority(options.kind, cert.toString('pem') + '\n', keyPem, keys.privateKey);
}

/**
 * Loads a CA from its stored certificate and PKCS#8 key.
 * @param certPem - the CA certificate
 * @param keyPem - its private key
 * @param kind - what the CA issues; `ca` when omitted
 * @throws Error when the certificate is not a CA certificate or the key is not its P-256 key
 */
export async function loadCertificateAuthority(
    certPem: string,
    keyPem: string,
    kind: CaKind = 'ca',
): Promise<CertificateAuthority> {
    const nodeCert = new X509Certificate(certPem);
    const privateKey = createPrivateKey(keyPem);
    if (!nodeCert.ca) {
        throw new Error(`Certificate ${nodeCert.subject.replace(/\n/g, ', ')} is not a CA certificate`);
    }
    if (privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1' || !nodeCert.checkPrivateKey(privateKey)) {
        throw new Error(`The private key is not the P-256 key of CA ${nodeCert.subject.replace(/\n/g, ', ')}`);
    }
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const key = await webcrypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']);
    return newAuthority(kind, certPem, keyPem, key);
}
