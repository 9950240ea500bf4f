// SPDX-License-Identifier: Apache-2.0
/**
 * What the demo loads: three patients, FHIR R4 records at both hospitals (encounters, LOINC-coded lab
 * results and their report, a condition, a medication, an allergy, a discharge summary), the patients'
 * consents and one claim. Fixtures live in `demo/*.json` with `{{patientId}}`, `{{name}}` and
 * `{{custodianName}}` placeholders.
 */
import allergyPenicillin from './demo/allergy-penicillin.json';
import conditionDiabetes from './demo/condition-diabetes.json';
import dischargeSummary from './demo/discharge-summary.json';
import encounterInpatient from './demo/encounter-inpatient.json';
import encounterOutpatient from './demo/encounter-outpatient.json';
import labCreatinine from './demo/lab-creatinine.json';
import labGlucose from './demo/lab-glucose.json';
import labHba1c from './demo/lab-hba1c.json';
import labReport from './demo/lab-report.json';
import medicationMetformin from './demo/medication-metformin.json';

/** A demo patient: a file-name alias and the display name used inside FHIR content (never on the ledger). */
export interface DemoPatient {
    readonly alias: string;
    readonly name: string;
}

/** A record to publish. `key` names it in the demo's state file. */
export interface DemoRecord {
    readonly key: string;
    readonly patient: string;
    /** 0 for the first hospital of the region, 1 for the second. */
    readonly hospital: 0 | 1;
    readonly category: string;
    readonly resource: unknown;
}

/** A consent to grant: grantee by organisation type (first of its kind), or the second hospital. */
export interface DemoConsent {
    readonly consentId: string;
    readonly patient: string;
    readonly grantee: 'hospital-1' | 'insurer';
    readonly purposes: readonly string[];
    readonly categories: readonly string[];
    /** `hospital-0` / `hospital-1` or `*`. */
    readonly custodians: readonly string[];
}

/** A claim by a hospital to the insurer on some of the records. */
export interface DemoClaim {
    readonly key: string;
    readonly patient: string;
    readonly hospital: 0 | 1;
    /** The hospital's own id of the billed visit. */
    readonly serviceId: string;
    readonly recordKeys: readonly string[];
    readonly amount: { readonly value: number; readonly currency: string };
}

/** The demo's patients. */
export const demoPatients: readonly DemoPatient[] = [
    { alias: 'li-wei', name: 'Li Wei' },
    { alias: 'zhang-min', name: 'Zhang Min' },
    { alias: 'wang-fang', name: 'Wang Fang' },
];

function record(key: string, patient: string, hospital: 0 | 1, category: string, resource: unknown): DemoRecord {
    return { key, patient, hospital, category, resource };
}

/** The demo's records. */
export const demoRecords: readonly DemoRecord[] = [
    record('li-wei/encounter-2025-03', 'li-wei', 0, 'encounter', encounterOutpatient),
    record('li-wei/hba1c-2025-03', 'li-wei', 0, 'lab', labHba1c),
    record('li-wei/glucose-2025-03', 'li-wei', 0, 'lab', labGlucose),
    record('li-wei/lab-report-2025-03', 'li-wei', 0, 'lab', labReport),
    record('li-wei/diabetes', 'li-wei', 0, 'condition', conditionDiabetes),
    record('li-wei/metformin', 'li-wei', 0, 'medication', medicationMetformin),
    record('li-wei/penicillin-allergy', 'li-wei', 0, 'allergy', allergyPenicillin),
    record('li-wei/admission-2025-05', 'li-wei', 1, 'encounter', encounterInpatient),
    record('li-wei/discharge-2025-05', 'li-wei', 1, 'document', dischargeSummary),
    record('zhang-min/encounter-2025-04', 'zhang-min', 1, 'encounter', encounterOutpatient),
    record('zhang-min/creatinine-2025-04', 'zhang-min', 1, 'lab', labCreatinine),
    record('wang-fang/admission-2025-05', 'wang-fang', 0, 'encounter', encounterInpatient),
    record('wang-fang/discharge-2025-05', 'wang-fang', 0, 'document', dischargeSummary),
];

/** The demo's consents (ids are fixed, so a re-run finds them). */
export const demoConsents: readonly DemoConsent[] = [
    {
        consentId: 'demo-li-wei-hospital-b-lab',
        patient: 'li-wei',
        grantee: 'hospital-1',
        purposes: ['TREATMENT'],
        categories: ['lab'],
        custodians: ['hospital-0'],
    },
    {
        consentId: 'demo-li-wei-insurer-payment',
        patient: 'li-wei',
        grantee: 'insurer',
        purposes: ['PAYMENT'],
        categories: ['encounter', 'lab', 'document'],
        // A claim needs the patient to name the claiming hospital, not `*`.
        custodians: ['hospital-0'],
    },
    {
        consentId: 'demo-zhang-min-insurer-payment',
        patient: 'zhang-min',
        grantee: 'insurer',
        purposes: ['PAYMENT'],
        categories: ['*'],
        custodians: ['*'],
    },
];

/** The demo's claim. */
export const demoClaims: readonly DemoClaim[] = [
    {
        key: 'li-wei/diabetes-follow-up-2025-03',
        patient: 'li-wei',
        hospital: 0,
        serviceId: 'OP-2025-03-0142',
        recordKeys: ['li-wei/encounter-2025-03', 'li-wei/lab-report-2025-03'],
        amount: { value: 1280.5, currency: 'CNY' },
    },
];

/**
 * A fixture with its placeholders filled in.
 * @param resource - the fixture
 * @param values - placeholder → value
 */
export function fillFixture(resource: unknown, values: Readonly<Record<string, string>>): unknown {
    let text = JSON.stringify(resource);
    for (const [name, value] of Object.entries(values)) {
        text = text.split(`{{${name}}}`).join(JSON.stringify(value).slice(1, -1));
    }
    return JSON.parse(text) as unknown;
}
