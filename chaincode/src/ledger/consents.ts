// SPDX-License-Identifier: Apache-2.0
/** Reading a patient's consents through the consent-by-patient index. */
import type { Context } from 'fabric-contract-api';
import { Keys, ObjectTypes } from '../model/keys';
import type { Consent } from '../protocol/state';
import { readAllByPrefix } from './query';

/**
 * The consents a patient gave one organisation, in key order: what an access decision, a claim's payment
 * consent and the visibility of a sensitive category all rest on. Unpaginated (one patient, one grantee: a
 * small set), so it may run in a submitted transaction.
 * @param ctx - transaction context
 * @param patientId - the patient
 * @param grantee - the organisation the consents name
 */
export async function readConsentsNaming(ctx: Context, patientId: string, grantee: string): Promise<Consent[]> {
    const prefix = { objectType: ObjectTypes.consentByPatient, attributes: [patientId, grantee] };
    return readAllByPrefix<Consent>(ctx, prefix, Keys.consent);
}
