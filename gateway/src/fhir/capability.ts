// SPDX-License-Identifier: Apache-2.0
/**
 * `GET /fhir/metadata`: this gateway's CapabilityStatement (http://hl7.org/fhir/R4/capabilitystatement.html),
 * made from the table the router and the search parser use (`resources.ts`), so it lists exactly the resource
 * types this gateway serves, their interactions and their search parameters.
 */
import type {
    CapabilityStatement,
    CapabilityStatementRestResource,
    CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';
import type { GatewayConfig } from '../config';
import type { FhirResourceHandler } from './resource-handler';
import { isServedHere, searchParamsOf } from './resources';
import type { SearchParamSpec } from './search-params';

/** The FHIR version served (R4). */
export const FHIR_VERSION = '4.0.1';

function toSearchParam(spec: SearchParamSpec): CapabilityStatementRestResourceSearchParam {
    const modifiers = (spec.modifiers ?? []).map((modifier) => `:${modifier}`);
    const documentation =
        modifiers.length === 0 ? spec.documentation : `${spec.documentation} Modifiers: ${modifiers.join(', ')}.`;
    return {
        name: spec.name,
        ...(spec.definition === undefined ? {} : { definition: spec.definition }),
        type: spec.type,
        documentation,
    };
}

function toRestResource(handler: FhirResourceHandler): CapabilityStatementRestResource {
    const roles = handler.roles.length === 0 ? 'any staff role' : `role ${handler.roles.join(' or ')}`;
    return {
        type: handler.type,
        documentation: `${handler.documentation} (${roles})`,
        interaction: [{ code: 'read' }, { code: 'search-type' }],
        versioning: 'no-version',
        readHistory: false,
        updateCreate: false,
        conditionalCreate: false,
        conditionalRead: 'not-supported',
        conditionalUpdate: false,
        conditionalDelete: 'not-supported',
        searchParam: searchParamsOf(handler).map(toSearchParam),
    };
}

/**
 * This gateway's CapabilityStatement.
 * @param config - this gateway's configuration
 * @param handlers - the FHIR view's table
 * @param base - the base URL of `/fhir`
 * @param now - the statement's date
 */
export function toCapabilityStatement(
    config: GatewayConfig,
    handlers: readonly FhirResourceHandler[],
    base: string,
    now: Date,
): CapabilityStatement {
    return {
        resourceType: 'CapabilityStatement',
        status: 'active',
        date: now.toISOString(),
        publisher: config.org.name,
        kind: 'instance',
        software: { name: 'health chain gateway' },
        implementation: {
            description: `The FHIR R4 view of the ${config.org.mspId} gateway (${config.org.type}), read-only`,
            url: base,
        },
        fhirVersion: FHIR_VERSION,
        format: ['json', 'application/fhir+json'],
        rest: [
            {
                mode: 'server',
                documentation:
                    'A read-only view of the ledger: what the gateway’s JSON API shows, as FHIR. Unsupported ' +
                    'parameters, modifiers and prefixes answer 400; formats other than JSON 406.',
                security: {
                    cors: false,
                    service: [{ text: 'Bearer token' }],
                    description:
                        'Authorization: Bearer <a staff token of this organisation>, as on the JSON API; the ' +
                        'metadata needs none. The ledger decides what each organisation sees.',
                },
                resource: handlers.filter((handler) => isServedHere(handler, config)).map(toRestResource),
            },
        ],
    };
}
