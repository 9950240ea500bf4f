// SPDX-License-Identifier: Apache-2.0
/**
 * The region configuration: which organisations take part, of which type, under which MSP ids.
 * Read from `network/region.json` (or a file named by the caller) and validated before use.
 *
 * The bottom of network/src: it imports nothing of network's own, so the PKI, the Fabric scripts and the
 * ledger node read it while only the launcher (network/src/region) builds on all of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Organisation types known to the ledger (docs/design.md "Organisation"). */
export const OrganizationTypes = ['hospital', 'insurer', 'commission'] as const;
/** One of {@link OrganizationTypes}. */
export type OrganizationType = (typeof OrganizationTypes)[number];

/** A member organisation of the region. */
export interface OrganizationConfig {
    /** Fabric MSP id, e.g. `HospitalAMSP`. */
    readonly mspId: string;
    readonly type: OrganizationType;
    /** Display name. */
    readonly name: string;
    /** DNS-style domain used in certificate subjects (`peer0.<domain>`), never resolved. */
    readonly domain: string;
    /**
     * How patients reach the organisation about their personal information (its privacy office), registered on the
     * ledger and shown in every consent notice naming it; null when not configured.
     */
    readonly contact: string | null;
}

/** The ordering organisation (embedded ledger node, or Fabric orderers). */
export interface OrdererConfig {
    readonly mspId: string;
    readonly name: string;
    readonly domain: string;
}

/** A whole region. */
export interface RegionConfig {
    readonly name: string;
    /** Fabric channel name. */
    readonly channel: string;
    /** Chaincode name on the channel. */
    readonly chaincode: string;
    readonly orderer: OrdererConfig;
    readonly organizations: readonly OrganizationConfig[];
}

/** Path of the default region configuration shipped in `network/`. */
export const defaultRegionFile = join(__dirname, '..', '..', '..', '..', 'network', 'region.json');

const MSP_ID = /^[A-Za-z][A-Za-z0-9-]{1,63}$/;
const DOMAIN = /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const NAME = /^[a-z0-9][a-z0-9_.-]{0,48}$/;

function fail(message: string): never {
    throw new Error(`Invalid region configuration: ${message}`);
}

function readString(value: unknown, field: string, pattern?: RegExp): string {
    if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
        fail(`${field} must be a non-empty string of at most 200 characters`);
    }
    if (pattern && !pattern.test(value)) {
        fail(`${field} "${value}" does not match ${pattern.source}`);
    }
    return value;
}

function asRecord(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(`${field} must be an object`);
    }
    return value as Record<string, unknown>;
}

function toOrganization(value: unknown, index: number): OrganizationConfig {
    const field = `organizations[${index}]`;
    const org = asRecord(value, field);
    const type = readString(org.type, `${field}.type`);
    if (!(OrganizationTypes as readonly string[]).includes(type)) {
        fail(`${field}.type must be one of ${OrganizationTypes.join(', ')}`);
    }
    return Object.freeze({
        mspId: readString(org.mspId, `${field}.mspId`, MSP_ID),
        type: type as OrganizationType,
        name: readString(org.name, `${field}.name`),
        domain: readString(org.domain, `${field}.domain`, DOMAIN),
        contact: org.contact === undefined ? null : readString(org.contact, `${field}.contact`),
    });
}

/**
 * Validates a parsed region configuration.
 * @param value - parsed JSON
 * @returns the frozen configuration
 * @throws Error naming the first invalid field
 */
export function toRegionConfig(value: unknown): RegionConfig {
    const region = asRecord(value, 'region');
    const orderer = asRecord(region.orderer, 'orderer');
    if (!Array.isArray(region.organizations) || region.organizations.length === 0 || region.organizations.length > 64) {
        fail('organizations must be a list of 1 to 64 organisations');
    }
    const organizations = region.organizations.map(toOrganization);
    const ids = new Set([...organizations.map((o) => o.mspId), String(orderer.mspId)]);
    if (ids.size !== organizations.length + 1) {
        fail('MSP ids must be unique');
    }
    if (organizations.filter((o) => o.type === 'commission').length !== 1) {
        fail('exactly one organisation must be of type commission');
    }
    return Object.freeze({
        name: readString(region.name, 'name'),
        channel: readString(region.channel, 'channel', NAME),
        chaincode: readString(region.chaincode, 'chaincode', NAME),
        orderer: Object.freeze({
            mspId: readString(orderer.mspId, 'orderer.mspId', MSP_ID),
            name: readString(orderer.name, 'orderer.name'),
            domain: readString(orderer.domain, 'orderer.domain', DOMAIN),
        }),
        organizations: Object.freeze(organizations),
    });
}

/**
 * Reads and validates a region configuration file.
 * @param file - path of a JSON file; the default region when omitted
 */
export function readRegionConfig(file: string = defaultRegionFile): RegionConfig {
    let parsed: unknown;
    try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (cause) {
        throw new Error(`Cannot read region configuration ${file}`, { cause });
    }
    return toRegionConfig(parsed);
}
