// SPDX-License-Identifier: Apache-2.0
/** `GET /ledger/info` (staff) and `GET /ledger/verify` (commission auditor). */
import { Router } from 'express';
import type { AppDeps } from '../app';
import { requireOrgType } from '../auth/org-type';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { toLedgerApiError } from '../ledger/ledger';
import { assertQueryKeys } from '../validation';

/**
 * The chain routes.
 * @param config - this gateway's configuration
 * @param deps - ledger and tokens
 */
export function newLedgerRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    router.get('/ledger/info', requireStaff(deps.tokens), async (req, res) => {
        assertQueryKeys(req.query, []);
        const info = await deps.ledger.getChainInfo().catch((error: unknown) => {
            throw toLedgerApiError(error);
        });
        res.json({ height: Number(info.height), currentHash: info.currentHash });
    });
    router.get(
        '/ledger/verify',
        requireStaff(deps.tokens, 'auditor'),
        requireOrgType(config, 'commission'),
        async (req, res) => {
            assertQueryKeys(req.query, []);
            const result = await deps.ledger.verifyChain().catch((error: unknown) => {
                throw toLedgerApiError(error);
            });
            res.json(result);
        },
    );
    return router;
}
