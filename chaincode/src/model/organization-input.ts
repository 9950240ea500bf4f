// SPDX-License-Identifier: Apache-2.0
/** Arguments of the organisation contract. */
import { createHash, X509Certificate } from 'node:crypto';
import { invalid } from '../errors';
import { parseObjectArgument } from './input';
import { readEnum, readString, readText } from '../protocol/input';
import { OrgTypes } from '../protocol/vocabulary';
import type { OrgType } from '../protocol/vocabulary';

/** What an organisation says about itself when it registers or updates. */
export interface OrganizationProfile {
    readonly type: OrgType;
    readonly name: string;
    readonly p2pUrl: string;
    /** The certificate re-encoded as PEM by the parser. */
    readonly tlsCertPem: string;
    readonly tlsCertSha256: string;
}

/** `https://host[:port][/path]`, host a DNS name, IPv4 or bracketed IPv6 address; no credentials, query or fragment. */
const P2P_URL = /^https:\/\/([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(:[0-9]{1,5})?(\/[A-Za-z0-9._~/-]*)?$/;
const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/;

function readCertificate(value: unknown): { pem: string; sha256: string } {
    const pem = readString(value, 'tlsCertPem', 8192, PEM_CERTIFICATE);
    try {
        const certificate = new X509Certificate(pem);
        return { pem: certificate.toString(), sha256: createHash('sha256').update(certificate.raw).digest('hex') };
    } catch {
        return invalid('tlsCertPem is not a readable X.509 certificate');
    }
}

/**
 * Reads `{type, name, p2pUrl, tlsCertPem}`.
 * @param raw - argument text
 * @returns the profile
 * @throws INVALID_INPUT when malformed, an unknown type, a non-https URL or an unreadable certificate
 */
export function readOrganizationProfile(raw: string): OrganizationProfile {
    const args = parseObjectArgument(raw, 'organization', ['type', 'name', 'p2pUrl', 'tlsCertPem']);
    const certificate = readCertificate(args.tlsCertPem);
    return {
        type: readEnum(args.type, 'type', OrgTypes),
        name: readText(args.name, 'name', 200),
        p2pUrl: readString(args.p2pUrl, 'p2pUrl', 512, P2P_URL),
        tlsCertPem: certificate.pem,
        tlsCertSha256: certificate.sha256,
    };
}
