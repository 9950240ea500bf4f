// SPDX-License-Identifier: Apache-2.0
/**
 * The HL7 feed of a running region (embedded or Fabric), driven over MLLP and read back through the HTTP API: the
 * end-to-end suite and the Fabric suite share it.
 *
 * A record's anchoring is in another process: the helpers read the gateways' state until it is reached (the
 * condition, bounded), never for a fixed time.
 */
import assert from 'node:assert/strict';
import type { ApiClient } from '../../clients/shared/api-client';
import { readNotice } from '../../clients/shared/notice';
import { newConsentGrant, newPatientKey, newRegistration, type PatientKey } from '../../clients/shared/patient-keys';
import { findRegionOrganization } from '../../clients/shared/region-file';
import { MllpClient } from '../../gateway/src/hl7/mllp-client';
import { oru } from '../fixtures/hl7/messages';
import type { LauncherRegion } from './launcher';

interface RecordItem {
    recordId: string;
    category: string;
    custodian: string;
}

/**
 * Reads until a condition holds: the state is in another process, so it is read again (every 50 ms, at most
 * `attempts` times) rather than waited for blindly.
 */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, attempts = 1200): Promise<T> {
    for (let attempt = 0; attempt < attempts; attempt++) {
        const value = await read();
        if (done(value)) {
            return value;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the condition was not reached');
}

export async function registerWithMrn(region: LauncherRegion, key: PatientKey, mrn: string): Promise<void> {
    const hospitalA = region.region.organizations[0]?.mspId ?? '';
    await region.client(hospitalA, 'clinician').post('/patients', {
        ...newRegistration(key, region.region.channel),
        identifiers: [{ system: 'HOSPA', value: mrn }],
    });
}

export async function recordsOf(client: ApiClient, patientId: string): Promise<RecordItem[]> {
    return (await client.get<{ items: RecordItem[] }>(`/records?patientId=${patientId}&limit=500`)).items;
}

export function hl7UrlOf(region: LauncherRegion, mspId: string): string {
    const url = findRegionOrganization(region.region, mspId).hl7Url;
    assert.ok(url, `${mspId} has an MLLP listener`);
    return url;
}

/**
 * Registers a patient at Hospital A with a medical record number, has the patient consent to Hospital B reading
 * lab results there, sends `messages` ORU^R01 for that number over MLLP at once, waits until Hospital B lists every
 * resulting record, checks (for more than one) that fewer anchoring transactions than records carried them, and
 * fetches one through the normal API. Counts the intake's metrics: use a region whose feed is otherwise idle.
 * @param region - a running region
 * @param options - the medical record number and how many results to send
 */
export async function feedReachesHospitalB(
    region: LauncherRegion,
    options: { readonly mrn: string; readonly messages: number },
): Promise<void> {
    const [hospitalA, hospitalB] = region.region.organizations.filter((o) => o.type === 'hospital');
    assert.ok(hospitalA && hospitalB);
    assert.match(hospitalA.hl7Url ?? '', /^mllp:\/\/127\.0\.0\.1:\d+$/);
    const key = newPatientKey();
    await registerWithMrn(region, key, options.mrn);
    const now = Date.now();
    const terms = {
        grantee: hospitalB.mspId,
        purposes: ['TREATMENT' as const],
        categories: ['lab' as const],
        custodians: [hospitalA.mspId],
        notBefore: new Date(now - 60_000).toISOString(),
        notAfter: new Date(now + 86_400_000).toISOString(),
    };
    const atHospitalA = region.client(hospitalA.mspId);
    const { notice } = await readNotice(atHospitalA, terms, 'zh-CN');
    await atHospitalA.post('/consents', newConsentGrant(key, terms, { channel: region.region.channel, notice }));
    const sender = await MllpClient.connect(hl7UrlOf(region, hospitalA.mspId));
    const controlIds = Array.from({ length: options.messages }, (_, n) => `${options.mrn}-${n}`);
    const acks = await Promise.all(
        controlIds.map((controlId) => sender.sendOne(oru({ controlId, mrn: options.mrn }, controlId))),
    );
    await sender.close();
    assert.deepEqual(
        acks.map((ack) => [ack.code, ack.controlId]),
        controlIds.map((controlId) => ['AA', controlId]),
    );
    const clinicianB = region.client(hospitalB.mspId, 'clinician');
    const entries = await until(
        () => recordsOf(clinicianB, key.patientId),
        (items) => items.length === options.messages,
    );
    for (const entry of entries) {
        assert.deepEqual([entry.category, entry.custodian], ['lab', hospitalA.mspId]);
    }
    if (options.messages > 1) {
        // The intake's own count: how many anchoring transactions carried how many records.
        const metrics = await atHospitalA.text('GET', '/metrics');
        const read = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
        const [batches, records] = [
            read('healthchain_hl7_anchor_batch_size_count'),
            read('healthchain_hl7_anchor_batch_size_sum'),
        ];
        assert.equal(records, options.messages);
        assert.ok(batches < records, `${records} records anchored in ${batches} transactions`);
    }
    const fetched = await clinicianB.post<{
        resource: { resourceType: string; code: unknown; contained: unknown[] };
    }>(`/records/${entries[0]?.recordId ?? ''}/fetch`, { purpose: 'TREATMENT' });
    assert.equal(fetched.resource.resourceType, 'DiagnosticReport');
    assert.deepEqual(fetched.resource.code, {
        coding: [{ system: 'http://loinc.org', code: '24323-8', display: 'Comprehensive metabolic 2000 panel' }],
        text: 'Comprehensive metabolic 2000 panel',
    });
    assert.equal(fetched.resource.contained.length, 7);
}
