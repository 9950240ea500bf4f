// SPDX-License-Identifier: Apache-2.0
/** Routes that only some kinds of organisation serve (a claim is decided by an insurer's gateway only). */
import type { RequestHandler } from 'express';
import type { GatewayConfig, OrganizationType } from '../config';
import { ApiError } from '../errors';

/**
 * Middleware that lets a request through only at a gateway of one of the given organisation types.
 * @param config - this gateway's configuration
 * @param types - organisation types that serve the route
 * @throws ApiError FORBIDDEN at any other organisation
 */
export function requireOrgType(config: GatewayConfig, ...types: readonly OrganizationType[]): RequestHandler {
    return (_req, _res, next) => {
        if (!types.includes(config.org.type)) {
            throw new ApiError('FORBIDDEN', `Only a ${types.join(' or ')} organisation serves this route`);
        }
        next();
    };
}
