// SPDX-License-Identifier: Apache-2.0
/**
 * What `npm run bench:fetch` fetches, set up through the gateways' API only: a patient registered at the
 * first hospital, a lab result of about 2 KB (a FHIR R4 DiagnosticReport with its Observations contained)
 * published there, a `TREATMENT` consent naming the second hospital for that record alone, and a second lab
 * result that no consent covers, for the denials.
 */
import { readNotice } from '../clients/shared/notice';
import { newConsentGrant, newPatientKey, newRegistration, type PatientKey } from '../clients/shared/patient-keys';
import { newRegionClient } from '../clients/shared/region-clients';
import type { RegionFile } from '../clients/shared/region-file';

/** What the benchmark fetches. */
export interface FetchFixture {
    readonly custodian: string;
    readonly requester: string;
    readonly patientId: string;
    /** The patient's key, for further signed grants and revocations. */
    readonly patient: PatientKey;
    /** The record the requester may fetch, and its content as published. */
    readonly grantedRecordId: string;
    readonly resource: Readonly<Record<string, unknown>>;
    /** `JSON.stringify` of the content, what every granted fetch must give back. */
    readonly resourceJson: string;
    /** A record of the same patient that no consent covers. */
    readonly deniedRecordId: string;
}

function observation(id: string, loinc: string, display: string, value: number, unit: string): object {
    return {
        resourceType: 'Observation',
        id,
        status: 'final',
        category: [
            {
                coding: [
                    {
                        system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                        code: 'laboratory',
                    },
                ],
            },
        ],
        code: { coding: [{ system: 'http://loinc.org', code: loinc, display }] },
        effectiveDateTime: '2025-03-04T09:20:00+08:00',
        valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    };
}

/**
 * A lab report of about 2 KB: a DiagnosticReport holding three Observations.
 * @param patientId - the subject
 * @param issued - makes the content (and so its hash) unique
 */
export function newLabReport(patientId: string, issued: string): Record<string, unknown> {
    return {
        resourceType: 'DiagnosticReport',
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '24323-8' }], text: 'Diabetes follow-up panel' },
        subject: { identifier: { system: 'urn:healthchain:patient', value: patientId } },
        effectiveDateTime: '2025-03-04T09:20:00+08:00',
        issued,
        contained: [
            observation('hba1c', '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', 7.4, '%'),
            observation('glucose', '1558-6', 'Fasting glucose [Moles/volume] in Serum or Plasma', 8.1, 'mmol/L'),
            observation('creatinine', '2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 0.9, 'mg/dL'),
        ],
        result: [{ reference: '#hba1c' }, { reference: '#glucose' }, { reference: '#creatinine' }],
        conclusion: 'Glycaemic control above target; continue metformin, review diet, repeat HbA1c in 3 months.',
    };
}

/**
 * Sets the fixture up through the API.
 * @param region - the running region
 * @returns the records and the content to expect
 * @throws Error when the region has fewer than two hospitals, or an ApiCallError
 */
export async function setUpFetchFixture(region: RegionFile): Promise<FetchFixture> {
    const [custodian, requester] = region.organizations.filter((org) => org.type === 'hospital').map((o) => o.mspId);
    if (custodian === undefined || requester === undefined) {
        throw new Error('The region needs two hospitals');
    }
    const patient = newPatientKey();
    const atCustodian = newRegionClient(region, custodian, 'clinician');
    await atCustodian.post('/patients', newRegistration(patient, region.channel));
    const publish = async (resource: Record<string, unknown>): Promise<string> => {
        const body = { patientId: patient.patientId, category: 'lab', resource };
        return (await atCustodian.post<{ recordId: string }>('/records', body)).recordId;
    };
    const resource = newLabReport(patient.patientId, '2025-03-04T15:10:00+08:00');
    const grantedRecordId = await publish(resource);
    const deniedRecordId = await publish(newLabReport(patient.patientId, '2025-03-05T15:10:00+08:00'));
    const now = Date.now();
    const terms = {
        grantee: requester,
        purposes: ['TREATMENT'],
        categories: ['lab'],
        custodians: [custodian],
        recordIds: [grantedRecordId],
        notBefore: new Date(now - 60_000).toISOString(),
        notAfter: new Date(now + 86_400_000).toISOString(),
    };
    const atRequester = newRegionClient(region, requester);
    const { notice } = await readNotice(atRequester, terms, 'zh-CN');
    await atRequester.post('/consents', newConsentGrant(patient, terms, { channel: region.channel, notice }));
    return {
        custodian,
        requester,
        patientId: patient.patientId,
        patient,
        grantedRecordId,
        resource,
        resourceJson: JSON.stringify(resource),
        deniedRecordId,
    };
}
