// SPDX-License-Identifier: Apache-2.0
/**
 * Access: every request is decided here and written, granted or denied; the custodian's delivery
 * re-checks the grant at its own clock; the commission reviews every break-the-glass access.
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { readRecordSide, readRequesterConsents, toAccessFacts } from '../ledger/access-facts';
import { assertMayExplain, readExplanation } from '../ledger/explain';
import { assertPatientQuery } from '../ledger/patients';
import { deleteState, emitEvent, readRequired, readState, writeIndex, writeState } from '../ledger/state';
import { assertActiveCaller, assertCommission, readOrganization, readTx } from '../ledger/tx';
import { assertVisible, readViewer, showEvents, showRecords, ViewerConsents } from '../ledger/viewer';
import type { Tx } from '../ledger/tx';
import {
    readAccessRequest,
    readDeliveryRequest,
    readExplainRequest,
    readExplainSelection,
    readReviewRequest,
} from '../model/access-input';
import type { AccessRequest, DeliveryRequest } from '../model/access-input';
import { toCanonicalJson } from '../protocol/canonical-json';
import { readId } from '../protocol/input';
import { accessTimeKey, Keys } from '../model/keys';
import type { AccessEvent, AccessRequestResult, Consent, Delivery, RecordEntry } from '../protocol/state';
import { decideAccess } from '../rules/access';
import type { AccessFacts } from '../rules/access';
import type { ConsentTerms } from '../rules/consent';
import { checkDelivery } from '../rules/delivery';
import { addMillis, GRANT_LIFETIME_MS } from '../rules/time';
import { mayReadAccess, type Viewer } from '../rules/visibility';
import { HealthContract } from './base';

/** The facts of a decision, and the record's index entry they were read from (null when there is none). */
async function gatherFacts(
    ctx: Context,
    tx: Tx,
    request: AccessRequest,
): Promise<{ facts: AccessFacts; entry: RecordEntry | null }> {
    const requester = await readOrganization(ctx, tx.caller);
    if (requester === null) {
        throw new ChaincodeError(ErrorCodes.FORBIDDEN, `${tx.caller} is not a registered organisation`);
    }
    const side = await readRecordSide(ctx, request.recordId);
    const consents = await readRequesterConsents(ctx, side, tx.caller);
    const { purpose, justification } = request;
    const facts = toAccessFacts({ requester, purpose, justification }, side, consents, tx.now);
    return { facts, entry: side.record };
}

/** Who signed the consent a decision names: the patient, or the guardian who signed for them; null for none. */
function signerOf(consents: readonly ConsentTerms[], consentId: string | null): string | null {
    const consent = consents.find((c) => c.consentId === consentId);
    return consent === undefined ? null : (consent.signer ?? consent.patientId);
}

/**
 * What `requestAccess` answers: the event as the requester may see it and, on a grant, the record's index entry
 * as `readRecord` shows it to the requester. The grant entitles the requester to the record itself; the entry
 * saves its gateway a second ledger read before it checks the delivered content's hash.
 */
async function showRequestResult(
    viewer: Viewer,
    consents: ViewerConsents,
    event: AccessEvent,
    entry: RecordEntry | null,
    now: number,
): Promise<AccessRequestResult> {
    const [shown = event] = await showEvents(viewer, consents, [event], now);
    if (entry === null || event.decision === 'DENIED') {
        return shown;
    }
    const [record = entry] = await showRecords(viewer, consents, [entry], now);
    return { ...shown, record };
}

async function writeAccessEvent(ctx: Context, event: AccessEvent): Promise<void> {
    const { accessId, requestedAt: time } = event;
    await writeState(ctx, Keys.access(accessId), event);
    await writeIndex(ctx, Keys.accessByRequester(event.requester, time, accessId), accessId);
    await writeIndex(ctx, accessTimeKey(time, accessId), accessId);
    if (event.patientId !== null) {
        await writeIndex(ctx, Keys.accessByPatient(event.patientId, time, accessId), accessId);
    }
    if (event.custodian !== null) {
        await writeIndex(ctx, Keys.accessByCustodian(event.custodian, time, accessId), accessId);
    }
    if (event.decision === 'GRANTED_EMERGENCY') {
        await writeIndex(ctx, Keys.emergencyPending(time, accessId), accessId);
    }
}

async function newDelivery(ctx: Context, tx: Tx, request: DeliveryRequest, event: AccessEvent): Promise<Delivery> {
    const consent =
        event.decision === 'GRANTED' && event.consentId !== null
            ? await readState<Consent>(ctx, Keys.consent(event.consentId))
            : null;
    const requester = await readOrganization(ctx, event.requester);
    const outcome = checkDelivery({
        caller: tx.caller,
        event,
        consent,
        requester,
        presenter: request,
        now: tx.now,
        maxSkewMs: request.maxSkewMs,
    });
    switch (outcome.kind) {
        case 'reject':
            throw new ChaincodeError(outcome.code, `${outcome.detail} (access ${event.accessId})`);
        case 'refuse':
            return { status: 'REFUSED', reason: outcome.reason, contentHash: null, at: tx.time, txId: tx.txId };
        case 'deliver': {
            const record = await readRequired<RecordEntry>(
                ctx,
                Keys.record(event.recordId),
                `record ${event.recordId}`,
            );
            if (record.contentHash !== request.contentHash) {
                throw new ChaincodeError(ErrorCodes.CONFLICT, `contentHash differs from record ${record.recordId}`);
            }
            return { status: 'DELIVERED', reason: null, contentHash: request.contentHash, at: tx.time, txId: tx.txId };
        }
    }
}

/** Access requests, deliveries and emergency reviews. Contract name `access`. */
@Info({ title: 'access', description: 'Access decisions, deliveries and emergency reviews' })
export class AccessContract extends HealthContract {
    constructor() {
        super('access');
    }

    /**
     * Decides a request by the caller for a record and writes the decision, granted or denied; a denial
     * is returned, not thrown. `accessId` is this transaction's id; a grant expires 5 minutes after the
     * transaction timestamp and serves one delivery.
     * @param ctx - transaction context
     * @param requestJson - `{recordId, purpose, justification?}` (justification with EMERGENCY only)
     * @returns the access event (canonical JSON): `decision` GRANTED | GRANTED_EMERGENCY | DENIED, `reason`;
     *   a sensitive category the requester may not know shows as `restricted`; on a grant also `record`, the
     *   index entry as `readRecord` shows it to the requester (not stored: the event on the ledger lacks it)
     * @throws INVALID_INPUT, FORBIDDEN (caller not a registered organisation)
     */
    @Transaction()
    @Returns('string')
    async requestAccess(ctx: Context, requestJson: string): Promise<string> {
        const request = readAccessRequest(requestJson);
        const tx = readTx(ctx);
        const { facts, entry } = await gatherFacts(ctx, tx, request);
        const outcome = decideAccess(facts);
        const record = facts.record;
        const event: AccessEvent = {
            accessId: tx.txId,
            requester: tx.caller,
            custodian: record?.custodian ?? null,
            recordId: request.recordId,
            patientId: record?.patientId ?? null,
            category: record?.category ?? null,
            purpose: request.purpose,
            ...outcome,
            consentSigner: signerOf(facts.consents, outcome.consentId),
            justification: request.justification,
            requestedAt: tx.time,
            expiresAt: outcome.decision === 'DENIED' ? null : addMillis(tx.time, GRANT_LIFETIME_MS),
            delivery: null,
            review: null,
        };
        await writeAccessEvent(ctx, event);
        const { accessId, decision, reason, purpose, requester, custodian, recordId, patientId, requestedAt } = event;
        // requestedAt lets an event follower bucket the request by time without reading it back (the commission's
        // statistics view, docs/design.md "The audit view").
        emitEvent(ctx, 'AccessRequested', {
            accessId,
            decision,
            reason,
            purpose,
            requester,
            custodian,
            recordId,
            patientId,
            requestedAt,
        });
        const viewer = await readViewer(ctx, tx);
        const consents = new ViewerConsents(ctx, viewer);
        if (event.patientId !== null) {
            consents.seed(event.patientId, facts.consents);
        }
        return toCanonicalJson(await showRequestResult(viewer, consents, event, entry, tx.now));
    }

    /**
     * The custodian records that it serves a grant. Checked at this transaction's time: the grant is not
     * later than now and not expired, the requester is active and, for a consent grant, the consent is
     * still unrevoked and in its window. A failed check is recorded on the event (`delivery.status`
     * REFUSED with a reason) and returned; the grant is then used up.
     * @param ctx - transaction context
     * @param deliveryJson - `{accessId, contentHash, maxSkewMs?, recordId?, requester?, requesterCertSha256?}`;
     *   the hash must equal the record's index entry; a grant timestamped further than `maxSkewMs` (default 2
     *   minutes) from this transaction's time is refused with GRANT_CLOCK_SKEW; the optional fields say who
     *   asked the custodian over mutual TLS — the record asked for, the member whose TLS CA issued the client
     *   certificate, its SHA-256 — and each must match the grant and the requester's pinned certificate
     * @returns the access event with its `delivery` (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (caller not the custodian; another record, another requester or a
     *   certificate other than the requester's pinned one), ORG_NOT_ACTIVE (caller), NOT_FOUND, ACCESS_DENIED
     *   (the access was denied), CONFLICT (grant already used; hash differs from the index)
     */
    @Transaction()
    @Returns('string')
    async recordDelivery(ctx: Context, deliveryJson: string): Promise<string> {
        const request = readDeliveryRequest(deliveryJson);
        const tx = readTx(ctx);
        await assertActiveCaller(ctx, tx);
        const event = await readRequired<AccessEvent>(ctx, Keys.access(request.accessId), `access ${request.accessId}`);
        const delivery = await newDelivery(ctx, tx, request, event);
        const updated: AccessEvent = { ...event, delivery };
        await writeState(ctx, Keys.access(event.accessId), updated);
        emitEvent(ctx, delivery.status === 'DELIVERED' ? 'AccessDelivered' : 'DeliveryRefused', {
            accessId: event.accessId,
            reason: delivery.reason,
            requester: event.requester,
            custodian: event.custodian,
            txId: tx.txId,
        });
        return toCanonicalJson(updated);
    }

    /**
     * The commission's verdict on a break-the-glass access (once per access).
     * @param ctx - transaction context
     * @param reviewJson - `{accessId, verdict: "justified" | "unjustified", note}`
     * @returns the access event with its `review` (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (not the commission), NOT_FOUND, CONFLICT (not an emergency
     *   access, or already reviewed)
     */
    @Transaction()
    @Returns('string')
    async reviewEmergency(ctx: Context, reviewJson: string): Promise<string> {
        const request = readReviewRequest(reviewJson);
        const tx = readTx(ctx);
        await assertCommission(ctx, tx);
        const event = await readRequired<AccessEvent>(ctx, Keys.access(request.accessId), `access ${request.accessId}`);
        if (event.decision !== 'GRANTED_EMERGENCY' || event.review !== null) {
            throw new ChaincodeError(ErrorCodes.CONFLICT, `access ${event.accessId} is not awaiting review`);
        }
        const review = {
            verdict: request.verdict,
            note: request.note,
            reviewer: tx.caller,
            at: tx.time,
            txId: tx.txId,
        };
        const updated: AccessEvent = { ...event, review };
        await writeState(ctx, Keys.access(event.accessId), updated);
        await deleteState(ctx, Keys.emergencyPending(event.requestedAt, event.accessId));
        emitEvent(ctx, 'EmergencyReviewed', { accessId: event.accessId, verdict: request.verdict, txId: tx.txId });
        return toCanonicalJson(updated);
    }

    /**
     * Reads one access event (the commission, its requester, its custodian).
     * @param ctx - transaction context
     * @param accessId - the access id (the request's transaction id)
     * @returns the access event (canonical JSON)
     * @throws INVALID_INPUT, NOT_FOUND, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async readAccess(ctx: Context, accessId: string): Promise<string> {
        const id = readId(accessId, 'accessId');
        const tx = readTx(ctx);
        const event = await readRequired<AccessEvent>(ctx, Keys.access(id), `access ${id}`);
        const viewer = await readViewer(ctx, tx);
        assertVisible(mayReadAccess(viewer, event), `access ${id}`);
        const [shown] = await showEvents(viewer, new ViewerConsents(ctx, viewer), [event], tx.now);
        return toCanonicalJson(shown);
    }

    /**
     * A dry run of the access decision on a record (docs/design.md "Explaining a decision"): what `requestAccess`
     * made now would decide for each active organisation (or `requester`) and each purpose (or `purpose`), with
     * the reason code and the consent, and, when both are given, every check of the decision order. EMERGENCY is
     * answered for a request carrying its required justification. Writes nothing. The commission may ask about
     * any requester; any other organisation only about itself (the default), for a record it may read whose
     * category it may know.
     * @param ctx - transaction context
     * @param requestJson - `{recordId, requester?, purpose?}`
     * @returns `{recordId, at, record, decisions, trace}` (canonical JSON); `record` null when none has this id
     * @throws INVALID_INPUT, FORBIDDEN, NOT_FOUND (the requester named is not registered)
     */
    @Transaction(false)
    @Returns('string')
    async explainAccess(ctx: Context, requestJson: string): Promise<string> {
        const request = readExplainRequest(requestJson);
        const tx = readTx(ctx);
        const side = await readRecordSide(ctx, request.recordId);
        const allowed = await assertMayExplain(ctx, tx, await readViewer(ctx, tx), request, side);
        return toCanonicalJson(await readExplanation(ctx, tx, allowed, side));
    }

    /**
     * The same dry run for the patient, about one of their own records: asked through the patient's signed query
     * (view `explain`, naming the record) by the organisation the query names as its audience.
     * @param ctx - transaction context
     * @param signedQuery - `{payload: {type: "patient.query", …, view: "explain", recordId}, signature}`
     * @param selectionJson - `{requester?, purpose?}`
     * @returns as explainAccess
     * @throws INVALID_INPUT, UNAUTHENTICATED, BAD_SIGNATURE, NOT_FOUND (no such record; the requester named is
     *   not registered), FORBIDDEN (another patient's record)
     */
    @Transaction(false)
    @Returns('string')
    async explainAccessForPatient(ctx: Context, signedQuery: string, selectionJson: string): Promise<string> {
        const selection = readExplainSelection(selectionJson);
        const tx = readTx(ctx);
        const query = await assertPatientQuery(ctx, tx, signedQuery, 'explain');
        const recordId = query.recordId ?? '';
        const side = await readRecordSide(ctx, recordId);
        if (side.record === null) {
            throw new ChaincodeError(ErrorCodes.NOT_FOUND, `record ${recordId} does not exist`);
        }
        if (side.record.patientId !== query.patientId) {
            throw new ChaincodeError(ErrorCodes.FORBIDDEN, `record ${recordId} is another patient's`);
        }
        return toCanonicalJson(await readExplanation(ctx, tx, { recordId, ...selection }, side));
    }
}
