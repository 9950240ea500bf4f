// SPDX-License-Identifier: Apache-2.0
/**
 * `GET /claims` (docs/api.md "Claims"): a hospital lists the claims it filed, an insurer those addressed to
 * it, oldest first, optionally of one status. The chaincode has no index by status, so the status is a
 * filter filled to `limit` (docs/api.md "Lists and cursors").
 */
import type { ClaimStatus } from '../../../chaincode/src/protocol/vocabulary';
import type { Claim, LedgerContracts } from '../ledger/contracts';
import { FILTERED_SCAN_PAGE_SIZE, fillPage, type FillRequest, type ListBody, type Lister } from '../paging';

/** Whose claims a gateway lists: those it filed (a hospital) or those addressed to it (an insurer). */
export type ClaimParty = 'claimant' | 'insurer';

/**
 * One page of an organisation's claims, filled to `limit` when a status is given.
 * @param contracts - the ledger facade
 * @param me - this organisation's MSP id, and whether it lists as claimant or as insurer
 * @param status - only claims of this status, or all
 * @param request - limit and cursor position
 */
export function listClaims(
    contracts: LedgerContracts,
    me: { readonly mspId: string; readonly party: ClaimParty },
    status: ClaimStatus | undefined,
    request: FillRequest,
): Promise<ListBody<Claim>> {
    const { mspId, party } = me;
    const list: Lister<Claim> =
        party === 'insurer'
            ? (page) => contracts.listClaimsByInsurer(mspId, page)
            : (page) => contracts.listClaimsByClaimant(mspId, page);
    if (status === undefined) {
        return fillPage(list, request, () => true);
    }
    const scanPageSize = Math.max(request.limit, FILTERED_SCAN_PAGE_SIZE);
    return fillPage(list, request, (claim) => claim.status === status, scanPageSize);
}
