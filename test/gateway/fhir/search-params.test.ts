// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { ApiError } from '../../../gateway/src/errors';
import { readSearchPaging } from '../../../gateway/src/fhir/bundle';
import { intersectRanges, toInstantRangeOf, toSelectedRange } from '../../../gateway/src/fhir/date-search';
import { isJsonFormat } from '../../../gateway/src/fhir/format';
import { FhirResources, searchParamsOf } from '../../../gateway/src/fhir/resources';
import {
    parseSearch,
    toReferencedId,
    type ReferenceTarget,
    type SearchParamSpec,
} from '../../../gateway/src/fhir/search-params';
import { Systems } from '../../../gateway/src/fhir/terminology';
import { toScanCursor } from '../../../gateway/src/paging';
import { readPatientId } from '../../../gateway/src/validation';

const PATIENT = `pt${'a'.repeat(52)}`;

function specsOf(type: string): readonly SearchParamSpec[] {
    const handler = FhirResources.find((candidate) => candidate.type === type);
    assert.ok(handler, type);
    return searchParamsOf(handler);
}

function assertInvalid(run: () => unknown, label: string): void {
    assert.throws(run, (error: unknown) => error instanceof ApiError && error.code === 'INVALID_INPUT', label);
}

describe('FHIR view: search parameters', () => {
    const audit = specsOf('AuditEvent');

    it('reads the parameters of the table, keeping modifiers, date prefixes and order', () => {
        const parsed = parseSearch(
            new URLSearchParams(
                `patient:identifier=${Systems.patient}|${PATIENT}&date=ge2030-01-01&date=lt2030-02&agent=HospitalBMSP` +
                    '&outcome=4&purpose=TREAT&_count=10',
            ),
            audit,
        );
        assert.deepEqual(parsed.get('patient'), [{ modifier: 'identifier', value: `${Systems.patient}|${PATIENT}` }]);
        assert.deepEqual(parsed.get('date'), [
            { prefix: 'ge', value: '2030-01-01' },
            { prefix: 'lt', value: '2030-02' },
        ]);
        assert.deepEqual(parsed.get('agent'), [{ value: 'HospitalBMSP' }]);
        assert.deepEqual(parsed.get('_count'), [{ value: '10' }]);
    });

    const refused: [string, string][] = [
        ['an unknown parameter', 'subtype=read'],
        ['a result parameter not served', '_sort=date'],
        ['_summary', '_summary=count'],
        ['a modifier not served', 'patient:missing=true'],
        ['a type modifier', 'patient:Patient=x'],
        ['a chained parameter', 'patient.identifier=x'],
        ['a reverse chain', '_has:Consent:patient:status=active'],
        ['a list of values', 'outcome=0,4'],
        ['an empty value', 'outcome='],
        ['an escaped character', 'purpose=a\\,b'],
        ['a repeated single parameter', 'outcome=0&outcome=4'],
        ['three dates', 'date=ge2030&date=le2031&date=eq2030-05'],
        ['a date prefix not served', 'date=ne2030-01-01'],
        ['an approximate date', 'date=ap2030-01-01'],
    ];
    for (const [label, query] of refused) {
        it(`refuses ${label} (400)`, () => {
            assertInvalid(() => parseSearch(new URLSearchParams(query), audit), label);
        });
    }

    it('refuses a parameter of another resource type', () => {
        assertInvalid(() => parseSearch(new URLSearchParams('agent=HospitalAMSP'), specsOf('Consent')), 'agent');
        assertInvalid(() => parseSearch(new URLSearchParams('date=2030'), specsOf('DocumentReference')), 'date');
    });

    const patient: ReferenceTarget = { type: 'Patient', system: Systems.patient, read: readPatientId };
    it('names a patient by id, by Patient/id or by identifier', () => {
        for (const given of [
            { value: PATIENT },
            { value: `Patient/${PATIENT}` },
            { modifier: 'identifier', value: `${Systems.patient}|${PATIENT}` },
        ]) {
            assert.equal(toReferencedId('patient', given, patient), PATIENT);
        }
    });

    it('refuses a reference to another type, another identifier system or a malformed id', () => {
        for (const given of [
            { value: `Group/${PATIENT}` },
            { modifier: 'identifier', value: `urn:other|${PATIENT}` },
            { modifier: 'identifier', value: PATIENT },
            { value: 'pt-not-an-id' },
        ]) {
            assertInvalid(() => toReferencedId('patient', given, patient), given.value);
        }
    });

    it('reads _count (default 50, more than 500 served as 500) and a cursor it made', () => {
        const read = (query: string): ReturnType<typeof readSearchPaging> =>
            readSearchPaging(parseSearch(new URLSearchParams(query), audit));
        assert.equal(read('').limit, 50);
        assert.equal(read('_count=7').limit, 7);
        assert.equal(read('_count=100000').limit, 500);
        const cursor = toScanCursor({ bookmark: 'b', skip: 3 });
        assert.deepEqual(read(`_cursor=${cursor}`).start, { bookmark: 'b', skip: 3 });
        for (const query of ['_count=0', '_count=-1', '_count=2.5', '_count=ten', '_cursor=bm90LW91cnM']) {
            assertInvalid(() => read(query), query);
        }
    });
});

describe('FHIR view: date search values', () => {
    const ms = (iso: string): number => Date.parse(iso);
    const ranges: [string, string, string][] = [
        ['2030', '2030-01-01T00:00:00.000Z', '2031-01-01T00:00:00.000Z'],
        ['2030-02', '2030-02-01T00:00:00.000Z', '2030-03-01T00:00:00.000Z'],
        ['2030-12', '2030-12-01T00:00:00.000Z', '2031-01-01T00:00:00.000Z'],
        ['2028-02-29', '2028-02-29T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
        ['2030-01-02T10:00Z', '2030-01-02T10:00:00.000Z', '2030-01-02T10:01:00.000Z'],
        ['2030-01-02T10:00:30+08:00', '2030-01-02T02:00:30.000Z', '2030-01-02T02:00:31.000Z'],
        ['2030-01-02T10:00:30.5-01:30', '2030-01-02T11:30:30.500Z', '2030-01-02T11:30:30.501Z'],
        ['2030-01-02T10:00:30.123Z', '2030-01-02T10:00:30.123Z', '2030-01-02T10:00:30.124Z'],
    ];
    for (const [value, start, end] of ranges) {
        it(`reads ${value} as [${start}, ${end})`, () => {
            assert.deepEqual(toInstantRangeOf(value), { start: ms(start), end: ms(end) });
        });
    }

    for (const value of [
        '2030-13',
        '2030-02-30',
        '2030-01-02T24:00Z',
        '2030-01-02T10:00',
        '30-01-01',
        '2030-01-02T10:00:00.1234Z',
        '2030-01-02T10:00+15:00',
    ]) {
        it(`refuses ${value}`, () => {
            assertInvalid(() => toInstantRangeOf(value), value);
        });
    }

    it('compares with prefixes: ge and gt from the start or the end, le and lt up to the end or the start', () => {
        const day = { start: ms('2030-01-02T00:00:00.000Z'), end: ms('2030-01-03T00:00:00.000Z') };
        assert.deepEqual(toSelectedRange('eq', '2030-01-02'), day);
        assert.deepEqual(toSelectedRange('ge', '2030-01-02'), { start: day.start });
        assert.deepEqual(toSelectedRange('gt', '2030-01-02'), { start: day.end });
        assert.deepEqual(toSelectedRange('le', '2030-01-02'), { end: day.end });
        assert.deepEqual(toSelectedRange('lt', '2030-01-02'), { end: day.start });
        assert.deepEqual(intersectRanges([{ start: 5 }, { start: 7, end: 20 }, { end: 10 }]), { start: 7, end: 10 });
        assert.deepEqual(intersectRanges([]), {});
    });
});

describe('FHIR view: formats', () => {
    for (const value of [
        'json',
        'application/fhir json',
        'application/json',
        'application/fhir+json',
        'application/fhir+json; fhirVersion=4.0',
    ]) {
        it(`accepts _format=${value}`, () => {
            assert.equal(isJsonFormat(value), true);
        });
    }
    for (const value of ['xml', 'application/fhir+xml', 'ttl', 'html', 'application/fhir+json; fhirVersion=3.0']) {
        it(`does not take _format=${value} for JSON`, () => {
            assert.equal(isJsonFormat(value), false);
        });
    }
});
