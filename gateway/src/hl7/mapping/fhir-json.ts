// SPDX-License-Identifier: Apache-2.0
/** Typed FHIR resources (`@medplum/fhirtypes`) handed on as the plain JSON that records hold. */
import type { FhirJson } from './types';

/**
 * A FHIR resource as plain JSON.
 * @param resource - the resource
 */
export function toFhirJson(resource: { readonly resourceType: string }): FhirJson {
    return resource;
}

/**
 * A resource without its absent elements: FHIR JSON leaves out what has no value, never `null`, `undefined`
 * or an empty list (http://hl7.org/fhir/R4/json.html).
 * @param resource - a resource built with optional elements
 */
export function withoutEmpty<T extends object>(resource: T): T {
    const entries = Object.entries(resource).filter(
        ([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0),
    );
    return Object.fromEntries(entries) as T;
}
