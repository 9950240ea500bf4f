// SPDX-License-Identifier: Apache-2.0
/**
 * Rate limits on the routes anyone may call without a token — patient-signed writes and queries, and the
 * public directory — so that junk cannot buy chaincode executions for free (docs/api.md). Counted per
 * client address with express-rate-limit; an exceeded limit is a 429 OperationOutcome `TOO_MANY_REQUESTS`
 * with `Retry-After`.
 */
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ApiError } from './errors';

/** How many requests one client address may make in a window. */
export interface RateLimitConfig {
    /** Length of the window, milliseconds. */
    readonly windowMs: number;
    /** Requests allowed per address in one window. */
    readonly max: number;
}

/**
 * A limiter for the unauthenticated routes; every route given it shares one count per address.
 * @param config - window and allowance
 */
export function unauthenticatedLimit(config: RateLimitConfig): RequestHandler {
    return rateLimit({
        windowMs: config.windowMs,
        limit: config.max,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        handler: (_req, _res, next) => {
            next(new ApiError('TOO_MANY_REQUESTS', 'Too many requests from this address: try again later'));
        },
    });
}
