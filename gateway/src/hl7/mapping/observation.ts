// SPDX-License-Identifier: Apache-2.0
/**
 * OBX → FHIR Observation (V2-to-FHIR "OBX[Observation]"): value by OBX-2 value type (NM quantity, ST/TX/FT
 * string, CE/CWE coded, SN structured numeric, DT/TS/DTM date-time), units (OBX-6, UCUM when so coded),
 * reference range (OBX-7), abnormal flags (OBX-8), status (OBX-11), time (OBX-14), notes (NTE).
 */
import type { Observation, ObservationReferenceRange, Quantity } from '@medplum/fhirtypes';
import type { V2Segment } from '../message';
import { toCodeableConcept, toDateTime, toPersonReference, toSystemUri } from './datatypes';
import { MappingError } from './mapping-error';

const STATUSES: Readonly<Record<string, Observation['status']>> = {
    F: 'final',
    C: 'corrected',
    P: 'preliminary',
    R: 'preliminary',
    S: 'preliminary',
    I: 'registered',
    X: 'cancelled',
    D: 'entered-in-error',
    W: 'entered-in-error',
};

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

type ObservationValue = Pick<
    Observation,
    'valueQuantity' | 'valueString' | 'valueCodeableConcept' | 'valueDateTime' | 'valueRange' | 'valueRatio'
>;

function toUnit(obx: V2Segment): Omit<Quantity, 'value' | 'comparator'> {
    const code = obx.get(6, 1);
    const text = obx.get(6, 2) || code;
    const system = toSystemUri(obx.get(6, 3));
    if (text === '') {
        return {};
    }
    return { unit: text, ...(system === undefined || code === '' ? {} : { system, code }) };
}

function toNumber(text: string, where: string): number {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text.trim())) {
        throw new MappingError('102', `${where} is not a number`, where);
    }
    return Number(text);
}

function toStructuredNumeric(obx: V2Segment, rep: number, where: string): ObservationValue {
    const comparator = obx.get(5, 1, 1, rep);
    const first = toNumber(obx.get(5, 2, 1, rep), where);
    const separator = obx.get(5, 3, 1, rep);
    const second = obx.get(5, 4, 1, rep);
    const unit = toUnit(obx);
    if (separator === '' || second === '') {
        const known = ['<', '>', '<=', '>='].includes(comparator);
        const value: Quantity = {
            value: first,
            ...(known ? { comparator: comparator as Quantity['comparator'] } : {}),
        };
        return { valueQuantity: { ...value, ...unit } };
    }
    if (separator === ':' || separator === '/') {
        return { valueRatio: { numerator: { value: first }, denominator: { value: toNumber(second, where) } } };
    }
    return { valueRange: { low: { value: first, ...unit }, high: { value: toNumber(second, where), ...unit } } };
}

function toText(obx: V2Segment): string {
    return obx
        .repetitions(5)
        .map((rep) => obx.get(5, 1, 0, rep))
        .join('\n');
}

type ValueReader = (obx: V2Segment, where: string, timezone: string) => ObservationValue;

const readNumeric: ValueReader = (obx, where) => ({
    valueQuantity: { value: toNumber(obx.get(5), where), ...toUnit(obx) },
});
const readString: ValueReader = (obx) => ({ valueString: toText(obx) });
const readCoded: ValueReader = (obx) => {
    const concept = toCodeableConcept(obx, 5);
    return concept === undefined ? {} : { valueCodeableConcept: concept };
};
const readTime: ValueReader = (obx, where, timezone) => {
    const at = toDateTime(obx.get(5), timezone, where);
    return at === undefined ? {} : { valueDateTime: at };
};

/** OBX-2 value types (HL7 table 0125) the mapper reads. */
const VALUE_READERS: Readonly<Record<string, ValueReader>> = {
    NM: readNumeric,
    SN: (obx, where) => toStructuredNumeric(obx, 0, where),
    ST: readString,
    TX: readString,
    FT: readString,
    CE: readCoded,
    CWE: readCoded,
    CNE: readCoded,
    DT: readTime,
    TS: readTime,
    DTM: readTime,
};

function toValue(obx: V2Segment, timezone: string): ObservationValue {
    if (obx.repeats(5) === 0) {
        return {};
    }
    const type = obx.get(2).toUpperCase();
    const reader = VALUE_READERS[type];
    if (reader === undefined) {
        const where = `OBX^${obx.sequence}^2`;
        throw new MappingError('102', `OBX-2 value type ${type || '(empty)'} is not supported`, where);
    }
    return reader(obx, `OBX^${obx.sequence}^5`, timezone);
}

/**
 * OBX-7 → reference range: `low-high`, `<high`, `>low`, else text only.
 * @param obx - the OBX segment
 */
function toReferenceRange(obx: V2Segment): ObservationReferenceRange[] {
    const text = obx.get(7);
    if (text === '') {
        return [];
    }
    const unit = toUnit(obx);
    const range = /^\s*([+-]?\d+(?:\.\d+)?)\s*[-~]\s*([+-]?\d+(?:\.\d+)?)\s*$/.exec(text);
    if (range?.[1] !== undefined && range[2] !== undefined) {
        return [{ low: { value: Number(range[1]), ...unit }, high: { value: Number(range[2]), ...unit }, text }];
    }
    const bound = /^\s*([<>])=?\s*([+-]?\d+(?:\.\d+)?)\s*$/.exec(text);
    if (bound?.[2] !== undefined) {
        const side = bound[1] === '<' ? 'high' : 'low';
        return [{ [side]: { value: Number(bound[2]), ...unit }, text }];
    }
    return [{ text }];
}

function toInterpretation(obx: V2Segment): Pick<Observation, 'interpretation'> {
    const flags = obx
        .repetitions(8)
        .map((rep) => obx.get(8, 1, 1, rep))
        .filter((flag) => flag !== '');
    return flags.length === 0
        ? {}
        : { interpretation: flags.map((code) => ({ coding: [{ system: INTERPRETATION, code }] })) };
}

/**
 * One OBX (and the NTE segments after it) → Observation.
 * @param obx - the OBX segment
 * @param notes - the text of the NTE segments that follow it
 * @param context - id within the report, fallback time (OBR-7), offset of times without one, category
 */
export function toObservation(
    obx: V2Segment,
    notes: readonly string[],
    context: {
        readonly id: string;
        readonly effective: string | undefined;
        readonly timezone: string;
        /** observation-category code: `laboratory` or `imaging`. */
        readonly category: string;
    },
): Observation {
    const code = toCodeableConcept(obx, 3);
    if (code === undefined) {
        throw new MappingError('101', 'OBX-3 (observation identifier) is empty', `OBX^${obx.sequence}^3`);
    }
    const effective =
        toDateTime(obx.get(14), context.timezone, `OBX^${obx.sequence}^14`) ?? context.effective ?? undefined;
    const range = toReferenceRange(obx);
    const performer = toPersonReference(obx, 16);
    return {
        resourceType: 'Observation',
        id: context.id,
        status: STATUSES[obx.get(11).toUpperCase()] ?? 'unknown',
        category: [
            {
                coding: [
                    { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: context.category },
                ],
            },
        ],
        code,
        ...(effective === undefined ? {} : { effectiveDateTime: effective }),
        ...(performer === undefined ? {} : { performer: [performer] }),
        ...toValue(obx, context.timezone),
        ...toInterpretation(obx),
        ...(range.length === 0 ? {} : { referenceRange: range }),
        ...(notes.length === 0 ? {} : { note: notes.map((text) => ({ text })) }),
    };
}
