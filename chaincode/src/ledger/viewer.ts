// SPDX-License-Identifier: Apache-2.0
/**
 * Applying the visibility rules (`rules/visibility.ts`) to what a read returns: who the caller is, the
 * consents of a patient that name the caller (read once per patient), and the redaction of sensitive
 * categories in index entries and access events.
 */
import type { Context } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';

import type { AccessEvent, RecordEntry } from '../protocol/state';
import { isSensitive } from '../protocol/vocabulary';
import type { ConsentTerms } from '../rules/consent';
import { toShownCategory, type CategoryFacts, type Viewer } from '../rules/visibility';
import { readConsentsNaming } from './consents';
import { isCommission, readOrganization } from './tx';
import type { Tx } from './tx';

/**
 * Who the caller is, for the visibility rules.
 * @param ctx - transaction context
 * @param tx - the transaction facts
 * @returns the viewer (type null when the caller is not a registered organisation)
 */
export async function readViewer(ctx: Context, tx: Tx): Promise<Viewer> {
    const org = await readOrganization(ctx, tx.caller);
    return {
        mspId: tx.caller,
        type: org?.type ?? null,
        isActive: org?.status === 'active',
        isCommission: await isCommission(ctx, tx),
    };
}

/**
 * Throws FORBIDDEN unless a rule allowed the read.
 * @param allowed - the rule's answer
 * @param what - what was asked, for the message (ids only)
 * @throws FORBIDDEN when not allowed
 */
export function assertVisible(allowed: boolean, what: string): void {
    if (!allowed) {
        throw new ChaincodeError(ErrorCodes.FORBIDDEN, `${what} is not visible to this organisation`);
    }
}

/** The consents of each patient that name the viewer, read at most once per patient within one call. */
export class ViewerConsents {
    readonly #ctx: Context;
    readonly #viewer: Viewer;
    readonly #byPatient = new Map<string, readonly ConsentTerms[]>();

    /**
     * @param ctx - transaction context
     * @param viewer - the organisation asking
     */
    constructor(ctx: Context, viewer: Viewer) {
        this.#ctx = ctx;
        this.#viewer = viewer;
    }

    /**
     * Supplies consents a transaction already read, so they are not scanned twice.
     * @param patientId - the patient
     * @param consents - that patient's consents naming the viewer, in key order
     */
    seed(patientId: string, consents: readonly ConsentTerms[]): void {
        this.#byPatient.set(patientId, consents);
    }

    /**
     * The patient's consents naming the viewer, in key order.
     * @param patientId - the patient
     */
    async of(patientId: string): Promise<readonly ConsentTerms[]> {
        const known = this.#byPatient.get(patientId);
        if (known !== undefined) {
            return known;
        }
        const consents = await readConsentsNaming(this.#ctx, patientId, this.#viewer.mspId);
        this.#byPatient.set(patientId, consents);
        return consents;
    }
}

/** The consents that decide whether the viewer sees a category: read only when they can matter. */
async function consentsFor(
    viewer: Viewer,
    consents: ViewerConsents,
    facts: CategoryFacts,
): Promise<readonly ConsentTerms[]> {
    if (facts.patientId === null || facts.category === null || !isSensitive(facts.category)) {
        return [];
    }
    return viewer.isCommission || viewer.mspId === facts.custodian ? [] : consents.of(facts.patientId);
}

/**
 * Index entries as the viewer may see them: sensitive categories become `restricted` where it may not know them.
 * @param viewer - the organisation asking
 * @param consents - the viewer's consents, per patient
 * @param entries - the entries read
 * @param now - transaction time
 */
export async function showRecords(
    viewer: Viewer,
    consents: ViewerConsents,
    entries: readonly RecordEntry[],
    now: number,
): Promise<RecordEntry[]> {
    const shown: RecordEntry[] = [];
    for (const entry of entries) {
        const category = toShownCategory(viewer, entry, await consentsFor(viewer, consents, entry), now);
        shown.push({ ...entry, category } as RecordEntry);
    }
    return shown;
}

/**
 * Access events as the viewer may see them (the record's category redacted where it may not know it).
 * @param viewer - the organisation asking
 * @param consents - the viewer's consents, per patient
 * @param events - the events read
 * @param now - transaction time
 */
export async function showEvents(
    viewer: Viewer,
    consents: ViewerConsents,
    events: readonly AccessEvent[],
    now: number,
): Promise<AccessEvent[]> {
    const shown: AccessEvent[] = [];
    for (const event of events) {
        const category = toShownCategory(viewer, event, await consentsFor(viewer, consents, event), now);
        shown.push({ ...event, category } as AccessEvent);
    }
    return shown;
}
