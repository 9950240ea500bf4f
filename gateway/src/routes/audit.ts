// SPDX-License-Identifier: Apache-2.0
/**
 * The commission's audit: access events (filtered), statistics, emergency reviews and exports. Every
 * route needs an auditor token at the commission's gateway; the chaincode checks the commission again.
 * Query planning, statistics and the export formats are services in `gateway/src/audit/`.
 */
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app';
import { requireOrgType } from '../auth/org-type';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { toTxFields } from '../ledger/contracts';
import { Decisions, Purposes, Verdicts } from '../../../chaincode/src/protocol/vocabulary';
import {
    assertQueryKeys,
    queryParam,
    readEnum,
    readId,
    readMspId,
    readObject,
    readPage,
    readPatientId,
    readText,
    readTime,
    toCursor,
} from '../validation';
import { toAuditCsv } from '../audit/csv';
import { toAuditBundle } from '../audit/fhir-audit-event';
import { listEvents, readAllInRange, toTimeRange, type EventFilters, type TimeRange } from '../audit/queries';
import { toAuditStats } from '../audit/statistics';
import { readFillRequest } from '../paging';

function optional<T>(query: unknown, name: string, read: (value: unknown, path: string) => T): T | undefined {
    const value = queryParam(query, name);
    return value === undefined ? undefined : read(value, name);
}

function readFilters(query: unknown): EventFilters {
    return {
        patientId: optional(query, 'patientId', readPatientId),
        requester: optional(query, 'requester', readMspId),
        custodian: optional(query, 'custodian', readMspId),
        purpose: optional(query, 'purpose', (value, path) => readEnum(value, path, Purposes)),
        decision: optional(query, 'decision', (value, path) => readEnum(value, path, Decisions)),
        from: optional(query, 'from', readTime),
        to: optional(query, 'to', readTime),
    };
}

/** A time range `[from, to)` from the query: the last day up to now by default. */
function readRange(query: unknown, now: Date): TimeRange {
    const to = optional(query, 'to', readTime);
    return toTimeRange({ from: optional(query, 'from', readTime), to }, now);
}

function exportRoute(config: GatewayConfig, deps: AppDeps) {
    return async (req: Request, res: Response): Promise<void> => {
        assertQueryKeys(req.query, ['format', 'from', 'to']);
        const format = readEnum(queryParam(req.query, 'format') ?? 'fhir', 'format', ['fhir', 'csv'] as const);
        const now = deps.clock();
        const events = await readAllInRange(deps.contracts, readRange(req.query, now));
        if (format === 'csv') {
            res.type('text/csv; charset=utf-8').attachment('audit-events.csv').send(toAuditCsv(events));
            return;
        }
        res.type('application/fhir+json').json(toAuditBundle(events, config.channel, now));
    };
}

/**
 * The audit routes.
 * @param config - this gateway's configuration
 * @param deps - contracts, tokens, clock
 */
export function newAuditRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    router.use('/audit', requireStaff(deps.tokens, 'auditor'), requireOrgType(config, 'commission'));
    router.get('/audit/events', async (req, res) => {
        assertQueryKeys(req.query, [
            'patientId',
            'requester',
            'custodian',
            'purpose',
            'decision',
            'from',
            'to',
            'limit',
            'cursor',
        ]);
        const filters = readFilters(req.query);
        res.json(await listEvents(deps.contracts, filters, readFillRequest(req.query), deps.clock()));
    });
    router.get('/audit/stats', async (req, res) => {
        assertQueryKeys(req.query, ['bucket', 'from', 'to']);
        const bucket = readEnum(queryParam(req.query, 'bucket') ?? 'day', 'bucket', ['hour', 'day'] as const);
        const range = readRange(req.query, deps.clock());
        const stats = toAuditStats(await readAllInRange(deps.contracts, range), bucket);
        res.json({ ...range, bucket, ...stats.totals, buckets: stats.buckets });
    });
    router.get('/audit/emergency', async (req, res) => {
        assertQueryKeys(req.query, ['status', 'limit', 'cursor']);
        readEnum(queryParam(req.query, 'status') ?? 'pending', 'status', ['pending'] as const);
        const page = await deps.contracts.listPendingEmergencies(readPage(req.query));
        res.json({ items: page.items, nextCursor: toCursor(page.bookmark) });
    });
    router.post('/audit/emergency/:accessId/review', async (req, res) => {
        const accessId = readId(req.params.accessId, 'accessId');
        const body = readObject(req.body, 'body', ['verdict', 'note']);
        const verdict = readEnum(body.verdict, 'verdict', Verdicts);
        const submitted = await deps.contracts.reviewEmergency({
            accessId,
            verdict,
            note: readText(body.note, 'note'),
        });
        res.json({ accessId, verdict, ...toTxFields(submitted) });
    });
    router.get('/audit/export', exportRoute(config, deps));
    return router;
}
