// SPDX-License-Identifier: Apache-2.0
/**
 * State keys. Every listed query is a partial-composite-key prefix scan, except the time index, which
 * uses simple keys because Fabric's range queries refuse composite keys (they start with U+0000).
 * ISO timestamps are fixed width (`YYYY-MM-DDTHH:mm:ss.sssZ`), so they sort in time order inside keys.
 * Index entries hold the id of the object they point to.
 */

/** A composite key before the stub joins it. */
export interface CompositeKeySpec {
    readonly objectType: string;
    readonly attributes: readonly string[];
}

function spec(objectType: string, ...attributes: string[]): CompositeKeySpec {
    return { objectType, attributes };
}

/** Object types of composite keys, exported for prefix scans. */
export const ObjectTypes = {
    config: 'config',
    organization: 'org',
    organizationByTlsCert: 'org~tlscert',
    patient: 'patient',
    record: 'record',
    recordByPatient: 'record~patient',
    recordByHash: 'record~hash',
    consent: 'consent',
    consentByPatient: 'consent~patient',
    consentByGrantee: 'consent~grantee',
    access: 'access',
    accessByPatient: 'access~patient',
    accessByRequester: 'access~requester',
    accessByCustodian: 'access~custodian',
    emergencyPending: 'access~pending',
    claim: 'claim',
    claimByInsurer: 'claim~insurer',
    claimByClaimant: 'claim~claimant',
    claimByRecord: 'claim~record',
    claimByService: 'claim~service',
    claimByPatient: 'claim~patient',
    guardianship: 'guardian',
} as const;

const T = ObjectTypes;

/** Key builders, one per kind of state. */
export const Keys = {
    config: (): CompositeKeySpec => spec(T.config),
    organization: (mspId: string): CompositeKeySpec => spec(T.organization, mspId),
    /** The organisation a TLS certificate (SHA-256 of its DER) is bound to: one each. */
    organizationByTlsCert: (sha256: string): CompositeKeySpec => spec(T.organizationByTlsCert, sha256),
    patient: (patientId: string): CompositeKeySpec => spec(T.patient, patientId),
    record: (recordId: string): CompositeKeySpec => spec(T.record, recordId),
    recordByPatient: (patientId: string, recordId: string): CompositeKeySpec =>
        spec(T.recordByPatient, patientId, recordId),
    /** The record a custodian anchored with a content hash: one content hash per custodian. */
    recordByHash: (custodian: string, contentHash: string): CompositeKeySpec =>
        spec(T.recordByHash, custodian, contentHash),
    consent: (consentId: string): CompositeKeySpec => spec(T.consent, consentId),
    consentByPatient: (patientId: string, grantee: string, consentId: string): CompositeKeySpec =>
        spec(T.consentByPatient, patientId, grantee, consentId),
    consentByGrantee: (grantee: string, patientId: string, consentId: string): CompositeKeySpec =>
        spec(T.consentByGrantee, grantee, patientId, consentId),
    access: (accessId: string): CompositeKeySpec => spec(T.access, accessId),
    accessByPatient: (patientId: string, time: string, accessId: string): CompositeKeySpec =>
        spec(T.accessByPatient, patientId, time, accessId),
    accessByRequester: (requester: string, time: string, accessId: string): CompositeKeySpec =>
        spec(T.accessByRequester, requester, time, accessId),
    accessByCustodian: (custodian: string, time: string, accessId: string): CompositeKeySpec =>
        spec(T.accessByCustodian, custodian, time, accessId),
    emergencyPending: (time: string, accessId: string): CompositeKeySpec => spec(T.emergencyPending, time, accessId),
    claim: (claimId: string): CompositeKeySpec => spec(T.claim, claimId),
    claimByInsurer: (insurer: string, time: string, claimId: string): CompositeKeySpec =>
        spec(T.claimByInsurer, insurer, time, claimId),
    claimByClaimant: (claimant: string, time: string, claimId: string): CompositeKeySpec =>
        spec(T.claimByClaimant, claimant, time, claimId),
    /** The open or approved claim a record backs, keyed by the first version of the record (supersedes chain). */
    claimByRecord: (recordId: string): CompositeKeySpec => spec(T.claimByRecord, recordId),
    /** The open or approved claim that bills a claimant's service. */
    claimByService: (claimant: string, serviceId: string): CompositeKeySpec =>
        spec(T.claimByService, claimant, serviceId),
    claimByPatient: (patientId: string, time: string, claimId: string): CompositeKeySpec =>
        spec(T.claimByPatient, patientId, time, claimId),
    /** A guardian's authority to act for a patient; a prefix scan by patient lists the patient's guardians. */
    guardianship: (patientId: string, guardianId: string): CompositeKeySpec =>
        spec(T.guardianship, patientId, guardianId),
} as const;

/** Prefix of the simple keys of the access time index. */
export const ACCESS_TIME_PREFIX = 'accesstime~';

/**
 * Simple key of the access time index.
 * @param time - the request's ISO timestamp
 * @param accessId - the access id
 * @returns `accesstime~<time>~<accessId>`
 */
export function accessTimeKey(time: string, accessId: string): string {
    return `${ACCESS_TIME_PREFIX}${time}~${accessId}`;
}

/**
 * Bound of a time range scan: keys at or after this instant sort at or after this bound.
 * @param time - an ISO timestamp
 * @returns `accesstime~<time>`
 */
export function accessTimeBound(time: string): string {
    return `${ACCESS_TIME_PREFIX}${time}`;
}
