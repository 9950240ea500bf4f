// SPDX-License-Identifier: Apache-2.0
/**
 * Whose data the patient view shows: the key holder's own, or — when a guardian acts for a patient (PIPL Art. 31;
 * docs/design.md "Guardians") — that patient's, every query and act signed with the guardian's own key and naming
 * the guardian as `signer`. Which patient a guardian acts for is kept for this tab's session only.
 */
import { call, type List } from './api.js';
import { gatewayIdentity } from './gateway.js';
import { newPatientQuery, type PatientKey } from './patient-key.js';
import type { PatientQueryView } from '../../chaincode/src/protocol/payloads.js';

/** The key that signs, and the patient it signs for when that is not its holder. */
export interface Subject {
    readonly key: PatientKey;
    /** The patient a guardian acts for; absent when the key holder acts for themselves. */
    readonly forPatient?: string;
}

const ACTING_KEY = 'healthchain.actingFor';

/** The patient this tab acts for as guardian, if any. */
export function readActingFor(): string | undefined {
    return sessionStorage.getItem(ACTING_KEY) ?? undefined;
}

/**
 * Starts or stops acting as guardian for a patient in this tab.
 * @param patientId - the patient, or undefined to act for oneself again
 */
export function writeActingFor(patientId: string | undefined): void {
    if (patientId === undefined) {
        sessionStorage.removeItem(ACTING_KEY);
    } else {
        sessionStorage.setItem(ACTING_KEY, patientId);
    }
}

/**
 * One of the subject's own lists, asked with a query signed for this gateway, this view and this request only.
 * @param who - the signing key, and the patient a guardian acts for
 * @param view - `records`, `consents`, `access-log`, `claims` or `guardians` (the route `POST /patient/{view}`)
 */
export async function patientList<T>(who: Subject, view: PatientQueryView): Promise<readonly T[]> {
    const { org, channel } = await gatewayIdentity();
    const body = await newPatientQuery(who.key, { audience: org, view, channel }, who.forPatient);
    const query = view === 'guardians' ? '' : '?limit=500';
    const list = await call<List<T>>('POST', `/patient/${view}${query}`, { body, staff: false });
    return list.items;
}
