// SPDX-License-Identifier: Apache-2.0
/**
 * The web portal: the static files built from `clients/web/` into `dist/web/`, served at `/`
 * (`index.html`) and `/portal/*` (the style sheet; the portal's modules under `/portal/clients/web/`, with the
 * vendored QR encoder, and the protocol they share with the chaincode under `/portal/chaincode/src/protocol/`),
 * with a strict content security policy
 * (`default-src 'self'`: no inline script, nothing from elsewhere), and `GET /portal/session`, which tells
 * a signed-in staff member's page which view to show (organisation, its type, the token's role).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import type { AppDeps } from './app';
import { requireStaff, staffOf } from './auth/staff';
import type { GatewayConfig } from './config';

/** Where `npm run build` puts the portal (`dist/web`, beside `dist/gateway`). */
export const PORTAL_DIR = join(__dirname, '..', '..', 'web');

/** Headers of every portal response. */
const PORTAL_HEADERS: Readonly<Record<string, string>> = {
    'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-cache',
};

function portalHeaders(): RequestHandler {
    return (_req, res, next) => {
        res.set(PORTAL_HEADERS);
        next();
    };
}

/**
 * The portal's routes: its files (when built) and the session probe.
 * @param config - this gateway's configuration
 * @param deps - the staff tokens
 * @param dir - the built portal (default {@link PORTAL_DIR})
 */
export function newPortalRoutes(config: GatewayConfig, deps: Pick<AppDeps, 'tokens'>, dir = PORTAL_DIR): Router {
    const router = Router();
    router.get('/portal/session', requireStaff(deps.tokens), (_req, res) => {
        const { role } = staffOf(res);
        const { mspId, type, name } = config.org;
        res.set('Cache-Control', 'no-store').json({ mspId, orgType: type, name, role });
    });
    if (!existsSync(join(dir, 'index.html'))) {
        return router;
    }
    router.get('/', portalHeaders(), (_req, res) => {
        res.sendFile(join(dir, 'index.html'));
    });
    router.use(
        '/portal',
        portalHeaders(),
        express.static(dir, { index: false, dotfiles: 'ignore', fallthrough: true, etag: false }),
    );
    return router;
}
