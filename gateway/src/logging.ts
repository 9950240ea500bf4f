// SPDX-License-Identifier: Apache-2.0
/**
 * Structured logs (pino, JSON) carrying the request id from AsyncLocalStorage, and the access-log and
 * request-id middleware. Logs name routes by their pattern (`/records/:recordId`), never by the raw URL,
 * and never carry bodies, tokens, keys or record content.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Metrics } from './metrics';

/** What a request's asynchronous work knows about the request. */
export interface RequestContext {
    readonly requestId: string;
}

/** The current request's context, wherever its asynchronous work continues. */
export const requestContext = new AsyncLocalStorage<RequestContext>();

/** An incoming `X-Request-Id` is reused only when it is this harmless. */
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * The gateway's logger: JSON lines with the organisation and, inside a request, its id.
 * @param options - level and organisation
 * @param destination - where lines go (stdout by default; tests pass a sink)
 */
export function newLogger(
    options: { readonly level: string; readonly org: string },
    destination?: DestinationStream,
): Logger {
    return pino(
        {
            level: options.level,
            base: { org: options.org },
            mixin: () => {
                const context = requestContext.getStore();
                return context ? { requestId: context.requestId } : {};
            },
            // Defence in depth: nothing should ever log these, but if it does they are masked.
            redact: {
                paths: ['authorization', '*.authorization', 'headers.authorization', 'token', 'signature', 'body'],
                censor: '[redacted]',
            },
        },
        destination,
    );
}

/** Middleware that gives each request an id (response header `X-Request-Id`) and runs the rest inside it. */
export function requestIdMiddleware(): RequestHandler {
    return (req, res, next) => {
        const incoming = req.get('x-request-id');
        const requestId = incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.locals.requestId = requestId;
        res.setHeader('X-Request-Id', requestId);
        requestContext.run({ requestId }, next);
    };
}

/**
 * The route pattern a request matched, for logs and metric labels (no ids, no query).
 * @param req - the request, after routing
 */
export function routeOf(req: Request): string {
    const route: unknown = req.route;
    if (typeof route === 'object' && route !== null && 'path' in route && typeof route.path === 'string') {
        return `${req.baseUrl}${route.path}`;
    }
    return 'unmatched';
}

/**
 * Middleware that logs one line (debug for a success, info for a refusal, warn for a failure) and records
 * metrics when each response finishes.
 * @param logger - the gateway's logger
 * @param metrics - the gateway's metrics
 */
export function accessLogMiddleware(logger: Logger, metrics: Metrics): RequestHandler {
    return (req, res, next) => {
        const started = process.hrtime.bigint();
        res.on('finish', () => {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            const route = routeOf(req);
            const status = res.statusCode;
            metrics.httpRequests.inc({ method: req.method, route, status: String(status) });
            metrics.httpDuration.observe({ method: req.method, route }, seconds);
            // A request served is in the metrics (and every access decision on the ledger): its line is for
            // debugging, so that a busy gateway does not format and ship a line per request. Refusals stay in
            // the log.
            const level = status >= 500 ? 'warn' : status >= 400 ? 'info' : 'debug';
            logger[level](
                { requestId: res.locals.requestId as unknown, method: req.method, route, status, ms: seconds * 1000 },
                'request',
            );
        });
        next();
    };
}
