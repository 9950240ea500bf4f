// SPDX-License-Identifier: Apache-2.0
/**
 * Gathering what the access decision reads (`rules/access.ts`) from committed state: the record and its
 * custodian, and the patient's consents naming a requester. A real request and a dry run read them the same
 * way, so the decision they reach is the same.
 */
import type { Context } from 'fabric-contract-api';
import { Keys } from '../model/keys';
import type { Organization, RecordEntry } from '../protocol/state';
import type { Purpose } from '../protocol/vocabulary';
import type { AccessFacts } from '../rules/access';
import type { ConsentTerms } from '../rules/consent';
import { readConsentsNaming } from './consents';
import { readState } from './state';
import { readOrganization } from './tx';

/** The record asked for and its custodian, as committed. */
export interface RecordSide {
    /** Null when no record has the requested id. */
    readonly record: RecordEntry | null;
    /** Null when the record, or its custodian's entry, is missing. */
    readonly custodian: Organization | null;
}

/**
 * Reads a record and its custodian.
 * @param ctx - transaction context
 * @param recordId - the record asked for
 */
export async function readRecordSide(ctx: Context, recordId: string): Promise<RecordSide> {
    const record = await readState<RecordEntry>(ctx, Keys.record(recordId));
    const custodian = record === null ? null : await readOrganization(ctx, record.custodian);
    return { record, custodian };
}

/**
 * The patient's consents naming a requester, in key order; none when the record is missing (the decision
 * stops before consents then).
 * @param ctx - transaction context
 * @param side - the record and its custodian
 * @param requester - the requester's MSP id
 */
export async function readRequesterConsents(
    ctx: Context,
    side: RecordSide,
    requester: string,
): Promise<readonly ConsentTerms[]> {
    return side.record === null ? [] : readConsentsNaming(ctx, side.record.patientId, requester);
}

/** One request as the decision sees it. */
export interface RequestFacts {
    readonly requester: Organization;
    readonly purpose: Purpose;
    readonly justification: string | null;
}

/**
 * The facts of one decision.
 * @param request - requester, purpose and justification
 * @param side - the record and its custodian
 * @param consents - the patient's consents naming the requester, in key order
 * @param now - transaction time, milliseconds since the epoch
 */
export function toAccessFacts(
    request: RequestFacts,
    side: RecordSide,
    consents: readonly ConsentTerms[],
    now: number,
): AccessFacts {
    const { requester, purpose, justification } = request;
    return { requester, purpose, justification, record: side.record, custodian: side.custodian, consents, now };
}
