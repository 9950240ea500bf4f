// SPDX-License-Identifier: Apache-2.0
/**
 * FHIR R4 resources shown readably: Observation, DiagnosticReport, Condition, MedicationStatement, Encounter,
 * AllergyIntolerance and DocumentReference as labelled fields (labels translated, values as recorded), a
 * Bundle as its entries, anything else as pretty JSON.
 */
import { h, raw, tx, when, type Child } from './dom.js';
import type { MessageKey } from './i18n.js';

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

/** A CodeableConcept's text, else its codings' displays or codes. */
function concept(value: unknown): string {
    if (!isObject(value)) {
        return '';
    }
    if (typeof value.text === 'string') {
        return value.text;
    }
    const codings = Array.isArray(value.coding) ? value.coding.filter(isObject) : [];
    return codings
        .map((c) => text(c.display) || text(c.code))
        .filter((s) => s !== '')
        .join(', ');
}

function concepts(value: unknown): string {
    return Array.isArray(value)
        ? value
              .map(concept)
              .filter((s) => s !== '')
              .join('; ')
        : concept(value);
}

function quantity(value: unknown): string {
    return isObject(value)
        ? [text(value.value), text(value.unit) || text(value.code)].filter((s) => s !== '').join(' ')
        : '';
}

function reference(value: unknown): string {
    if (!isObject(value)) {
        return '';
    }
    const identifier = isObject(value.identifier) ? text(value.identifier.value) : '';
    return text(value.display) || text(value.reference) || identifier;
}

function period(value: unknown): readonly string[] {
    return isObject(value) ? [text(value.start), text(value.end)] : [];
}

function range(value: unknown): string {
    const ranges = Array.isArray(value) ? value.filter(isObject) : [];
    return ranges
        .map(
            (r) =>
                [quantity(r.low), quantity(r.high)].map((q) => q || '…').join(' – ') +
                (text(r.text) ? ` ${text(r.text)}` : ''),
        )
        .join('; ');
}

/** A field: translated label, recorded value or values (a period's start and end; dates in the local format). */
type Row = readonly [MessageKey, string | readonly string[], 'date'?];

/** A FHIR `date` is a calendar day (http://hl7.org/fhir/R4/datatypes.html#date), not midnight UTC. */
const FHIR_DAY = /^\d{4}-\d{2}-\d{2}$/;

function dateNode(value: string): HTMLElement {
    if (FHIR_DAY.test(value)) {
        return when(`${value}T00:00:00.000Z`, 'day');
    }
    return value.includes('T') && !Number.isNaN(Date.parse(value)) ? when(new Date(value).toISOString()) : raw(value);
}

function rowNode([key, value, kind]: Row): HTMLElement | null {
    const values = (typeof value === 'string' ? [value] : value).filter((v) => v !== '');
    if (values.length === 0) {
        return null;
    }
    const shown: Child[] =
        kind === 'date'
            ? values.flatMap((v, i) => (i === 0 ? [dateNode(v)] : [' – ', dateNode(v)]))
            : [raw(values.join(' – '))];
    return h('div', { class: 'fhir-row' }, h('dt', {}, tx(key)), h('dd', {}, ...shown));
}

const VIEWS: Readonly<Record<string, (r: Json) => readonly Row[]>> = {
    Observation: (r) => [
        ['fhir.test', concept(r.code)],
        ['fhir.value', quantity(r.valueQuantity) || text(r.valueString) || concept(r.valueCodeableConcept)],
        ['fhir.interpretation', concepts(r.interpretation)],
        ['fhir.referenceRange', range(r.referenceRange)],
        ['fhir.status', text(r.status)],
        ['fhir.effective', text(r.effectiveDateTime), 'date'],
        ['fhir.issued', text(r.issued), 'date'],
        ['fhir.subject', reference(r.subject)],
    ],
    DiagnosticReport: (r) => [
        ['fhir.report', concept(r.code)],
        ['fhir.conclusion', text(r.conclusion)],
        ['fhir.results', Array.isArray(r.result) ? r.result.map(reference).join('; ') : ''],
        ['fhir.status', text(r.status)],
        ['fhir.effective', text(r.effectiveDateTime), 'date'],
        ['fhir.issued', text(r.issued), 'date'],
        ['fhir.performer', Array.isArray(r.performer) ? r.performer.map(reference).join('; ') : ''],
    ],
    Condition: (r) => [
        ['fhir.condition', concept(r.code)],
        ['fhir.clinicalStatus', concept(r.clinicalStatus)],
        ['fhir.verificationStatus', concept(r.verificationStatus)],
        ['fhir.severity', concept(r.severity)],
        ['fhir.onset', text(r.onsetDateTime), 'date'],
        ['fhir.recorded', text(r.recordedDate), 'date'],
    ],
    MedicationStatement: (r) => [
        ['fhir.medication', concept(r.medicationCodeableConcept) || reference(r.medicationReference)],
        [
            'fhir.dosage',
            Array.isArray(r.dosage)
                ? r.dosage
                      .filter(isObject)
                      .map((d) => text(d.text))
                      .join('; ')
                : '',
        ],
        ['fhir.status', text(r.status)],
        ['fhir.effective', text(r.effectiveDateTime) || period(r.effectivePeriod), 'date'],
        ['fhir.reason', concepts(r.reasonCode)],
    ],
    Encounter: (r) => [
        ['fhir.class', isObject(r.class) ? text(r.class.display) || text(r.class.code) : ''],
        ['fhir.type', concepts(r.type)],
        ['fhir.status', text(r.status)],
        ['fhir.period', period(r.period), 'date'],
        ['fhir.reason', concepts(r.reasonCode)],
        ['fhir.provider', reference(r.serviceProvider)],
    ],
    AllergyIntolerance: (r) => [
        ['fhir.substance', concept(r.code)],
        ['fhir.criticality', text(r.criticality)],
        ['fhir.clinicalStatus', concept(r.clinicalStatus)],
        [
            'fhir.reaction',
            Array.isArray(r.reaction)
                ? r.reaction
                      .filter(isObject)
                      .map((x) => [concepts(x.manifestation), text(x.severity)].filter((s) => s !== '').join(' · '))
                      .join('; ')
                : '',
        ],
        ['fhir.recorded', text(r.recordedDate), 'date'],
    ],
    DocumentReference: (r) => [
        ['fhir.documentType', concept(r.type)],
        ['fhir.description', text(r.description)],
        ['fhir.status', text(r.status)],
        ['fhir.date', text(r.date), 'date'],
        [
            'fhir.attachment',
            Array.isArray(r.content)
                ? r.content
                      .filter(isObject)
                      .map((c) =>
                          isObject(c.attachment) ? text(c.attachment.title) || text(c.attachment.contentType) : '',
                      )
                      .join('; ')
                : '',
        ],
    ],
};

function typeLabel(type: string): HTMLElement {
    return h('h3', { class: 'fhir-type' }, type in VIEWS ? tx(`fhir.type.${type}` as MessageKey) : raw(type));
}

/**
 * A resource, readable.
 * @param resource - FHIR JSON
 */
export function renderResource(resource: unknown): HTMLElement {
    if (!isObject(resource)) {
        return raw(JSON.stringify(resource, null, 2), 'pre');
    }
    const type = text(resource.resourceType);
    if (type === 'Bundle' && Array.isArray(resource.entry)) {
        const entries = resource.entry.filter(isObject).map((entry) => renderResource(entry.resource));
        return h(
            'div',
            { class: 'fhir bundle', 'data-testid': 'fhir-view' },
            h('h3', {}, tx('fhir.type.Bundle')),
            ...entries,
        );
    }
    const view = VIEWS[type];
    if (view === undefined) {
        return h(
            'div',
            { class: 'fhir', 'data-testid': 'fhir-view' },
            typeLabel(type),
            raw(JSON.stringify(resource, null, 2), 'pre'),
        );
    }
    return h(
        'div',
        { class: 'fhir', 'data-testid': 'fhir-view' },
        typeLabel(type),
        h('dl', {}, ...view(resource).map(rowNode)),
    );
}

/** Resource types a record may be (as the gateway's `custody/fhir.ts` accepts). */
const RECORD_TYPES = new Set(
    'AllergyIntolerance Binary Bundle CarePlan CareTeam Claim ClaimResponse ClinicalImpression Composition Condition Coverage DetectedIssue DiagnosticReport DocumentReference Encounter EpisodeOfCare ExplanationOfBenefit FamilyMemberHistory Goal ImagingStudy Immunization Location Media Medication MedicationAdministration MedicationDispense MedicationRequest MedicationStatement NutritionOrder Observation Organization Patient Practitioner PractitionerRole Procedure Provenance QuestionnaireResponse RiskAssessment ServiceRequest Specimen'.split(
        ' ',
    ),
);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isCleanJson(value: unknown, depth: number): boolean {
    if (value === null || depth > 64) {
        return false;
    }
    if (Array.isArray(value)) {
        return value.every((item) => isCleanJson(item, depth + 1));
    }
    if (typeof value === 'object') {
        return Object.entries(value).every(([k, v]) => !FORBIDDEN_KEYS.has(k) && isCleanJson(v, depth + 1));
    }
    return true;
}

/**
 * Checks pasted FHIR JSON before it is sent (the gateway checks again).
 * @param textValue - the JSON text
 * @returns the resource
 * @throws Error `FHIR_JSON` (not JSON), `FHIR_TYPE` (not an object of a record resource type), `FHIR_SHAPE`
 */
export function readFhir(textValue: string): Json {
    let parsed: unknown;
    try {
        parsed = JSON.parse(textValue);
    } catch {
        throw new Error('FHIR_JSON');
    }
    if (!isObject(parsed) || typeof parsed.resourceType !== 'string' || !RECORD_TYPES.has(parsed.resourceType)) {
        throw new Error('FHIR_TYPE');
    }
    const idOk = parsed.id === undefined || (typeof parsed.id === 'string' && /^[A-Za-z0-9.-]{1,64}$/.test(parsed.id));
    if (!idOk || !isCleanJson(parsed, 0)) {
        throw new Error('FHIR_SHAPE');
    }
    return parsed;
}
