// SPDX-License-Identifier: Apache-2.0
/**
 * Audit queries over access events, paginated and read-only. Each is a prefix scan of an index (by
 * patient, requester or custodian, in time order) or a range scan of the time index, so its cost
 * depends on the page, not on how many events the ledger holds.
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { invalid } from '../errors';
import { assertPatientQuery } from '../ledger/patients';
import { listByPrefix, listByRange, readPageRequest } from '../ledger/query';
import type { PageRequest } from '../ledger/query';
import { assertCommission, readTx } from '../ledger/tx';
import { assertVisible, readViewer, showEvents, ViewerConsents } from '../ledger/viewer';
import { toCanonicalJson } from '../protocol/canonical-json';
import { readMspId, readPatientId, readTime } from '../protocol/input';
import { accessTimeBound, Keys, ObjectTypes } from '../model/keys';
import type { CompositeKeySpec } from '../model/keys';
import type { AccessEvent } from '../protocol/state';
import { HealthContract } from './base';

async function listEvents(ctx: Context, prefix: CompositeKeySpec, page: PageRequest): Promise<string> {
    return toCanonicalJson(await listByPrefix<AccessEvent>(ctx, prefix, page, Keys.access));
}

/**
 * Lists an organisation's own events (as requester or custodian), or any organisation's for the commission,
 * with sensitive categories the caller may not know shown as `restricted`.
 */
async function listPartyEvents(
    ctx: Context,
    prefix: CompositeKeySpec,
    party: string,
    pageSize: string,
    bookmark: string,
): Promise<string> {
    const page = readPageRequest(pageSize, bookmark);
    const tx = readTx(ctx);
    const viewer = await readViewer(ctx, tx);
    assertVisible(viewer.isCommission || viewer.mspId === party, `the access events of ${party}`);
    const listed = await listByPrefix<AccessEvent>(ctx, prefix, page, Keys.access);
    const items = await showEvents(viewer, new ViewerConsents(ctx, viewer), listed.items, tx.now);
    return toCanonicalJson({ ...listed, items });
}

/** Audit queries. Contract name `audit`. Every function returns `{items, bookmark, fetchedRecordsCount}`. */
@Info({ title: 'audit', description: 'Paginated audit queries over access events' })
export class AuditContract extends HealthContract {
    constructor() {
        super('audit');
    }

    /**
     * Every access event about a patient, oldest first (commission only; the patient asks through
     * `listAccessForPatient`, a member through its own requester and custodian lists).
     * @param ctx - transaction context
     * @param patientId - the patient id
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns a page of access events (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async listAccessByPatient(ctx: Context, patientId: string, pageSize: string, bookmark: string): Promise<string> {
        const id = readPatientId(patientId, 'patientId');
        const page = readPageRequest(pageSize, bookmark);
        await assertCommission(ctx, readTx(ctx));
        return listEvents(ctx, { objectType: ObjectTypes.accessByPatient, attributes: [id] }, page);
    }

    /**
     * The patient's own access log, oldest first: asked through the patient's signed query (view `access-log`)
     * by the organisation the query names as its audience.
     * @param ctx - transaction context
     * @param signedQuery - `{payload: {type: "patient.query", …}, signature}`
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns a page of access events (canonical JSON)
     * @throws INVALID_INPUT, UNAUTHENTICATED, BAD_SIGNATURE
     */
    @Transaction(false)
    @Returns('string')
    async listAccessForPatient(ctx: Context, signedQuery: string, pageSize: string, bookmark: string): Promise<string> {
        const page = readPageRequest(pageSize, bookmark);
        const query = await assertPatientQuery(ctx, readTx(ctx), signedQuery, 'access-log');
        const prefix = { objectType: ObjectTypes.accessByPatient, attributes: [query.patientId] };
        return listEvents(ctx, prefix, page);
    }

    /**
     * Every request an organisation made, oldest first (that organisation or the commission).
     * @param ctx - transaction context
     * @param requester - the requester's MSP id
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns a page of access events (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async listAccessByRequester(ctx: Context, requester: string, pageSize: string, bookmark: string): Promise<string> {
        const id = readMspId(requester, 'requester');
        const prefix = { objectType: ObjectTypes.accessByRequester, attributes: [id] };
        return listPartyEvents(ctx, prefix, id, pageSize, bookmark);
    }

    /**
     * Every request for an organisation's records, oldest first (that organisation or the commission).
     * @param ctx - transaction context
     * @param custodian - the custodian's MSP id
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns a page of access events (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async listAccessByCustodian(ctx: Context, custodian: string, pageSize: string, bookmark: string): Promise<string> {
        const id = readMspId(custodian, 'custodian');
        const prefix = { objectType: ObjectTypes.accessByCustodian, attributes: [id] };
        return listPartyEvents(ctx, prefix, id, pageSize, bookmark);
    }

    /**
     * Every access event requested in `[from, to)`, oldest first (commission only).
     * @param ctx - transaction context
     * @param from - ISO timestamp (`YYYY-MM-DDTHH:mm:ss.sssZ`), inclusive
     * @param to - ISO timestamp, exclusive, later than `from`
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns a page of access events (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async listAccessByTime(
        ctx: Context,
        from: string,
        to: string,
        pageSize: string,
        bookmark: string,
    ): Promise<string> {
        const start = readTime(from, 'from');
        const end = readTime(to, 'to');
        if (end <= start) {
            invalid('to must be later than from');
        }
        const page = readPageRequest(pageSize, bookmark);
        await assertCommission(ctx, readTx(ctx));
        const range = { start: accessTimeBound(start), end: accessTimeBound(end) };
        return toCanonicalJson(await listByRange<AccessEvent>(ctx, range, page, Keys.access));
    }

    /**
     * Break-the-glass accesses not yet reviewed, oldest first (commission only).
     * @param ctx - transaction context
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns a page of access events (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async listPendingEmergencies(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
        const page = readPageRequest(pageSize, bookmark);
        await assertCommission(ctx, readTx(ctx));
        const prefix = { objectType: ObjectTypes.emergencyPending, attributes: [] };
        return toCanonicalJson(await listByPrefix<AccessEvent>(ctx, prefix, page, Keys.access));
    }
}
