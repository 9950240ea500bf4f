// SPDX-License-Identifier: Apache-2.0
/**
 * The audit view's own routes at the commission's gateway (docs/api.md "Audit"): its state
 * (`GET /audit/view`), a rebuild from block 0 (`POST /audit/view/rebuild`; the commission's admin or
 * auditor: a rebuild changes no ledger state and the old counts answer until the new ones have caught up),
 * and the auditor's recount of a range against the ledger (`GET /audit/stats/verify`).
 */
import { Router } from 'express';
import type { AppDeps } from '../app';
import { requireOrgType } from '../auth/org-type';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors';
import type { AuditView } from '../audit/audit-view';
import { toHourRange } from '../audit/queries';
import { verifyView } from '../audit/view-verify';
import { toLedgerApiError } from '../ledger/ledger';
import { assertQueryKeys, queryParam, readTime } from '../validation';

/**
 * This gateway's audit view.
 * @param deps - the app's dependencies
 * @throws ApiError NOT_FOUND when the gateway keeps none (only the commission's does)
 */
export function requireAuditView(deps: AppDeps): AuditView {
    if (deps.auditView === undefined) {
        throw new ApiError('NOT_FOUND', 'This gateway keeps no audit view');
    }
    return deps.auditView;
}

async function ledgerHeight(deps: AppDeps): Promise<number> {
    const info = await deps.ledger.getChainInfo().catch((error: unknown) => {
        throw toLedgerApiError(error);
    });
    return Number(info.height);
}

function readRange(query: unknown, now: Date): { from: string; to: string } {
    const time = (name: string): string | undefined => {
        const value = queryParam(query, name);
        return value === undefined ? undefined : readTime(value, name);
    };
    return toHourRange({ from: time('from'), to: time('to') }, now);
}

/**
 * The audit view's routes; mount them before the other `/audit` routes (they admit the admin role too).
 * @param config - this gateway's configuration
 * @param deps - tokens, ledger, contracts, the audit view, clock
 */
export function newAuditViewRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    const commission = requireOrgType(config, 'commission');
    const operators = [requireStaff(deps.tokens, 'admin', 'auditor'), commission];
    router.get('/audit/view', ...operators, async (req, res) => {
        assertQueryKeys(req.query, []);
        const status = requireAuditView(deps).status();
        res.json({ ...status, ledgerHeight: await ledgerHeight(deps) });
    });
    router.post('/audit/view/rebuild', ...operators, async (req, res) => {
        assertQueryKeys(req.query, []);
        const view = requireAuditView(deps);
        const started = await view.rebuild();
        res.status(202).json({ started, ...view.status(), ledgerHeight: await ledgerHeight(deps) });
    });
    router.get('/audit/stats/verify', requireStaff(deps.tokens, 'auditor'), commission, async (req, res) => {
        assertQueryKeys(req.query, ['from', 'to']);
        const range = readRange(req.query, deps.clock());
        const view = requireAuditView(deps);
        const ledger = { getChainInfo: () => ledgerHeight(deps).then((height) => ({ height: BigInt(height) })) };
        const verification = verifyView(
            { contracts: deps.contracts, ledger, view, waitMs: config.ledgerTimeoutMs },
            range,
        );
        res.json(await verification);
    });
    return router;
}
