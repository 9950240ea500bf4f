// SPDX-License-Identifier: Apache-2.0
/** API clients of a region's gateways built from `region.json`: the organisation's TLS CA and a role's token. */
import { readFileSync } from 'node:fs';
import { findRegionOrganization, readTokenText, type RegionFile, type RegionRole } from './region-file';
import { ApiClient } from './api-client';

/**
 * A client of an organisation's gateway.
 * @param region - the region file
 * @param mspId - the organisation
 * @param role - the staff role whose token to send; none for patient-signed calls
 * @param options - the deadline of each call (the client's default when left out)
 * @throws Error when the organisation is unknown or its files cannot be read
 */
export function newRegionClient(
    region: RegionFile,
    mspId: string,
    role?: RegionRole,
    options: { readonly timeoutMs?: number } = {},
): ApiClient {
    const org = findRegionOrganization(region, mspId);
    return new ApiClient({
        baseUrl: org.apiUrl,
        caPem: readFileSync(org.tlsCaFile, 'utf8'),
        token: role === undefined ? undefined : readTokenText(org.tokens[role]),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
}
