// SPDX-License-Identifier: Apache-2.0
/**
 * What `npm run soak` works on, set up through the gateways' API only, as `bench:fetch` sets its fixture up:
 *
 * - fetch patients: each a `bench:fetch` fixture (registered at the first hospital, a consented and an
 *   unconsented lab report there, a `TREATMENT` consent naming the second hospital for the first alone), plus a
 *   claim from the first hospital to the insurer on a third lab report, backed by the patient's `PAYMENT`
 *   consent for that record;
 * - consent patients: registered, with one lab report at the first hospital, for the grants and revocations
 *   the soak keeps making. Their consents name a record nobody fetches, and they are other patients than the
 *   fetched ones, so the churn neither races a fetch's delivery check nor lengthens the consent scans of the
 *   fetches' access decisions.
 */
import { readNotice } from '../clients/shared/notice';
import { randomUUID } from 'node:crypto';
import type { ConsentTerms } from '../chaincode/src/protocol/payloads';
import { newConsentGrant, newPatientKey, newRegistration, type PatientKey } from '../clients/shared/patient-keys';
import { newRegionClient } from '../clients/shared/region-clients';
import type { RegionFile } from '../clients/shared/region-file';
import { newLabReport, setUpFetchFixture, type FetchFixture } from './fetch-setup';

/** How long the set-up's consents last; a soak must end within it. */
export const SOAK_CONSENT_HOURS = 24;

/** A fetched patient: the fetch fixture and a claim the insurer verifies. */
export interface SoakFetchPatient extends FetchFixture {
    readonly claimId: string;
}

/** A patient whose consents the soak grants and revokes, and the record they name. */
export interface SoakConsentPatient {
    readonly patient: PatientKey;
    readonly recordId: string;
}

/** The region's organisations by role, and the patients. */
export interface SoakWorld {
    readonly region: RegionFile;
    /** The first hospital: keeps the fetched records, files the claims. */
    readonly custodian: string;
    /** The second hospital: fetches. */
    readonly requester: string;
    readonly insurer: string;
    readonly commission: string;
    readonly fetchPatients: readonly SoakFetchPatient[];
    readonly consentPatients: readonly SoakConsentPatient[];
}

function mspOf(region: RegionFile, type: 'insurer' | 'commission'): string {
    const org = region.organizations.find((o) => o.type === type);
    if (org === undefined) {
        throw new Error(`The region needs an organisation of type ${type}`);
    }
    return org.mspId;
}

function consentWindow(): { notBefore: string; notAfter: string } {
    const now = Date.now();
    return {
        notBefore: new Date(now - 60_000).toISOString(),
        notAfter: new Date(now + SOAK_CONSENT_HOURS * 3_600_000).toISOString(),
    };
}

/** Publishes a lab report of a patient at a hospital; returns its record id. */
async function publishLabReport(
    region: RegionFile,
    hospital: string,
    patientId: string,
    issued: string,
): Promise<string> {
    const body = { patientId, category: 'lab', resource: newLabReport(patientId, issued) };
    return (await newRegionClient(region, hospital, 'clinician').post<{ recordId: string }>('/records', body)).recordId;
}

async function setUpClaim(region: RegionFile, fixture: FetchFixture, insurer: string): Promise<string> {
    const recordId = await publishLabReport(region, fixture.custodian, fixture.patientId, '2025-03-06T15:10:00+08:00');
    const terms = {
        grantee: insurer,
        purposes: ['PAYMENT'],
        categories: ['lab'],
        custodians: [fixture.custodian],
        recordIds: [recordId],
        ...consentWindow(),
    };
    const atInsurer = newRegionClient(region, insurer);
    const { notice } = await readNotice(atInsurer, terms, 'zh-CN');
    await atInsurer.post('/consents', newConsentGrant(fixture.patient, terms, { channel: region.channel, notice }));
    const claim = {
        patientId: fixture.patientId,
        insurer,
        serviceId: `soak-visit-${randomUUID()}`,
        recordIds: [recordId],
        amount: { value: 180.5, currency: 'CNY' },
    };
    return (await newRegionClient(region, fixture.custodian, 'claims').post<{ claimId: string }>('/claims', claim))
        .claimId;
}

async function setUpConsentPatient(region: RegionFile, custodian: string): Promise<SoakConsentPatient> {
    const patient = newPatientKey();
    await newRegionClient(region, custodian, 'clinician').post('/patients', newRegistration(patient, region.channel));
    const recordId = await publishLabReport(region, custodian, patient.patientId, '2025-03-07T15:10:00+08:00');
    return { patient, recordId };
}

/**
 * Sets the soak's patients up through the API, one after another.
 * @param region - the running region
 * @param patients - how many patients of each kind
 * @returns the organisations and the patients
 * @throws Error when the region lacks two hospitals, an insurer or a commission, or an ApiCallError
 */
export async function setUpSoakWorld(region: RegionFile, patients: number): Promise<SoakWorld> {
    const insurer = mspOf(region, 'insurer');
    const commission = mspOf(region, 'commission');
    const fetchPatients: SoakFetchPatient[] = [];
    for (let i = 0; i < patients; i++) {
        const fixture = await setUpFetchFixture(region);
        fetchPatients.push({ ...fixture, claimId: await setUpClaim(region, fixture, insurer) });
    }
    const [first] = fetchPatients;
    if (first === undefined) {
        throw new Error('The soak needs at least one patient');
    }
    const consentPatients: SoakConsentPatient[] = [];
    for (let i = 0; i < patients; i++) {
        consentPatients.push(await setUpConsentPatient(region, first.custodian));
    }
    return {
        region,
        custodian: first.custodian,
        requester: first.requester,
        insurer,
        commission,
        fetchPatients,
        consentPatients,
    };
}

/**
 * The terms of a consent the soak grants and later revokes: the requester may see the patient's one record.
 * @param world - the organisations
 * @param patient - whose consent
 */
export function toChurnTerms(world: SoakWorld, patient: SoakConsentPatient): ConsentTerms {
    return {
        grantee: world.requester,
        purposes: ['TREATMENT'],
        categories: ['lab'],
        custodians: [world.custodian],
        recordIds: [patient.recordId],
        ...consentWindow(),
    };
}
