// SPDX-License-Identifier: Apache-2.0
/**
 * Member organisations: the bootstrap that names the commission, self-registration, and the
 * commission's governance (approve, suspend, reinstate).
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { readAllValuesByPrefix } from '../ledger/query';
import { deleteState, emitEvent, readIndex, readRequired, writeIndex, writeState } from '../ledger/state';
import { assertCommission, readConfig, readOrganization, readTx } from '../ledger/tx';
import type { Tx } from '../ledger/tx';
import { toCanonicalJson } from '../protocol/canonical-json';
import { readMspId } from '../protocol/input';
import { Keys, ObjectTypes } from '../model/keys';
import { readOrganizationProfile } from '../model/organization-input';
import type { OrganizationProfile } from '../model/organization-input';
import type { LedgerConfig, Organization } from '../protocol/state';
import { nextOrgStatus } from '../rules/organizations';
import type { GovernanceAction } from '../rules/organizations';
import { HealthContract } from './base';

function isSameProfile(org: Organization, profile: OrganizationProfile): boolean {
    return (
        org.type === profile.type &&
        org.name === profile.name &&
        org.p2pUrl === profile.p2pUrl &&
        org.tlsCertSha256 === profile.tlsCertSha256
    );
}

async function assertMayRegisterAs(ctx: Context, tx: Tx, profile: OrganizationProfile): Promise<boolean> {
    const config = await readConfig(ctx);
    const isTheCommission = config !== null && config.commissionMspId === tx.caller;
    if (isTheCommission !== (profile.type === 'commission')) {
        throw new ChaincodeError(
            ErrorCodes.FORBIDDEN,
            'only the organisation named at bootstrap registers, and only as the commission',
        );
    }
    return isTheCommission;
}

/**
 * Binds a TLS certificate to the caller: one certificate belongs to one organisation, so nobody can register
 * another member's certificate and receive its deliveries.
 */
async function bindCertificate(ctx: Context, tx: Tx, sha256: string): Promise<void> {
    const holder = await readIndex(ctx, Keys.organizationByTlsCert(sha256));
    if (holder !== null && holder !== tx.caller) {
        throw new ChaincodeError(ErrorCodes.CONFLICT, `this TLS certificate belongs to ${holder}`);
    }
    if (holder === null) {
        await writeIndex(ctx, Keys.organizationByTlsCert(sha256), tx.caller);
    }
}

/** The organisation after an update: name and URL at once; a new certificate only as pending. */
async function applyUpdate(
    ctx: Context,
    tx: Tx,
    org: Organization,
    profile: OrganizationProfile,
): Promise<Organization> {
    const pendingSha = org.pendingTlsCertSha256 ?? null;
    const base = { ...org, name: profile.name, p2pUrl: profile.p2pUrl, updatedAt: tx.time, txId: tx.txId };
    if (pendingSha !== null && pendingSha !== profile.tlsCertSha256) {
        // A new request replaces the one pending: its certificate is free again.
        await deleteState(ctx, Keys.organizationByTlsCert(pendingSha));
    }
    if (profile.tlsCertSha256 === org.tlsCertSha256) {
        return { ...base, pendingTlsCertPem: null, pendingTlsCertSha256: null };
    }
    await bindCertificate(ctx, tx, profile.tlsCertSha256);
    return { ...base, pendingTlsCertPem: profile.tlsCertPem, pendingTlsCertSha256: profile.tlsCertSha256 };
}

async function govern(ctx: Context, mspIdArg: string, action: GovernanceAction): Promise<string> {
    const mspId = readMspId(mspIdArg, 'mspId');
    const tx = readTx(ctx);
    await assertCommission(ctx, tx);
    const org = await readRequired<Organization>(ctx, Keys.organization(mspId), `organisation ${mspId}`);
    const updated: Organization = {
        ...org,
        status: nextOrgStatus(action, org.status),
        updatedAt: tx.time,
        txId: tx.txId,
    };
    await writeState(ctx, Keys.organization(mspId), updated);
    emitEvent(ctx, 'OrganizationStatusChanged', { mspId, status: updated.status, txId: tx.txId });
    return toCanonicalJson(updated);
}

/** Organisations and governance. Contract name `organization`. */
@Info({ title: 'organization', description: 'Member organisations: bootstrap, registration, governance' })
export class OrganizationContract extends HealthContract {
    constructor() {
        super('organization');
    }

    /**
     * Names the commission, once. The caller must belong to the MSP it names.
     * @param ctx - transaction context
     * @param commissionMspId - the commission's MSP id
     * @returns the ledger configuration (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (caller is another MSP), CONFLICT (already bootstrapped)
     */
    @Transaction()
    @Returns('string')
    async bootstrap(ctx: Context, commissionMspId: string): Promise<string> {
        const mspId = readMspId(commissionMspId, 'commissionMspId');
        const tx = readTx(ctx);
        if (tx.caller !== mspId) {
            throw new ChaincodeError(ErrorCodes.FORBIDDEN, 'only a member of the named MSP bootstraps the ledger');
        }
        if ((await readConfig(ctx)) !== null) {
            throw new ChaincodeError(ErrorCodes.CONFLICT, 'the ledger is already bootstrapped');
        }
        const config: LedgerConfig = { commissionMspId: mspId, bootstrappedAt: tx.time, txId: tx.txId };
        await writeState(ctx, Keys.config(), config);
        emitEvent(ctx, 'Bootstrapped', { commissionMspId: mspId, txId: tx.txId });
        return toCanonicalJson(config);
    }

    /**
     * Registers the caller's organisation (MSP id = caller) as `pending`; the commission registers itself
     * as `active`. Registering again with the same profile returns the entry unchanged.
     * @param ctx - transaction context
     * @param profileJson - `{type, name, p2pUrl, tlsCertPem}`
     * @returns the organisation (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (commission type by another MSP, or the commission as another type),
     *   CONFLICT (already registered with another profile)
     */
    @Transaction()
    @Returns('string')
    async registerOrganization(ctx: Context, profileJson: string): Promise<string> {
        const profile = readOrganizationProfile(profileJson);
        const tx = readTx(ctx);
        const isTheCommission = await assertMayRegisterAs(ctx, tx, profile);
        const existing = await readOrganization(ctx, tx.caller);
        if (existing !== null) {
            if (!isSameProfile(existing, profile)) {
                throw new ChaincodeError(ErrorCodes.CONFLICT, `${tx.caller} is registered with another profile`);
            }
            return toCanonicalJson(existing);
        }
        await bindCertificate(ctx, tx, profile.tlsCertSha256);
        const org: Organization = {
            mspId: tx.caller,
            ...profile,
            pendingTlsCertPem: null,
            pendingTlsCertSha256: null,
            status: isTheCommission ? 'active' : 'pending',
            registeredAt: tx.time,
            updatedAt: tx.time,
            txId: tx.txId,
        };
        await writeState(ctx, Keys.organization(tx.caller), org);
        emitEvent(ctx, 'OrganizationRegistered', { mspId: tx.caller, status: org.status, txId: tx.txId });
        return toCanonicalJson(org);
    }

    /**
     * Updates the caller's name and p2p URL at once and asks for a new TLS certificate (a rotation): the new
     * certificate is kept as pending and pinned only when the commission approves it; the current one serves
     * until then. Sending the current certificate withdraws a pending request. The type cannot change and the
     * status is kept.
     * @param ctx - transaction context
     * @param profileJson - `{type, name, p2pUrl, tlsCertPem}`
     * @returns the organisation (canonical JSON)
     * @throws INVALID_INPUT, NOT_FOUND (not registered), CONFLICT (another type; a certificate bound to
     *   another organisation)
     */
    @Transaction()
    @Returns('string')
    async updateOrganization(ctx: Context, profileJson: string): Promise<string> {
        const profile = readOrganizationProfile(profileJson);
        const tx = readTx(ctx);
        const org = await readRequired<Organization>(ctx, Keys.organization(tx.caller), `organisation ${tx.caller}`);
        if (org.type !== profile.type) {
            throw new ChaincodeError(ErrorCodes.CONFLICT, 'an organisation cannot change its type');
        }
        const updated = await applyUpdate(ctx, tx, org, profile);
        await writeState(ctx, Keys.organization(tx.caller), updated);
        emitEvent(ctx, 'OrganizationUpdated', {
            mspId: tx.caller,
            pendingTlsCertSha256: updated.pendingTlsCertSha256 ?? null,
            txId: tx.txId,
        });
        return toCanonicalJson(updated);
    }

    /**
     * Pins an organisation's pending TLS certificate (commission only); its previous certificate is released.
     * @param ctx - transaction context
     * @param mspId - the organisation
     * @returns the organisation (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (not the commission), NOT_FOUND, CONFLICT (no certificate pending)
     */
    @Transaction()
    @Returns('string')
    async approveCertificate(ctx: Context, mspId: string): Promise<string> {
        const id = readMspId(mspId, 'mspId');
        const tx = readTx(ctx);
        await assertCommission(ctx, tx);
        const org = await readRequired<Organization>(ctx, Keys.organization(id), `organisation ${id}`);
        const pendingPem = org.pendingTlsCertPem ?? null;
        const pendingSha = org.pendingTlsCertSha256 ?? null;
        if (pendingPem === null || pendingSha === null) {
            throw new ChaincodeError(ErrorCodes.CONFLICT, `organisation ${id} has no TLS certificate pending`);
        }
        await deleteState(ctx, Keys.organizationByTlsCert(org.tlsCertSha256));
        const updated: Organization = {
            ...org,
            tlsCertPem: pendingPem,
            tlsCertSha256: pendingSha,
            pendingTlsCertPem: null,
            pendingTlsCertSha256: null,
            updatedAt: tx.time,
            txId: tx.txId,
        };
        await writeState(ctx, Keys.organization(id), updated);
        emitEvent(ctx, 'OrganizationCertificateApproved', { mspId: id, tlsCertSha256: pendingSha, txId: tx.txId });
        return toCanonicalJson(updated);
    }

    /**
     * Approves a pending organisation (commission only).
     * @param ctx - transaction context
     * @param mspId - the organisation
     * @returns the organisation (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (not the commission), NOT_FOUND, CONFLICT (not pending)
     */
    @Transaction()
    @Returns('string')
    async approveOrganization(ctx: Context, mspId: string): Promise<string> {
        return govern(ctx, mspId, 'approve');
    }

    /**
     * Suspends an active organisation (commission only).
     * @param ctx - transaction context
     * @param mspId - the organisation
     * @returns the organisation (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (not the commission), NOT_FOUND, CONFLICT (not active)
     */
    @Transaction()
    @Returns('string')
    async suspendOrganization(ctx: Context, mspId: string): Promise<string> {
        return govern(ctx, mspId, 'suspend');
    }

    /**
     * Reinstates a suspended organisation (commission only).
     * @param ctx - transaction context
     * @param mspId - the organisation
     * @returns the organisation (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (not the commission), NOT_FOUND, CONFLICT (not suspended)
     */
    @Transaction()
    @Returns('string')
    async reinstateOrganization(ctx: Context, mspId: string): Promise<string> {
        return govern(ctx, mspId, 'reinstate');
    }

    /**
     * Reads one organisation.
     * @param ctx - transaction context
     * @param mspId - the organisation
     * @returns the organisation (canonical JSON)
     * @throws INVALID_INPUT, NOT_FOUND
     */
    @Transaction(false)
    @Returns('string')
    async readOrganization(ctx: Context, mspId: string): Promise<string> {
        const id = readMspId(mspId, 'mspId');
        return toCanonicalJson(await readRequired<Organization>(ctx, Keys.organization(id), `organisation ${id}`));
    }

    /**
     * Lists every organisation in MSP id order (the membership is small; no pagination).
     * @param ctx - transaction context
     * @returns an array of organisations (canonical JSON)
     */
    @Transaction(false)
    @Returns('string')
    async listOrganizations(ctx: Context): Promise<string> {
        const orgs = await readAllValuesByPrefix<Organization>(ctx, {
            objectType: ObjectTypes.organization,
            attributes: [],
        });
        return toCanonicalJson(orgs);
    }

    /**
     * Reads the ledger configuration written by `bootstrap`.
     * @param ctx - transaction context
     * @returns `{commissionMspId, bootstrappedAt, txId}` (canonical JSON)
     * @throws NOT_FOUND before bootstrap
     */
    @Transaction(false)
    @Returns('string')
    async readConfig(ctx: Context): Promise<string> {
        return toCanonicalJson(await readRequired<LedgerConfig>(ctx, Keys.config(), 'the ledger configuration'));
    }
}
