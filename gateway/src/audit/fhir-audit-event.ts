// SPDX-License-Identifier: Apache-2.0
/**
 * Access events as FHIR R4 AuditEvent resources (http://hl7.org/fhir/R4/auditevent.html), for the
 * commission's export (docs/api.md "Audit", `GET /audit/export?format=fhir|ndjson`).
 */
import type { AuditEvent, Bundle, Coding } from '@medplum/fhirtypes';
import type { AccessEvent, Purpose } from '../ledger/contracts';

/** Identifier systems of the health chain (URNs: the chain has no web home of its own). */
export const Systems = {
    msp: 'urn:healthchain:msp',
    record: 'urn:healthchain:record',
    patient: 'urn:healthchain:patient',
    access: 'urn:healthchain:access',
    purpose: 'urn:healthchain:purpose',
    ledger: 'urn:healthchain:ledger',
} as const;

/** Purposes as HL7 v3 ActReason codes (http://terminology.hl7.org/CodeSystem/v3-ActReason). */
const ACT_REASON: Readonly<Record<Purpose, Coding>> = {
    TREATMENT: { code: 'TREAT', display: 'treatment' },
    PAYMENT: { code: 'HPAYMT', display: 'healthcare payment' },
    OVERSIGHT: { code: 'HOPERAT', display: 'healthcare operations' },
    RESEARCH: { code: 'HRESCH', display: 'healthcare research' },
    EMERGENCY: { code: 'ETREAT', display: 'Emergency Treatment' },
};
const ACT_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

function detail(type: string, value: string | null | undefined): { type: string; valueString: string }[] {
    return value === null || value === undefined ? [] : [{ type, valueString: value }];
}

function toAgents(event: AccessEvent): AuditEvent['agent'] {
    const purposeOfUse = [{ coding: [{ system: ACT_REASON_SYSTEM, ...ACT_REASON[event.purpose] }] }];
    const agents: NonNullable<AuditEvent['agent']> = [
        {
            type: {
                coding: [
                    {
                        system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                        code: 'IRCP',
                        display: 'information recipient',
                    },
                ],
            },
            who: { identifier: { system: Systems.msp, value: event.requester } },
            requestor: true,
            purposeOfUse,
        },
    ];
    if (event.custodian !== null) {
        agents.push({
            type: {
                coding: [
                    {
                        system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                        code: 'CST',
                        display: 'custodian',
                    },
                ],
            },
            who: { identifier: { system: Systems.msp, value: event.custodian } },
            requestor: false,
        });
    }
    return agents;
}

function toEntities(event: AccessEvent): AuditEvent['entity'] {
    const entities: NonNullable<AuditEvent['entity']> = [
        {
            what: { identifier: { system: Systems.record, value: event.recordId } },
            type: {
                system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
                code: '2',
                display: 'System Object',
            },
            role: {
                system: 'http://terminology.hl7.org/CodeSystem/object-role',
                code: '4',
                display: 'Domain Resource',
            },
            detail: [
                ...detail('category', event.category),
                ...detail('consentId', event.consentId),
                ...detail('expiresAt', event.expiresAt),
                ...detail('delivery', event.delivery ? `${event.delivery.status} ${event.delivery.at}` : null),
                ...detail('review', event.review ? `${event.review.verdict} ${event.review.at}` : null),
            ],
        },
    ];
    if (event.patientId !== null) {
        // The pseudonymous patient id only: no personal data is on the ledger or in the export.
        entities.push({
            what: { identifier: { system: Systems.patient, value: event.patientId } },
            type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
            role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
        });
    }
    return entities;
}

/**
 * One access event as a FHIR R4 AuditEvent: DICOM 110110 "Patient Record" access, subtype the purpose,
 * action R (read), outcome 0 (granted) or 4 (denied), the requester as requesting agent, the custodian,
 * the record and the patient's pseudonym as entities.
 * @param event - the access event
 * @param observer - who observed it (the ledger's channel name)
 */
export function toAuditEvent(event: AccessEvent, observer: string): AuditEvent {
    return {
        resourceType: 'AuditEvent',
        id: event.accessId,
        type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110', display: 'Patient Record' },
        subtype: [
            { system: Systems.purpose, code: event.purpose },
            { system: ACT_REASON_SYSTEM, ...ACT_REASON[event.purpose] },
        ],
        action: 'R',
        recorded: event.requestedAt,
        outcome: event.decision === 'DENIED' ? '4' : '0',
        outcomeDesc: `${event.decision}: ${event.reason}`,
        purposeOfEvent: [{ coding: [{ system: ACT_REASON_SYSTEM, ...ACT_REASON[event.purpose] }] }],
        agent: toAgents(event),
        source: {
            observer: { identifier: { system: Systems.ledger, value: observer }, display: 'health chain ledger' },
            type: [
                {
                    system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
                    code: '4',
                    display: 'Application Server',
                },
            ],
        },
        entity: toEntities(event),
    };
}

/**
 * One access event as an entry of a `collection` Bundle: its AuditEvent, the access id as `fullUrl`.
 * @param event - the access event
 * @param observer - the ledger's channel name
 */
export function toAuditBundleEntry(event: AccessEvent, observer: string): { fullUrl: string; resource: AuditEvent } {
    return { fullUrl: `${Systems.access}:${event.accessId}`, resource: toAuditEvent(event, observer) };
}

/**
 * Access events as a FHIR `collection` Bundle of AuditEvents.
 * @param events - the events
 * @param observer - the ledger's channel name
 * @param now - the bundle's timestamp
 */
export function toAuditBundle(events: readonly AccessEvent[], observer: string, now: Date): Bundle<AuditEvent> {
    return {
        resourceType: 'Bundle',
        type: 'collection',
        timestamp: now.toISOString(),
        entry: events.map((event) => toAuditBundleEntry(event, observer)),
    };
}
