// SPDX-License-Identifier: Apache-2.0
/**
 * Claims: a hospital files, the insurer verifies (`claims/verification.ts`) and decides; both list their
 * claims (`claims/listing.ts`). The rules live in those services; these routes parse, authorise and render.
 */
import { Router } from 'express';
import type { AppDeps } from '../app';
import { requireOrgType } from '../auth/org-type';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors';
import { toTxFields, type Claim, type ClaimDecision } from '../ledger/contracts';
import { toClaimSubmission } from '../../../chaincode/src/model/claim-input';
import { assertQueryKeys, atBoundary, queryParam, readEnum, readId, readObject, readText } from '../validation';
import { ClaimStatuses, ClaimDecisions } from '../../../chaincode/src/protocol/vocabulary';
import { listClaims } from '../claims/listing';
import { verifyClaim } from '../claims/verification';
import { readFillRequest } from '../paging';

/** The claim body, read with the chaincode's own reader: the same bounds as on the ledger. */
const readClaimBody = atBoundary(toClaimSubmission);

async function readOwnClaim(deps: AppDeps, claimId: string, mspId: string): Promise<Claim> {
    const claim = await deps.contracts.readClaim(claimId);
    if (claim.insurer !== mspId) {
        throw new ApiError('FORBIDDEN', `Claim ${claimId} is addressed to another insurer`);
    }
    return claim;
}

/**
 * The claim routes.
 * @param config - this gateway's configuration
 * @param deps - contracts, tokens, custody fetcher
 */
export function newClaimRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    const me = config.org.mspId;
    const claimsStaff = requireStaff(deps.tokens, 'claims');
    router.post('/claims', claimsStaff, requireOrgType(config, 'hospital'), async (req, res) => {
        const submitted = await deps.contracts.submitClaim(readClaimBody(req.body));
        const { claimId, status } = submitted.value;
        res.status(201).json({ claimId, status, ...toTxFields(submitted) });
    });
    router.get('/claims', claimsStaff, requireOrgType(config, 'hospital', 'insurer'), async (req, res) => {
        assertQueryKeys(req.query, ['status', 'limit', 'cursor']);
        const statusParam = queryParam(req.query, 'status');
        const status = statusParam === undefined ? undefined : readEnum(statusParam, 'status', ClaimStatuses);
        const party = config.org.type === 'insurer' ? 'insurer' : 'claimant';
        res.json(await listClaims(deps.contracts, { mspId: me, party }, status, readFillRequest(req.query)));
    });
    router.get('/claims/:claimId', claimsStaff, async (req, res) => {
        const claim = await deps.contracts.readClaim(readId(req.params.claimId, 'claimId'));
        if (claim.insurer !== me && claim.claimant !== me && config.org.type !== 'commission') {
            throw new ApiError('FORBIDDEN', 'Only the claimant, the insurer and the commission see a claim');
        }
        res.json(claim);
    });
    router.post('/claims/:claimId/verify', claimsStaff, requireOrgType(config, 'insurer'), async (req, res) => {
        const claimId = readId(req.params.claimId, 'claimId');
        readObject(req.body ?? {}, 'body', []);
        const fetcher = deps.custody?.fetcher;
        if (fetcher === undefined) {
            throw new ApiError('PEER_UNAVAILABLE', 'This gateway has no record exchange configured');
        }
        const { checks, verdict } = await verifyClaim(fetcher, await readOwnClaim(deps, claimId, me));
        res.json({ claimId, checks, verdict });
    });
    router.post('/claims/:claimId/decide', claimsStaff, requireOrgType(config, 'insurer'), async (req, res) => {
        const claimId = readId(req.params.claimId, 'claimId');
        const body = readObject(req.body, 'body', ['decision', 'reason']);
        const decision: ClaimDecision = readEnum(body.decision, 'decision', ClaimDecisions);
        const submitted = await deps.contracts.decideClaim({
            claimId,
            decision,
            reason: readText(body.reason, 'reason'),
        });
        res.json({ claimId, status: submitted.value.status, ...toTxFields(submitted) });
    });
    return router;
}
