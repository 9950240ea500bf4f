// SPDX-License-Identifier: Apache-2.0
/**
 * The record index: where each record lives and the salted hash that proves its content. Content never
 * reaches the ledger. Anchoring is idempotent, because gateways retry anchors until they are told.
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { assertPatientQuery } from '../ledger/patients';
import { listByPrefix, readPageRequest } from '../ledger/query';
import type { Page } from '../ledger/query';
import { readBackingClaim } from '../ledger/records';
import { emitEvent, readIndex, readRequired, readState, writeIndex, writeState } from '../ledger/state';
import { assertActiveCaller, readTx } from '../ledger/tx';
import { assertVisible, readViewer, showRecords, ViewerConsents } from '../ledger/viewer';
import type { Tx } from '../ledger/tx';
import { toCanonicalJson } from '../protocol/canonical-json';
import { readId, readPatientId } from '../protocol/input';
import { Keys, ObjectTypes } from '../model/keys';
import { readAnchorRequest } from '../model/record-input';
import type { AnchorRequest } from '../model/record-input';
import type { Patient, RecordEntry } from '../protocol/state';
import { mayListPatientRecords, mayReadRecord } from '../rules/visibility';
import type { Viewer } from '../rules/visibility';
import { HealthContract } from './base';

function isSameAnchor(entry: RecordEntry, request: AnchorRequest, custodian: string): boolean {
    return (
        entry.custodian === custodian &&
        entry.patientId === request.patientId &&
        entry.category === request.category &&
        entry.contentHash === request.contentHash &&
        entry.supersedes === request.supersedes
    );
}

async function readSuperseded(ctx: Context, tx: Tx, request: AnchorRequest): Promise<RecordEntry | null> {
    if (request.supersedes === null) {
        return null;
    }
    const old = await readRequired<RecordEntry>(ctx, Keys.record(request.supersedes), `record ${request.supersedes}`);
    if (old.custodian !== tx.caller) {
        throw new ChaincodeError(ErrorCodes.FORBIDDEN, `record ${old.recordId} is held by another custodian`);
    }
    if (old.patientId !== request.patientId) {
        throw new ChaincodeError(ErrorCodes.INVALID_INPUT, `record ${old.recordId} belongs to another patient`);
    }
    if (old.supersededBy !== null) {
        throw new ChaincodeError(ErrorCodes.CONFLICT, `record ${old.recordId} is already superseded`);
    }
    return old;
}

async function anchor(ctx: Context, request: AnchorRequest): Promise<string> {
    const tx = readTx(ctx);
    await assertActiveCaller(ctx, tx, ['hospital']);
    const existing = await readState<RecordEntry>(ctx, Keys.record(request.recordId));
    if (existing !== null) {
        if (!isSameAnchor(existing, request, tx.caller)) {
            throw new ChaincodeError(ErrorCodes.CONFLICT, `record ${request.recordId} is anchored with other fields`);
        }
        return toCanonicalJson(existing);
    }
    await readRequired<Patient>(ctx, Keys.patient(request.patientId), `patient ${request.patientId}`);
    const old = await readSuperseded(ctx, tx, request);
    const sameContent = await readIndex(ctx, Keys.recordByHash(tx.caller, request.contentHash));
    // One service is one record: the same content anchored twice by one custodian could be billed twice. Only
    // a new version of the very record that holds this content may carry it again.
    if (sameContent !== null && sameContent !== old?.recordId) {
        throw new ChaincodeError(ErrorCodes.CONFLICT, `this content is already anchored as record ${sameContent}`);
    }
    const entry: RecordEntry = {
        ...request,
        custodian: tx.caller,
        supersededBy: null,
        createdAt: tx.time,
        txId: tx.txId,
    };
    await writeState(ctx, Keys.record(entry.recordId), entry);
    await writeIndex(ctx, Keys.recordByPatient(entry.patientId, entry.recordId), entry.recordId);
    await writeIndex(ctx, Keys.recordByHash(entry.custodian, entry.contentHash), entry.recordId);
    if (old !== null) {
        await writeState(ctx, Keys.record(old.recordId), { ...old, supersededBy: entry.recordId });
    }
    emitEvent(ctx, 'RecordAnchored', {
        recordId: entry.recordId,
        patientId: entry.patientId,
        custodian: entry.custodian,
        supersedes: entry.supersedes,
        txId: tx.txId,
    });
    return toCanonicalJson(entry);
}

async function listPatientRecords(
    ctx: Context,
    patientId: string,
    pageSize: number,
    bookmark: string,
): Promise<Page<RecordEntry>> {
    const prefix = { objectType: ObjectTypes.recordByPatient, attributes: [patientId] };
    return listByPrefix<RecordEntry>(ctx, prefix, { pageSize, bookmark }, Keys.record);
}

/** Claimant and insurer of the claim a record backs, read only for a caller the simpler rules do not admit. */
async function readClaimParties(ctx: Context, viewer: Viewer, entry: RecordEntry): Promise<string[]> {
    if (mayListPatientRecords(viewer) || viewer.mspId === entry.custodian) {
        return [];
    }
    const claim = await readBackingClaim(ctx, entry);
    return claim === null ? [] : [claim.claimant, claim.insurer];
}

/** The record index. Contract name `record`. */
@Info({ title: 'record', description: 'Record index: ids, categories, custodians and salted content hashes' })
export class RecordContract extends HealthContract {
    constructor() {
        super('record');
    }

    /**
     * Anchors a record held by the caller (an active hospital, which becomes its custodian). Anchoring the
     * same id again with the same fields returns the existing entry and writes nothing.
     * @param ctx - transaction context
     * @param recordJson - `{recordId, patientId, category, contentHash, supersedes?}`
     * @returns the index entry (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (not a hospital; superseding another custodian's record),
     *   ORG_NOT_ACTIVE, NOT_FOUND (patient or superseded record), CONFLICT (id anchored with other
     *   fields; superseded record already superseded)
     */
    @Transaction()
    @Returns('string')
    async anchorRecord(ctx: Context, recordJson: string): Promise<string> {
        return anchor(ctx, readAnchorRequest(recordJson, false));
    }

    /**
     * Anchors a new version of a record: as `anchorRecord` with `supersedes` required; the old entry gets
     * `supersededBy`.
     * @param ctx - transaction context
     * @param recordJson - `{recordId, patientId, category, contentHash, supersedes}`
     * @returns the new index entry (canonical JSON)
     * @throws as anchorRecord
     */
    @Transaction()
    @Returns('string')
    async supersedeRecord(ctx: Context, recordJson: string): Promise<string> {
        return anchor(ctx, readAnchorRequest(recordJson, true));
    }

    /**
     * Reads one index entry.
     * @param ctx - transaction context
     * @param recordId - the record id
     * @returns the entry (canonical JSON)
     * @throws INVALID_INPUT, NOT_FOUND
     */
    @Transaction(false)
    @Returns('string')
    async readRecord(ctx: Context, recordId: string): Promise<string> {
        const id = readId(recordId, 'recordId');
        const tx = readTx(ctx);
        const entry = await readRequired<RecordEntry>(ctx, Keys.record(id), `record ${id}`);
        const viewer = await readViewer(ctx, tx);
        const consents = new ViewerConsents(ctx, viewer);
        const patientConsents = await consents.of(entry.patientId);
        const parties = await readClaimParties(ctx, viewer, entry);
        assertVisible(mayReadRecord(viewer, entry, patientConsents, parties, tx.now), `record ${id}`);
        const [shown] = await showRecords(viewer, consents, [entry], tx.now);
        return toCanonicalJson(shown);
    }

    /**
     * Lists a patient's index entries region-wide, in record id order: for the commission and hospitals, with
     * sensitive categories shown as `restricted` unless the caller is the custodian or holds an active consent
     * naming the category.
     * @param ctx - transaction context
     * @param patientId - the patient id
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns `{items, bookmark, fetchedRecordsCount}` (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (an insurer, or an unregistered caller)
     */
    @Transaction(false)
    @Returns('string')
    async listRecordsByPatient(ctx: Context, patientId: string, pageSize: string, bookmark: string): Promise<string> {
        const id = readPatientId(patientId, 'patientId');
        const page = readPageRequest(pageSize, bookmark);
        const tx = readTx(ctx);
        const viewer = await readViewer(ctx, tx);
        assertVisible(mayListPatientRecords(viewer), `the record index of patient ${id}`);
        const listed = await listPatientRecords(ctx, id, page.pageSize, page.bookmark);
        const items = await showRecords(viewer, new ViewerConsents(ctx, viewer), listed.items, tx.now);
        return toCanonicalJson({ ...listed, items });
    }

    /**
     * The patient's own index, every category shown: asked through the patient's signed query (view `records`)
     * by the organisation the query names as its audience.
     * @param ctx - transaction context
     * @param signedQuery - `{payload: {type: "patient.query", patientId, issuedAt, audience, view, nonce,
     *   channel}, signature}`
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns `{items, bookmark, fetchedRecordsCount}` (canonical JSON)
     * @throws INVALID_INPUT, UNAUTHENTICATED, BAD_SIGNATURE
     */
    @Transaction(false)
    @Returns('string')
    async listRecordsForPatient(
        ctx: Context,
        signedQuery: string,
        pageSize: string,
        bookmark: string,
    ): Promise<string> {
        const page = readPageRequest(pageSize, bookmark);
        const query = await assertPatientQuery(ctx, readTx(ctx), signedQuery, 'records');
        return toCanonicalJson(await listPatientRecords(ctx, query.patientId, page.pageSize, page.bookmark));
    }
}
