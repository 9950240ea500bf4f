// SPDX-License-Identifier: Apache-2.0
/**
 * `Consent`: the ledger's consents (docs/design.md "Consent") as FHIR R4 Consent resources
 * (http://hl7.org/fhir/R4/consent.html), for staff, as `GET /consents` serves them: a patient's consents (every
 * one at the commission's gateway, those naming this organisation elsewhere), or without `patient` every
 * consent naming this organisation. The chaincode decides what each organisation sees.
 *
 * A consent is a privacy consent (scope `patient-privacy`, category LOINC 59284-0 "Patient Consent" and
 * ActCode INFA "information access") that the patient signed (`performer`, `dateTime` = `issuedAt`) and the
 * chaincode verified against the patient's registered key (`verification`); when a guardian signed for the
 * patient (`signer`), the performer and the key verified are the guardian's, as a RelatedPerson known by its
 * guardian id. Its one `permit` provision names
 * the grantee as information recipient (IRCP) and each named custodian as custodian (CST; none for `*`), the
 * purposes as ActReason, the categories as `class` (`*` expanded to the ordinary categories it stands for) with
 * the sensitive ones also as `securityLabel`, the listed records as `data`, and the window as `period`
 * (`end` exclusive, to the millisecond). Status: `active`, or `inactive` once revoked.
 */
import type { CodeableConcept, Consent, ConsentProvision, Patient, Reference, RelatedPerson } from '@medplum/fhirtypes';
import { ApiError } from '../errors';
import type { Consent as LedgerConsent } from '../ledger/contracts';
import { fillPage, type Lister } from '../paging';
import { readId, readPatientId } from '../validation';
import { WILDCARD } from '../../../chaincode/src/protocol/vocabulary';
import { toLedgerUrn, type FhirContext, type FhirResourceHandler } from './resource-handler';
import {
    describeReference,
    singleValue,
    toReferencedId,
    type ParsedSearch,
    type ReferenceTarget,
} from './search-params';
import {
    CodeSystems,
    expandCategories,
    isFhirId,
    Systems,
    toActReason,
    toCategoryCoding,
    toOrganizationReference,
    toPatientReference,
    toSensitivityCodings,
    toServedReference,
} from './terminology';

const PATIENT: ReferenceTarget = { type: 'Patient', system: Systems.patient, read: readPatientId };

function toActors(consent: LedgerConsent): NonNullable<ConsentProvision['actor']> {
    const role = (code: string, display: string): CodeableConcept => ({
        coding: [{ system: CodeSystems.participationType, code, display }],
    });
    const custodians = consent.custodians.includes(WILDCARD) ? [] : consent.custodians;
    return [
        { role: role('IRCP', 'information recipient'), reference: toOrganizationReference(consent.grantee) },
        ...custodians.map((custodian) => ({
            role: role('CST', 'custodian'),
            reference: toOrganizationReference(custodian),
        })),
    ];
}

function toProvision(consent: LedgerConsent): ConsentProvision {
    const categories = expandCategories(consent.categories);
    const labels = toSensitivityCodings(categories);
    const records = consent.recordIds ?? [];
    return {
        type: 'permit',
        period: { start: consent.notBefore, end: consent.notAfter },
        actor: toActors(consent),
        purpose: consent.purposes.map(toActReason),
        ...(labels.length > 0 ? { securityLabel: labels } : {}),
        class: categories.map(toCategoryCoding),
        ...(records.length > 0
            ? {
                  data: records.map((recordId) => ({
                      meaning: 'instance' as const,
                      reference: toServedReference('DocumentReference', Systems.record, recordId),
                  })),
              }
            : {}),
    };
}

/**
 * Who signed the consent: the patient, or the guardian who signed for them.
 * @param consent - the consent
 * @param patient - the reference to its patient
 */
function toSignerReference(consent: LedgerConsent, patient: Reference<Patient>): Reference<Patient | RelatedPerson> {
    const signer = consent.signer ?? null;
    return signer === null
        ? patient
        : { type: 'RelatedPerson', identifier: { system: Systems.guardian, value: signer } };
}

/**
 * A ledger consent as a FHIR R4 Consent (see the module comment).
 * @param consent - the consent as the ledger showed it to the caller
 */
export function toFhirConsent(consent: LedgerConsent): Consent {
    const patient: Reference<Patient> = toPatientReference(consent.patientId);
    const signedBy = toSignerReference(consent, patient);
    return {
        resourceType: 'Consent',
        ...(isFhirId(consent.consentId) ? { id: consent.consentId } : {}),
        meta: { lastUpdated: consent.revokedAt ?? consent.grantedAt },
        identifier: [{ system: Systems.consent, value: consent.consentId }],
        status: consent.status === 'revoked' ? 'inactive' : 'active',
        scope: {
            coding: [
                {
                    system: 'http://terminology.hl7.org/CodeSystem/consentscope',
                    code: 'patient-privacy',
                    display: 'Privacy Consent',
                },
            ],
        },
        category: [
            { coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] },
            { coding: [{ system: CodeSystems.actCode, code: 'INFA', display: 'information access' }] },
        ],
        patient,
        dateTime: consent.issuedAt,
        performer: [signedBy],
        policyRule: { coding: [{ system: CodeSystems.actCode, code: 'OPTINR', display: 'opt-in with restrictions' }] },
        verification: [{ verified: true, verifiedWith: signedBy, verificationDate: consent.grantedAt }],
        provision: toProvision(consent),
    };
}

function toLister(context: FhirContext, patientId: string | undefined): Lister<LedgerConsent> {
    const { contracts, config } = context;
    if (patientId !== undefined) {
        return (page) => contracts.listConsentsByPatient(patientId, page);
    }
    if (config.org.type === 'commission') {
        throw new ApiError('INVALID_INPUT', 'patient is required at the commission’s gateway');
    }
    return (page) => contracts.listConsentsByGrantee(config.org.mspId, page);
}

/** The Consent resource: staff search and read of the consents the ledger shows this organisation. */
export const consentHandler: FhirResourceHandler<Consent> = {
    type: 'Consent',
    documentation:
        'Patients’ consents, as GET /consents: any staff token. With patient: that patient’s consents (all of ' +
        'them at the commission’s gateway, those naming this organisation elsewhere), by grantee then id; ' +
        'without (not at the commission): every consent naming this organisation, by patient then id.',
    roles: [],
    searchParams: [
        {
            name: 'patient',
            type: 'reference',
            definition: 'http://hl7.org/fhir/SearchParameter/clinical-patient',
            documentation: describeReference(PATIENT, 'The pseudonymous patient who gave the consent'),
            modifiers: ['identifier'],
        },
    ],
    async search(context: FhirContext, search: ParsedSearch, paging) {
        const patient = singleValue(search, 'patient');
        const patientId = patient === undefined ? undefined : toReferencedId('patient', patient, PATIENT);
        const body = await fillPage(toLister(context, patientId), paging, () => true);
        return { resources: body.items.map(toFhirConsent), nextCursor: body.nextCursor };
    },
    async read(context: FhirContext, id: string) {
        return toFhirConsent(await context.contracts.readConsent(readId(id, 'id')));
    },
    urnOf(resource: Consent) {
        return toLedgerUrn(Systems.consent, resource.identifier?.[0]?.value ?? '');
    },
};
