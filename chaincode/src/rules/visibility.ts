// SPDX-License-Identifier: Apache-2.0
/**
 * Who may see what (docs/design.md "Who may see what"), as pure decisions over what the contract read. A
 * member's gateway is its own code and can call any function with its own identity, so these rules run in the
 * chaincode: a patient's consents, access log, index and claims answer the commission, the patient (through a
 * signed query, checked elsewhere) and a member only for what concerns it; a sensitive category is shown only
 * to the custodian, the commission, the patient and a holder of an active consent naming it.
 */
import type { AccessEvent, Claim, Consent, RecordEntry } from '../protocol/state';
import { isSensitive, RESTRICTED_CATEGORY } from '../protocol/vocabulary';
import type { Category, OrgType } from '../protocol/vocabulary';
import { evaluateConsent, type ConsentTerms } from './consent';
import { checkWindow } from './time';

/** The organisation asking, as the contract knows it. */
export interface Viewer {
    readonly mspId: string;
    /** Null when the caller is not a registered organisation. */
    readonly type: OrgType | null;
    /** Whether it is an active member (pending and suspended organisations are not). */
    readonly isActive: boolean;
    readonly isCommission: boolean;
}

/** A category as shown to a viewer: the real one, or `restricted`. */
export type ShownCategory = Category | typeof RESTRICTED_CATEGORY;

/** The record facts the category rule reads. */
export interface CategoryFacts {
    readonly patientId: string | null;
    readonly custodian: string | null;
    readonly category: Category | null;
}

/**
 * May the viewer know a record's category? Always for an ordinary one; for a sensitive one only the custodian,
 * the commission, and a viewer holding an active, unexpired consent of that patient that names the category.
 * @param viewer - the organisation asking
 * @param record - patient, custodian and category
 * @param consents - the patient's consents naming the viewer
 * @param now - transaction time, milliseconds since the epoch
 * @returns true when it may see the real category
 */
export function isCategoryVisible(
    viewer: Viewer,
    record: CategoryFacts,
    consents: readonly ConsentTerms[],
    now: number,
): boolean {
    if (record.category === null || !isSensitive(record.category)) {
        return true;
    }
    if (viewer.isCommission || viewer.mspId === record.custodian) {
        return true;
    }
    const category = record.category;
    return consents.some(
        (consent) =>
            consent.grantee === viewer.mspId &&
            consent.patientId === record.patientId &&
            consent.status === 'active' &&
            checkWindow(consent, now) === 'inside' &&
            consent.categories.includes(category),
    );
}

/**
 * The category to show.
 * @param viewer - the organisation asking
 * @param record - patient, custodian and category
 * @param consents - the patient's consents naming the viewer
 * @param now - transaction time
 * @returns the category or `restricted`
 */
export function toShownCategory(
    viewer: Viewer,
    record: CategoryFacts,
    consents: readonly ConsentTerms[],
    now: number,
): ShownCategory | null {
    return isCategoryVisible(viewer, record, consents, now) ? record.category : RESTRICTED_CATEGORY;
}

/**
 * May the viewer list a patient's record index? The commission, and active hospitals (which find a patient's
 * records region-wide to request them for treatment or in an emergency); a pending or suspended hospital may not
 * enumerate patients' records. An insurer sees only the records its consents or claims concern, one at a time.
 * @param viewer - the organisation asking
 */
export function mayListPatientRecords(viewer: Viewer): boolean {
    return viewer.isCommission || (viewer.type === 'hospital' && viewer.isActive);
}

/**
 * Does some active consent naming the viewer cover this record for any of its purposes?
 * @param viewer - the organisation asking
 * @param record - the record
 * @param consents - the patient's consents naming the viewer
 * @param now - transaction time
 */
export function isCoveredByConsent(
    viewer: Viewer,
    record: Pick<RecordEntry, 'recordId' | 'patientId' | 'custodian' | 'category'>,
    consents: readonly ConsentTerms[],
    now: number,
): boolean {
    return consents.some((consent) =>
        consent.purposes.some(
            (purpose) => evaluateConsent(consent, { requester: viewer.mspId, purpose, record }, now) === 'CONSENT',
        ),
    );
}

/**
 * May the viewer read one index entry? The commission, hospitals, the custodian, an insurer whose claim the
 * record backs, and an organisation holding an active consent that covers it.
 * @param viewer - the organisation asking
 * @param record - the entry
 * @param consents - the patient's consents naming the viewer
 * @param claimParties - claimant and insurer of the claim the record backs, if any
 * @param now - transaction time
 */
export function mayReadRecord(
    viewer: Viewer,
    record: Pick<RecordEntry, 'recordId' | 'patientId' | 'custodian' | 'category'>,
    consents: readonly ConsentTerms[],
    claimParties: readonly string[],
    now: number,
): boolean {
    if (mayListPatientRecords(viewer) || viewer.mspId === record.custodian || claimParties.includes(viewer.mspId)) {
        return true;
    }
    return isCoveredByConsent(viewer, record, consents, now);
}

/**
 * May the viewer read an access event? The commission, its requester and its custodian.
 * @param viewer - the organisation asking
 * @param event - the event
 */
export function mayReadAccess(viewer: Viewer, event: Pick<AccessEvent, 'requester' | 'custodian'>): boolean {
    return viewer.isCommission || viewer.mspId === event.requester || viewer.mspId === event.custodian;
}

/**
 * May the viewer read a consent? The commission and the grantee it names.
 * @param viewer - the organisation asking
 * @param consent - the consent
 */
export function mayReadConsent(viewer: Viewer, consent: Pick<Consent, 'grantee'>): boolean {
    return viewer.isCommission || viewer.mspId === consent.grantee;
}

/**
 * May the viewer read a claim? The commission, its claimant and its insurer.
 * @param viewer - the organisation asking
 * @param claim - the claim
 */
export function mayReadClaim(viewer: Viewer, claim: Pick<Claim, 'claimant' | 'insurer'>): boolean {
    return viewer.isCommission || viewer.mspId === claim.claimant || viewer.mspId === claim.insurer;
}
