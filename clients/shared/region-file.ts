// SPDX-License-Identifier: Apache-2.0
/**
 * `<data>/region.json`: what a running region tells its clients (docs/api.md "The region file") — the
 * ledger node's URL and, per organisation, its MSP id, type, name, API and p2p URLs, the TLS CA that
 * issued its gateway's certificate, and the files holding a token for each staff role. The launcher writes
 * it once everything is up; the CLI, the demo loader and the tests read it.
 *
 * The file is the clients' view of a region, so its shape and reader live on the clients' side; the
 * launcher, at the top, imports them to write it.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Staff roles, in the order the launcher creates their tokens. */
export const RegionRoles = ['admin', 'clinician', 'claims', 'auditor'] as const;
/** One of {@link RegionRoles}. */
export type RegionRole = (typeof RegionRoles)[number];

/** One organisation as region.json lists it. */
export interface RegionFileOrganization {
    readonly mspId: string;
    readonly type: 'hospital' | 'insurer' | 'commission';
    readonly name: string;
    readonly apiUrl: string;
    readonly p2pUrl: string;
    /** A hospital's MLLP listener for its HL7 v2 feed (`mllp://127.0.0.1:7409`), when it runs. */
    readonly hl7Url?: string;
    /** PEM file of the organisation's TLS CA: trust it to call `apiUrl`. */
    readonly tlsCaFile: string;
    /** Role → file holding a bearer token of that role. */
    readonly tokens: Readonly<Record<RegionRole, string>>;
}

/** The whole file. */
export interface RegionFile {
    /** The region's channel id: every patient-signed payload names it. */
    readonly channel: string;
    /** The embedded ledger node's URL, or the Fabric orderer's `grpcs://` address. */
    readonly ledger: { readonly kind: 'embedded' | 'fabric'; readonly url: string };
    readonly organizations: readonly RegionFileOrganization[];
}

function fail(file: string, detail: string): never {
    throw new Error(`${file} is not a region file: ${detail}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readText(file: string, value: unknown, field: string): string {
    if (typeof value !== 'string' || value === '') {
        fail(file, `${field} must be a non-empty string`);
    }
    return value;
}

function toOrganization(file: string, value: unknown, index: number): RegionFileOrganization {
    const at = `organizations[${index}]`;
    if (!isRecord(value) || !isRecord(value.tokens)) {
        fail(file, `${at} must be an object with tokens`);
    }
    const tokens = value.tokens;
    const type = readText(file, value.type, `${at}.type`);
    if (type !== 'hospital' && type !== 'insurer' && type !== 'commission') {
        fail(file, `${at}.type is unknown`);
    }
    return {
        mspId: readText(file, value.mspId, `${at}.mspId`),
        type,
        name: readText(file, value.name, `${at}.name`),
        apiUrl: readText(file, value.apiUrl, `${at}.apiUrl`),
        p2pUrl: readText(file, value.p2pUrl, `${at}.p2pUrl`),
        ...(value.hl7Url === undefined ? {} : { hl7Url: readText(file, value.hl7Url, `${at}.hl7Url`) }),
        tlsCaFile: readText(file, value.tlsCaFile, `${at}.tlsCaFile`),
        tokens: {
            admin: readText(file, tokens.admin, `${at}.tokens.admin`),
            clinician: readText(file, tokens.clinician, `${at}.tokens.clinician`),
            claims: readText(file, tokens.claims, `${at}.tokens.claims`),
            auditor: readText(file, tokens.auditor, `${at}.tokens.auditor`),
        },
    };
}

/**
 * Reads and checks a region file.
 * @param file - path of region.json
 * @throws Error when missing or malformed
 */
export function readRegionFile(file: string): RegionFile {
    let value: unknown;
    try {
        value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (cause) {
        throw new Error(`Cannot read the region file ${file} (is the region running? start it with npm start)`, {
            cause,
        });
    }
    if (!isRecord(value) || !isRecord(value.ledger) || !Array.isArray(value.organizations)) {
        fail(file, 'ledger and organizations are required');
    }
    return {
        channel: readText(file, value.channel, 'channel'),
        ledger: {
            kind: value.ledger.kind === 'fabric' ? 'fabric' : 'embedded',
            url: readText(file, value.ledger.url, 'ledger.url'),
        },
        organizations: value.organizations.map((org: unknown, index) => toOrganization(file, org, index)),
    };
}

/**
 * Writes a region file atomically (a reader never sees half of it).
 * @param file - path of region.json
 * @param region - its content
 */
export function writeRegionFile(file: string, region: RegionFile): void {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(region, null, 2) + '\n', { mode: 0o644 });
    renameSync(temp, file);
}

/**
 * Finds an organisation of a region file.
 * @param region - the region file
 * @param mspId - MSP id
 * @throws Error naming the known MSP ids when there is none
 */
export function findRegionOrganization(region: RegionFile, mspId: string): RegionFileOrganization {
    const org = region.organizations.find((o) => o.mspId === mspId);
    if (!org) {
        const known = region.organizations.map((o) => o.mspId).join(', ');
        throw new Error(`No organisation ${mspId} in the region (known: ${known})`);
    }
    return org;
}

/**
 * Reads the token stored in a token file (one line).
 * @param file - path
 */
export function readTokenText(file: string): string {
    return readFileSync(file, 'utf8').trim();
}

/** The launcher prints this, then the region file's path, once the region (and the demo, if asked) is up. */
export const REGION_READY_PREFIX = 'Region ready: ';
