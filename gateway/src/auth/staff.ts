// SPDX-License-Identifier: Apache-2.0
/** Staff authentication and role checks for routes: `Authorization: Bearer <token>` (docs/api.md "Staff tokens"). */
import type { RequestHandler, Response } from 'express';
import { ApiError } from '../errors';
import type { StaffRole, TokenEntry, TokenStore } from './tokens';

/** Who is calling, once authenticated. */
export interface StaffPrincipal {
    readonly tokenId: string;
    readonly role: StaffRole;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,128})$/;

/**
 * Middleware that requires a staff token of this organisation with one of the given roles.
 * @param tokens - this organisation's token store
 * @param roles - roles allowed on the route
 * @throws ApiError UNAUTHENTICATED (no or unknown token), FORBIDDEN (another role)
 */
export function requireStaff(tokens: TokenStore, ...roles: readonly StaffRole[]): RequestHandler {
    return (req, res, next) => {
        const match = BEARER.exec(req.get('authorization') ?? '');
        const entry: TokenEntry | undefined = match?.[1] ? tokens.authenticate(match[1]) : undefined;
        if (!entry) {
            throw new ApiError('UNAUTHENTICATED', 'A valid staff token of this organisation is required');
        }
        if (roles.length > 0 && !roles.includes(entry.role)) {
            throw new ApiError('FORBIDDEN', `This route needs the role ${roles.join(' or ')}`);
        }
        const principal: StaffPrincipal = { tokenId: entry.id, role: entry.role };
        res.locals.staff = principal;
        next();
    };
}

/**
 * The authenticated staff member of a request that passed {@link requireStaff}.
 * @param res - the response whose locals hold the principal
 * @throws ApiError UNAUTHENTICATED when the route was not protected
 */
export function staffOf(res: Response): StaffPrincipal {
    const principal = res.locals.staff as StaffPrincipal | undefined;
    if (!principal) {
        throw new ApiError('UNAUTHENTICATED', 'Not authenticated');
    }
    return principal;
}
