// SPDX-License-Identifier: Apache-2.0
/**
 * Claims: a hospital claims from an insurer on its own records of one patient; every insurer shares the
 * ledger, so a record backing an open or approved claim anywhere cannot back another (DUPLICATE_CLAIM).
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { listByPrefix, readPageRequest } from '../ledger/query';
import { deleteState, emitEvent, readIndex, readRequired, readState, writeIndex, writeState } from '../ledger/state';
import { assertActiveCaller, isCommission, readOrganization, readTx } from '../ledger/tx';
import type { Tx } from '../ledger/tx';
import { toCanonicalJson } from '../model/canonical-json';
import { readClaimDecision, readClaimSubmission } from '../model/claim-input';
import { readId, readMspId } from '../model/input';
import { Keys, ObjectTypes } from '../model/keys';
import type { Claim, Patient, RecordEntry } from '../model/state';
import { assertClaimRecords, decideClaimStatus, holdsRecords } from '../rules/claims';
import type { SupportingRecord } from '../rules/claims';
import { HealthContract } from './base';

async function assertInsurer(ctx: Context, mspId: string): Promise<void> {
    const insurer = await readOrganization(ctx, mspId);
    if (insurer === null) {
        throw new ChaincodeError(ErrorCodes.NOT_FOUND, `organisation ${mspId} does not exist`);
    }
    if (insurer.type !== 'insurer') {
        throw new ChaincodeError(ErrorCodes.INVALID_INPUT, `${mspId} is not an insurer`);
    }
    if (insurer.status !== 'active') {
        throw new ChaincodeError(ErrorCodes.ORG_NOT_ACTIVE, `${mspId} is ${insurer.status}`);
    }
}

async function readSupporting(ctx: Context, recordIds: readonly string[]): Promise<SupportingRecord[]> {
    const supporting: SupportingRecord[] = [];
    for (const recordId of recordIds) {
        const record = await readState<RecordEntry>(ctx, Keys.record(recordId));
        const backingClaimId = await readIndex(ctx, Keys.claimByRecord(recordId));
        supporting.push({ recordId, record, backingClaimId });
    }
    return supporting;
}

async function listClaims(
    ctx: Context,
    objectType: string,
    mspId: string,
    pageSize: string,
    bookmark: string,
): Promise<string> {
    const page = readPageRequest(pageSize, bookmark);
    const tx: Tx = readTx(ctx);
    if (tx.caller !== mspId && !(await isCommission(ctx, tx))) {
        throw new ChaincodeError(ErrorCodes.FORBIDDEN, `only ${mspId} or the commission may list these claims`);
    }
    return toCanonicalJson(await listByPrefix<Claim>(ctx, { objectType, attributes: [mspId] }, page, Keys.claim));
}

/** Claims. Contract name `claim`. */
@Info({ title: 'claim', description: 'Insurance claims on anchored records, with cross-insurer duplicate detection' })
export class ClaimContract extends HealthContract {
    constructor() {
        super('claim');
    }

    /**
     * Submits a claim by the caller (an active hospital) on its own records of one patient. `claimId` is
     * this transaction's id.
     * @param ctx - transaction context
     * @param claimJson - `{patientId, insurer, recordIds, amount: {value, currency}}`
     * @returns the claim, status `submitted` (canonical JSON)
     * @throws INVALID_INPUT (also: insurer is not an insurer; a record of another patient), FORBIDDEN (not
     *   a hospital; a record of another custodian), ORG_NOT_ACTIVE (caller or insurer), NOT_FOUND
     *   (insurer, patient or record), DUPLICATE_CLAIM
     */
    @Transaction()
    @Returns('string')
    async submitClaim(ctx: Context, claimJson: string): Promise<string> {
        const submission = readClaimSubmission(claimJson);
        const tx = readTx(ctx);
        await assertActiveCaller(ctx, tx, ['hospital']);
        await assertInsurer(ctx, submission.insurer);
        await readRequired<Patient>(ctx, Keys.patient(submission.patientId), `patient ${submission.patientId}`);
        assertClaimRecords(tx.caller, submission.patientId, await readSupporting(ctx, submission.recordIds));
        const claim: Claim = {
            claimId: tx.txId,
            claimant: tx.caller,
            ...submission,
            status: 'submitted',
            submittedAt: tx.time,
            txId: tx.txId,
            decidedAt: null,
            decisionReason: null,
            decisionTxId: null,
        };
        await writeState(ctx, Keys.claim(claim.claimId), claim);
        await writeIndex(ctx, Keys.claimByInsurer(claim.insurer, claim.submittedAt, claim.claimId), claim.claimId);
        await writeIndex(ctx, Keys.claimByClaimant(claim.claimant, claim.submittedAt, claim.claimId), claim.claimId);
        for (const recordId of claim.recordIds) {
            await writeIndex(ctx, Keys.claimByRecord(recordId), claim.claimId);
        }
        const { claimId, claimant, insurer, patientId } = claim;
        emitEvent(ctx, 'ClaimSubmitted', { claimId, claimant, insurer, patientId, txId: tx.txId });
        return toCanonicalJson(claim);
    }

    /**
     * The named insurer approves or rejects a submitted claim; a rejection frees its records for
     * another claim.
     * @param ctx - transaction context
     * @param decisionJson - `{claimId, decision: "approved" | "rejected", reason}`
     * @returns the decided claim (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (not the claim's insurer), ORG_NOT_ACTIVE, NOT_FOUND, CONFLICT
     *   (already decided)
     */
    @Transaction()
    @Returns('string')
    async decideClaim(ctx: Context, decisionJson: string): Promise<string> {
        const request = readClaimDecision(decisionJson);
        const tx = readTx(ctx);
        const claim = await readRequired<Claim>(ctx, Keys.claim(request.claimId), `claim ${request.claimId}`);
        if (claim.insurer !== tx.caller) {
            throw new ChaincodeError(ErrorCodes.FORBIDDEN, `only ${claim.insurer} decides claim ${claim.claimId}`);
        }
        await assertActiveCaller(ctx, tx, ['insurer']);
        const status = decideClaimStatus(claim.status, request.decision);
        const decided: Claim = {
            ...claim,
            status,
            decidedAt: tx.time,
            decisionReason: request.reason,
            decisionTxId: tx.txId,
        };
        await writeState(ctx, Keys.claim(claim.claimId), decided);
        if (!holdsRecords(status)) {
            for (const recordId of claim.recordIds) {
                await deleteState(ctx, Keys.claimByRecord(recordId));
            }
        }
        emitEvent(ctx, 'ClaimDecided', { claimId: claim.claimId, status, insurer: claim.insurer, txId: tx.txId });
        return toCanonicalJson(decided);
    }

    /**
     * Reads one claim.
     * @param ctx - transaction context
     * @param claimId - the claim id
     * @returns the claim (canonical JSON)
     * @throws INVALID_INPUT, NOT_FOUND
     */
    @Transaction(false)
    @Returns('string')
    async readClaim(ctx: Context, claimId: string): Promise<string> {
        const id = readId(claimId, 'claimId');
        return toCanonicalJson(await readRequired<Claim>(ctx, Keys.claim(id), `claim ${id}`));
    }

    /**
     * Lists the claims addressed to an insurer, oldest first (that insurer or the commission).
     * @param ctx - transaction context
     * @param insurer - the insurer's MSP id
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns `{items, bookmark, fetchedRecordsCount}` (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async listClaimsByInsurer(ctx: Context, insurer: string, pageSize: string, bookmark: string): Promise<string> {
        return listClaims(ctx, ObjectTypes.claimByInsurer, readMspId(insurer, 'insurer'), pageSize, bookmark);
    }

    /**
     * Lists the claims a hospital filed, oldest first (that hospital or the commission).
     * @param ctx - transaction context
     * @param claimant - the claimant's MSP id
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns `{items, bookmark, fetchedRecordsCount}` (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async listClaimsByClaimant(ctx: Context, claimant: string, pageSize: string, bookmark: string): Promise<string> {
        return listClaims(ctx, ObjectTypes.claimByClaimant, readMspId(claimant, 'claimant'), pageSize, bookmark);
    }
}
