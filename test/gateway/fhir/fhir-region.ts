// SPDX-License-Identifier: Apache-2.0
/**
 * A region for the FHIR view's tests, and what a FHIR tool does with it: a patient with records at Hospital A
 * (lab results, one HIV result, a billing record, a superseded version), consents to Hospital B (one revoked)
 * and to the insurer, access decisions of every kind, and one record of another patient held by Hospital B;
 * the JSON record routes bound on every gateway to compare with (the region runs no custody part); a standard FHIR client (fhir-kit-client)
 * that follows `next` links; and the JSON lists walked to their end.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { Router } from 'express';
import type { Client, FhirResource } from 'fhir-kit-client' with { 'resolution-mode': 'import' };
import type { CustodyRoutes, RecordFetcher } from '../../../gateway/src/app';
import { TokenStore } from '../../../gateway/src/auth/tokens';
import { ApiError } from '../../../gateway/src/errors';
import type { RecordEntry } from '../../../gateway/src/ledger/contracts';
import { newRecordRoutes } from '../../../gateway/src/routes/records';
import {
    grantPayload,
    newTestPatient,
    registerPayload,
    revokePayload,
    signPayload,
    type TestPatient,
} from '../../chaincode/helpers/patients';
import { assertValidFhir } from '../../helpers/fhir-validator';
import { call } from '../../helpers/api-calls';
import { newTestRegion, Orgs, type OrgName, type TestGateway, type TestRegion } from '../../helpers/region';

/** Search parameters as fhir-kit-client takes them (an array repeats a parameter). */
export type SearchParams = Record<string, string | string[]>;

/**
 * A FHIR client of one gateway's `/fhir`, as a FHIR tool would use it.
 * @param gateway - the gateway
 * @param token - the bearer token it sends
 */
export async function newFhirClient(gateway: TestGateway, token?: string): Promise<Client> {
    // fhir-kit-client is an ES module; the tests are CommonJS.
    const { Client } = await import('fhir-kit-client');
    return new Client({ baseUrl: `${gateway.url}/fhir`, ...(token === undefined ? {} : { bearerToken: token }) });
}

/** Searches and follows `next` links to the end; checks every page. Returns the resources and the pages. */
export async function searchAll<R extends Resource>(
    client: Client,
    resourceType: string,
    searchParams: SearchParams,
): Promise<{ resources: R[]; pages: Bundle<R>[] }> {
    const pages: Bundle<R>[] = [];
    let answer: unknown = await client.search({ resourceType, searchParams });
    while (answer !== undefined) {
        const bundle = answer as Bundle<R> & { link: { relation: string; url: string }[] };
        assertValidFhir(bundle);
        assert.equal(bundle.type, 'searchset');
        pages.push(bundle);
        assert.ok(pages.length <= 50, 'the walk ends');
        answer = await client.nextPage({ bundle: bundle as unknown as FhirResource & Pick<typeof bundle, 'link'> });
    }
    const resources = pages.flatMap((page) => (page.entry ?? []).map((entry) => entry.resource as R));
    return { resources, pages };
}

/** Reads one resource and checks it. */
export async function readResource<R extends Resource>(
    client: Client,
    resourceType: R['resourceType'],
    id: string,
): Promise<R> {
    const resource = (await client.read({ resourceType, id })) as unknown as R;
    assertValidFhir(resource);
    return resource;
}

/** Every item of a JSON list route, following `nextCursor`. */
export async function listAll<T>(gateway: TestGateway, token: string, path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
        const separator = path.includes('?') ? '&' : '?';
        const suffix: string = cursor === null ? '' : `${separator}cursor=${cursor}`;
        const result = await call(gateway, 'GET', `${path}${suffix}`, { token });
        assert.equal(result.status, 200, result.text);
        const body = result.body as { items: T[]; nextCursor: string | null };
        items.push(...body.items);
        cursor = body.nextCursor;
    } while (cursor !== null);
    return items;
}

/** Fetches and publishing are not what these tests are about. */
const noFetches: RecordFetcher = {
    fetch: () => Promise.reject(new ApiError('INTERNAL', 'no fetches in the FHIR tests')),
};

/**
 * The JSON record routes (`GET /records`, `GET /records/{recordId}`, of `gateway/src/routes/records.ts`) for
 * every gateway, to compare with; they read the gateway's token file, known once it is up, so they are bound then.
 */
function newLateRecordRoutes(): {
    custody: Record<OrgName, CustodyRoutes>;
    bind: (region: TestRegion) => void;
} {
    const bound = new Map<OrgName, Router>();
    const custodyOf = (name: OrgName): CustodyRoutes => {
        const router = Router();
        router.use((req, res, next) => {
            const routes = bound.get(name);
            if (routes === undefined) {
                next();
                return;
            }
            routes(req, res, next);
        });
        return { router, fetcher: noFetches };
    };
    const names = Object.keys(Orgs) as OrgName[];
    return {
        custody: Object.fromEntries(names.map((name) => [name, custodyOf(name)])) as Record<OrgName, CustodyRoutes>,
        bind: (region) => {
            for (const name of names) {
                const gateway = region.gateways[name];
                const routes = newRecordRoutes(gateway.config, {
                    tokens: new TokenStore(gateway.config.tokensFile),
                    contracts: gateway.contracts,
                    publish: () => Promise.reject(new ApiError('INTERNAL', 'no publishing in the FHIR tests')),
                    fetcher: noFetches,
                });
                bound.set(name, routes);
            }
        },
    };
}

/**
 * The ids of some resources, in order.
 * @param resources - resources
 */
export function idsOf(resources: readonly Resource[]): string[] {
    return resources.map((resource) => resource.id ?? '');
}

/** The region and the ids of what was written in it. */
export interface FhirRegion {
    readonly region: TestRegion;
    readonly patientId: string;
    /** Four lab results at Hospital A. */
    readonly labIds: readonly string[];
    readonly hivId: string;
    readonly billingId: string;
    readonly supersededId: string;
    readonly replacementId: string;
    /** Hospital B, TREATMENT, lab, Hospital A. */
    readonly treatmentConsentId: string;
    /** The insurer, PAYMENT, billing, Hospital A. */
    readonly paymentConsentId: string;
    /** Hospital B, imaging, revoked. */
    readonly revokedConsentId: string;
}

async function anchor(gateway: TestGateway, patientId: string, category: RecordEntry['category']): Promise<string> {
    const recordId = `rec-${randomUUID()}`;
    const contentHash = createHash('sha256').update(recordId).digest('hex');
    await gateway.contracts.anchorRecord({ recordId, patientId, category, contentHash });
    return recordId;
}

async function grant(
    gateway: TestGateway,
    patient: TestPatient,
    fields: Parameters<typeof grantPayload>[1],
): Promise<string> {
    const payload = grantPayload(patient, fields);
    await gateway.contracts.grantConsent({ payload, signature: signPayload(payload, patient.privateKey) });
    return fields.consentId;
}

async function writeRecords(
    region: TestRegion,
    patient: TestPatient,
): Promise<Omit<FhirRegion, 'region' | 'patientId' | 'treatmentConsentId' | 'paymentConsentId' | 'revokedConsentId'>> {
    const { hospitalA } = region.gateways;
    const registration = registerPayload(patient, new Date().toISOString());
    await hospitalA.contracts.registerPatient({
        payload: registration,
        signature: signPayload(registration, patient.privateKey),
    });
    const labIds: string[] = [];
    for (let index = 0; index < 4; index += 1) {
        labIds.push(await anchor(hospitalA, patient.patientId, 'lab'));
    }
    const hivId = await anchor(hospitalA, patient.patientId, 'hiv');
    const billingId = await anchor(hospitalA, patient.patientId, 'billing');
    const supersededId = await anchor(hospitalA, patient.patientId, 'lab');
    const replacementId = `rec-${randomUUID()}`;
    await hospitalA.contracts.anchorRecord({
        recordId: replacementId,
        patientId: patient.patientId,
        category: 'lab',
        contentHash: createHash('sha256').update(replacementId).digest('hex'),
        supersedes: supersededId,
    });
    return { labIds, hivId, billingId, supersededId, replacementId };
}

async function writeConsents(
    region: TestRegion,
    patient: TestPatient,
): Promise<Pick<FhirRegion, 'treatmentConsentId' | 'paymentConsentId' | 'revokedConsentId'>> {
    const { hospitalA } = region.gateways;
    const now = Date.now();
    const window = {
        notBefore: new Date(now - 60_000).toISOString(),
        notAfter: new Date(now + 86_400_000).toISOString(),
        issuedAt: new Date(now).toISOString(),
    };
    const treatmentConsentId = await grant(hospitalA, patient, {
        consentId: `treat-${randomUUID()}`,
        grantee: 'HospitalBMSP',
        categories: ['lab'],
        custodians: ['HospitalAMSP'],
        ...window,
    });
    const revokedConsentId = await grant(hospitalA, patient, {
        consentId: `imaging-${randomUUID()}`,
        grantee: 'HospitalBMSP',
        categories: ['imaging'],
        ...window,
    });
    const revoke = revokePayload(patient, revokedConsentId, window.issuedAt);
    await hospitalA.contracts.revokeConsent({ payload: revoke, signature: signPayload(revoke, patient.privateKey) });
    const paymentConsentId = await grant(hospitalA, patient, {
        consentId: `pay-${randomUUID()}`,
        grantee: 'InsurerMSP',
        purposes: ['PAYMENT'],
        categories: ['billing'],
        custodians: ['HospitalAMSP'],
        ...window,
    });
    return { treatmentConsentId, paymentConsentId, revokedConsentId };
}

/**
 * Access decisions: nine about the patient (Hospital B: three grants, two denials, one break-the-glass; the
 * insurer: a grant and a denial; Hospital A: a denial), and one by Hospital A for a record of another patient
 * that Hospital B holds.
 */
async function writeAccesses(
    region: TestRegion,
    written: Pick<FhirRegion, 'labIds' | 'hivId' | 'billingId'>,
): Promise<void> {
    const { hospitalA, hospitalB, insurer } = region.gateways;
    const [lab0 = '', lab1 = '', lab2 = '', lab3 = ''] = written.labIds;
    for (const recordId of [lab0, lab1, lab2]) {
        await hospitalB.contracts.requestAccess({ recordId, purpose: 'TREATMENT' });
    }
    await hospitalB.contracts.requestAccess({ recordId: written.hivId, purpose: 'TREATMENT' });
    await hospitalB.contracts.requestAccess({ recordId: written.billingId, purpose: 'TREATMENT' });
    await insurer.contracts.requestAccess({ recordId: written.billingId, purpose: 'PAYMENT' });
    await insurer.contracts.requestAccess({ recordId: lab0, purpose: 'PAYMENT' });
    await hospitalB.contracts.requestAccess({
        recordId: lab3,
        purpose: 'EMERGENCY',
        justification: 'unconscious on arrival',
    });
    await hospitalA.contracts.requestAccess({ recordId: lab0, purpose: 'TREATMENT' });
    const other = newTestPatient();
    const otherRegistration = registerPayload(other, new Date().toISOString());
    await hospitalB.contracts.registerPatient({
        payload: otherRegistration,
        signature: signPayload(otherRegistration, other.privateKey),
    });
    const otherRecord = await anchor(hospitalB, other.patientId, 'lab');
    await hospitalA.contracts.requestAccess({ recordId: otherRecord, purpose: 'TREATMENT' });
}

/** Starts the region and writes the records, consents and decisions the FHIR tests read. */
export async function newFhirRegion(): Promise<FhirRegion> {
    const recordRoutes = newLateRecordRoutes();
    const region = await newTestRegion({ custody: recordRoutes.custody });
    try {
        recordRoutes.bind(region);
        const patient = newTestPatient();
        const records = await writeRecords(region, patient);
        const consents = await writeConsents(region, patient);
        await writeAccesses(region, records);
        return { region, patientId: patient.patientId, ...records, ...consents };
    } catch (error) {
        await region.close();
        throw error;
    }
}
