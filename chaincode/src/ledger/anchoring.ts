// SPDX-License-Identifier: Apache-2.0
/**
 * Anchoring records in the index, one per transaction (`anchorRecord`, `supersedeRecord`) or many
 * (`anchorRecords`). Each anchor is checked, then written; a batch checks every entry against committed state
 * and against the entries before it in the same transaction (reads never see this transaction's own writes, so
 * what the batch wrote is kept in memory), and refuses an entry alone, writing nothing for it.
 */
import type { Context } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes, type ErrorCode } from '../errors';
import { InvalidInputError } from '../protocol/errors';
import { Keys } from '../model/keys';
import { readAnchorEntry, type AnchorRequest } from '../model/record-input';
import type { Patient, RecordEntry } from '../protocol/state';
import { readIndex, readRequired, readState, writeIndex, writeState } from './state';
import type { Tx } from './tx';

/** What a checked anchor will write: the new entry and the version it supersedes, or the existing entry. */
export type AnchorPlan =
    | { readonly kind: 'existing'; readonly entry: RecordEntry }
    | { readonly kind: 'new'; readonly entry: RecordEntry; readonly old: RecordEntry | null };

/** What the entries before this one in the same batch wrote. */
export interface BatchState {
    readonly recordIds: Set<string>;
    readonly contentHashes: Set<string>;
    readonly superseded: Set<string>;
}

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

function assertNotInBatch(request: AnchorRequest, batch: BatchState | undefined): void {
    if (batch === undefined) {
        return;
    }
    if (batch.recordIds.has(request.recordId)) {
        throw new ChaincodeError(ErrorCodes.CONFLICT, `record ${request.recordId} is repeated in the batch`);
    }
    if (batch.contentHashes.has(request.contentHash)) {
        throw new ChaincodeError(ErrorCodes.CONFLICT, 'this content is already anchored earlier in the batch');
    }
    if (request.supersedes !== null && batch.recordIds.has(request.supersedes)) {
        // Not committed yet: a later transaction may supersede it.
        throw new ChaincodeError(ErrorCodes.CONFLICT, `record ${request.supersedes} is anchored in the same batch`);
    }
    if (request.supersedes !== null && batch.superseded.has(request.supersedes)) {
        throw new ChaincodeError(ErrorCodes.CONFLICT, `record ${request.supersedes} is already superseded`);
    }
}

/**
 * Checks an anchor by the caller (already known to be an active hospital).
 * @param ctx - transaction context
 * @param tx - the transaction facts
 * @param request - the anchor
 * @param batch - what earlier entries of the same batch wrote, when in a batch
 * @returns what to write
 * @throws NOT_FOUND (patient, superseded record), FORBIDDEN, INVALID_INPUT, CONFLICT
 */
export async function planAnchor(
    ctx: Context,
    tx: Tx,
    request: AnchorRequest,
    batch?: BatchState,
): Promise<AnchorPlan> {
    assertNotInBatch(request, batch);
    const existing = await readState<RecordEntry>(ctx, Keys.record(request.recordId));
    if (existing !== null) {
        if (!isSameAnchor(existing, request, tx.caller)) {
            throw new ChaincodeError(ErrorCodes.CONFLICT, `record ${request.recordId} is anchored with other fields`);
        }
        return { kind: 'existing', entry: existing };
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
    return { kind: 'new', entry, old };
}

/**
 * Writes a new anchor: the entry, its patient and hash indexes, and `supersededBy` on the old version.
 * @param ctx - transaction context
 * @param plan - a plan of kind `new`
 * @param batch - the batch's memory, updated
 */
export async function writeAnchor(
    ctx: Context,
    plan: Extract<AnchorPlan, { kind: 'new' }>,
    batch?: BatchState,
): Promise<void> {
    const { entry, old } = plan;
    await writeState(ctx, Keys.record(entry.recordId), entry);
    await writeIndex(ctx, Keys.recordByPatient(entry.patientId, entry.recordId), entry.recordId);
    await writeIndex(ctx, Keys.recordByHash(entry.custodian, entry.contentHash), entry.recordId);
    if (old !== null) {
        await writeState(ctx, Keys.record(old.recordId), { ...old, supersededBy: entry.recordId });
    }
    batch?.recordIds.add(entry.recordId);
    batch?.contentHashes.add(entry.contentHash);
    if (old !== null) {
        batch?.superseded.add(old.recordId);
    }
}

/** One entry's outcome in a batch. */
export type BatchResult =
    | { readonly recordId: string; readonly status: 'anchored' | 'existing'; readonly entry: RecordEntry }
    | {
          readonly recordId: string | null;
          readonly status: 'refused';
          readonly code: ErrorCode;
          readonly detail: string;
      };

function toRecordId(value: unknown): string | null {
    const recordId = typeof value === 'object' && value !== null ? (value as { recordId?: unknown }).recordId : null;
    return typeof recordId === 'string' && recordId.length <= 128 ? recordId : null;
}

async function anchorEntry(
    ctx: Context,
    tx: Tx,
    value: unknown,
    index: number,
    batch: BatchState,
): Promise<BatchResult> {
    try {
        const plan = await planAnchor(ctx, tx, readAnchorEntry(value, `records[${index}]`), batch);
        if (plan.kind === 'existing') {
            batch.recordIds.add(plan.entry.recordId);
            return { recordId: plan.entry.recordId, status: 'existing', entry: plan.entry };
        }
        await writeAnchor(ctx, plan, batch);
        return { recordId: plan.entry.recordId, status: 'anchored', entry: plan.entry };
    } catch (error) {
        // A malformed entry fails in the protocol's readers (InvalidInputError), a refused one in the rules.
        if (!(error instanceof ChaincodeError || error instanceof InvalidInputError)) {
            throw error;
        }
        return { recordId: toRecordId(value), status: 'refused', code: error.code, detail: error.detail };
    }
}

/**
 * Anchors every entry of a batch that passes the checks of `anchorRecord`, in order.
 * @param ctx - transaction context
 * @param tx - the transaction facts (caller checked)
 * @param entries - the unread entries
 * @returns one result per entry, in order
 */
export async function anchorBatch(ctx: Context, tx: Tx, entries: readonly unknown[]): Promise<BatchResult[]> {
    const batch: BatchState = { recordIds: new Set(), contentHashes: new Set(), superseded: new Set() };
    const results: BatchResult[] = [];
    for (const [index, value] of entries.entries()) {
        results.push(await anchorEntry(ctx, tx, value, index, batch));
    }
    return results;
}
