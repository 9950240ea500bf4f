// SPDX-License-Identifier: Apache-2.0
/**
 * The record index: where each record lives and the salted hash that proves its content. Content never
 * reaches the ledger. Anchoring is idempotent, because gateways retry anchors until they are told.
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { assertPatientQuery } from '../ledger/patients';
import { listByPrefix, readPageRequest } from '../ledger/query';
import type { Page } from '../ledger/query';
import { readClaimParties } from '../ledger/records';
import { anchorBatch, planAnchor, writeAnchor } from '../ledger/anchoring';
import { emitEvent, readRequired } from '../ledger/state';
import { assertActiveCaller, readTx } from '../ledger/tx';
import { assertVisible, readViewer, showRecords, ViewerConsents } from '../ledger/viewer';
import { toCanonicalJson } from '../protocol/canonical-json';
import { readId, readPatientId } from '../protocol/input';
import { Keys, ObjectTypes } from '../model/keys';
import { readAnchorBatch, readAnchorRequest } from '../model/record-input';
import type { AnchorRequest } from '../model/record-input';
import type { RecordEntry } from '../protocol/state';
import { mayListPatientRecords, mayReadRecord } from '../rules/visibility';
import { HealthContract } from './base';

async function anchor(ctx: Context, request: AnchorRequest): Promise<string> {
    const tx = readTx(ctx);
    await assertActiveCaller(ctx, tx, ['hospital']);
    const plan = await planAnchor(ctx, tx, request);
    if (plan.kind === 'existing') {
        return toCanonicalJson(plan.entry);
    }
    await writeAnchor(ctx, plan);
    const { entry } = plan;
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
     * Anchors many records held by the caller (an active hospital) in one transaction, each entry checked as
     * `anchorRecord` checks it, and also against the entries before it in the batch: a repeated record id, a
     * content hash anchored earlier in the batch, or a `supersedes` naming a record of the same batch (not
     * committed yet) is refused. Results are per entry: a refused entry writes nothing and the others are
     * anchored (docs/design.md "Record index entry"). One `RecordsAnchored` event lists what was written.
     * @param ctx - transaction context
     * @param recordsJson - a JSON array of 1–100 `{recordId, patientId, category, contentHash, supersedes?}`
     * @returns `{results: [{recordId, status: "anchored"|"existing", entry} | {recordId, status: "refused",
     *   code, detail}]}` in the order given (canonical JSON)
     * @throws INVALID_INPUT (not an array of 1–100 entries), FORBIDDEN (not a hospital), ORG_NOT_ACTIVE
     */
    @Transaction()
    @Returns('string')
    async anchorRecords(ctx: Context, recordsJson: string): Promise<string> {
        const entries = readAnchorBatch(recordsJson);
        const tx = readTx(ctx);
        await assertActiveCaller(ctx, tx, ['hospital']);
        const results = await anchorBatch(ctx, tx, entries);
        const records = results.flatMap((result) =>
            result.status === 'anchored'
                ? [
                      {
                          recordId: result.entry.recordId,
                          patientId: result.entry.patientId,
                          supersedes: result.entry.supersedes,
                      },
                  ]
                : [],
        );
        if (records.length > 0) {
            emitEvent(ctx, 'RecordsAnchored', { custodian: tx.caller, records, txId: tx.txId });
        }
        return toCanonicalJson({ results });
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
