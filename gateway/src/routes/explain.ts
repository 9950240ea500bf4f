// SPDX-License-Identifier: Apache-2.0
/**
 * "Who can see this record, and why?" (docs/api.md "Explaining a decision"): a dry run of the access decision on
 * one record, answered by the chaincode, which writes nothing. The commission's auditors ask about any requester;
 * the staff who fetch records for an organisation (a hospital's clinicians, an insurer's claims staff) ask about
 * their own organisation only, which the chaincode enforces again.
 */
import { Router, type RequestHandler } from 'express';
import { Purposes } from '../../../chaincode/src/protocol/vocabulary';
import type { AppDeps } from '../app';
import { requireStaff, staffOf } from '../auth/staff';
import type { StaffRole } from '../auth/tokens';
import type { GatewayConfig, OrganizationType } from '../config';
import { ApiError } from '../errors';
import type { ExplainSelectionInput } from '../ledger/contracts';
import { assertQueryKeys, queryParam, readEnum, readId, readMspId } from '../validation';

/** The role that may ask for explanations at each kind of organisation. */
const EXPLAINER_ROLE: Readonly<Record<OrganizationType, StaffRole>> = {
    commission: 'auditor',
    hospital: 'clinician',
    insurer: 'claims',
};

function requireExplainer(config: GatewayConfig): RequestHandler {
    return (_req, res, next) => {
        const role = EXPLAINER_ROLE[config.org.type];
        if (staffOf(res).role !== role) {
            throw new ApiError('FORBIDDEN', `At this organisation, decisions are explained to the ${role} role`);
        }
        next();
    };
}

/**
 * Reads `requester` and `purpose` from a query string; both optional.
 * @param query - `req.query`
 * @throws ApiError INVALID_INPUT
 */
export function readExplainSelection(query: unknown): ExplainSelectionInput {
    const requester = queryParam(query, 'requester');
    const purpose = queryParam(query, 'purpose');
    return {
        ...(requester === undefined ? {} : { requester: readMspId(requester, 'requester') }),
        ...(purpose === undefined ? {} : { purpose: readEnum(purpose, 'purpose', Purposes) }),
    };
}

/**
 * `GET /records/{recordId}/explain?requester=&purpose=`.
 * @param config - this gateway's configuration
 * @param deps - tokens and the ledger facade
 */
export function newExplainRoutes(config: GatewayConfig, deps: Pick<AppDeps, 'tokens' | 'contracts'>): Router {
    const router = Router();
    router.get('/records/:recordId/explain', requireStaff(deps.tokens), requireExplainer(config), async (req, res) => {
        assertQueryKeys(req.query, ['requester', 'purpose']);
        const recordId = readId(req.params.recordId, 'recordId');
        res.json(await deps.contracts.explainAccess({ recordId, ...readExplainSelection(req.query) }));
    });
    return router;
}
