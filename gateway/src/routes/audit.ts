// SPDX-License-Identifier: Apache-2.0
/**
 * The commission's audit: access events (filtered), statistics (from the audit view), emergency reviews and
 * streamed exports. Every route needs an auditor token at the commission's gateway; the chaincode checks the
 * commission again. The view's own routes are in `audit-view.ts`. Query planning, the view and the export
 * formats are services in `gateway/src/audit/`.
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
import { ExportFormats, streamExport } from '../audit/export-stream';
import {
    assertBucketCount,
    listEvents,
    planEventQuery,
    toHourRange,
    toTimeRange,
    type EventFilters,
} from '../audit/queries';
import { toLedgerApiError } from '../ledger/ledger';
import { readFillRequest } from '../paging';
import { requireAuditView } from './audit-view';

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

/** Longest wait of `GET /audit/stats` for the view to count what committed before the request. */
const STATS_SETTLE_MS = 2000;

const FILTER_KEYS = ['patientId', 'requester', 'custodian', 'purpose', 'decision', 'from', 'to'] as const;

function exportRoute(config: GatewayConfig, deps: AppDeps) {
    return async (req: Request, res: Response): Promise<void> => {
        assertQueryKeys(req.query, ['format', ...FILTER_KEYS]);
        const format = readEnum(queryParam(req.query, 'format') ?? 'fhir', 'format', ExportFormats);
        const now = deps.clock();
        const filters = readFilters(req.query);
        const range = toTimeRange(filters, now);
        const { list, residual } = planEventQuery(deps.contracts, { ...filters, ...range }, now);
        await streamExport(res, {
            list,
            keep: residual ?? ((): boolean => true),
            format,
            observer: config.channel,
            now,
            logger: deps.logger,
        });
    };
}

function statsRoute(deps: AppDeps) {
    return async (req: Request, res: Response): Promise<void> => {
        assertQueryKeys(req.query, ['bucket', 'from', 'to']);
        const bucket = readEnum(queryParam(req.query, 'bucket') ?? 'day', 'bucket', ['hour', 'day'] as const);
        const given = { from: optional(req.query, 'from', readTime), to: optional(req.query, 'to', readTime) };
        const range = toHourRange(given, deps.clock());
        assertBucketCount(range, bucket);
        const view = requireAuditView(deps);
        const chain = await deps.ledger.getChainInfo().catch((error: unknown) => {
            throw toLedgerApiError(error);
        });
        // Counts include what committed before this request, unless the view cannot get there at once.
        const settled = AbortSignal.timeout(STATS_SETTLE_MS);
        await view.settle(chain.height, settled).catch((error: unknown) => {
            if (!settled.aborted) {
                throw error;
            }
        });
        const read = await view.readStats(range, bucket);
        const { totals, buckets } = read.value;
        const state = { generation: read.generation, height: Number(read.height), ledgerHeight: Number(chain.height) };
        res.json({ ...range, bucket, ...totals, buckets, view: state });
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
        assertQueryKeys(req.query, [...FILTER_KEYS, 'limit', 'cursor']);
        const filters = readFilters(req.query);
        res.json(await listEvents(deps.contracts, filters, readFillRequest(req.query), deps.clock()));
    });
    router.get('/audit/stats', statsRoute(deps));
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
