// SPDX-License-Identifier: Apache-2.0
/**
 * The commission's audit: access events (filtered), statistics, emergency reviews and exports. Every
 * route needs an auditor token at the commission's gateway; the chaincode checks the commission again.
 */
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app';
import { requireOrgType } from '../auth/org-type';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors';
import { toTxFields, type AccessEvent, type Page, type PageRequest } from '../ledger/contracts';
import { Decisions, Purposes, Verdicts } from '../../../chaincode/src/model/vocabulary';
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
import { toAuditStats } from '../audit/statistics';

/** Most events one stats or export request reads (narrow `from`/`to` beyond this). */
export const MAX_AUDIT_EVENTS = 100_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The filters of `GET /audit/events`. */
interface EventFilters {
    readonly patientId?: string;
    readonly requester?: string;
    readonly custodian?: string;
    readonly purpose?: string;
    readonly decision?: string;
    readonly from?: string;
    readonly to?: string;
}

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

const EXACT_FILTERS = ['patientId', 'requester', 'custodian', 'purpose', 'decision'] as const;

function matches(filters: EventFilters, event: AccessEvent): boolean {
    const exact = EXACT_FILTERS.every((name) => filters[name] === undefined || event[name] === filters[name]);
    const afterFrom = filters.from === undefined || event.requestedAt >= filters.from;
    const beforeTo = filters.to === undefined || event.requestedAt < filters.to;
    return exact && afterFrom && beforeTo;
}

/** A time range `[from, to)`: the query's, or the last day by default. */
function readRange(query: unknown, now: Date): { from: string; to: string } {
    const to = optional(query, 'to', readTime) ?? now.toISOString();
    const from = optional(query, 'from', readTime) ?? new Date(Date.parse(to) - DAY_MS).toISOString();
    if (to <= from) {
        throw new ApiError('INVALID_INPUT', 'to must be later than from');
    }
    return { from, to };
}

/** The index that serves a filtered listing best: a patient's, a requester's, a custodian's, or time. */
function pickListing(
    deps: AppDeps,
    filters: EventFilters,
    now: Date,
): (page: PageRequest) => Promise<Page<AccessEvent>> {
    const { patientId, requester, custodian } = filters;
    if (patientId !== undefined) {
        return (page) => deps.contracts.listAccessByPatient(patientId, page);
    }
    if (requester !== undefined) {
        return (page) => deps.contracts.listAccessByRequester(requester, page);
    }
    if (custodian !== undefined) {
        return (page) => deps.contracts.listAccessByCustodian(custodian, page);
    }
    const to = filters.to ?? new Date(now.getTime() + DAY_MS).toISOString();
    const from = filters.from ?? new Date(0).toISOString();
    if (to <= from) {
        throw new ApiError('INVALID_INPUT', 'to must be later than from');
    }
    return (page) => deps.contracts.listAccessByTime(from, to, page);
}

async function readAllInRange(deps: AppDeps, range: { from: string; to: string }): Promise<AccessEvent[]> {
    const events: AccessEvent[] = [];
    let bookmark = '';
    do {
        const page = await deps.contracts.listAccessByTime(range.from, range.to, { pageSize: 500, bookmark });
        events.push(...page.items);
        if (events.length > MAX_AUDIT_EVENTS) {
            throw new ApiError('INVALID_INPUT', `More than ${MAX_AUDIT_EVENTS} events: narrow from/to`);
        }
        bookmark = page.bookmark;
    } while (bookmark !== '');
    return events;
}

function exportRoute(config: GatewayConfig, deps: AppDeps) {
    return async (req: Request, res: Response): Promise<void> => {
        assertQueryKeys(req.query, ['format', 'from', 'to']);
        const format = readEnum(queryParam(req.query, 'format') ?? 'fhir', 'format', ['fhir', 'csv'] as const);
        const now = deps.clock();
        const events = await readAllInRange(deps, readRange(req.query, now));
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
        const list = pickListing(deps, filters, deps.clock());
        const page = await list(readPage(req.query));
        // A page may hold fewer than `limit` items after filtering: follow nextCursor until it is null.
        res.json({ items: page.items.filter((event) => matches(filters, event)), nextCursor: toCursor(page.bookmark) });
    });
    router.get('/audit/stats', async (req, res) => {
        assertQueryKeys(req.query, ['bucket', 'from', 'to']);
        const bucket = readEnum(queryParam(req.query, 'bucket') ?? 'day', 'bucket', ['hour', 'day'] as const);
        const range = readRange(req.query, deps.clock());
        const stats = toAuditStats(await readAllInRange(deps, range), bucket);
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
