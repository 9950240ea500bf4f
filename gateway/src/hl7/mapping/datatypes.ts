// SPDX-License-Identifier: Apache-2.0
/**
 * HL7 v2 data types to FHIR R4 data types, after HL7's V2-to-FHIR implementation guide (data type maps
 * CX → Identifier, XPN → HumanName, XAD → Address, XTN → ContactPoint, CWE/CE → CodeableConcept, DTM/TS →
 * dateTime, XCN → a display reference, PL → a location display).
 */
import type { Address, CodeableConcept, Coding, ContactPoint, HumanName, Identifier } from '@medplum/fhirtypes';
import type { V2Segment } from '../message';
import { MappingError } from './mapping-error';

/** FHIR URIs of the coding systems that HL7 v2 names in CWE.3 (HL7 table 0396). */
const CODE_SYSTEMS: Readonly<Record<string, string>> = {
    LN: 'http://loinc.org',
    SCT: 'http://snomed.info/sct',
    SNM: 'http://snomed.info/sct',
    I10: 'http://hl7.org/fhir/sid/icd-10',
    I10C: 'http://hl7.org/fhir/sid/icd-10-cm',
    I9C: 'http://hl7.org/fhir/sid/icd-9-cm',
    UCUM: 'http://unitsofmeasure.org',
    RXNORM: 'http://www.nlm.nih.gov/research/umls/rxnorm',
};

/** The system of a v2 table (`HL70078`) as FHIR names it. */
export function v2TableSystem(table: string): string {
    return `http://terminology.hl7.org/CodeSystem/v2-${table}`;
}

/**
 * The FHIR URI of a CWE.3 coding system name, or undefined for a local system.
 * @param name - e.g. `LN`, `HL70074`
 */
export function toSystemUri(name: string): string | undefined {
    const upper = name.toUpperCase();
    const hl7Table = /^HL7(\d{4})$/.exec(upper);
    if (hl7Table?.[1] !== undefined) {
        return v2TableSystem(hl7Table[1]);
    }
    return CODE_SYSTEMS[upper];
}

/** A coded value as the sensitivity rules read it. */
export interface CodeFact {
    /** CWE.3 as sent (`LN`, a local name, or ''). */
    readonly system: string;
    readonly code: string;
    readonly text: string;
}

function toCoding(code: string, display: string, systemName: string): Coding | undefined {
    if (code === '') {
        return undefined;
    }
    const system = toSystemUri(systemName);
    return {
        ...(system === undefined ? {} : { system }),
        code,
        ...(display === '' ? {} : { display }),
    };
}

/**
 * CWE/CE (component `start` onwards) → CodeableConcept; undefined when empty.
 * @param segment - the segment
 * @param field - field number
 * @param repetition - repetition
 */
export function toCodeableConcept(segment: V2Segment, field: number, repetition = 0): CodeableConcept | undefined {
    const get = (component: number): string => segment.get(field, component, 1, repetition);
    const codings = [toCoding(get(1), get(2), get(3)), toCoding(get(4), get(5), get(6))].filter(
        (coding): coding is Coding => coding !== undefined,
    );
    const text = get(9) || get(2) || get(5);
    if (codings.length === 0 && text === '') {
        return undefined;
    }
    return { ...(codings.length === 0 ? {} : { coding: codings }), ...(text === '' ? {} : { text }) };
}

/**
 * The codes of a CWE field (both triplets), for the sensitivity rules.
 * @param segment - the segment
 * @param field - field number
 */
export function toCodeFacts(segment: V2Segment, field: number): CodeFact[] {
    return segment.repetitions(field).flatMap((rep) => {
        const get = (component: number): string => segment.get(field, component, 1, rep);
        return [
            { system: get(3), code: get(1), text: get(9) || get(2) },
            { system: get(6), code: get(4), text: get(5) },
        ].filter((fact) => fact.code !== '' || fact.text !== '');
    });
}

/**
 * A coding of an HL7 table value, or undefined when empty.
 * @param code - the value
 * @param table - the table number (`0074`)
 */
export function toTableConcept(code: string, table: string): CodeableConcept | undefined {
    return code === '' ? undefined : { coding: [{ system: v2TableSystem(table), code }] };
}

/** A patient identifier as PID-3 carries it: `value^^^assigningAuthority^type`. */
export interface PatientIdentifier {
    /** The assigning authority (CX.4, its namespace id or else its universal id). */
    readonly system: string;
    readonly value: string;
    /** CX.5 identifier type (`MR`, …), '' when absent. */
    readonly type: string;
}

/**
 * Every identifier of a CX field that has a value and an assigning authority.
 * @param segment - PID or MRG
 * @param field - 3 for PID-3, 1 for MRG-1
 */
export function toPatientIdentifiers(segment: V2Segment, field: number): PatientIdentifier[] {
    return segment
        .repetitions(field)
        .map((rep) => ({
            value: segment.get(field, 1, 1, rep),
            system: segment.get(field, 4, 1, rep) || segment.get(field, 4, 2, rep),
            type: segment.get(field, 5, 1, rep),
        }))
        .filter((id) => id.value !== '' && id.system !== '');
}

/**
 * CX identifiers → FHIR Identifiers (system `urn:healthchain:hl7:authority:<authority>`).
 * @param ids - the identifiers
 */
export function toIdentifiers(ids: readonly PatientIdentifier[]): Identifier[] {
    return ids.map((id) => ({
        ...(id.type === '' ? {} : { type: { coding: [{ system: v2TableSystem('0203'), code: id.type }] } }),
        system: toAuthoritySystem(id.system),
        value: id.value,
    }));
}

/**
 * The identifier system of an HL7 assigning authority.
 * @param authority - CX.4 namespace id
 */
export function toAuthoritySystem(authority: string): string {
    return `urn:healthchain:hl7:authority:${encodeURIComponent(authority)}`;
}

const NAME_USES: Readonly<Record<string, HumanName['use']>> = {
    L: 'official',
    D: 'usual',
    A: 'nickname',
    M: 'maiden',
    N: 'nickname',
    B: 'official',
};

/**
 * XPN repetitions → HumanNames.
 * @param segment - the segment
 * @param field - field number (PID-5)
 */
export function toHumanNames(segment: V2Segment, field: number): HumanName[] {
    return segment.repetitions(field).flatMap((rep): HumanName[] => {
        const get = (component: number): string => segment.get(field, component, 1, rep);
        const given = [get(2), get(3)].filter((part) => part !== '');
        const family = get(1);
        if (family === '' && given.length === 0) {
            return [];
        }
        const use = NAME_USES[get(7)];
        return [
            {
                ...(use === undefined ? {} : { use }),
                ...(family === '' ? {} : { family }),
                ...(given.length === 0 ? {} : { given }),
                ...(get(5) === '' ? {} : { prefix: [get(5)] }),
                ...(get(4) === '' ? {} : { suffix: [get(4)] }),
            },
        ];
    });
}

const ADDRESS_USES: Readonly<Record<string, Address['use']>> = { H: 'home', B: 'work', O: 'work', C: 'temp' };

/**
 * XAD repetitions → Addresses.
 * @param segment - the segment
 * @param field - field number (PID-11)
 */
export function toAddresses(segment: V2Segment, field: number): Address[] {
    return segment.repetitions(field).flatMap((rep): Address[] => {
        const get = (component: number): string => segment.get(field, component, 1, rep);
        const line = [get(1), get(2)].filter((part) => part !== '');
        const parts: Address = {
            ...(line.length === 0 ? {} : { line }),
            ...(get(3) === '' ? {} : { city: get(3) }),
            ...(get(4) === '' ? {} : { state: get(4) }),
            ...(get(5) === '' ? {} : { postalCode: get(5) }),
            ...(get(6) === '' ? {} : { country: get(6) }),
        };
        const use = ADDRESS_USES[get(7)];
        return Object.keys(parts).length === 0 ? [] : [{ ...(use === undefined ? {} : { use }), ...parts }];
    });
}

/**
 * XTN repetitions → ContactPoints (phone, or email for `NET`).
 * @param segment - the segment
 * @param field - field number (PID-13 home, PID-14 business)
 * @param use - the use of these numbers
 */
export function toContactPoints(segment: V2Segment, field: number, use: ContactPoint['use']): ContactPoint[] {
    return segment.repetitions(field).flatMap((rep): ContactPoint[] => {
        const get = (component: number): string => segment.get(field, component, 1, rep);
        if (get(2) === 'NET' || get(3) === 'Internet') {
            return get(4) === '' ? [] : [{ system: 'email', value: get(4), use }];
        }
        const value = get(12) || get(1) || [get(6), get(7)].filter((p) => p !== '').join(' ');
        return value === '' ? [] : [{ system: 'phone', value, use }];
    });
}

/**
 * XCN (a person) → a display reference; undefined when empty.
 * @param segment - the segment
 * @param field - field number
 * @param repetition - repetition
 */
export function toPersonReference(
    segment: V2Segment,
    field: number,
    repetition = 0,
): { display: string; identifier?: Identifier } | undefined {
    const get = (component: number): string => segment.get(field, component, 1, repetition);
    const name = [get(6), get(3), get(4), get(2), get(5)].filter((part) => part !== '').join(' ');
    const id = get(1);
    const display = name || id;
    if (display === '') {
        return undefined;
    }
    return { display, ...(id === '' ? {} : { identifier: { value: id } }) };
}

const DTM = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,4})?([+-]\d{4})?$/;

function toOffset(zone: string | undefined, defaultOffset: string): string {
    return zone === undefined ? defaultOffset : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/**
 * DTM/TS → FHIR dateTime (`YYYY`, `YYYY-MM`, `YYYY-MM-DD` or a time with an offset); undefined when empty.
 * @param value - the HL7 value (TS.1)
 * @param defaultOffset - offset for a time without one (the hospital's zone, `+08:00`)
 * @param where - `SEG^seq^field`, for the error
 * @throws MappingError (102) when it is not a DTM
 */
export function toDateTime(value: string, defaultOffset: string, where: string): string | undefined {
    if (value === '') {
        return undefined;
    }
    const match = DTM.exec(value);
    if (!match) {
        throw new MappingError('102', `${where} is not an HL7 date/time`, where);
    }
    const [, year, month, day, hour, minute, second, fraction, zone] = match;
    if (month === undefined || day === undefined) {
        return month === undefined ? year : `${year}-${month}`;
    }
    const date = `${year}-${month}-${day}`;
    if (hour === undefined) {
        return date;
    }
    const millis = fraction === undefined ? '' : `.${fraction.slice(1).padEnd(3, '0').slice(0, 3)}`;
    const time = `${hour}:${minute ?? '00'}:${second ?? '00'}${millis}`;
    return `${date}T${time}${toOffset(zone, defaultOffset)}`;
}

/**
 * DTM → FHIR instant (a time to the second, with an offset); undefined when empty or less precise.
 * @param value - the HL7 value
 * @param defaultOffset - offset for a time without one
 * @param where - for the error
 */
export function toInstant(value: string, defaultOffset: string, where: string): string | undefined {
    const dateTime = toDateTime(value, defaultOffset, where);
    return dateTime !== undefined && dateTime.includes('T') ? dateTime : undefined;
}

/**
 * DTM → FHIR date (`YYYY-MM-DD` or less precise).
 * @param value - the HL7 value
 * @param where - for the error
 */
export function toDate(value: string, where: string): string | undefined {
    return toDateTime(value, 'Z', where)?.slice(0, 10);
}

/**
 * PL → one display text (point of care, room, bed, facility, building, floor).
 * @param segment - the segment
 * @param field - field number (PV1-3)
 */
export function toLocationText(segment: V2Segment, field: number): string {
    return [1, 2, 3, 4, 7, 8]
        .map((component) => segment.get(field, component))
        .filter((part) => part !== '')
        .join(' ');
}
