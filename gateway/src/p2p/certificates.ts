// SPDX-License-Identifier: Apache-2.0
/**
 * Certificate pinning for the peer-to-peer exchange: a peer is accepted only when the certificate it presents
 * is byte for byte (DER) the one its organisation registered on the ledger and was issued by that
 * organisation's own TLS CA; chaining to some region TLS CA is necessary but not enough.
 */
import { createHash, X509Certificate } from 'node:crypto';

/**
 * SHA-256 of a certificate's DER, lowercase hex (the ledger's `tlsCertSha256`).
 * @param der - the certificate's DER bytes
 */
export function toCertificateFingerprint(der: Uint8Array): string {
    return createHash('sha256').update(der).digest('hex');
}

/** Certificates parsed recently, by PEM text: the same few members' certificates come back on every fetch. */
const parsed = new Map<string, Buffer>();
const MAX_PARSED = 256;

/**
 * The DER bytes of a PEM certificate.
 * @param pem - one PEM certificate
 * @throws Error when it is not a certificate
 */
export function toCertificateDer(pem: string): Buffer {
    const known = parsed.get(pem);
    if (known !== undefined) {
        return known;
    }
    const der = new X509Certificate(pem).raw;
    if (parsed.size >= MAX_PARSED) {
        parsed.clear();
    }
    parsed.set(pem, der);
    return der;
}

/**
 * Whether a certificate was issued and signed by a CA certificate (one level: the region's TLS CAs issue
 * gateway certificates directly).
 * @param der - the certificate's DER
 * @param caPem - the CA certificate
 */
export function isIssuedBy(der: Uint8Array, caPem: string): boolean {
    try {
        const certificate = new X509Certificate(der);
        const ca = new X509Certificate(caPem);
        return ca.ca && certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
    } catch {
        return false;
    }
}
