// SPDX-License-Identifier: Apache-2.0
/**
 * Fast in-memory organisations and identities for tests. One CA per MSP id, one identity per
 * (MSP id, name, OU) and one TLS CA with its first gateway certificate per MSP id are made per process and
 * then reused, so suites stay fast.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import {
    newCertificateAuthority,
    type CertificateAuthority,
    type IssuedCertificate,
    type NodeOu,
} from '../../network/src/pki/ca';

/** A signing identity of a test organisation. */
export interface TestIdentity {
    readonly mspId: string;
    readonly certPem: string;
    /** PKCS#8 PEM. */
    readonly keyPem: string;
    readonly privateKey: KeyObject;
}

/** A test organisation: an MSP id with its own CA. */
export interface TestOrg {
    readonly mspId: string;
    readonly caCertPem: string;
    /**
     * Returns the organisation's identity of that name and OU, issuing it on first use.
     * @param name - certificate CN
     * @param ou - node OU; `client` when omitted
     */
    identity(name: string, ou?: NodeOu): Promise<TestIdentity>;
}

const orgs = new Map<string, Promise<TestOrg>>();

function toTestOrg(mspId: string, ca: CertificateAuthority): TestOrg {
    const identities = new Map<string, Promise<TestIdentity>>();
    const issue = async (name: string, ou: NodeOu): Promise<TestIdentity> => {
        const { certPem, keyPem } = await ca.issue({ commonName: name, ou, kind: 'sign' });
        return Object.freeze({ mspId, certPem, keyPem, privateKey: createPrivateKey(keyPem) });
    };
    return Object.freeze({
        mspId,
        caCertPem: ca.certPem,
        identity(name: string, ou: NodeOu = 'client'): Promise<TestIdentity> {
            const key = `${ou}\u0000${name}`;
            let identity = identities.get(key);
            if (!identity) {
                identity = issue(name, ou);
                identities.set(key, identity);
            }
            return identity;
        },
    });
}

/**
 * Returns the test organisation of an MSP id, creating its CA on first use.
 * @param mspId - e.g. `HospitalAMSP`
 */
export function newTestOrg(mspId: string): Promise<TestOrg> {
    let org = orgs.get(mspId);
    if (!org) {
        org = newCertificateAuthority({
            commonName: `ca.${mspId.toLowerCase()}.test`,
            organization: mspId,
            kind: 'ca',
        }).then((ca) => toTestOrg(mspId, ca));
        orgs.set(mspId, org);
    }
    return org;
}

/** A test organisation's TLS CA and the gateway certificate it issued first. */
export interface TestTls {
    readonly ca: CertificateAuthority;
    /** A `tls-both` certificate for `gateway.<MSP id>`. */
    readonly gateway: IssuedCertificate;
}

const tlsMaterial = new Map<string, Promise<TestTls>>();

async function issueTls(mspId: string): Promise<TestTls> {
    const ca = await newCertificateAuthority({ commonName: `tlsca.${mspId}`, organization: mspId, kind: 'tlsca' });
    const gateway = await ca.issue({ commonName: `gateway.${mspId}`, ou: 'client', kind: 'tls-both' });
    return { ca, gateway };
}

/**
 * Returns the TLS CA of an MSP id and its first gateway certificate, creating them on first use.
 * @param mspId - e.g. `HospitalAMSP`
 */
export function newTestTls(mspId: string): Promise<TestTls> {
    let tls = tlsMaterial.get(mspId);
    if (!tls) {
        tls = issueTls(mspId);
        tlsMaterial.set(mspId, tls);
    }
    return tls;
}
