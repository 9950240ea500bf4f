// SPDX-License-Identifier: Apache-2.0
/**
 * fabric-shim builds a `ClientIdentity` for every transaction, and with it parses the creator's PEM
 * certificate with `@fidm/x509` — about a fifth of the endorser's time per transaction, for the same handful
 * of member certificates. {@link cacheCertificateParsing} makes that parse remember its last answers, in the
 * thread that hosts the chaincode. The parsed certificate is only read (subject, issuer and extensions, for
 * the client id and attributes), so sharing one between transactions changes nothing they see.
 */
import { createRequire } from 'node:module';

/** The part of `@fidm/x509` that fabric-shim calls. */
interface CertificateClass {
    fromPEM(data: Buffer | string): unknown;
}

/** How many distinct certificates are remembered; the cache starts over when full. */
const MAX_CERTIFICATES = 1_000;

let installed = false;

/**
 * Makes `Certificate.fromPEM` of the `@fidm/x509` that fabric-shim loads remember what it parsed, keyed by the
 * PEM text. Idempotent; only for the thread that hosts chaincode.
 */
export function cacheCertificateParsing(): void {
    if (installed) {
        return;
    }
    installed = true;
    // The copy fabric-shim resolves, wherever npm placed it.
    const shimRequire = createRequire(require.resolve('fabric-shim/lib/chaincode'));
    const { Certificate } = shimRequire('@fidm/x509') as { Certificate: CertificateClass };
    const parse = Certificate.fromPEM.bind(Certificate);
    const parsed = new Map<string, unknown>();
    Certificate.fromPEM = (data: Buffer | string): unknown => {
        const key = typeof data === 'string' ? data : data.toString('latin1');
        const known = parsed.get(key);
        if (known !== undefined) {
            return known;
        }
        const certificate = parse(data);
        if (parsed.size >= MAX_CERTIFICATES) {
            parsed.clear();
        }
        parsed.set(key, certificate);
        return certificate;
    };
}
