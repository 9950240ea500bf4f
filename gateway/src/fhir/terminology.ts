// SPDX-License-Identifier: Apache-2.0
/**
 * The codes and references the FHIR view shares between its resources (docs/api.md "FHIR R4 REST view"): the
 * health chain's own identifier systems, purposes as HL7 v3 ActReason, record categories with the HL7 v3
 * sensitivity codes of the sensitive ones, and references to organisations, patients and served resources.
 */
import type { CodeableConcept, Coding, Organization, Patient, Reference, Resource } from '@medplum/fhirtypes';
import type { Purpose } from '../ledger/contracts';
import { OrdinaryCategories, RESTRICTED_CATEGORY, WILDCARD } from '../../../chaincode/src/protocol/vocabulary';

/** Identifier systems of the health chain (URNs: the chain has no web home of its own). */
export const Systems = {
    msp: 'urn:healthchain:msp',
    record: 'urn:healthchain:record',
    patient: 'urn:healthchain:patient',
    access: 'urn:healthchain:access',
    consent: 'urn:healthchain:consent',
    /** A guardian's id, derived from the guardian's key as a patient id is (docs/design.md "Guardians"). */
    guardian: 'urn:healthchain:guardian',
    purpose: 'urn:healthchain:purpose',
    category: 'urn:healthchain:category',
    /** SHA-256(salt ‖ canonical content), lowercase hex (docs/design.md "Record index entry"). */
    contentHash: 'urn:healthchain:content-hash',
    /** A ledger transaction id. */
    tx: 'urn:healthchain:tx',
    ledger: 'urn:healthchain:ledger',
} as const;

/** HL7 code systems used here (http://terminology.hl7.org). */
export const CodeSystems = {
    actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
    actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
    confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
    participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
    dicom: 'http://dicom.nema.org/resources/ontology/DCM',
} as const;

/**
 * Purposes as HL7 v3 ActReason codes. OVERSIGHT is the commission's regulatory purpose: HCOMPL ("activities
 * required to meet a mandate") rather than HOPERAT, which is a provider's own administration.
 */
export const ActReasons: Readonly<Record<Purpose, Required<Pick<Coding, 'code' | 'display'>>>> = {
    TREATMENT: { code: 'TREAT', display: 'treatment' },
    PAYMENT: { code: 'HPAYMT', display: 'healthcare payment' },
    OVERSIGHT: { code: 'HCOMPL', display: 'health compliance' },
    RESEARCH: { code: 'HRESCH', display: 'healthcare research' },
    EMERGENCY: { code: 'ETREAT', display: 'Emergency Treatment' },
};

/**
 * A purpose as an ActReason coding.
 * @param purpose - the ledger's purpose
 */
export function toActReason(purpose: Purpose): Coding {
    return { system: CodeSystems.actReason, ...ActReasons[purpose] };
}

/**
 * A purpose as a concept: the ActReason coding and the ledger's own code.
 * @param purpose - the ledger's purpose
 */
export function toPurposeConcept(purpose: Purpose): CodeableConcept {
    return { coding: [toActReason(purpose), { system: Systems.purpose, code: purpose }] };
}

/** The HL7 v3 ActCode information-sensitivity code of each sensitive category. */
const SENSITIVITY: Readonly<Record<string, Required<Pick<Coding, 'code' | 'display'>>>> = {
    'mental-health': { code: 'MH', display: 'mental health information sensitivity' },
    hiv: { code: 'HIV', display: 'HIV/AIDS information sensitivity' },
    genetic: { code: 'GDIS', display: 'genetic disease information sensitivity' },
    reproductive: { code: 'SEX', display: 'sexuality and reproductive health information sensitivity' },
    'substance-use': { code: 'SUD', display: 'substance use disorder information sensitivity' },
};

const RESTRICTED: Coding = { system: CodeSystems.confidentiality, code: 'R', display: 'restricted' };

/**
 * A category (or `restricted`) as a coding of the chain's category system.
 * @param category - a category as shown to the caller
 */
export function toCategoryCoding(category: string): Coding {
    return { system: Systems.category, code: category };
}

/**
 * Security labels of a record in a category as shown to the caller: a sensitive category is confidentiality R
 * (restricted) with its ActCode sensitivity; `restricted` (a sensitive category the caller may not know) only
 * R; an ordinary category none.
 * @param category - a category, or `restricted`
 */
export function toSecurityLabels(category: string): Coding[] {
    const sensitivity = SENSITIVITY[category];
    if (sensitivity !== undefined) {
        return [RESTRICTED, { system: CodeSystems.actCode, ...sensitivity }];
    }
    return category === RESTRICTED_CATEGORY ? [RESTRICTED] : [];
}

/**
 * The sensitivity codes of the sensitive categories among some categories (none for ordinary ones).
 * @param categories - categories
 */
export function toSensitivityCodings(categories: readonly string[]): Coding[] {
    return categories.flatMap((category) => {
        const sensitivity = SENSITIVITY[category];
        return sensitivity === undefined ? [] : [{ system: CodeSystems.actCode, ...sensitivity }];
    });
}

/**
 * A consent's categories with `*` expanded to the ordinary categories it stands for (it never covers a
 * sensitive one, docs/design.md "Categories").
 * @param categories - the consent's categories
 */
export function expandCategories(categories: readonly string[]): string[] {
    return categories.includes(WILDCARD) ? [...OrdinaryCategories] : [...categories];
}

/** FHIR's id syntax (http://hl7.org/fhir/R4/datatypes.html#id); ledger ids may be longer or hold `_` and `:`. */
const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

/**
 * Whether a ledger id can serve as a FHIR resource id as it is.
 * @param id - a ledger id
 */
export function isFhirId(id: string): boolean {
    return FHIR_ID.test(id);
}

/**
 * A logical reference to an organisation by its MSP id: this server serves no Organization resources.
 * @param mspId - the organisation's MSP id
 */
export function toOrganizationReference(mspId: string): Reference<Organization> {
    return { type: 'Organization', identifier: { system: Systems.msp, value: mspId } };
}

/**
 * A logical reference to a patient by the pseudonymous patient id: no personal data is on the ledger, and
 * this server serves no Patient resources.
 * @param patientId - the pseudonymous patient id
 */
export function toPatientReference(patientId: string): Reference<Patient> {
    return { type: 'Patient', identifier: { system: Systems.patient, value: patientId } };
}

/**
 * A reference to a resource this server serves: literal when the ledger id is a FHIR id, and always by
 * identifier, so that it still names the ledger object when it is not.
 * @param type - the resource type
 * @param system - the identifier system of its ledger id
 * @param id - the ledger id
 */
export function toServedReference<T extends Resource>(
    type: T['resourceType'],
    system: string,
    id: string,
): Reference<T> {
    return { ...(isFhirId(id) ? { reference: `${type}/${id}` } : {}), type, identifier: { system, value: id } };
}
