// SPDX-License-Identifier: Apache-2.0
/** PID → the identifiers a patient is linked by and a FHIR Patient (V2-to-FHIR "PID[Patient]"). */
import type { Patient } from '@medplum/fhirtypes';
import type { V2Message, V2Segment } from '../message';
import {
    toAddresses,
    toContactPoints,
    toDate,
    toDateTime,
    toHumanNames,
    toIdentifiers,
    toPatientIdentifiers,
    toTableConcept,
    type PatientIdentifier,
} from './datatypes';
import { MappingError } from './mapping-error';

const GENDERS: Readonly<Record<string, Patient['gender']>> = {
    M: 'male',
    F: 'female',
    O: 'other',
    A: 'other',
    U: 'unknown',
    N: 'unknown',
};

/**
 * The PID segment, which every supported message has once.
 * @param message - the message
 * @throws MappingError (100) without exactly one PID
 */
export function readPid(message: V2Message): V2Segment {
    const pids = message.all('PID');
    const [pid] = pids;
    if (pid === undefined) {
        throw new MappingError('100', 'the message has no PID segment', 'PID');
    }
    if (pids.length > 1) {
        throw new MappingError('100', 'messages about several patients are not supported', 'PID^2');
    }
    return pid;
}

/**
 * PID-3 identifiers; at least one with an assigning authority is needed to link the patient.
 * @param pid - the PID segment
 * @throws MappingError (101) when none has a value and an assigning authority
 */
export function readIdentifiers(pid: V2Segment): PatientIdentifier[] {
    const identifiers = toPatientIdentifiers(pid, 3);
    if (identifiers.length === 0) {
        throw new MappingError('101', 'PID-3 has no identifier with an assigning authority (CX.4)', 'PID^1^3');
    }
    return identifiers;
}

function toDeceased(pid: V2Segment, timezone: string): Pick<Patient, 'deceasedBoolean' | 'deceasedDateTime'> {
    const when = toDateTime(pid.get(29), timezone, 'PID^1^29');
    if (when !== undefined) {
        return { deceasedDateTime: when };
    }
    const flag = pid.get(30);
    return flag === 'Y' ? { deceasedBoolean: true } : flag === 'N' ? { deceasedBoolean: false } : {};
}

/**
 * PID → Patient (identifiers, names, gender, birth date, addresses, phones, marital status, death).
 * @param pid - the PID segment
 * @param timezone - offset of times without one
 */
export function toPatient(pid: V2Segment, timezone: string): Patient {
    const gender = GENDERS[pid.get(8).toUpperCase()];
    const birthDate = toDate(pid.get(7), 'PID^1^7');
    const telecom = [...toContactPoints(pid, 13, 'home'), ...toContactPoints(pid, 14, 'work')];
    const names = toHumanNames(pid, 5);
    const addresses = toAddresses(pid, 11);
    const marital = toTableConcept(pid.get(16), '0002');
    return {
        resourceType: 'Patient',
        identifier: toIdentifiers(readIdentifiers(pid)),
        ...(names.length === 0 ? {} : { name: names }),
        ...(gender === undefined ? {} : { gender }),
        ...(birthDate === undefined ? {} : { birthDate }),
        ...(addresses.length === 0 ? {} : { address: addresses }),
        ...(telecom.length === 0 ? {} : { telecom }),
        ...(marital === undefined ? {} : { maritalStatus: marital }),
        ...toDeceased(pid, timezone),
    };
}
