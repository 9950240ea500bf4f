// SPDX-License-Identifier: Apache-2.0
/**
 * `GET /audit/export`: the `/audit/events` filters over the real chaincode, in each format; and, over a
 * synthetic listing of 200,000 events, that the gateway writes as it reads — bytes reach the client before
 * the last page is read, it stops reading while the client does not drain, it stops when the client goes
 * away, and a ledger failure after the first bytes cuts the response instead of ending it cleanly.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { EventEmitter, once } from 'node:events';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import pino from 'pino';
import { createApp } from '../../gateway/src/app';
import { TokenStore } from '../../gateway/src/auth/tokens';
import { assertValidFhir } from '../helpers/fhir-validator';
import { EXPORT_CHANNEL, type ExportProgress } from '../../gateway/src/audit/export-stream';
import { ApiError } from '../../gateway/src/errors';
import { newMetrics } from '../../gateway/src/metrics';
import { LedgerContracts, type AccessEvent, type Page, type PageRequest } from '../../gateway/src/ledger/contracts';
import { call, outcomeCode } from '../helpers/api-calls';
import { newTestRegion, type TestGateway, type TestRegion } from '../helpers/region';
import { newConsentingPatient } from '../helpers/region-patients';

const PAGE = 500;

/** A listing of `total` synthetic events by time, generated page by page as the gateway asks. */
class SyntheticLog extends LedgerContracts {
    readonly total: number;
    pagesRead = 0;
    /** The page (1-based) whose read fails as an unreachable ledger does. */
    failAtPage: number | undefined;
    readonly reads = new EventEmitter();

    constructor(gateway: TestGateway, total: number) {
        super(gateway.ledger);
        this.total = total;
    }

    override listAccessByTime(from: string, _to: string, page: PageRequest): Promise<Page<AccessEvent>> {
        this.pagesRead += 1;
        this.reads.emit('page', this.pagesRead);
        if (this.pagesRead === this.failAtPage) {
            return Promise.reject(new ApiError('LEDGER_UNAVAILABLE', 'The ledger cannot be reached'));
        }
        const first = page.bookmark === '' ? 0 : Number(page.bookmark);
        const end = Math.min(this.total, first + page.pageSize);
        const start = Date.parse(from);
        const items = Array.from({ length: end - first }, (_, i) => syntheticEvent(first + i, start));
        return Promise.resolve({
            items,
            bookmark: end < this.total ? String(end) : '',
            fetchedRecordsCount: items.length,
        });
    }
}

function syntheticEvent(n: number, start: number): AccessEvent {
    return {
        accessId: `synthetic-${n}`,
        requester: n % 3 === 0 ? 'InsurerMSP' : 'HospitalBMSP',
        custodian: 'HospitalAMSP',
        recordId: `rec-${n}`,
        patientId: `pt${'a'.repeat(52)}`,
        category: 'lab',
        purpose: n % 3 === 0 ? 'PAYMENT' : 'TREATMENT',
        decision: n % 4 === 0 ? 'DENIED' : 'GRANTED',
        reason: n % 4 === 0 ? 'NO_CONSENT' : 'CONSENT',
        consentId: null,
        justification: null,
        requestedAt: new Date(start + n).toISOString(),
        expiresAt: null,
        delivery: null,
        review: null,
    };
}

/** The commission's app over a synthetic listing, on port 0. */
async function serveSynthetic(commission: TestGateway, log: SyntheticLog): Promise<{ url: string; server: Server }> {
    const deps = {
        ledger: commission.ledger,
        contracts: log,
        tokens: new TokenStore(commission.config.tokensFile),
        logger: pino({ level: 'silent' }),
        metrics: newMetrics(),
        clock: (): Date => new Date(),
    };
    const server = createServer(createApp(commission.config, deps));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function open(url: string, token: string): Promise<IncomingMessage> {
    const request = get(url, { headers: { authorization: `Bearer ${token}` } });
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    return response;
}

/** An export's progress reports, as they arrive. */
interface ExportWatch {
    /** The next report of a phase. */
    next(phase: ExportProgress['phase']): Promise<ExportProgress>;
    /** Resolves once the export waits for the client to drain (at once if it waits now). */
    stalled(): Promise<void>;
    stop(): void;
}

function watchExport(): ExportWatch {
    const reports = new EventEmitter();
    let waiting = false;
    const onMessage = (message: unknown): void => {
        const report = message as ExportProgress;
        waiting = report.phase === 'waiting';
        reports.emit(report.phase, report);
    };
    subscribe(EXPORT_CHANNEL, onMessage);
    return {
        next: async (phase) => ((await once(reports, phase)) as [ExportProgress])[0],
        stalled: async () => {
            if (!waiting) {
                await once(reports, 'waiting');
            }
        },
        stop: () => {
            unsubscribe(EXPORT_CHANNEL, onMessage);
        },
    };
}

function countLines(chunk: Buffer): number {
    let lines = 0;
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) {
        lines += 1;
    }
    return lines;
}

describe('audit export', () => {
    let region: TestRegion;
    let patientId: string;
    const from = new Date(Date.now() - 60_000).toISOString();

    before(async () => {
        region = await newTestRegion();
        const { hospitalA, hospitalB, insurer } = region.gateways;
        const patient = await newConsentingPatient(region);
        patientId = patient.patientId;
        const recordId = `r-${randomUUID()}`;
        await hospitalA.contracts.anchorRecord({ recordId, patientId, category: 'lab', contentHash: 'c'.repeat(64) });
        for (let i = 0; i < 3; i++) {
            await hospitalB.contracts.requestAccess({ recordId, purpose: 'TREATMENT' });
            await insurer.contracts.requestAccess({ recordId, purpose: 'PAYMENT' });
        }
        await hospitalA.contracts.requestAccess({ recordId, purpose: 'EMERGENCY', justification: 'unconscious' });
        await hospitalB.contracts.requestAccess({ recordId: `r-missing-${randomUUID()}`, purpose: 'TREATMENT' });
    });
    after(async () => {
        await region.close();
    });

    async function listedIds(query: string): Promise<string[]> {
        const { commission } = region.gateways;
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
            const path = `/audit/events?limit=500&${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
            const page = (await call(commission, 'GET', path, { token: commission.tokens.auditor })).body as {
                items: { accessId: string }[];
                nextCursor: string | null;
            };
            ids.push(...page.items.map((item) => item.accessId));
            cursor = page.nextCursor;
        } while (cursor !== null);
        return ids;
    }

    it('exports what /audit/events lists for the same filters, as FHIR NDJSON', async () => {
        const { commission } = region.gateways;
        const filters = [
            `from=${from}`,
            `from=${from}&patientId=${patientId}`,
            `from=${from}&requester=HospitalBMSP&decision=GRANTED`,
            `from=${from}&custodian=HospitalAMSP&purpose=PAYMENT`,
            `from=${from}&purpose=EMERGENCY`,
            `from=${from}&decision=DENIED`,
        ];
        for (const query of filters) {
            const result = await call(commission, 'GET', `/audit/export?format=ndjson&${query}`, {
                token: commission.tokens.auditor,
            });
            assert.equal(result.status, 200, query);
            assert.equal(result.headers.get('content-type'), 'application/fhir+ndjson');
            const lines = result.text.split('\n');
            assert.equal(lines.pop(), '', 'every line ends with a line feed');
            const exported = lines.map((line) => JSON.parse(line) as { resourceType: string; id: string });
            assert.ok(exported.every((event) => event.resourceType === 'AuditEvent'));
            const ids = await listedIds(query);
            assert.ok(ids.length > 0, query);
            assert.deepEqual(
                exported.map((event) => event.id),
                ids,
                query,
            );
        }
    });

    it('exports a filtered Bundle and a filtered CSV', async () => {
        const { commission } = region.gateways;
        const query = `from=${from}&requester=InsurerMSP`;
        const ids = await listedIds(query);
        const token = commission.tokens.auditor;
        const bundle = await call(commission, 'GET', `/audit/export?format=fhir&${query}`, { token });
        assert.match(bundle.headers.get('content-type') ?? '', /^application\/fhir\+json/);
        const body = bundle.body as Bundle<AuditEvent>;
        assert.equal(body.type, 'collection');
        assertValidFhir(body);
        const entries = body.entry ?? [];
        assert.deepEqual(
            entries.map((entry) => [entry.fullUrl, entry.resource?.id]),
            ids.map((id) => [`urn:healthchain:access:${id}`, id]),
        );
        const csv = await call(commission, 'GET', `/audit/export?format=csv&${query}`, { token });
        assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="audit-events.csv"/);
        const rows = csv.text.split('\r\n').slice(1, -1);
        assert.deepEqual(
            rows.map((row) => row.split(',')[0]),
            ids,
        );
        const empty = await call(commission, 'GET', `/audit/export?format=fhir&${query}&decision=GRANTED_EMERGENCY`, {
            token,
        });
        // FHIR JSON allows no empty array: an export with no event is a Bundle without entry.
        assert.equal((empty.body as Bundle).type, 'collection');
        assert.equal('entry' in (empty.body as Bundle), false);
        assertValidFhir(empty.body);
    });

    it('streams 200,000 events without buffering them: first bytes early, reading paused while the client is', async () => {
        const { commission } = region.gateways;
        const log = new SyntheticLog(commission, 200_000);
        const { url, server } = await serveSynthetic(commission, log);
        const watch = watchExport();
        let lines = 0;
        // Events read from the ledger but not yet received by the client, at the most.
        let maxInFlight = 0;
        log.reads.on('page', (pages: number) => {
            maxInFlight = Math.max(maxInFlight, pages * PAGE - lines);
        });
        try {
            const ended = watch.next('end');
            const response = await open(`${url}/audit/export?format=ndjson&from=${from}`, commission.tokens.auditor);
            assert.equal(response.statusCode, 200);
            let pagesAtFirstBytes: number | undefined;
            const firstBytes = new Promise<void>((resolve) => {
                response.on('data', (chunk: Buffer) => {
                    lines += countLines(chunk);
                    if (pagesAtFirstBytes === undefined) {
                        pagesAtFirstBytes = log.pagesRead;
                        // The client stops reading: the gateway must stop too once the connection is full.
                        response.pause();
                        resolve();
                    }
                });
            });
            await firstBytes;
            await watch.stalled();
            const pagesWhilePaused = log.pagesRead;
            const done = once(response, 'end');
            response.resume();
            await done;
            const end = await ended;
            assert.equal(lines, 200_000);
            assert.equal(end.events, 200_000);
            assert.equal(log.pagesRead, 200_000 / PAGE);
            assert.ok(pagesAtFirstBytes !== undefined && pagesAtFirstBytes < 200_000 / PAGE, 'first bytes early');
            assert.ok(pagesWhilePaused < 200_000 / PAGE / 10, `${pagesWhilePaused} pages read while the client paused`);
            // Socket buffers and one page read ahead, never the export: 40 pages is 10% of it.
            assert.ok(maxInFlight <= 40 * PAGE, `${maxInFlight} events read and not yet received`);
        } finally {
            watch.stop();
            server.closeAllConnections();
            server.close();
        }
    });

    it('stops reading the ledger when the client goes away', async () => {
        const { commission } = region.gateways;
        const log = new SyntheticLog(commission, 200_000);
        const { url, server } = await serveSynthetic(commission, log);
        const watch = watchExport();
        try {
            const aborted = watch.next('aborted');
            const response = await open(`${url}/audit/export?format=csv&from=${from}`, commission.tokens.auditor);
            await once(response, 'data');
            response.destroy();
            const report = await aborted;
            assert.ok(report.pages < 200_000 / PAGE, `stopped after ${report.pages} pages`);
            assert.ok(log.pagesRead <= report.pages + 1);
        } finally {
            watch.stop();
            server.closeAllConnections();
            server.close();
        }
    });

    it('cuts the response when the ledger fails after the first bytes, and answers 503 when it fails before', async () => {
        const { commission } = region.gateways;
        const log = new SyntheticLog(commission, 10_000);
        const { url, server } = await serveSynthetic(commission, log);
        const watch = watchExport();
        try {
            log.failAtPage = 3;
            const failed = watch.next('failed');
            const response = await open(`${url}/audit/export?format=csv&from=${from}`, commission.tokens.auditor);
            assert.equal(response.statusCode, 200);
            const consumed = (async (): Promise<void> => {
                for await (const chunk of response) {
                    assert.ok(Buffer.isBuffer(chunk));
                }
            })();
            await assert.rejects(consumed, 'an incomplete transfer is an error, not a short file');
            assert.equal((await failed).events, 2 * PAGE);

            log.pagesRead = 0;
            log.failAtPage = 1;
            const refused = await open(`${url}/audit/export?format=csv&from=${from}`, commission.tokens.auditor);
            assert.equal(refused.statusCode, 503);
            let text = '';
            for await (const chunk of refused) {
                text += String(chunk);
            }
            assert.equal(
                outcomeCode({ status: 503, headers: new Headers(), body: JSON.parse(text), text }),
                'LEDGER_UNAVAILABLE',
            );
        } finally {
            watch.stop();
            server.closeAllConnections();
            server.close();
        }
    });
});
