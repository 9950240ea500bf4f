// SPDX-License-Identifier: Apache-2.0
/**
 * Guardianships (docs/design.md "Guardians"; PIPL Art. 31): a hospital registers a guardian's key for a patient,
 * with the guardian's own signature and either the patient's approval or, for a child under fourteen, the
 * attestation of the hospital that registered the patient; the patient, or that hospital when the child turns
 * fourteen, ends it. The checks here build the state; the patient contract writes it.
 */
import type { Context } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes, invalid } from '../errors';
import { fromSpkiDer, fromStoredKey, toPatientId, toSpkiDer } from '../crypto/patient-key';
import { assertPatientSignature } from '../crypto/signature';
import type { AttestationRequest, GuardianRequest } from '../model/guardian-input';
import { Keys } from '../model/keys';
import { readGuardianRegisterPayload, readGuardianshipPayload } from '../protocol/payload-readers';
import type { Envelope } from '../protocol/payload-readers';
import { PayloadTypes } from '../protocol/payloads';
import type { GuardianAttestation, Guardianship, Patient } from '../protocol/state';
import { assertChannel, assertFresh, readGuardianship } from './patients';
import { readRequired } from './state';
import type { Tx } from './tx';

/** The age below which a hospital may attest a guardianship: PIPL Art. 31 (under fourteen). */
const ATTESTED_AGE_LIMIT = 14;

/** The guardian's verified request: its id and key, and the patient it is for. */
interface GuardianSide {
    readonly patientId: string;
    readonly guardianId: string;
    /** SPKI DER, base64url. */
    readonly publicKey: string;
}

function readGuardianSide(ctx: Context, tx: Tx, envelope: Envelope): GuardianSide {
    const payload = readGuardianRegisterPayload(envelope.payload);
    assertFresh(payload.issuedAt, tx);
    assertChannel(ctx, payload.channel);
    const spki = toSpkiDer(payload.publicKey, 'guardian.payload.publicKey');
    assertPatientSignature(envelope.payload, envelope.signature, fromSpkiDer(spki));
    const guardianId = toPatientId(spki);
    if (guardianId === payload.patientId) {
        invalid('a patient cannot be their own guardian');
    }
    return { patientId: payload.patientId, guardianId, publicKey: spki.toString('base64url') };
}

function assertApproval(ctx: Context, tx: Tx, approval: Envelope, side: GuardianSide, patient: Patient): void {
    const payload = readGuardianshipPayload(approval.payload, PayloadTypes.guardianApprove);
    if (payload.patientId !== side.patientId || payload.guardianId !== side.guardianId) {
        invalid('approval names another patient or guardian than the guardian’s request');
    }
    assertFresh(payload.issuedAt, tx);
    assertChannel(ctx, payload.channel);
    assertPatientSignature(approval.payload, approval.signature, fromStoredKey(patient.publicKey));
}

function assertAttestation(tx: Tx, attestation: AttestationRequest, patient: Patient): GuardianAttestation {
    if (patient.registeredBy !== tx.caller) {
        throw new ChaincodeError(
            ErrorCodes.FORBIDDEN,
            `only ${patient.registeredBy}, which registered patient ${patient.patientId}, may attest a guardianship`,
        );
    }
    const year = new Date(tx.now).getUTCFullYear();
    const { birthYear } = attestation;
    if (birthYear !== null && (birthYear > year || year - birthYear > ATTESTED_AGE_LIMIT)) {
        invalid(`a patient born in ${birthYear} is not under ${ATTESTED_AGE_LIMIT}: the patient must approve`);
    }
    return { reason: attestation.reason, birthYear };
}

/**
 * Checks a guardian's registration and builds the guardianship, or returns the one already registered for this
 * key (registering again is idempotent).
 * @param ctx - transaction context
 * @param tx - the transaction facts (the caller: an active hospital, checked by the contract)
 * @param request - the guardian's signed request, and the patient's approval or the hospital's attestation
 * @returns the guardianship, and whether it is new
 * @throws INVALID_INPUT, BAD_SIGNATURE (the guardian's or the patient's), NOT_FOUND (patient), FORBIDDEN (an
 *   attestation by another hospital than the patient's registering one), CONFLICT (this guardian's guardianship
 *   of this patient has ended, or exists with another key)
 */
export async function readNewGuardianship(
    ctx: Context,
    tx: Tx,
    request: GuardianRequest,
): Promise<{ guardianship: Guardianship; isNew: boolean }> {
    const side = readGuardianSide(ctx, tx, request.guardian);
    const patient = await readRequired<Patient>(ctx, Keys.patient(side.patientId), `patient ${side.patientId}`);
    const attestation = request.attestation === null ? null : assertAttestation(tx, request.attestation, patient);
    if (request.approval !== null) {
        assertApproval(ctx, tx, request.approval, side, patient);
    }
    const existing = await readGuardianship(ctx, side.patientId, side.guardianId);
    if (existing !== null) {
        if (existing.status !== 'active') {
            throw new ChaincodeError(
                ErrorCodes.CONFLICT,
                `the guardianship of ${side.guardianId} for patient ${side.patientId} has ended: a new one needs a new key`,
            );
        }
        return { guardianship: existing, isNew: false };
    }
    const guardianship: Guardianship = {
        ...side,
        status: 'active',
        basis: attestation === null ? 'patient' : 'attestation',
        attestation,
        registeredBy: tx.caller,
        registeredAt: tx.time,
        txId: tx.txId,
        endedAt: null,
        endedBy: null,
        endReason: null,
        endTxId: null,
    };
    return { guardianship, isNew: true };
}

/**
 * An active guardianship, for ending it.
 * @param ctx - transaction context
 * @param patientId - the patient
 * @param guardianId - the guardian
 * @throws NOT_FOUND, CONFLICT (already ended)
 */
export async function readActiveGuardianship(
    ctx: Context,
    patientId: string,
    guardianId: string,
): Promise<Guardianship> {
    const guardianship = await readGuardianship(ctx, patientId, guardianId);
    if (guardianship === null) {
        throw new ChaincodeError(ErrorCodes.NOT_FOUND, `${guardianId} is not a guardian of patient ${patientId}`);
    }
    if (guardianship.status !== 'active') {
        throw new ChaincodeError(ErrorCodes.CONFLICT, `the guardianship of ${guardianId} has already ended`);
    }
    return guardianship;
}

/**
 * The guardianship ended now.
 * @param guardianship - the active guardianship
 * @param tx - the transaction facts
 * @param by - who ends it: the patient's id, or the hospital's MSP id
 * @param reason - `patient`, or the hospital's reason
 */
export function toEnded(
    guardianship: Guardianship,
    tx: Tx,
    by: string,
    reason: Guardianship['endReason'],
): Guardianship {
    return { ...guardianship, status: 'ended', endedAt: tx.time, endedBy: by, endReason: reason, endTxId: tx.txId };
}
