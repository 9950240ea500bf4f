// SPDX-License-Identifier: Apache-2.0
/**
 * Checks on patient-signed acts: the region's channel, freshness of `issuedAt`, the signature under the
 * registered key, and — for a patient's signed query — that it was made for this organisation, this view and
 * this moment (docs/design.md "Who may see what").
 */
import type { Context } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes, invalid } from '../errors';
import { fromStoredKey } from '../crypto/patient-key';
import { assertPatientSignature } from '../crypto/signature';
import { parseEnvelopeArgument } from '../model/input';
import { readQueryPayload } from '../protocol/payload-readers';
import type { Envelope, QueryFields } from '../protocol/payload-readers';
import { Keys } from '../model/keys';
import type { Patient } from '../protocol/state';
import type { PatientView } from '../protocol/vocabulary';
import {
    checkIssuedAt,
    checkQueryTime,
    ISSUED_AT_MAX_AGE_MS,
    ISSUED_AT_MAX_FUTURE_MS,
    QUERY_MAX_AGE_MS,
    QUERY_MAX_FUTURE_MS,
} from '../protocol/payload-time';
import { readRequired, readState } from './state';
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
 * Requires a signed payload to name this ledger's channel, so that a signature made for one region cannot be
 * replayed in another whose organisations have the same MSP ids.
 * @param ctx - transaction context
 * @param channel - the payload's `channel`
 * @throws INVALID_INPUT when it names another channel
 */
export function assertChannel(ctx: Context, channel: string): void {
    const expected = ctx.stub.getChannelID();
    if (channel !== expected) {
        invalid(`payload.channel must be ${expected}: the payload was signed for another region`);
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

function unauthenticated(detail: string): never {
    throw new ChaincodeError(ErrorCodes.UNAUTHENTICATED, `patient query refused: ${detail}`);
}

function assertQueryBinding(ctx: Context, tx: Tx, query: QueryFields, view: PatientView): void {
    if (query.audience !== tx.caller) {
        unauthenticated(`it was signed for ${query.audience}, not for ${tx.caller}`);
    }
    if (query.view !== view) {
        unauthenticated(`it was signed for the view ${query.view}, not ${view}`);
    }
    if (query.channel !== ctx.stub.getChannelID()) {
        unauthenticated('it was signed for another region');
    }
    const time = checkQueryTime(query.issuedAt, tx.now);
    if (time !== 'ok') {
        const limit = time === 'future' ? `${QUERY_MAX_FUTURE_MS / 1000} s ahead` : `${QUERY_MAX_AGE_MS / 1000} s old`;
        unauthenticated(`issuedAt is more than ${limit}`);
    }
}

/**
 * Verifies a patient's signed query inside the chaincode: the organisation asking (the caller) must be its
 * audience, the read its view, the ledger its channel, the transaction time inside its window, and the
 * signature the registered patient's. The nonce's single use is the gateway's to enforce: a read-only
 * function can write nothing to remember it.
 * @param ctx - transaction context
 * @param tx - the transaction facts
 * @param signedJson - `{payload: {type: "patient.query", …}, signature}`
 * @param view - the view this function serves
 * @returns the verified query
 * @throws INVALID_INPUT (shape), UNAUTHENTICATED (audience, view, channel, time, unknown patient),
 *   BAD_SIGNATURE
 */
export async function assertPatientQuery(
    ctx: Context,
    tx: Tx,
    signedJson: string,
    view: PatientView,
): Promise<QueryFields> {
    const envelope = parseEnvelopeArgument(signedJson);
    const query = readQueryPayload(envelope.payload);
    assertQueryBinding(ctx, tx, query, view);
    const patient = await readState<Patient>(ctx, Keys.patient(query.patientId));
    if (patient === null) {
        unauthenticated('the patient is not registered');
    }
    assertPatientSignature(envelope.payload, envelope.signature, fromStoredKey(patient.publicKey));
    return query;
}
