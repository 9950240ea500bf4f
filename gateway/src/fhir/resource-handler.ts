// SPDX-License-Identifier: Apache-2.0
/**
 * What each resource of the FHIR view provides (one module per resource type): who may use it, the search
 * parameters it supports, its search and read. The router (`gateway/src/routes/fhir.ts`) serves these, the
 * parser (`search-params.ts`) accepts exactly their parameters and the CapabilityStatement (`capability.ts`)
 * announces exactly them. Every read goes through the chaincode function the matching JSON route uses, so the
 * ledger's visibility rules decide what is seen (docs/design.md "Who may see what"); no handler filters for
 * visibility itself.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StaffRole } from '../auth/tokens';
import type { GatewayConfig, OrganizationType } from '../config';
import type { LedgerContracts } from '../ledger/contracts';
import type { FillRequest } from '../paging';
import type { SearchPage } from './bundle';
import type { ParsedSearch, SearchParamSpec } from './search-params';

/** What a handler reads with. */
export interface FhirContext {
    readonly contracts: LedgerContracts;
    readonly config: GatewayConfig;
    /** The gateway's clock at the request. */
    readonly now: Date;
}

/** One resource type of the FHIR view. */
export interface FhirResourceHandler<R extends Resource = Resource> {
    readonly type: R['resourceType'];
    /** What it holds and who may see it, for people (shown in the CapabilityStatement). */
    readonly documentation: string;
    /** Staff roles that may use it; empty: every role (docs/api.md "Staff tokens"). */
    readonly roles: readonly StaffRole[];
    /** Organisation types whose gateways serve it; absent: every gateway. */
    readonly orgTypes?: readonly OrganizationType[];
    /** The search parameters besides `_count` and `_cursor`. */
    readonly searchParams: readonly SearchParamSpec[];
    /**
     * One page of a search.
     * @throws ApiError INVALID_INPUT, FORBIDDEN, LEDGER_UNAVAILABLE
     */
    search(context: FhirContext, search: ParsedSearch, paging: FillRequest): Promise<SearchPage<R>>;
    /**
     * One resource by its id.
     * @throws ApiError INVALID_INPUT, FORBIDDEN, NOT_FOUND, LEDGER_UNAVAILABLE
     */
    read(context: FhirContext, id: string): Promise<R>;
    /** The URN of the ledger object a resource shows, for a Bundle entry when its id is not a FHIR id. */
    urnOf(resource: R): string;
}

/**
 * The URN of a ledger object: its identifier system and id.
 * @param system - the identifier system (`urn:healthchain:consent`)
 * @param id - the ledger id
 */
export function toLedgerUrn(system: string, id: string): string {
    return `${system}:${id}`;
}
