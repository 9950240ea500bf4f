// SPDX-License-Identifier: Apache-2.0
/**
 * Access events as FHIR R4 AuditEvent resources (http://hl7.org/fhir/R4/auditevent.html), for the
 * commission's export (`GET /audit/export?format=fhir|ndjson`) and the FHIR view (`GET /fhir/AuditEvent`), both in
 * docs/api.md. Every access event is an authorisation decision taken by the ledger, so it takes the shape of
 * HL7's consent decision audit (FHIR's AuditEvent example "example-consent-permit-authz", and IHE BALP
 * AuthZconsent) written in R4: DICOM 110113 "Security Alert", action E (execute), outcome 0 for a permit and 4
 * for a deny, `outcomeDesc` CONSENT_PERMIT or CONSENT_DENY with the ledger's decision and reason (R4 has no
 * `outcome.detail`; its R5 successor replaced `outcomeDesc`), the purpose as HL7 v3 ActReason, the requester
 * as the requesting agent, the custodian as the source of the data, and the record, the pseudonymous patient
 * and the consent the decision rests on as entities.
 */
import type { AuditEvent, AuditEventEntity, Bundle, Coding } from '@medplum/fhirtypes';
import type { AccessEvent } from '../ledger/contracts';
import {
    CodeSystems,
    isFhirId,
    Systems,
    toOrganizationReference,
    toPatientReference,
    toPurposeConcept,
    toSecurityLabels,
    toServedReference,
} from '../fhir/terminology';

export { Systems } from '../fhir/terminology';

/** The decision as the consent-management guidance names it (FHIR R5 `AuditEvent.outcome.detail`). */
export const ConsentDecisions = { permit: 'CONSENT_PERMIT', deny: 'CONSENT_DENY' } as const;

/** IHE BALP's authorisation subtypes (https://profiles.ihe.net/ITI/BALP/CodeSystem/AuthZsubType). */
const AUTHZ_SUBTYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/AuthZsubType';
/** Reasons decided by the requester's and the custodian's role and status, before any consent is read. */
const ROLE_REASONS: ReadonlySet<string> = new Set([
    'EMERGENCY',
    'ORG_NOT_ACTIVE',
    'PURPOSE_NOT_PERMITTED',
    'RECORD_NOT_FOUND',
    'CUSTODIAN_NOT_ACTIVE',
]);
const AUDIT_ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

/**
 * The AuditEvent outcome of a decision: 0 (success) for a grant, 4 (minor failure) for a denial.
 * @param event - the access event
 */
export function toAuditOutcome(event: Pick<AccessEvent, 'decision'>): '0' | '4' {
    return event.decision === 'DENIED' ? '4' : '0';
}

/**
 * The decision as CONSENT_PERMIT or CONSENT_DENY.
 * @param event - the access event
 */
export function toConsentDecision(event: Pick<AccessEvent, 'decision'>): string {
    return event.decision === 'DENIED' ? ConsentDecisions.deny : ConsentDecisions.permit;
}

function toSubtypes(event: AccessEvent): Coding[] {
    const byRole = ROLE_REASONS.has(event.reason);
    return [
        byRole
            ? { system: AUTHZ_SUBTYPE, code: 'AuthZ-Role', display: 'Authorization Decision using only Roles' }
            : {
                  system: AUTHZ_SUBTYPE,
                  code: 'AuthZ-Consent',
                  display: 'Authorization Decision using Roles and Consent',
              },
        // What was asked for: one record, by id.
        { system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' },
    ];
}

function toAgents(event: AccessEvent): AuditEvent['agent'] {
    const agents: NonNullable<AuditEvent['agent']> = [
        {
            type: { coding: [{ system: CodeSystems.dicom, code: '110152', display: 'Destination Role ID' }] },
            who: toOrganizationReference(event.requester),
            requestor: true,
            purposeOfUse: [toPurposeConcept(event.purpose)],
        },
    ];
    if (event.custodian !== null) {
        agents.push({
            type: { coding: [{ system: CodeSystems.dicom, code: '110153', display: 'Source Role ID' }] },
            who: toOrganizationReference(event.custodian),
            requestor: false,
        });
    }
    return agents;
}

function detail(type: string, value: string | null | undefined): { type: string; valueString: string }[] {
    return value === null || value === undefined ? [] : [{ type, valueString: value }];
}

function toRecordEntity(event: AccessEvent): AuditEventEntity {
    const labels = event.category === null ? [] : toSecurityLabels(event.category);
    return {
        what: toServedReference('DocumentReference', Systems.record, event.recordId),
        type: { system: AUDIT_ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
        ...(labels.length > 0 ? { securityLabel: labels } : {}),
        detail: [
            ...detail('decision', event.decision),
            ...detail('reason', event.reason),
            ...detail('category', event.category),
            ...detail('justification', event.justification),
            ...detail('expiresAt', event.expiresAt),
            ...detail('delivery', event.delivery ? `${event.delivery.status} ${event.delivery.at}` : null),
            ...detail('deliveryReason', event.delivery?.reason),
            ...detail('review', event.review ? `${event.review.verdict} ${event.review.at}` : null),
        ],
    };
}

function toEntities(event: AccessEvent): AuditEvent['entity'] {
    const entities: AuditEventEntity[] = [toRecordEntity(event)];
    if (event.patientId !== null) {
        // The pseudonymous patient id only: no personal data is on the ledger or in the export.
        entities.push({
            what: toPatientReference(event.patientId),
            type: { system: AUDIT_ENTITY_TYPE, code: '1', display: 'Person' },
            role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
        });
    }
    if (event.consentId !== null) {
        // The consent that granted, or the one that came closest when denied (docs/design.md "Access event").
        entities.push({
            what: toServedReference('Consent', Systems.consent, event.consentId),
            type: { system: 'http://hl7.org/fhir/resource-types', code: 'Consent', display: 'Consent' },
            role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
            // Who signed it — the patient's pseudonymous id, or a guardian's — as the CSV export says too.
            detail: [
                { type: 'decision', valueString: toConsentDecision(event) },
                ...detail('signer', event.consentSigner),
            ],
        });
    }
    return entities;
}

/**
 * One access event as a FHIR R4 AuditEvent in the shape of a consent decision (see the module comment).
 * @param event - the access event, as the ledger showed it to the caller
 * @param observer - who observed it (the ledger's channel name)
 */
export function toAuditEvent(event: AccessEvent, observer: string): AuditEvent {
    return {
        resourceType: 'AuditEvent',
        // Access ids are transaction ids (64 hex digits), FHIR ids as they are.
        ...(isFhirId(event.accessId) ? { id: event.accessId } : {}),
        type: { system: CodeSystems.dicom, code: '110113', display: 'Security Alert' },
        subtype: toSubtypes(event),
        action: 'E',
        recorded: event.requestedAt,
        outcome: toAuditOutcome(event),
        outcomeDesc: `${toConsentDecision(event)}: ${event.decision} ${event.reason}`,
        purposeOfEvent: [toPurposeConcept(event.purpose)],
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
