// SPDX-License-Identifier: Apache-2.0
/**
 * `GET /orgs` (staff), the public `GET /directory` of active organisations (what a patient picks a grantee and
 * custodians from) and the commission's governance: approve, suspend, reinstate, and approve a pending TLS
 * certificate.
 */
import { Router } from 'express';
import type { AppDeps } from '../app';
import { requireOrgType } from '../auth/org-type';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { toTxFields, type Organization, type OrgType, type Submitted } from '../ledger/contracts';
import { assertQueryKeys, readMspId } from '../validation';

const ACTIONS = ['approve', 'suspend', 'reinstate'] as const;
type Action = (typeof ACTIONS)[number];

/**
 * What the API shows of an organisation: everything on the ledger (all of it is public to members).
 * @param org - the ledger entry
 */
export function toOrganizationView(org: Organization): Organization {
    // Entries written before certificate changes needed approval have no pending fields.
    return {
        ...org,
        pendingTlsCertPem: org.pendingTlsCertPem ?? null,
        pendingTlsCertSha256: org.pendingTlsCertSha256 ?? null,
    };
}

/**
 * An organisation as the public directory shows it: no URLs, certificates or statuses; its contact is what a
 * consent notice names (`chaincode/src/protocol/notice.ts`), null when it registered none.
 */
export interface DirectoryEntry {
    readonly mspId: string;
    readonly type: OrgType;
    readonly name: string;
    readonly contact: string | null;
}

/**
 * The public directory's view of an organisation.
 * @param org - the ledger entry
 */
export function toDirectoryEntry(org: Organization): DirectoryEntry {
    return { mspId: org.mspId, type: org.type, name: org.name, contact: org.contact ?? null };
}

/**
 * The organisation routes.
 * @param config - this gateway's configuration
 * @param deps - contracts and tokens
 */
export function newOrgRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    const govern: Readonly<Record<Action, (mspId: string) => Promise<Submitted<Organization>>>> = {
        approve: (mspId) => deps.contracts.approveOrganization(mspId),
        suspend: (mspId) => deps.contracts.suspendOrganization(mspId),
        reinstate: (mspId) => deps.contracts.reinstateOrganization(mspId),
    };
    router.get('/orgs', requireStaff(deps.tokens), async (req, res) => {
        assertQueryKeys(req.query, []);
        const orgs = await deps.contracts.listOrganizations();
        res.json({ items: orgs.map(toOrganizationView), nextCursor: null });
    });
    // Public (no token): patients sign their own acts and have no staff token, yet must name organisations.
    // Only what the active organisations published about themselves; pending and suspended ones are left out.
    router.get('/directory', async (req, res) => {
        assertQueryKeys(req.query, []);
        const orgs = await deps.contracts.listOrganizations();
        const items = orgs.filter((org) => org.status === 'active').map(toDirectoryEntry);
        res.json({ items, nextCursor: null });
    });
    router.post(
        '/orgs/:msp/approve-certificate',
        requireStaff(deps.tokens, 'admin'),
        requireOrgType(config, 'commission'),
        async (req, res) => {
            const mspId = readMspId(req.params.msp, 'msp');
            const submitted = await deps.contracts.approveCertificate(mspId);
            res.json({ mspId, tlsCertSha256: submitted.value.tlsCertSha256, ...toTxFields(submitted) });
        },
    );
    for (const action of ACTIONS) {
        router.post(
            `/orgs/:msp/${action}`,
            requireStaff(deps.tokens, 'admin'),
            requireOrgType(config, 'commission'),
            async (req, res) => {
                const mspId = readMspId(req.params.msp, 'msp');
                const submitted = await govern[action](mspId);
                res.json({ mspId, status: submitted.value.status, ...toTxFields(submitted) });
            },
        );
    }
    return router;
}
