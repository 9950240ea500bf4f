// SPDX-License-Identifier: Apache-2.0
/** `GET /health` (anyone) and `GET /metrics` (loopback only). */
import { Router } from 'express';
import type { AppDeps } from '../app';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors';
import { toLedgerApiError } from '../ledger/ledger';

/**
 * Whether a socket address is the local machine (127.0.0.0/8 or ::1, also IPv4-mapped).
 * @param address - `req.socket.remoteAddress`
 */
export function isLoopback(address: string | undefined): boolean {
    if (address === undefined) {
        return false;
    }
    const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
    return v4.startsWith('127.') || address === '::1';
}

/**
 * Asks the ledger for its height and runs a read-only chaincode query, so that a node that answers but
 * cannot endorse counts as down (fail closed). NOT_FOUND (not yet bootstrapped) still means reachable.
 * @throws ApiError LEDGER_UNAVAILABLE
 */
async function probeLedger(deps: AppDeps): Promise<bigint> {
    try {
        const { height } = await deps.ledger.getChainInfo();
        await deps.contracts.readConfig().catch((error: unknown) => {
            if (!(error instanceof ApiError && error.code === 'NOT_FOUND')) {
                throw error;
            }
        });
        return height;
    } catch (error) {
        const apiError = toLedgerApiError(error);
        if (apiError instanceof ApiError && apiError.code === 'LEDGER_UNAVAILABLE') {
            throw apiError;
        }
        throw new ApiError('LEDGER_UNAVAILABLE', 'The ledger does not answer as it should', { cause: error });
    }
}

/**
 * The health and metrics routes.
 * @param config - this gateway's configuration
 * @param deps - ledger and metrics
 */
export function newHealthRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    router.get('/health', async (_req, res) => {
        const height = await probeLedger(deps);
        // This organisation's status as the event listener last saw it, so that an operator notices a
        // suspension by the commission at once; 'unknown' until the listener has seen it.
        const orgStatus = deps.custody?.orgStatus?.(config.org.mspId) ?? 'unknown';
        res.json({
            status: 'ok',
            org: config.org.mspId,
            channel: config.channel,
            orgStatus,
            ledger: { height: Number(height) },
        });
    });
    router.get('/metrics', async (req, res) => {
        if (!isLoopback(req.socket.remoteAddress)) {
            throw new ApiError('FORBIDDEN', 'Metrics are served on loopback only');
        }
        res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    });
    return router;
}
