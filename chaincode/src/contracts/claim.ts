// SPDX-License-Identifier: Apache-2.0
/**
 * Claims: a hospital claims from an insurer on its own records of one patient; every insurer shares the
 * ledger, so a record backing an open or approved claim anywhere cannot back another (DUPLICATE_CLAIM).
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { assertPatientQuery } from '../ledger/patients';
import { readConsentsNaming } from '../ledger/consents';
import { listByPrefix, readPageRequest } from '../ledger/query';
import { readFirstVersionId } from '../ledger/records';
import { deleteState, emitEvent, readIndex, readRequired, readState, writeIndex, writeState } from '../ledger/state';
import { assertActiveCaller, readOrganization, readTx } from '../ledger/tx';
import { assertVisible, readViewer } from '../ledger/viewer';
import { toCanonicalJson } from '../protocol/canonical-json';
import { readClaimDecision, readClaimSubmission } from '../model/claim-input';
import { readId, readMspId } from '../protocol/input';
import { Keys, ObjectTypes } from '../model/keys';
import type { CompositeKeySpec } from '../model/keys';
import type { Claim, Patient, RecordEntry } from '../protocol/state';
import {
    assertClaimRecords,
    assertPaymentConsent,
    assertServiceFree,
    decideClaimStatus,
    holdsRecords,
} from '../rules/claims';
import type { SupportingRecord } from '../rules/claims';
import { mayReadClaim } from '../rules/visibility';
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

/** Each supporting record, the id of its first version (its claim lock) and the claim holding that lock. */
async function readSupporting(
    ctx: Context,
    recordIds: readonly string[],
): Promise<(SupportingRecord & { firstVersionId: string })[]> {
    const supporting: (SupportingRecord & { firstVersionId: string })[] = [];
    for (const recordId of recordIds) {
        const record = await readState<RecordEntry>(ctx, Keys.record(recordId));
        const firstVersionId = record === null ? recordId : await readFirstVersionId(ctx, record);
        const backingClaimId = await readIndex(ctx, Keys.claimByRecord(firstVersionId));
        supporting.push({ recordId, record, backingClaimId, firstVersionId });
    }
    return supporting;
}

/** The claim locks of a claim: its service and the first version of each supporting record. */
async function readClaimLocks(ctx: Context, claim: Claim): Promise<CompositeKeySpec[]> {
    const locks = [Keys.claimByService(claim.claimant, claim.serviceId)];
    for (const recordId of claim.recordIds) {
        const record = await readState<RecordEntry>(ctx, Keys.record(recordId));
        locks.push(Keys.claimByRecord(record === null ? recordId : await readFirstVersionId(ctx, record)));
    }
    return locks;
}

async function listClaims(
    ctx: Context,
    objectType: string,
    mspId: string,
    pageSize: string,
    bookmark: string,
): Promise<string> {
    const page = readPageRequest(pageSize, bookmark);
    const viewer = await readViewer(ctx, readTx(ctx));
    assertVisible(viewer.isCommission || viewer.mspId === mspId, `the claims of ${mspId}`);
    return toCanonicalJson(await listByPrefix<Claim>(ctx, { objectType, attributes: [mspId] }, page, Keys.claim));
}

/** Claims. Contract name `claim`. */
@Info({ title: 'claim', description: 'Insurance claims on anchored records, with cross-insurer duplicate detection' })
export class ClaimContract extends HealthContract {
    constructor() {
        super('claim');
    }

    /**
     * Submits a claim by the caller (an active hospital) for one service on its own records of one patient.
     * The patient must hold an active PAYMENT consent for the insurer naming the caller explicitly as
     * custodian; the service, and each record through every version of it, must back no other open or
     * approved claim at any insurer. `claimId` is this transaction's id.
     * @param ctx - transaction context
     * @param claimJson - `{patientId, insurer, serviceId, recordIds, amount: {value, currency}}`
     * @returns the claim, status `submitted` (canonical JSON)
     * @throws INVALID_INPUT (also: insurer is not an insurer; a record of another patient), FORBIDDEN (not
     *   a hospital; a record of another custodian), ORG_NOT_ACTIVE (caller or insurer), NOT_FOUND
     *   (insurer, patient or record), CONSENT_REQUIRED, DUPLICATE_CLAIM
     */
    @Transaction()
    @Returns('string')
    async submitClaim(ctx: Context, claimJson: string): Promise<string> {
        const submission = readClaimSubmission(claimJson);
        const tx = readTx(ctx);
        await assertActiveCaller(ctx, tx, ['hospital']);
        await assertInsurer(ctx, submission.insurer);
        await readRequired<Patient>(ctx, Keys.patient(submission.patientId), `patient ${submission.patientId}`);
        const consents = await readConsentsNaming(ctx, submission.patientId, submission.insurer);
        assertPaymentConsent(consents, submission.insurer, tx.caller, tx.now);
        const supporting = await readSupporting(ctx, submission.recordIds);
        assertClaimRecords(tx.caller, submission.patientId, supporting);
        const serviceKey = Keys.claimByService(tx.caller, submission.serviceId);
        assertServiceFree(submission.serviceId, await readIndex(ctx, serviceKey));
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
        await writeIndex(ctx, Keys.claimByPatient(claim.patientId, claim.submittedAt, claim.claimId), claim.claimId);
        await writeIndex(ctx, serviceKey, claim.claimId);
        for (const { firstVersionId } of supporting) {
            await writeIndex(ctx, Keys.claimByRecord(firstVersionId), claim.claimId);
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
            for (const lock of await readClaimLocks(ctx, claim)) {
                await deleteState(ctx, lock);
            }
        }
        emitEvent(ctx, 'ClaimDecided', { claimId: claim.claimId, status, insurer: claim.insurer, txId: tx.txId });
        return toCanonicalJson(decided);
    }

    /**
     * Reads one claim (its claimant, its insurer, the commission).
     * @param ctx - transaction context
     * @param claimId - the claim id
     * @returns the claim (canonical JSON)
     * @throws INVALID_INPUT, NOT_FOUND, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async readClaim(ctx: Context, claimId: string): Promise<string> {
        const id = readId(claimId, 'claimId');
        const claim = await readRequired<Claim>(ctx, Keys.claim(id), `claim ${id}`);
        assertVisible(mayReadClaim(await readViewer(ctx, readTx(ctx)), claim), `claim ${id}`);
        return toCanonicalJson(claim);
    }

    /**
     * Every claim filed on the patient, oldest first: asked through the patient's signed query (view `claims`)
     * by the organisation the query names as its audience.
     * @param ctx - transaction context
     * @param signedQuery - `{payload: {type: "patient.query", …}, signature}`
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns `{items, bookmark, fetchedRecordsCount}` (canonical JSON)
     * @throws INVALID_INPUT, UNAUTHENTICATED, BAD_SIGNATURE
     */
    @Transaction(false)
    @Returns('string')
    async listClaimsForPatient(ctx: Context, signedQuery: string, pageSize: string, bookmark: string): Promise<string> {
        const page = readPageRequest(pageSize, bookmark);
        const query = await assertPatientQuery(ctx, readTx(ctx), signedQuery, 'claims');
        const prefix = { objectType: ObjectTypes.claimByPatient, attributes: [query.patientId] };
        return toCanonicalJson(await listByPrefix<Claim>(ctx, prefix, page, Keys.claim));
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
