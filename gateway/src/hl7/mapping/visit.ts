// SPDX-License-Identifier: Apache-2.0
/** PV1 → FHIR Encounter (V2-to-FHIR "PV1[Encounter]"), and the visit's departments for the category rules. */
import type { Encounter, EncounterParticipant } from '@medplum/fhirtypes';
import type { V2Segment } from '../message';
import { toCodeableConcept, toDateTime, toLocationText, toPersonReference, toTableConcept } from './datatypes';

/** PV1-2 patient class (HL7 table 0004) → v3 ActCode encounter class. */
const CLASSES: Readonly<Record<string, { code: string; display: string }>> = {
    I: { code: 'IMP', display: 'inpatient encounter' },
    O: { code: 'AMB', display: 'ambulatory' },
    E: { code: 'EMER', display: 'emergency' },
    P: { code: 'PRENC', display: 'pre-admission' },
    R: { code: 'AMB', display: 'ambulatory' },
    B: { code: 'IMP', display: 'inpatient encounter' },
};

const PARTICIPANTS: readonly { field: number; code: string }[] = [
    { field: 7, code: 'ATND' },
    { field: 8, code: 'REF' },
    { field: 9, code: 'CON' },
    { field: 17, code: 'ADM' },
];

/**
 * The visit number (PV1-19), or '' when absent.
 * @param pv1 - the PV1 segment
 */
export function readVisitNumber(pv1: V2Segment | undefined): string {
    return pv1?.get(19) ?? '';
}

/**
 * The departments of a visit: PV1-3.1 point of care, PV1-3.4 facility, PV1-10 hospital service.
 * @param pv1 - the PV1 segment, if any
 */
export function readDepartments(pv1: V2Segment | undefined): string[] {
    if (pv1 === undefined) {
        return [];
    }
    return [pv1.get(3, 1), pv1.get(3, 4), pv1.get(10)].filter((code) => code !== '');
}

function toParticipants(pv1: V2Segment): EncounterParticipant[] {
    return PARTICIPANTS.flatMap(({ field, code }) =>
        pv1.repetitions(field).flatMap((rep): EncounterParticipant[] => {
            const individual = toPersonReference(pv1, field, rep);
            const type = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code }] }];
            return individual === undefined ? [] : [{ type, individual }];
        }),
    );
}

function toHospitalization(pv1: V2Segment): Pick<Encounter, 'hospitalization'> {
    const admitSource = toTableConcept(pv1.get(14), '0023');
    const discharge = toTableConcept(pv1.get(36), '0112');
    if (admitSource === undefined && discharge === undefined) {
        return {};
    }
    return {
        hospitalization: {
            ...(admitSource === undefined ? {} : { admitSource }),
            ...(discharge === undefined ? {} : { dischargeDisposition: discharge }),
        },
    };
}

/** What the encounter's status and times come from besides PV1. */
export interface VisitEvent {
    readonly status: Encounter['status'];
    /** When the event happened (EVN-2, else MSH-7), as a FHIR dateTime. */
    readonly at: string | undefined;
    /** Whether the event ends the visit (A03). */
    readonly ends: boolean;
}

function toPeriod(pv1: V2Segment, event: VisitEvent, timezone: string): Encounter['period'] {
    const start = toDateTime(pv1.get(44), timezone, 'PV1^1^44') ?? (event.ends ? undefined : event.at);
    const end = toDateTime(pv1.get(45), timezone, 'PV1^1^45') ?? (event.ends ? event.at : undefined);
    return { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
}

/**
 * PV1 (and PV2-3, the admit reason) → Encounter.
 * @param pv1 - the PV1 segment
 * @param pv2 - the PV2 segment, if any
 * @param event - status and time from the trigger event
 * @param timezone - offset of times without one
 */
export function toEncounter(
    pv1: V2Segment,
    pv2: V2Segment | undefined,
    event: VisitEvent,
    timezone: string,
): Encounter {
    const patientClass = CLASSES[pv1.get(2).toUpperCase()] ?? { code: 'AMB', display: 'ambulatory' };
    const visit = readVisitNumber(pv1);
    const location = toLocationText(pv1, 3);
    const service = toTableConcept(pv1.get(10), '0069');
    const reason = pv2 === undefined ? undefined : toCodeableConcept(pv2, 3);
    const participants = toParticipants(pv1);
    const period = toPeriod(pv1, event, timezone);
    return {
        resourceType: 'Encounter',
        ...(visit === '' ? {} : { identifier: [{ type: { text: 'visit number' }, value: visit }] }),
        status: event.status,
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', ...patientClass },
        ...(service === undefined ? {} : { serviceType: service }),
        ...(participants.length === 0 ? {} : { participant: participants }),
        ...(period === undefined || Object.keys(period).length === 0 ? {} : { period }),
        ...(reason === undefined ? {} : { reasonCode: [reason] }),
        ...toHospitalization(pv1),
        ...(location === '' ? {} : { location: [{ location: { display: location } }] }),
    };
}
