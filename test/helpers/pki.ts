// SPDX-License-Identifier: Apache-2.0
/**
 * Fast in-memory organisations and identities for tests. One CA per MSP id and one identity per
 * (MSP id, name, OU) are made per process and then reused, so suites stay fast.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { newCertificateAuthority, type CertificateAuthority, type NodeOu } from '../../network/src/pki/ca';

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
