// SPDX-License-Identifier: Apache-2.0
/**
 * ADT messages (V2-to-FHIR message maps ADT_A01, ADT_A03, ADT_A40): A01 admit, A04 register and A08 update
 * give the patient's demographics (kept at the hospital) and the visit's Encounter; A03 discharge gives the
 * Encounter finished; A40 merges a prior identifier (MRG-1) into the surviving one (PID-3).
 */
import type { Encounter } from '@medplum/fhirtypes';
import { decideCategory } from '../category-rules';
import { toDateTime, toPatientIdentifiers } from './datatypes';
import { MappingError } from './mapping-error';
import { toFhirJson } from './fhir-json';
import { readIdentifiers, readPid, toPatient } from './patient';
import type { MappedMessage, MappingInput } from './types';
import { readDepartments, readVisitNumber, toEncounter, type VisitEvent } from './visit';

function eventTime(input: MappingInput): string | undefined {
    const evn = input.message.first('EVN');
    const recorded = evn === undefined ? '' : evn.get(2);
    return toDateTime(recorded || input.header.time, input.options.timezone, recorded ? 'EVN^1^2' : 'MSH^1^7');
}

function toEvent(input: MappingInput, hasDischarge: boolean): VisitEvent {
    const at = eventTime(input);
    if (input.header.triggerEvent === 'A03') {
        return { status: 'finished', at, ends: true };
    }
    const status: Encounter['status'] = hasDischarge ? 'finished' : 'in-progress';
    return { status, at, ends: false };
}

/**
 * ADT^A01, A04, A08, A03 → Patient (local) and Encounter.
 * @param input - message, header, options
 * @throws MappingError
 */
export function mapAdtVisit(input: MappingInput): MappedMessage {
    const pid = readPid(input.message);
    const pv1 = input.message.first('PV1');
    if (pv1 === undefined) {
        throw new MappingError('100', 'the message has no PV1 segment', 'PV1');
    }
    const patient = toPatient(pid, input.options.timezone);
    const event = toEvent(input, pv1.get(45) !== '');
    const encounter = toEncounter(pv1, input.message.first('PV2'), event, input.options.timezone);
    const visit = readVisitNumber(pv1);
    const { category } = decideCategory(
        { base: 'encounter', codes: [], departments: readDepartments(pv1) },
        input.options.rules,
    );
    // Without a visit number the Encounter cannot be found again: each message is its own record.
    const key = visit === '' ? `encounter:message:${input.header.controlId}` : `encounter:${visit}`;
    return {
        identifiers: readIdentifiers(pid),
        patient,
        records: [{ key, category, resource: toFhirJson(encounter) }],
    };
}

/**
 * ADT^A40 → a merge of MRG-1's identifiers into PID-3's.
 * @param input - message, header, options
 * @throws MappingError when MRG or its identifiers are missing
 */
export function mapAdtMerge(input: MappingInput): MappedMessage {
    const pid = readPid(input.message);
    const mrg = input.message.first('MRG');
    if (mrg === undefined) {
        throw new MappingError('100', 'ADT^A40 has no MRG segment', 'MRG');
    }
    const prior = toPatientIdentifiers(mrg, 1);
    if (prior.length === 0) {
        throw new MappingError('101', 'MRG-1 has no identifier with an assigning authority', 'MRG^1^1');
    }
    return { identifiers: readIdentifiers(pid), records: [], merge: { prior } };
}
