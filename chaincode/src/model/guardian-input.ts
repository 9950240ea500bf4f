// SPDX-License-Identifier: Apache-2.0
/** Arguments of the guardianship functions of the patient contract (docs/design.md "Guardians"). */
import { invalid } from '../errors';
import { readEnum, readObject, readPatientId } from '../protocol/input';
import { readEnvelope } from '../protocol/payload-readers';
import type { Envelope } from '../protocol/payload-readers';
import { GuardianAttestationReasons, GuardianshipEndReasons } from '../protocol/vocabulary';
import type { GuardianAttestationReason, GuardianshipEndReason } from '../protocol/vocabulary';
import { parseObjectArgument } from './input';

/** The oldest birth year an attestation may give. */
const MIN_BIRTH_YEAR = 1900;

/** A hospital's attestation, as sent. */
export interface AttestationRequest {
    readonly reason: GuardianAttestationReason;
    readonly birthYear: number | null;
}

/** A guardian's registration: the guardian's signed request, and the patient's approval or the attestation. */
export interface GuardianRequest {
    readonly guardian: Envelope;
    /** The patient's signed `guardian.approve`; null when the hospital attests instead. */
    readonly approval: Envelope | null;
    /** The registering hospital's attestation; null when the patient approves. */
    readonly attestation: AttestationRequest | null;
}

function readAttestation(value: unknown): AttestationRequest {
    const args = readObject(value, 'attestation', ['reason'], ['birthYear']);
    const birthYear = args.birthYear;
    if (birthYear !== undefined && (!Number.isSafeInteger(birthYear) || (birthYear as number) < MIN_BIRTH_YEAR)) {
        invalid(`attestation.birthYear must be a year from ${MIN_BIRTH_YEAR}`);
    }
    return {
        reason: readEnum(args.reason, 'attestation.reason', GuardianAttestationReasons),
        birthYear: birthYear === undefined ? null : (birthYear as number),
    };
}

/**
 * Reads `{guardian: {payload, signature}, approval?: {payload, signature}, attestation?: {reason, birthYear?}}`,
 * with exactly one of `approval` and `attestation`.
 * @param raw - argument text
 * @returns the request
 * @throws INVALID_INPUT when malformed, or with both or neither of `approval` and `attestation`
 */
export function readGuardianRequest(raw: string): GuardianRequest {
    const args = parseObjectArgument(raw, 'guardianship', ['guardian'], ['approval', 'attestation']);
    if ((args.approval === undefined) === (args.attestation === undefined)) {
        invalid('guardianship needs the patient’s approval or the hospital’s attestation, not both');
    }
    return {
        guardian: readEnvelope(args.guardian, 'guardian'),
        approval: args.approval === undefined ? null : readEnvelope(args.approval, 'approval'),
        attestation: args.attestation === undefined ? null : readAttestation(args.attestation),
    };
}

/** A hospital ending a guardianship it registered. */
export interface HospitalEndRequest {
    readonly patientId: string;
    readonly guardianId: string;
    readonly reason: GuardianshipEndReason;
}

/**
 * Reads `{patientId, guardianId, reason}`.
 * @param raw - argument text
 * @returns the request
 * @throws INVALID_INPUT when malformed or an unknown reason
 */
export function readHospitalEndRequest(raw: string): HospitalEndRequest {
    const args = parseObjectArgument(raw, 'end', ['patientId', 'guardianId', 'reason']);
    return {
        patientId: readPatientId(args.patientId, 'patientId'),
        guardianId: readPatientId(args.guardianId, 'guardianId'),
        reason: readEnum(args.reason, 'reason', GuardianshipEndReasons),
    };
}
