// SPDX-License-Identifier: Apache-2.0
/**
 * HL7 v2 → FHIR R4, field by field against the messages of the corpus (V2-to-FHIR message maps ADT_A01,
 * ADT_A03, ADT_A40, ORU_R01 and MDM_T02), including GBK-encoded Chinese, escapes, repeated fields and a
 * Z-segment; and what cannot be mapped, with the HL7 error code and location the ERR segment will carry.
 */
import assert from 'node:assert/strict';
import type { DiagnosticReport, DocumentReference, Encounter, Observation } from '@medplum/fhirtypes';
import { DEFAULT_SENSITIVITY_RULES } from '../../../gateway/src/hl7/category-rules';
import { toCharset } from '../../../gateway/src/hl7/charset';
import { Hl7ReadError, readMessage, type ReadSettings } from '../../../gateway/src/hl7/reader';
import { dig } from './fhir-path';
import { adt, adtA03, adtA40, CHINESE_PATIENT, mdm, oru, toGbk } from '../../fixtures/hl7/messages';

const ascii = toCharset('ASCII');
if (ascii === undefined) {
    throw new Error('ASCII is known');
}
const settings: ReadSettings = {
    defaultCharset: ascii,
    mapping: { rules: DEFAULT_SENSITIVITY_RULES, timezone: '+08:00' },
};
const ids = { controlId: 'C1', mrn: 'MRN7' };

function read(text: string | Buffer): ReturnType<typeof readMessage> {
    return readMessage(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, settings);
}

function only<T>(items: readonly T[] | undefined): T {
    assert.equal(dig(items, 'length'), 1);
    const [item] = items ?? [];
    return item as T;
}

function readError(text: string | Buffer): Hl7ReadError['error'] {
    try {
        read(text);
    } catch (error) {
        assert.ok(error instanceof Hl7ReadError, String(error));
        return error.error;
    }
    throw new Error('the message was mapped');
}

describe('HL7 v2 to FHIR R4', () => {
    it('ADT^A01: the patient (kept local) with every PID-3 identifier, names, address, phones; the Encounter', () => {
        const { mapped, header } = read(adt('A01', ids, 'V-100'));
        assert.equal(header.controlId, 'C1');
        assert.deepEqual(mapped.identifiers, [
            { value: 'MRN7', system: 'HOSPA', type: 'MR' },
            { value: 'EHC3301010001', system: 'EHC', type: 'HC' },
        ]);
        const patient = mapped.patient;
        assert.ok(patient);
        assert.deepEqual(patient.name, [{ use: 'official', family: 'Li', given: ['Wei'] }]);
        assert.equal(patient.gender, 'male');
        assert.equal(patient.birthDate, '1965-04-12');
        assert.equal(dig(patient, 'identifier.0.system'), 'urn:healthchain:hl7:authority:HOSPA');
        assert.equal(dig(patient, 'identifier.0.type.coding.0.code'), 'MR');
        assert.deepEqual(dig(patient, 'address.0.line'), ['88 Jiefang Rd', 'Apt 5^B']);
        assert.equal(dig(patient, 'address.1.use'), 'work');
        assert.deepEqual(patient.telecom, [
            { system: 'phone', value: '571 88001234', use: 'home' },
            { system: 'email', value: 'li.wei@example.cn', use: 'home' },
        ]);
        assert.equal(dig(patient, 'maritalStatus.coding.0.code'), 'M');
        const record = only(mapped.records);
        assert.equal(record.key, 'encounter:V-100');
        assert.equal(record.category, 'encounter');
        const encounter = record.resource as unknown as Encounter;
        assert.equal(encounter.status, 'in-progress');
        assert.equal(encounter.class.code, 'IMP');
        assert.equal(dig(encounter, 'identifier.0.value'), 'V-100');
        assert.equal(dig(encounter, 'period.start'), '2025-03-04T09:10:00+08:00');
        assert.equal(dig(encounter, 'period.end'), undefined);
        assert.equal(dig(encounter, 'serviceType.coding.0.code'), 'MED');
        assert.equal(dig(encounter, 'location.0.location.display'), 'ENDO 0312 02 HOSPA');
        assert.equal(dig(encounter, 'participant.0.individual.display'), 'Dr Hua Zhang');
        assert.equal(dig(encounter, 'reasonCode.0.coding.0.code'), 'E11.9');
        assert.equal(dig(encounter, 'hospitalization.admitSource.coding.0.code'), '7');
        assert.equal('subject' in encounter, false, 'the subject is the linked patient id, set when processed');
    });

    it('ADT^A03: the Encounter finished at the discharge time; A04 outpatient is ambulatory', () => {
        const discharge = only(read(adtA03(ids, 'V-100')).mapped.records).resource as unknown as Encounter;
        assert.equal(discharge.status, 'finished');
        assert.equal(dig(discharge, 'period.end'), '2025-03-08T10:30:00+08:00');
        const visit = only(read(adt('A04', ids, 'V-200', { patientClass: 'O' })).mapped.records);
        assert.equal((visit.resource as unknown as Encounter).class.code, 'AMB');
    });

    it('ADT^A40: the prior identifier merged into the surviving one, no record', () => {
        const { mapped } = read(adtA40(ids, 'MRN-OLD'));
        assert.deepEqual(dig(mapped, 'merge.prior'), [{ value: 'MRN-OLD', system: 'HOSPA', type: 'MR' }]);
        assert.equal(dig(mapped, 'identifiers.0.value'), 'MRN7');
        assert.deepEqual(mapped.records, []);
    });

    it('ORU^R01: a DiagnosticReport with its Observations contained, each value type, unit, range and flag', () => {
        const record = only(read(oru(ids, '55')).mapped.records);
        assert.equal(record.category, 'lab');
        assert.equal(record.key, 'report:filler:LIS:FIL-55');
        const report = record.resource as unknown as DiagnosticReport;
        assert.equal(report.status, 'final');
        assert.equal(dig(report, 'code.coding.0.system'), 'http://loinc.org');
        assert.equal(dig(report, 'code.coding.0.code'), '24323-8');
        assert.equal(report.effectiveDateTime, '2025-03-04T09:20:00+08:00');
        assert.equal(report.issued, '2025-03-04T15:10:00+08:00');
        assert.equal(dig(report, 'identifier.0.value'), 'FIL-55');
        assert.equal(dig(report, 'category.0.coding.0.code'), 'LAB');
        assert.equal(report.conclusion, 'Fasting sample\nreceived 09:20');
        const observations = (report.contained ?? []) as Observation[];
        assert.equal(observations.length, 7);
        assert.deepEqual(
            (report.result ?? []).map((reference) => reference.reference),
            observations.map((observation) => `#${observation.id ?? ''}`),
        );
        const [hba1c, glucose, creatinine, colour, appearance, comment, ratio] = observations;
        assert.deepEqual(dig(hba1c, 'valueQuantity'), {
            value: 7.4,
            unit: '%',
            system: 'http://unitsofmeasure.org',
            code: '%',
        });
        assert.equal(dig(hba1c, 'code.coding.0.code'), '4548-4');
        assert.equal(dig(hba1c, 'effectiveDateTime'), '2025-03-04T09:30:00+08:00');
        assert.equal(dig(hba1c, 'referenceRange.0.low.value'), 4);
        assert.equal(dig(hba1c, 'referenceRange.0.high.value'), 6);
        assert.equal(dig(hba1c, 'interpretation.0.coding.0.code'), 'H');
        assert.deepEqual(
            (dig(glucose, 'interpretation') as { coding: { code: string }[] }[]).map((flag) =>
                dig(flag, 'coding.0.code'),
            ),
            ['H', 'A'],
        );
        assert.deepEqual(dig(glucose, 'note'), [{ text: 'Repeat in 3 months' }]);
        assert.equal(dig(glucose, 'effectiveDateTime'), '2025-03-04T09:20:00+08:00', 'OBR-7 when OBX-14 is empty');
        assert.deepEqual(dig(creatinine, 'valueQuantity'), {
            value: 0.5,
            comparator: '<',
            unit: 'mg/dL',
            system: 'http://unitsofmeasure.org',
            code: 'mg/dL',
        });
        assert.equal(dig(creatinine, 'referenceRange.0.high.value'), 1.2);
        assert.equal(dig(colour, 'valueString'), 'Yellow & clear');
        assert.deepEqual(dig(appearance, 'valueCodeableConcept.coding.0'), {
            system: 'http://snomed.info/sct',
            code: 'C0442221',
            display: 'Clear',
        });
        assert.equal(dig(comment, 'valueString'), 'Result line one\nResult line two with a | bar');
        assert.deepEqual(dig(ratio, 'valueRatio'), { numerator: { value: 1 }, denominator: { value: 128 } });
        assert.ok(observations.every((observation) => observation.status === 'final'));
    });

    it('ORU^R01: radiology results are imaging records; an HIV test is an hiv record', () => {
        const imaging = only(read(oru(ids, '56', 'radiology')).mapped.records);
        assert.equal(imaging.category, 'imaging');
        const report = imaging.resource as unknown as DiagnosticReport;
        assert.equal(dig(report, 'category.0.coding.0.code'), 'RAD');
        assert.equal(dig(report, 'contained.0.category.0.coding.0.code'), 'imaging');
        assert.equal(only(read(oru(ids, '57', 'hiv')).mapped.records).category, 'hiv');
        assert.equal(only(read(oru(ids, '58', 'diabetes', { unit: 'PSY' })).mapped.records).category, 'mental-health');
    });

    it('MDM^T02: a DocumentReference with the document text, type, authors and status', () => {
        const record = only(read(mdm(ids, 'DOC-9')).mapped.records);
        assert.equal(record.category, 'document');
        assert.equal(record.key, 'document:DOC-9');
        const document = record.resource as unknown as DocumentReference;
        assert.equal(dig(document, 'masterIdentifier.value'), 'DOC-9');
        assert.equal(document.status, 'current');
        assert.equal(document.docStatus, 'final');
        assert.equal(dig(document, 'type.coding.0.code'), '18842-5');
        assert.equal(document.date, '2025-03-08T10:30:00+08:00');
        assert.equal(dig(document, 'author.0.display'), 'Hua Zhang');
        assert.equal(dig(document, 'authenticator.display'), 'Jie Chen');
        const attachment = dig(document, 'content.0.attachment');
        assert.equal(dig(attachment, 'contentType'), 'text/plain; charset=utf-8');
        assert.equal(
            Buffer.from(String(dig(attachment, 'data')), 'base64').toString('utf8'),
            'Admitted for glycaemic control.\nDischarged on metformin 500 mg & diet advice.\nFollow-up in 4 weeks\nat the endocrine clinic.',
        );
    });

    it('decodes GBK-encoded Chinese names and results with the character set MSH-18 names', () => {
        const text = oru({ ...ids, charset: 'GBK' }, '59', 'diabetes', { patient: CHINESE_PATIENT }).replace(
            'Yellow \\T\\ clear',
            '淡黄色，清亮',
        );
        const { mapped, charset } = read(toGbk(text));
        assert.equal(charset.encoding, 'gbk');
        assert.equal(dig(mapped, 'identifiers.1.value'), 'EHC3301010009');
        const report = only(mapped.records).resource as unknown as DiagnosticReport;
        assert.equal(dig(report, 'contained.3.valueString'), '淡黄色，清亮');
        const admission = read(
            toGbk(adt('A01', { ...ids, charset: 'GB 18030-2000' }, 'V-1', { patient: CHINESE_PATIENT })),
        );
        assert.deepEqual(dig(admission, 'mapped.patient.name.0'), { use: 'official', family: '王', given: ['丽'] });
    });

    it('names what cannot be mapped: the HL7 error code and where', () => {
        const cases: [string | Buffer, string, string][] = [
            [oru(ids, '60').replace('MRN7^^^HOSPA^MR~EHC3301010001^^^EHC^HC', 'MRN7'), '101', 'PID^1^3'],
            [oru(ids, '61').replace('||7.4|', '||seven|'), '102', 'OBX^1^5'],
            [oru(ids, '62').replace('OBX|4|ST|', 'OBX|4|XX|'), '102', 'OBX^4^2'],
            [oru(ids, '63').replace('20250304092000', '2025-03-04'), '102', 'OBR^1^7'],
            [adt('A01', ids, 'V-1').replace(/\rPV1\|[^\r]*/, ''), '100', 'PV1'],
            [mdm(ids, 'D').replace(/\rTXA\|[^\r]*/, ''), '100', 'TXA'],
            [
                toGbk(oru({ ...ids, charset: 'UNICODE UTF-8' }, '64', 'diabetes', { patient: CHINESE_PATIENT })),
                '102',
                'MSH^1^18',
            ],
            [Buffer.from(oru(ids, '65').replace('Yellow', 'Yellów'), 'latin1'), '102', 'MSH^1^18'],
        ];
        for (const [message, code, location] of cases) {
            const error = readError(message);
            assert.deepEqual([error.code, error.location], [code, location], error.text);
        }
    });
});
