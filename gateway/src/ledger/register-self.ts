// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway's first act at start: make sure the ledger knows this organisation with its current p2p URL
 * and TLS certificate (pinned by other organisations for mutual TLS), registering it or updating the entry.
 * The commission's gateway also names the commission (bootstrap, `bootstrap.ts`) on a fresh ledger.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError } from '../errors';
import { bootstrapIfFresh } from './bootstrap';
import type { LedgerContracts, Organization, OrganizationProfileInput } from './contracts';

/**
 * What {@link registerSelf} did; `pending`: the ledger keeps another TLS certificate pinned until the
 * commission approves this one.
 */
export type SelfRegistration = 'registered' | 'updated' | 'unchanged' | 'pending';

function sha256OfCertificate(pem: string): string {
    return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

function isCurrent(org: Organization, profile: OrganizationProfileInput): boolean {
    return (
        org.name === profile.name &&
        org.p2pUrl === profile.p2pUrl &&
        org.tlsCertSha256 === sha256OfCertificate(profile.tlsCertPem)
    );
}

function isPendingApproval(org: Organization, profile: OrganizationProfileInput): boolean {
    return (
        org.name === profile.name &&
        org.p2pUrl === profile.p2pUrl &&
        (org.pendingTlsCertSha256 ?? null) === sha256OfCertificate(profile.tlsCertPem)
    );
}

function isCode(error: unknown, code: string): boolean {
    return error instanceof ApiError && error.code === code;
}

async function readSelf(contracts: LedgerContracts): Promise<Organization | undefined> {
    try {
        return await contracts.readOrganization(contracts.mspId);
    } catch (error) {
        if (isCode(error, 'NOT_FOUND')) {
            return undefined;
        }
        throw error;
    }
}

/**
 * Registers this organisation on the ledger, or updates its name and p2p URL when they changed; a new TLS
 * certificate is asked for and stays pending until the commission approves it. Idempotent.
 * @param contracts - the ledger facade under this organisation's identity
 * @param profile - type, name, p2p URL (`https://host:port`) and the gateway's TLS certificate PEM
 * @param logger - for one line saying what happened
 * @returns what was done
 * @throws ApiError LEDGER_UNAVAILABLE, CONFLICT (registered with another type), FORBIDDEN
 */
export async function registerSelf(
    contracts: LedgerContracts,
    profile: OrganizationProfileInput,
    logger: Logger,
): Promise<SelfRegistration> {
    if (profile.type === 'commission' && (await bootstrapIfFresh(contracts)).bootstrapped) {
        logger.info({ commission: contracts.mspId }, 'ledger bootstrapped');
    }
    const existing = await readSelf(contracts);
    let outcome: SelfRegistration = 'unchanged';
    if (existing === undefined) {
        await contracts.registerOrganization(profile);
        outcome = 'registered';
    } else if (isPendingApproval(existing, profile)) {
        outcome = 'pending';
    } else if (!isCurrent(existing, profile)) {
        const updated = await contracts.updateOrganization(profile);
        outcome = (updated.value.pendingTlsCertSha256 ?? null) === null ? 'updated' : 'pending';
    }
    logger.info({ mspId: contracts.mspId, outcome, p2pUrl: profile.p2pUrl }, 'organisation on the ledger');
    if (outcome === 'pending') {
        logger.warn(
            { mspId: contracts.mspId },
            'the new TLS certificate waits for the commission’s approval; other organisations pin the old one until then',
        );
    }
    return outcome;
}
