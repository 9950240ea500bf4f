// SPDX-License-Identifier: Apache-2.0
/**
 * Loads the demo (`npm start -- --demo`) through the gateways' HTTP API only, as the region's staff and
 * patients would: patients get keys (saved under `<data>/demo/patients/`, mode 0600) and are registered at the
 * first hospital (two of them with their medical record numbers); both hospitals publish FHIR records; patients
 * sign consents; the first hospital files a claim; its integration engine sends an HL7 feed over MLLP, and the
 * demo waits until the hospital has anchored it. What was done is remembered in `<data>/demo/state.json`, so
 * running it again adds nothing.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiCallError } from '../../../clients/shared/api-client';
import {
    newConsentGrant,
    newPatientKey,
    newRegistration,
    readPatientKey,
    writePatientKey,
    type PatientKey,
} from '../../../clients/shared/patient-keys';
import { readNotice } from '../../../clients/shared/notice';
import { newRegionClient } from '../../../clients/shared/region-clients';
import type { DataLayout } from './data-layout';
import { DEMO_MRN_AUTHORITY, demoMrns, sendDemoHl7 } from './demo-hl7';
import { demoClaims, demoConsents, demoPatients, demoRecords, fillFixture, type DemoConsent } from './demo-plan';
import type { RegionFile, RegionFileOrganization } from '../../../clients/shared/region-file';

interface DemoState {
    records: Record<string, string>;
    consents: string[];
    claims: Record<string, string>;
}

interface DemoContext {
    readonly region: RegionFile;
    readonly hospitals: readonly [RegionFileOrganization, RegionFileOrganization];
    readonly insurer: RegionFileOrganization;
    readonly patients: ReadonlyMap<string, PatientKey>;
    readonly state: DemoState;
    readonly save: () => void;
    readonly log: (line: string) => void;
}

const CONSENT_DAYS = 365;

function readState(file: string): DemoState {
    if (!existsSync(file)) {
        return { records: {}, consents: [], claims: {} };
    }
    return JSON.parse(readFileSync(file, 'utf8')) as DemoState;
}

function writeState(file: string, state: DemoState): void {
    const temp = `${file}.tmp`;
    writeFileSync(temp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    renameSync(temp, file);
}

function pickOrganizations(region: RegionFile): Pick<DemoContext, 'hospitals' | 'insurer'> {
    const hospitals = region.organizations.filter((o) => o.type === 'hospital');
    const insurer = region.organizations.find((o) => o.type === 'insurer');
    const [first, second] = hospitals;
    if (!first || !second || !insurer) {
        throw new Error('The demo needs a region with two hospitals and an insurer');
    }
    return { hospitals: [first, second], insurer };
}

function ensurePatientKey(dir: string, alias: string): PatientKey {
    const file = join(dir, `${alias}.pem`);
    if (existsSync(file)) {
        return readPatientKey(file);
    }
    const key = newPatientKey();
    writePatientKey(file, key);
    return key;
}

function patientOf(context: DemoContext, alias: string): PatientKey {
    const key = context.patients.get(alias);
    if (!key) {
        throw new Error(`The demo plan names an unknown patient ${alias}`);
    }
    return key;
}

async function registerPatients(context: DemoContext): Promise<void> {
    const clinician = newRegionClient(context.region, context.hospitals[0].mspId, 'clinician');
    for (const [alias, key] of context.patients) {
        // Li Wei and Zhang Min are linked by their medical record numbers, so the HL7 feed finds them.
        const mrn = alias === 'wang-fang' ? undefined : demoMrns[alias];
        const identifiers = mrn === undefined ? {} : { identifiers: [{ system: DEMO_MRN_AUTHORITY, value: mrn }] };
        await clinician.post('/patients', { ...newRegistration(key, context.region.channel), ...identifiers });
        context.log(`  patient ${alias.padEnd(10)} ${key.patientId}`);
    }
}

async function publishRecords(context: DemoContext): Promise<void> {
    for (const item of demoRecords) {
        if (context.state.records[item.key] !== undefined) {
            continue;
        }
        const custodian = context.hospitals[item.hospital];
        const key = patientOf(context, item.patient);
        const name = demoPatients.find((p) => p.alias === item.patient)?.name ?? item.patient;
        const resource = fillFixture(item.resource, { patientId: key.patientId, name, custodianName: custodian.name });
        const client = newRegionClient(context.region, custodian.mspId, 'clinician');
        const body = { patientId: key.patientId, category: item.category, resource };
        const published = await client.post<{ recordId: string }>('/records', body);
        context.state.records[item.key] = published.recordId;
        context.save();
        context.log(`  record  ${item.key.padEnd(30)} ${item.category.padEnd(10)} at ${custodian.mspId}`);
    }
}

function toMsp(context: DemoContext, name: string): string {
    if (name === 'hospital-0' || name === 'hospital-1') {
        return context.hospitals[name === 'hospital-0' ? 0 : 1].mspId;
    }
    return name === 'insurer' ? context.insurer.mspId : name;
}

async function grantConsent(context: DemoContext, consent: DemoConsent): Promise<void> {
    const key = patientOf(context, consent.patient);
    const now = Date.now();
    const terms = {
        grantee: toMsp(context, consent.grantee),
        purposes: consent.purposes,
        categories: consent.categories,
        custodians: consent.custodians.map((c) => toMsp(context, c)),
        notBefore: new Date(now - 60_000).toISOString(),
        notAfter: new Date(now + CONSENT_DAYS * 86_400_000).toISOString(),
    };
    const client = newRegionClient(context.region, context.hospitals[0].mspId);
    const { notice } = await readNotice(client, terms, 'zh-CN');
    try {
        await client.post(
            '/consents',
            newConsentGrant(key, terms, { channel: context.region.channel, consentId: consent.consentId, notice }),
        );
    } catch (error) {
        // A consent with this id exists already: an earlier run granted it.
        if (!(error instanceof ApiCallError && error.code === 'CONFLICT')) {
            throw error;
        }
    }
    context.state.consents.push(consent.consentId);
    context.save();
    context.log(`  consent ${consent.consentId} (${consent.purposes.join(', ')} → ${terms.grantee})`);
}

async function grantConsents(context: DemoContext): Promise<void> {
    for (const consent of demoConsents) {
        if (!context.state.consents.includes(consent.consentId)) {
            await grantConsent(context, consent);
        }
    }
}

async function submitClaims(context: DemoContext): Promise<void> {
    for (const claim of demoClaims) {
        if (context.state.claims[claim.key] !== undefined) {
            continue;
        }
        const hospital = context.hospitals[claim.hospital];
        const client = newRegionClient(context.region, hospital.mspId, 'claims');
        const recordIds = claim.recordKeys.map((k) => context.state.records[k] ?? '');
        const body = {
            patientId: patientOf(context, claim.patient).patientId,
            insurer: context.insurer.mspId,
            serviceId: claim.serviceId,
            recordIds,
            amount: claim.amount,
        };
        try {
            const submitted = await client.post<{ claimId: string }>('/claims', body);
            context.state.claims[claim.key] = submitted.claimId;
        } catch (error) {
            if (!(error instanceof ApiCallError && error.code === 'DUPLICATE_CLAIM')) {
                throw error;
            }
            context.state.claims[claim.key] = 'filed-earlier';
        }
        context.save();
        context.log(
            `  claim   ${claim.key} (${claim.amount.value} ${claim.amount.currency} → ${context.insurer.mspId})`,
        );
    }
}

/** How long the demo waits for the hospital to anchor its HL7 feed. */
const FEED_DEADLINE_MS = 60_000;
/** How often it asks the hospital's intake how far it is. */
const FEED_POLL_MS = 100;

/**
 * Waits until the hospital has processed and anchored every message of the feed (its work and anchoring
 * queues are empty; the message for a patient who never joined stays pending), so that the demo is loaded
 * whole when the launcher says the region is ready.
 */
async function waitForFeed(context: DemoContext, hospital: RegionFileOrganization): Promise<void> {
    const admin = newRegionClient(context.region, hospital.mspId, 'admin');
    const deadline = Date.now() + FEED_DEADLINE_MS;
    for (;;) {
        const status = await admin.get<{ queues: { work: number; anchoring: number; pending: number } }>('/hl7/status');
        if (status.queues.work === 0 && status.queues.anchoring === 0) {
            context.log(
                `  hl7     feed stored and anchored; ${status.queues.pending} message(s) wait for a patient link`,
            );
            return;
        }
        if (Date.now() > deadline) {
            throw new Error(
                `${hospital.mspId} has not anchored the demo's HL7 feed after ${FEED_DEADLINE_MS / 1000} s`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, FEED_POLL_MS));
    }
}

/**
 * Loads the demo into a running region (idempotent).
 * @param region - the running region's file
 * @param layout - its data folder
 * @param log - progress lines
 * @throws ApiCallError or ConnectionError when a gateway refuses or cannot be reached
 */
export async function loadDemo(region: RegionFile, layout: DataLayout, log: (line: string) => void): Promise<void> {
    mkdirSync(layout.demoPatientsDir, { recursive: true, mode: 0o700 });
    const stateFile = join(dirname(layout.demoPatientsDir), 'state.json');
    const state = readState(stateFile);
    const patients = new Map(demoPatients.map((p) => [p.alias, ensurePatientKey(layout.demoPatientsDir, p.alias)]));
    const context: DemoContext = {
        region,
        ...pickOrganizations(region),
        patients,
        state,
        save: () => {
            writeState(stateFile, state);
        },
        log,
    };
    log('Loading the demo:');
    await registerPatients(context);
    await publishRecords(context);
    await grantConsents(context);
    await submitClaims(context);
    const feed = context.hospitals[0];
    if (feed.hl7Url !== undefined) {
        await sendDemoHl7(feed.hl7Url, feed.mspId, log);
        await waitForFeed(context, feed);
    }
    log(`Demo loaded; patient keys are in ${layout.demoPatientsDir}`);
}
