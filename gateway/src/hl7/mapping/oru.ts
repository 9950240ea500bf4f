// SPDX-License-Identifier: Apache-2.0
/**
 * ORU^R01 (V2-to-FHIR message map ORU_R01): each OBR and the OBX segments after it → one DiagnosticReport
 * whose Observations are contained in it and listed in `result` (one record holds the whole report). OBR-24
 * (diagnostic service section, HL7 table 0074) tells radiology from laboratory: radiology results are
 * `imaging` records, the rest `lab`; the sensitivity rules then read the order and result codes and the
 * visit's departments.
 */
import type { DiagnosticReport, Identifier, Observation } from '@medplum/fhirtypes';
import { decideCategory, type OrdinaryCategory } from '../category-rules';
import type { V2Segment } from '../message';
import { toCodeableConcept, toCodeFacts, toDateTime, toInstant, toPersonReference, toTableConcept } from './datatypes';
import { MappingError } from './mapping-error';
import { toFhirJson, withoutEmpty } from './fhir-json';
import { toObservation } from './observation';
import { readIdentifiers, readPid } from './patient';
import type { MappedMessage, MappedRecord, MappingInput } from './types';
import { readDepartments } from './visit';

/** Diagnostic service sections (HL7 table 0074) that are imaging. */
const IMAGING_SECTIONS: ReadonlySet<string> = new Set([
    'RAD',
    'RX',
    'CT',
    'MR',
    'NMR',
    'NMS',
    'US',
    'VUS',
    'CUS',
    'OUS',
    'RUS',
    'XRC',
    'IMG',
]);

const REPORT_STATUSES: Readonly<Record<string, DiagnosticReport['status']>> = {
    O: 'registered',
    I: 'registered',
    S: 'registered',
    P: 'preliminary',
    R: 'preliminary',
    A: 'partial',
    F: 'final',
    C: 'corrected',
    X: 'cancelled',
};

/** One OBR with its OBX and NTE segments. */
interface OrderGroup {
    readonly obr: V2Segment;
    readonly notes: string[];
    readonly results: { readonly obx: V2Segment; readonly notes: string[] }[];
}

function groupOrders(segments: readonly V2Segment[]): OrderGroup[] {
    const groups: OrderGroup[] = [];
    for (const segment of segments) {
        const group = groups.at(-1);
        if (segment.name === 'OBR') {
            groups.push({ obr: segment, notes: [], results: [] });
        } else if (segment.name === 'OBX' && group !== undefined) {
            group.results.push({ obx: segment, notes: [] });
        } else if (segment.name === 'NTE' && group !== undefined) {
            (group.results.at(-1)?.notes ?? group.notes).push(segment.get(3, 1, 0));
        }
    }
    return groups;
}

function toOrderIdentifiers(obr: V2Segment): Identifier[] {
    const ids: Identifier[] = [];
    const typed = (field: number, code: string): void => {
        const value = obr.get(field, 1);
        if (value !== '') {
            const system = obr.get(field, 2);
            const type = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code }] };
            ids.push({ type, ...(system === '' ? {} : { system: `urn:healthchain:hl7:order:${system}` }), value });
        }
    };
    typed(3, 'FILL');
    typed(2, 'PLAC');
    return ids;
}

function reportKey(obr: V2Segment, controlId: string): string {
    const filler = obr.get(3, 1);
    const placer = obr.get(2, 1);
    if (filler !== '') {
        return `report:filler:${obr.get(3, 2)}:${filler}`;
    }
    return placer === '' ? `report:message:${controlId}:${obr.sequence}` : `report:placer:${obr.get(2, 2)}:${placer}`;
}

function toReport(group: OrderGroup, input: MappingInput, base: OrdinaryCategory): DiagnosticReport {
    const { obr } = group;
    const timezone = input.options.timezone;
    const code = toCodeableConcept(obr, 4);
    if (code === undefined) {
        throw new MappingError('101', 'OBR-4 (universal service identifier) is empty', `OBR^${obr.sequence}^4`);
    }
    const effective = toDateTime(obr.get(7), timezone, `OBR^${obr.sequence}^7`);
    const observations: Observation[] = group.results.map(({ obx, notes }, index) =>
        toObservation(obx, notes, {
            id: `obx-${index + 1}`,
            effective,
            timezone,
            category: base === 'imaging' ? 'imaging' : 'laboratory',
        }),
    );
    const section = toTableConcept(obr.get(24), '0074') ?? toTableConcept(base === 'imaging' ? 'RAD' : 'LAB', '0074');
    const interpreter = toPersonReference(obr, 32);
    return withoutEmpty<DiagnosticReport>({
        resourceType: 'DiagnosticReport',
        identifier: toOrderIdentifiers(obr),
        status: REPORT_STATUSES[obr.get(25).toUpperCase()] ?? 'unknown',
        category: section === undefined ? undefined : [section],
        code,
        effectiveDateTime: effective,
        issued: toInstant(obr.get(22), timezone, `OBR^${obr.sequence}^22`),
        resultsInterpreter: interpreter === undefined ? undefined : [interpreter],
        contained: observations,
        result: observations.map((observation) => ({ reference: `#${observation.id ?? ''}` })),
        conclusion: group.notes.length === 0 ? undefined : group.notes.join('\n'),
    });
}

function baseCategory(obr: V2Segment): OrdinaryCategory {
    return IMAGING_SECTIONS.has(obr.get(24).toUpperCase()) ? 'imaging' : 'lab';
}

/**
 * ORU^R01 → one DiagnosticReport record per OBR.
 * @param input - message, header, options
 * @throws MappingError
 */
export function mapOru(input: MappingInput): MappedMessage {
    const pid = readPid(input.message);
    const groups = groupOrders(input.message.segments);
    if (groups.length === 0) {
        throw new MappingError('100', 'ORU^R01 has no OBR segment', 'OBR');
    }
    const departments = readDepartments(input.message.first('PV1'));
    const records = groups.map((group): MappedRecord => {
        const base = baseCategory(group.obr);
        const codes = [...toCodeFacts(group.obr, 4), ...group.results.flatMap(({ obx }) => toCodeFacts(obx, 3))];
        const { category } = decideCategory({ base, codes, departments }, input.options.rules);
        return {
            key: reportKey(group.obr, input.header.controlId),
            category,
            resource: toFhirJson(toReport(group, input, base)),
        };
    });
    return { identifiers: readIdentifiers(pid), records };
}
