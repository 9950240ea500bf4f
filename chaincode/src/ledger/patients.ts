// SPDX-License-Identifier: Apache-2.0
/** Checks on patient-signed acts: freshness of `issuedAt` and the signature under the registered key. */
import type { Context } from 'fabric-contract-api';
import { invalid } from '../errors';
import { fromStoredKey } from '../crypto/patient-key';
import { assertPatientSignature } from '../crypto/signature';
import type { Envelope } from '../crypto/signed-payloads';
import { Keys } from '../model/keys';
import type { Patient } from '../model/state';
import { checkIssuedAt, ISSUED_AT_MAX_AGE_MS, ISSUED_AT_MAX_FUTURE_MS } from '../rules/time';
import { readRequired } from './state';
import type { Tx } from './tx';

/**
 * Requires a signed payload's `issuedAt` to be near the transaction time.
 * @param issuedAt - the payload's ISO timestamp
 * @param tx - the transaction facts
 * @throws INVALID_INPUT when more than 5 minutes ahead of, or more than 24 hours behind, the transaction
 */
export function assertFresh(issuedAt: string, tx: Tx): void {
    const check = checkIssuedAt(issuedAt, tx.now);
    if (check === 'future') {
        invalid(`payload.issuedAt is more than ${ISSUED_AT_MAX_FUTURE_MS / 60000} minutes in the future`);
    }
    if (check === 'stale') {
        invalid(`payload.issuedAt is more than ${ISSUED_AT_MAX_AGE_MS / 3600000} hours old`);
    }
}

/**
 * Reads a registered patient and checks that the envelope's payload is signed by the patient's key.
 * @param ctx - transaction context
 * @param patientId - the patient named in the payload
 * @param envelope - payload and signature as received
 * @returns the patient and the well-formed signature text
 * @throws NOT_FOUND when the patient is not registered
 * @throws BAD_SIGNATURE when the signature is malformed or not the patient's
 */
export async function assertSignedByPatient(
    ctx: Context,
    patientId: string,
    envelope: Envelope,
): Promise<{ patient: Patient; signature: string }> {
    const patient = await readRequired<Patient>(ctx, Keys.patient(patientId), `patient ${patientId}`);
    const signature = assertPatientSignature(envelope.payload, envelope.signature, fromStoredKey(patient.publicKey));
    return { patient, signature };
}
