// SPDX-License-Identifier: Apache-2.0
/**
 * Audit queries over access events, paginated and read-only. Each is a prefix scan of an index (by
 * patient, requester or custodian, in time order) or a range scan of the time index, so its cost
 * depends on the page, not on how many events the ledger holds.
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes, invalid } from '../errors';
import { listByPrefix, listByRange, readPageRequest } from '../ledger/query';
import { assertCommission, isCommission, readTx } from '../ledger/tx';
import { toCanonicalJson } from '../model/canonical-json';
import { readMspId, readPatientId, readTime } from '../model/input';
import { accessTimeBound, Keys, ObjectTypes } from '../model/keys';
import type { CompositeKeySpec } from '../model/keys';
import type { AccessEvent } from '../model/state';
import { HealthContract } from './base';

async function assertSelfOrCommission(ctx: Context, mspId: string): Promise<void> {
    const tx = readTx(ctx);
    if (tx.caller !== mspId && !(await isCommission(ctx, tx))) {
        throw new ChaincodeError(ErrorCodes.FORBIDDEN, `only ${mspId} or the commission may list these events`);
    }
}

async function listEvents(ctx: Context, prefix: CompositeKeySpec, pageSize: string, bookmark: string): Promise<string> {
    const page = readPageRequest(pageSize, bookmark);
    return toCanonicalJson(await listByPrefix<AccessEvent>(ctx, prefix, page, Keys.access));
}

/** Audit queries. Contract name `audit`. Every function returns `{items, bookmark, fetchedRecordsCount}`. */
@Info({ title: 'audit', description: 'Paginated audit queries over access events' })
export class AuditContract extends HealthContract {
    constructor() {
        super('audit');
    }

    /**
     * Every access event about a patient, oldest first (the patient's access log). Open to every member:
     * gateways serve it to the patient after checking the patient's signed query.
     * @param ctx - transaction context
     * @param patientId - the patient id
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns a page of access events (canonical JSON)
     * @throws INVALID_INPUT
     */
    @Transaction(false)
    @Returns('string')
    async listAccessByPatient(ctx: Context, patientId: string, pageSize: string, bookmark: string): Promise<string> {
        const id = readPatientId(patientId, 'patientId');
        return listEvents(ctx, { objectType: ObjectTypes.accessByPatient, attributes: [id] }, pageSize, bookmark);
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
        await assertSelfOrCommission(ctx, id);
        return listEvents(ctx, { objectType: ObjectTypes.accessByRequester, attributes: [id] }, pageSize, bookmark);
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
        await assertSelfOrCommission(ctx, id);
        return listEvents(ctx, { objectType: ObjectTypes.accessByCustodian, attributes: [id] }, pageSize, bookmark);
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
