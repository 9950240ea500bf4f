// SPDX-License-Identifier: Apache-2.0
/**
 * The one table of the FHIR view: the resource types it serves, each with its parameters. The router, the
 * search parser and the CapabilityStatement all read it, so they cannot drift apart.
 */
import type { GatewayConfig } from '../config';
import { auditEventHandler } from './audit-event';
import { consentHandler } from './consent';
import { documentReferenceHandler } from './document-reference';
import type { FhirResourceHandler } from './resource-handler';
import { PAGING_PARAMS, type SearchParamSpec } from './search-params';

/** Every resource type of the FHIR view, in the order the CapabilityStatement lists them. */
export const FhirResources: readonly FhirResourceHandler[] = [
    auditEventHandler,
    consentHandler,
    documentReferenceHandler,
];

/**
 * Every search parameter a resource accepts: its own, then `_count` and `_cursor`.
 * @param handler - the resource
 */
export function searchParamsOf(handler: FhirResourceHandler): readonly SearchParamSpec[] {
    return [...handler.searchParams, ...PAGING_PARAMS];
}

/**
 * Whether this gateway serves a resource at all (elsewhere it answers 403, as the matching JSON route does).
 * @param handler - the resource
 * @param config - this gateway's configuration
 */
export function isServedHere(handler: FhirResourceHandler, config: GatewayConfig): boolean {
    return handler.orgTypes === undefined || handler.orgTypes.includes(config.org.type);
}
