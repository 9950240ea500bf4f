// SPDX-License-Identifier: Apache-2.0
/**
 * Patients that tests of the test region (`./region.ts`) start from, each registered at Hospital A with a new
 * key and a consent of its own, written straight through Hospital A's ledger facade.
 */
import { randomUUID } from 'node:crypto';
import type { SignedEnvelope } from '../../gateway/src/ledger/contracts';
import {
    grantPayload,
    newTestPatient,
    registerPayload,
    type GrantFields,
    type TestPatient,
} from '../chaincode/helpers/patients';
import type { TestRegion } from './region';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function toEnvelope(text: string): SignedEnvelope {
    return JSON.parse(text) as SignedEnvelope;
}

async function newPatientGranting(region: TestRegion, terms: Omit<GrantFields, 'issuedAt'>): Promise<TestPatient> {
    const { hospitalA } = region.gateways;
    const patient = newTestPatient();
    const now = new Date();
    await hospitalA.contracts.registerPatient(toEnvelope(patient.signed(registerPayload(patient, now.toISOString()))));
    const consent = grantPayload(patient, { ...terms, issuedAt: now.toISOString() });
    await hospitalA.contracts.grantConsent(toEnvelope(patient.signed(consent)));
    return patient;
}

/**
 * A new patient at Hospital A who gives the insurer a PAYMENT consent naming Hospital A for `billing` records,
 * valid for a day: what a claim by Hospital A needs.
 * @param region - the region
 * @returns the patient id
 */
export async function newClaimablePatient(region: TestRegion): Promise<string> {
    const { hospitalA, insurer } = region.gateways;
    const now = Date.now();
    const patient = await newPatientGranting(region, {
        consentId: `pay-${randomUUID()}`,
        grantee: insurer.mspId,
        purposes: ['PAYMENT'],
        categories: ['billing'],
        custodians: [hospitalA.mspId],
        notBefore: new Date(now - 60_000).toISOString(),
        notAfter: new Date(now + DAY_MS).toISOString(),
    });
    return patient.patientId;
}

/**
 * A new patient at Hospital A who gives Hospital B a TREATMENT consent for `lab` records at any custodian,
 * valid from an hour ago for a day: what a fetch of a lab result by Hospital B needs.
 * @param region - the region
 */
export function newConsentingPatient(region: TestRegion): Promise<TestPatient> {
    const now = Date.now();
    return newPatientGranting(region, {
        consentId: `consent-${randomUUID()}`,
        grantee: region.gateways.hospitalB.mspId,
        purposes: ['TREATMENT'],
        categories: ['lab'],
        notBefore: new Date(now - HOUR_MS).toISOString(),
        notAfter: new Date(now + DAY_MS).toISOString(),
    });
}
