// SPDX-License-Identifier: Apache-2.0
/** The acts of a test region, each one transaction, with unique ids per call. */
import { createHash } from 'node:crypto';
import type { AccessEvent, Consent, RecordEntry } from '../../../chaincode/src/protocol/state';
import { grantPayload, revokePayload, type GrantFields, type TestPatient } from './patients';
import type { OrgName, Region } from './region';

let counter = 0;

/**
 * A fresh id for this process.
 * @param prefix - readable prefix
 */
export function uniqueId(prefix: string): string {
    counter += 1;
    return `${prefix}-${counter}`;
}

/**
 * The content hash a custodian would anchor for a record id (stands in for SHA-256(salt ‖ content)).
 * @param recordId - the record id
 */
export function hashOf(recordId: string): string {
    return createHash('sha256').update(recordId).digest('hex');
}

/**
 * Anchors a record and returns its entry.
 * @param region - the region
 * @param custodian - the hospital that holds it
 * @param patient - whose record
 * @param category - record category
 */
export async function anchor(
    region: Region,
    custodian: OrgName,
    patient: TestPatient,
    category = 'lab',
): Promise<RecordEntry> {
    const recordId = uniqueId('rec');
    const args = { recordId, patientId: patient.patientId, category, contentHash: hashOf(recordId) };
    return (await region.submit(custodian, 'record', 'anchorRecord', [JSON.stringify(args)])).value as RecordEntry;
}

/** Grant fields with defaults: a fresh id, valid from an hour ago for a day, issued now. */
export type GrantOptions = Partial<GrantFields>;

/**
 * Records a consent signed by the patient.
 * @param region - the region
 * @param patient - the patient
 * @param options - fields to override
 */
export async function grant(region: Region, patient: TestPatient, options: GrantOptions = {}): Promise<Consent> {
    const now = region.clock.now.getTime();
    const fields: GrantFields = {
        consentId: uniqueId('consent'),
        grantee: 'HospitalBMSP',
        notBefore: new Date(now - 3_600_000).toISOString(),
        notAfter: new Date(now + 86_400_000).toISOString(),
        issuedAt: region.clock.iso,
        ...options,
    };
    const signed = patient.signed(grantPayload(patient, fields));
    return (await region.submit('hospitalA', 'consent', 'grantConsent', [signed])).value as Consent;
}

/**
 * Revokes a consent by the patient's signature.
 * @param region - the region
 * @param patient - the patient
 * @param consentId - the consent
 */
export async function revoke(region: Region, patient: TestPatient, consentId: string): Promise<Consent> {
    const signed = patient.signed(revokePayload(patient, consentId, region.clock.iso));
    return (await region.submit('hospitalA', 'consent', 'revokeConsent', [signed])).value as Consent;
}

/**
 * Requests access and returns the recorded event.
 * @param region - the region
 * @param requester - who asks
 * @param recordId - which record
 * @param purpose - why
 * @param options - justification, timestamp
 */
export async function request(
    region: Region,
    requester: OrgName,
    recordId: string,
    purpose = 'TREATMENT',
    options: { justification?: string; timestamp?: Date } = {},
): Promise<AccessEvent> {
    const args = {
        recordId,
        purpose,
        ...(options.justification === undefined ? {} : { justification: options.justification }),
    };
    const at = options.timestamp === undefined ? {} : { timestamp: options.timestamp };
    return (await region.submit(requester, 'access', 'requestAccess', [JSON.stringify(args)], at)).value as AccessEvent;
}

/**
 * Records a delivery and returns the updated event.
 * @param region - the region
 * @param custodian - who delivers
 * @param event - the access event
 */
export async function deliver(region: Region, custodian: OrgName, event: AccessEvent): Promise<AccessEvent> {
    const args = { accessId: event.accessId, contentHash: hashOf(event.recordId) };
    return (await region.submit(custodian, 'access', 'recordDelivery', [JSON.stringify(args)])).value as AccessEvent;
}
