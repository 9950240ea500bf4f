// SPDX-License-Identifier: Apache-2.0
/**
 * Validation of `POST /records` bodies: `{patientId, category, resource}` with a FHIR R4 resource or Bundle.
 * Checks the shape FHIR's JSON format requires (http://hl7.org/fhir/R4/json.html): an object with a known
 * `resourceType`, a well-formed `id`, no `null` values, Bundles whose entries hold resources; and rejects
 * keys that could reach a prototype, however deep. Not a full profile validation.
 */
import { ID_PATTERN } from '../../../chaincode/src/protocol/input';
import { PATIENT_ID_PATTERN } from '../../../chaincode/src/protocol/patient-id';
import { Categories, type Category } from '../../../chaincode/src/protocol/vocabulary';
import { ApiError } from '../errors';

/** A validated publication request. */
export interface PublishRequest {
    readonly patientId: string;
    readonly category: Category;
    readonly resource: Readonly<Record<string, unknown>>;
}

/** Resource types a record may be (clinical, financial and document resources of FHIR R4). */
export const RecordResourceTypes: ReadonlySet<string> = new Set([
    'AllergyIntolerance',
    'Binary',
    'Bundle',
    'CarePlan',
    'CareTeam',
    'Claim',
    'ClaimResponse',
    'ClinicalImpression',
    'Composition',
    'Condition',
    'Coverage',
    'DetectedIssue',
    'DiagnosticReport',
    'DocumentReference',
    'Encounter',
    'EpisodeOfCare',
    'ExplanationOfBenefit',
    'FamilyMemberHistory',
    'Goal',
    'ImagingStudy',
    'Immunization',
    'Location',
    'Media',
    'Medication',
    'MedicationAdministration',
    'MedicationDispense',
    'MedicationRequest',
    'MedicationStatement',
    'NutritionOrder',
    'Observation',
    'Organization',
    'Patient',
    'Practitioner',
    'PractitionerRole',
    'Procedure',
    'Provenance',
    'QuestionnaireResponse',
    'RiskAssessment',
    'ServiceRequest',
    'Specimen',
]);

/** Bundle types (http://hl7.org/fhir/R4/valueset-bundle-type.html). */
const BUNDLE_TYPES: ReadonlySet<string> = new Set([
    'document',
    'message',
    'transaction',
    'transaction-response',
    'batch',
    'batch-response',
    'history',
    'searchset',
    'collection',
]);

/** FHIR `id` (http://hl7.org/fhir/R4/datatypes.html#id). */
const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 64;

function invalid(message: string): never {
    throw new ApiError('INVALID_INPUT', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assertPlainJson(value: unknown, path: string, depth: number): void {
    if (depth > MAX_DEPTH) {
        invalid(`${path} is nested too deeply`);
    }
    if (value === null) {
        invalid(`${path} is null; FHIR JSON leaves absent values out`);
    }
    if (Array.isArray(value)) {
        value.forEach((item, i) => {
            assertPlainJson(item, `${path}[${i}]`, depth + 1);
        });
    } else if (typeof value === 'object') {
        for (const [key, item] of Object.entries(value)) {
            if (FORBIDDEN_KEYS.has(key)) {
                invalid(`${path} has the forbidden key "${key}"`);
            }
            assertPlainJson(item, `${path}.${key}`, depth + 1);
        }
    }
}

function assertBundle(bundle: Record<string, unknown>, path: string, depth: number): void {
    if (typeof bundle.type !== 'string' || !BUNDLE_TYPES.has(bundle.type)) {
        invalid(`${path}.type must be a FHIR Bundle type`);
    }
    if (bundle.entry === undefined) {
        return;
    }
    if (!Array.isArray(bundle.entry)) {
        invalid(`${path}.entry must be an array`);
    }
    bundle.entry.forEach((entry: unknown, i) => {
        if (!isObject(entry)) {
            invalid(`${path}.entry[${i}] must be an object`);
        }
        if (entry.resource !== undefined) {
            assertResource(entry.resource, `${path}.entry[${i}].resource`, depth + 1);
        }
    });
}

function assertResource(value: unknown, path: string, depth: number): void {
    if (!isObject(value)) {
        invalid(`${path} must be a FHIR resource (a JSON object)`);
    }
    const { resourceType, id } = value;
    if (typeof resourceType !== 'string' || !RecordResourceTypes.has(resourceType)) {
        invalid(`${path}.resourceType must be one of the supported FHIR R4 resource types`);
    }
    if (id !== undefined && (typeof id !== 'string' || !FHIR_ID.test(id))) {
        invalid(`${path}.id must be a FHIR id (1-64 letters, digits, '-' and '.')`);
    }
    if (value.meta !== undefined && !isObject(value.meta)) {
        invalid(`${path}.meta must be an object`);
    }
    if (resourceType === 'Bundle') {
        assertBundle(value, path, depth);
    }
}

/**
 * Reads a publication request.
 * @param body - the parsed JSON body
 * @returns the request
 * @throws ApiError INVALID_INPUT naming the first problem
 */
export function readPublishRequest(body: unknown): PublishRequest {
    if (!isObject(body)) {
        invalid('the body must be a JSON object {patientId, category, resource}');
    }
    assertPlainJson(body, 'body', 0);
    for (const key of Object.keys(body)) {
        if (!['patientId', 'category', 'resource'].includes(key)) {
            invalid(`body.${key} is not an allowed field`);
        }
    }
    const { patientId, category, resource } = body;
    if (typeof patientId !== 'string' || !PATIENT_ID_PATTERN.test(patientId)) {
        invalid('patientId must be a patient id');
    }
    if (typeof category !== 'string' || !(Categories as readonly string[]).includes(category)) {
        invalid(`category must be one of ${Categories.join(', ')}`);
    }
    assertResource(resource, 'resource', 0);
    return { patientId, category: category as Category, resource: resource as Record<string, unknown> };
}

/**
 * Reads a ledger id from a path parameter (record and access ids).
 * @param value - the parameter
 * @param name - its name, for the error
 * @throws ApiError INVALID_INPUT
 */
export function readLedgerId(value: unknown, name: string): string {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
        invalid(`${name} must be a ledger id`);
    }
    return value;
}
