// SPDX-License-Identifier: Apache-2.0
/**
 * A dry run of the access decision (docs/design.md "Explaining a decision"): for one record, what a real
 * `requestAccess` made now would decide for each requester and purpose, and the full trace of one. The facts are
 * read as a real request reads them (`access-facts.ts`) and decided by the same function (`traceAccess`, which
 * `decideAccess` is made of); nothing is written.
 */
import type { Context } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import type { ExplainRequest } from '../model/access-input';
import { Keys, ObjectTypes } from '../model/keys';
import type { Organization } from '../protocol/state';
import { Purposes } from '../protocol/vocabulary';
import type { Category, Decision, Purpose, Reason } from '../protocol/vocabulary';
import { traceAccess } from '../rules/access';
import type { AccessStep } from '../rules/access';
import { mayExplainAccess } from '../rules/visibility';
import type { Viewer } from '../rules/visibility';
import { readRequesterConsents, toAccessFacts } from './access-facts';
import type { RecordSide } from './access-facts';
import { readConsentsNaming } from './consents';
import { readAllValuesByPrefix } from './query';
import { readClaimParties } from './records';
import { readRequired } from './state';
import type { Tx } from './tx';

/**
 * The justification an EMERGENCY row is decided with. A real EMERGENCY request must carry one (it is refused
 * without), so the dry run answers for a request that does; the text itself is never shown or stored.
 */
const ASSUMED_JUSTIFICATION = 'a justification, as every EMERGENCY request must carry';

/** What a real request by one requester for one purpose would get. */
export interface ExplainedDecision {
    readonly requester: string;
    readonly purpose: Purpose;
    readonly decision: Decision;
    readonly reason: Reason;
    /** The consent that would grant, or the one that came closest; null when none. */
    readonly consentId: string | null;
}

/** One decision with every check of the decision order, in order. */
export interface ExplainedTrace extends ExplainedDecision {
    readonly steps: readonly AccessStep[];
}

/** The answer of a dry run. */
export interface Explanation {
    readonly recordId: string;
    /** The instant the rules were applied at: the evaluating transaction's timestamp. */
    readonly at: string;
    /** The record's index facts; null when no record has this id. */
    readonly record: {
        readonly recordId: string;
        readonly patientId: string;
        readonly custodian: string;
        readonly category: Category;
    } | null;
    /** One row per requester (MSP id order) and purpose (vocabulary order). */
    readonly decisions: readonly ExplainedDecision[];
    /** The trace of the one requester and purpose asked for; null unless both were given. */
    readonly trace: ExplainedTrace | null;
}

async function readRequesters(ctx: Context, selected: string | null): Promise<Organization[]> {
    if (selected !== null) {
        return [await readRequired<Organization>(ctx, Keys.organization(selected), `organisation ${selected}`)];
    }
    const orgs = await readAllValuesByPrefix<Organization>(ctx, {
        objectType: ObjectTypes.organization,
        attributes: [],
    });
    return orgs.filter((org) => org.status === 'active');
}

/**
 * Requires the caller to be allowed this explanation (`mayExplainAccess`), and fixes the requester of a member's
 * explanation to itself.
 * @param ctx - transaction context
 * @param tx - the transaction facts
 * @param viewer - the caller
 * @param request - record, requester, purpose
 * @param side - the record and its custodian
 * @returns the request, its requester filled in for a member
 * @throws FORBIDDEN when the caller is not registered, asks about another requester, or may not read the record
 *   or know its category
 */
export async function assertMayExplain(
    ctx: Context,
    tx: Tx,
    viewer: Viewer,
    request: ExplainRequest,
    side: RecordSide,
): Promise<ExplainRequest> {
    const requester = request.requester ?? (viewer.isCommission ? null : viewer.mspId);
    const { record } = side;
    const own =
        viewer.isCommission || record === null ? [] : await readConsentsNaming(ctx, record.patientId, viewer.mspId);
    const parties = viewer.isCommission || record === null ? [] : await readClaimParties(ctx, viewer, record);
    if (!mayExplainAccess(viewer, requester ?? viewer.mspId, record, own, parties, tx.now)) {
        throw new ChaincodeError(
            ErrorCodes.FORBIDDEN,
            `${tx.caller} may have explained only its own requests, for records it may read (record ${request.recordId})`,
        );
    }
    return { ...request, requester };
}

/**
 * Explains the access decision on a record as it stands at the transaction's time: every active organisation (or
 * the one asked) for every purpose (or the one asked), and the trace when one requester and one purpose are asked.
 * @param ctx - transaction context
 * @param tx - the transaction facts
 * @param request - record, requester, purpose
 * @param side - the record and its custodian (`readRecordSide`)
 * @throws NOT_FOUND when a requester named is not a registered organisation
 */
export async function readExplanation(
    ctx: Context,
    tx: Tx,
    request: ExplainRequest,
    side: RecordSide,
): Promise<Explanation> {
    const purposes = request.purpose === null ? Purposes : [request.purpose];
    const decisions: ExplainedDecision[] = [];
    let trace: ExplainedTrace | null = null;
    for (const requester of await readRequesters(ctx, request.requester)) {
        const consents = await readRequesterConsents(ctx, side, requester.mspId);
        for (const purpose of purposes) {
            const justification = purpose === 'EMERGENCY' ? ASSUMED_JUSTIFICATION : null;
            const facts = toAccessFacts({ requester, purpose, justification }, side, consents, tx.now);
            const { decision, reason, consentId, steps } = traceAccess(facts);
            const row = { requester: requester.mspId, purpose, decision, reason, consentId };
            decisions.push(row);
            trace = request.requester !== null && request.purpose !== null ? { ...row, steps } : null;
        }
    }
    const { record } = side;
    const shown =
        record === null
            ? null
            : {
                  recordId: record.recordId,
                  patientId: record.patientId,
                  custodian: record.custodian,
                  category: record.category,
              };
    return { recordId: request.recordId, at: tx.time, record: shown, decisions, trace };
}
