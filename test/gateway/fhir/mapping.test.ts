// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import type { Resource } from '@medplum/fhirtypes';
import { toAuditBundle, toAuditEvent } from '../../../gateway/src/audit/fhir-audit-event';
import type { GatewayConfig } from '../../../gateway/src/config';
import { toCapabilityStatement } from '../../../gateway/src/fhir/capability';
import { toFhirConsent } from '../../../gateway/src/fhir/consent';
import { toDocumentReference } from '../../../gateway/src/fhir/document-reference';
import { FhirResources, searchParamsOf } from '../../../gateway/src/fhir/resources';
import { CodeSystems, Systems } from '../../../gateway/src/fhir/terminology';
import type { AccessEvent, Consent, RecordEntry } from '../../../gateway/src/ledger/contracts';
import { OrdinaryCategories } from '../../../chaincode/src/protocol/vocabulary';
import { assertValidFhir } from '../../helpers/fhir-validator';

const PATIENT = `pt${'a'.repeat(52)}`;
const ACCESS_ID = 'f'.repeat(64);

function newConsent(fields: Partial<Consent> = {}): Consent {
    return {
        consentId: 'consent-1',
        patientId: PATIENT,
        grantee: 'HospitalBMSP',
        purposes: ['TREATMENT', 'RESEARCH'],
        categories: ['lab', 'hiv'],
        custodians: ['HospitalAMSP'],
        recordIds: null,
        notBefore: '2030-01-01T00:00:00.000Z',
        notAfter: '2030-02-01T00:00:00.000Z',
        issuedAt: '2029-12-31T23:00:00.000Z',
        channel: 'healthchain',
        signature: 'sig',
        status: 'active',
        grantedAt: '2029-12-31T23:00:01.000Z',
        txId: 'tx-grant',
        revokedAt: null,
        revokeTxId: null,
        ...fields,
    };
}

function newEntry(fields: Partial<RecordEntry> = {}): RecordEntry {
    return {
        recordId: 'rec-1',
        patientId: PATIENT,
        custodian: 'HospitalAMSP',
        category: 'lab',
        contentHash: 'a'.repeat(64),
        supersedes: null,
        supersededBy: null,
        createdAt: '2030-01-02T03:04:05.678Z',
        txId: 'b'.repeat(64),
        ...fields,
    };
}

function newEvent(fields: Partial<AccessEvent> = {}): AccessEvent {
    return {
        accessId: ACCESS_ID,
        requester: 'HospitalBMSP',
        custodian: 'HospitalAMSP',
        recordId: 'rec-1',
        patientId: PATIENT,
        category: 'lab',
        purpose: 'TREATMENT',
        decision: 'GRANTED',
        reason: 'CONSENT',
        consentId: 'consent-1',
        justification: null,
        requestedAt: '2030-01-02T03:04:05.678Z',
        expiresAt: '2030-01-02T03:09:05.678Z',
        delivery: null,
        review: null,
        ...fields,
    };
}

function newConfig(type: GatewayConfig['org']['type']): GatewayConfig {
    return { org: { mspId: 'CommissionMSP', type, name: 'the commission' }, channel: 'healthchain' } as GatewayConfig;
}

describe('FHIR view: ledger objects as FHIR R4 resources', () => {
    it('maps an active consent to a valid permit Consent: grantee, custodians, purposes, categories, window', () => {
        const consent = toFhirConsent(newConsent());
        assertValidFhir(consent);
        assert.equal(consent.id, 'consent-1');
        assert.equal(consent.status, 'active');
        assert.equal(consent.scope.coding?.[0]?.code, 'patient-privacy');
        assert.deepEqual(
            consent.category.map((concept) => concept.coding?.[0]?.code),
            ['59284-0', 'INFA'],
        );
        assert.deepEqual(consent.patient?.identifier, { system: Systems.patient, value: PATIENT });
        assert.equal(consent.dateTime, '2029-12-31T23:00:00.000Z');
        const provision = consent.provision;
        assert.ok(provision);
        assert.equal(provision.type, 'permit');
        assert.deepEqual(provision.period, { start: '2030-01-01T00:00:00.000Z', end: '2030-02-01T00:00:00.000Z' });
        assert.deepEqual(
            provision.actor?.map((actor) => [actor.role.coding?.[0]?.code, actor.reference.identifier?.value]),
            [
                ['IRCP', 'HospitalBMSP'],
                ['CST', 'HospitalAMSP'],
            ],
        );
        assert.deepEqual(
            provision.purpose?.map((coding) => [coding.system, coding.code]),
            [
                [CodeSystems.actReason, 'TREAT'],
                [CodeSystems.actReason, 'HRESCH'],
            ],
        );
        assert.deepEqual(
            provision.class?.map((coding) => coding.code),
            ['lab', 'hiv'],
        );
        assert.deepEqual(
            provision.securityLabel?.map((coding) => coding.code),
            ['HIV'],
        );
        assert.equal(provision.data, undefined);
    });

    it('maps a revoked wildcard consent for listed records: inactive, ordinary categories, any custodian, data', () => {
        const consent = toFhirConsent(
            newConsent({
                status: 'revoked',
                revokedAt: '2030-01-05T00:00:00.000Z',
                categories: ['*'],
                custodians: ['*'],
                recordIds: ['rec-1', 'rec_2'],
            }),
        );
        assertValidFhir(consent);
        assert.equal(consent.status, 'inactive');
        assert.equal(consent.meta?.lastUpdated, '2030-01-05T00:00:00.000Z');
        const provision = consent.provision;
        assert.ok(provision);
        assert.deepEqual(
            provision.class?.map((coding) => coding.code),
            [...OrdinaryCategories],
        );
        assert.equal(provision.securityLabel, undefined);
        assert.deepEqual(
            provision.actor?.map((actor) => actor.role.coding?.[0]?.code),
            ['IRCP'],
        );
        // A ledger id that is not a FHIR id (`_`) is referred to by identifier only.
        assert.deepEqual(
            provision.data?.map((data) => [data.meaning, data.reference.reference]),
            [
                ['instance', 'DocumentReference/rec-1'],
                ['instance', undefined],
            ],
        );
    });

    it('names the patient as signer, or the guardian who signed for the patient as a RelatedPerson', () => {
        const own = toFhirConsent(newConsent({ signer: null }));
        assert.deepEqual(own.performer, [own.patient]);
        assert.deepEqual(own.verification?.[0]?.verifiedWith, own.patient);
        const guardianId = `pt${'b'.repeat(52)}`;
        const byGuardian = toFhirConsent(newConsent({ signer: guardianId }));
        assertValidFhir(byGuardian);
        const guardian = { type: 'RelatedPerson', identifier: { system: Systems.guardian, value: guardianId } };
        assert.deepEqual(byGuardian.performer, [guardian]);
        assert.deepEqual(byGuardian.verification?.[0]?.verifiedWith, guardian);
        assert.deepEqual(byGuardian.patient?.identifier, { system: Systems.patient, value: PATIENT });
    });

    it('gives a consent whose id is not a FHIR id no resource id, only its identifier', () => {
        const consent = toFhirConsent(newConsent({ consentId: 'consent_with:colon' }));
        assertValidFhir(consent);
        assert.equal(consent.id, undefined);
        assert.deepEqual(consent.identifier, [{ system: Systems.consent, value: 'consent_with:colon' }]);
    });

    it('maps an index entry to a DocumentReference without content, its hash as an identifier', () => {
        const reference = toDocumentReference(newEntry());
        assertValidFhir(reference);
        assert.equal(reference.id, 'rec-1');
        assert.equal(reference.status, 'current');
        assert.deepEqual(reference.masterIdentifier, { system: Systems.record, value: 'rec-1' });
        assert.deepEqual(reference.identifier?.[0], { system: Systems.contentHash, value: 'a'.repeat(64) });
        assert.deepEqual(reference.custodian?.identifier, { system: Systems.msp, value: 'HospitalAMSP' });
        assert.equal(reference.category?.[0]?.coding?.[0]?.code, 'lab');
        assert.deepEqual(reference.content, [{ attachment: { contentType: 'application/fhir+json' } }]);
        assert.equal(reference.securityLabel, undefined);
    });

    it('marks a superseded entry and the version that replaces it, and labels sensitive categories', () => {
        const old = toDocumentReference(newEntry({ supersededBy: 'rec-2', category: 'mental-health' }));
        // The chaincode shows a sensitive category the caller may not know as `restricted`.
        const restricted = { category: 'restricted' } as unknown as Partial<RecordEntry>;
        const next = toDocumentReference(newEntry({ recordId: 'rec-2', supersedes: 'rec-1', ...restricted }));
        assertValidFhir(old);
        assertValidFhir(next);
        assert.equal(old.status, 'superseded');
        assert.deepEqual(
            old.securityLabel?.map((concept) => concept.coding?.[0]?.code),
            ['R', 'MH'],
        );
        assert.deepEqual(next.relatesTo, [
            {
                code: 'replaces',
                target: {
                    reference: 'DocumentReference/rec-1',
                    type: 'DocumentReference',
                    identifier: { system: Systems.record, value: 'rec-1' },
                },
            },
        ]);
        assert.deepEqual(
            next.securityLabel?.map((concept) => concept.coding?.[0]?.code),
            ['R'],
        );
    });

    it('maps a granted access to a consent-permit AuditEvent referring to its consent', () => {
        const event = toAuditEvent(newEvent(), 'healthchain');
        assertValidFhir(event);
        assert.equal(event.type.code, '110113');
        assert.equal(event.action, 'E');
        assert.equal(event.outcome, '0');
        assert.equal(event.outcomeDesc, 'CONSENT_PERMIT: GRANTED CONSENT');
        assert.equal(event.subtype?.[0]?.code, 'AuthZ-Consent');
        const consent = event.entity?.find((entity) => entity.type?.code === 'Consent');
        assert.equal(consent?.what?.reference, 'Consent/consent-1');
        assert.deepEqual(consent.detail, [{ type: 'decision', valueString: 'CONSENT_PERMIT' }]);
    });

    it('maps a break-the-glass access to a role decision with its justification, delivery and review', () => {
        const event = toAuditEvent(
            newEvent({
                purpose: 'EMERGENCY',
                decision: 'GRANTED_EMERGENCY',
                reason: 'EMERGENCY',
                consentId: null,
                justification: 'unconscious',
                delivery: { status: 'REFUSED', reason: 'GRANT_EXPIRED', contentHash: null, at: 'x', txId: 'd' },
                review: { verdict: 'justified', note: 'n', reviewer: 'CommissionMSP', at: 'y', txId: 'r' },
            }),
            'healthchain',
        );
        assertValidFhir(event);
        const [subtype] = event.subtype ?? [];
        const [purpose] = event.purposeOfEvent ?? [];
        assert.equal(subtype?.code, 'AuthZ-Role');
        assert.equal(purpose?.coding?.[0]?.code, 'ETREAT');
        const entities = event.entity ?? [];
        assert.equal(entities.length, 2);
        const [record] = entities;
        const details = Object.fromEntries((record?.detail ?? []).map((d) => [d.type, d.valueString]));
        assert.deepEqual(details, {
            decision: 'GRANTED_EMERGENCY',
            reason: 'EMERGENCY',
            category: 'lab',
            justification: 'unconscious',
            expiresAt: '2030-01-02T03:09:05.678Z',
            delivery: 'REFUSED x',
            deliveryReason: 'GRANT_EXPIRED',
            review: 'justified y',
        });
    });

    it('keeps a valid export Bundle of AuditEvents', () => {
        const denied = newEvent({
            accessId: 'e'.repeat(64),
            decision: 'DENIED',
            reason: 'NO_CONSENT',
            consentId: null,
        });
        const bundle = toAuditBundle([newEvent(), denied], 'healthchain', new Date());
        assertValidFhir(bundle);
    });
});

describe('FHIR view: the CapabilityStatement', () => {
    it('lists exactly the table’s resources, interactions and search parameters, and is valid', () => {
        const statement = toCapabilityStatement(newConfig('commission'), FhirResources, 'https://x/fhir', new Date());
        assertValidFhir(statement);
        assert.equal(statement.fhirVersion, '4.0.1');
        assert.deepEqual(statement.format, ['json', 'application/fhir+json']);
        const [rest] = statement.rest ?? [];
        assert.equal(rest?.mode, 'server');
        assert.ok(rest.security?.service?.[0]?.text?.startsWith('Bearer'));
        const listed = (rest.resource ?? []).map((resource) => ({
            type: resource.type,
            interactions: resource.interaction?.map((interaction) => interaction.code),
            params: resource.searchParam?.map((param) => [param.name, param.type]),
        }));
        const expected = FhirResources.map((handler) => ({
            type: handler.type,
            interactions: ['read', 'search-type'],
            params: searchParamsOf(handler).map((param) => [param.name, param.type]),
        }));
        assert.deepEqual(listed, expected);
    });

    it('leaves out what a gateway does not serve: AuditEvent is the commission’s', () => {
        const statement = toCapabilityStatement(newConfig('hospital'), FhirResources, 'https://x/fhir', new Date());
        assertValidFhir(statement);
        assert.deepEqual(
            statement.rest?.[0]?.resource?.map((resource: { type: Resource['resourceType'] }) => resource.type),
            ['Consent', 'DocumentReference'],
        );
    });
});
