// SPDX-License-Identifier: Apache-2.0
/**
 * The commission's export, written as it is read (docs/api.md "Audit", `GET /audit/export`): chaincode pages
 * are read one after another (the next one while the current one is written), each page's matching events are
 * formatted and written, and while the client is slower than the ledger (`write` returns false) nothing more
 * is read until the response drains. So the gateway holds at most two pages whatever the range. A client that
 * goes away stops the reading; a ledger failure after the first bytes ends the response abruptly (no status
 * can be sent any more), so the client sees an incomplete transfer, never a short file that looks whole.
 *
 * Progress is published on the diagnostics channel {@link EXPORT_CHANNEL} (tests watch the back-pressure).
 */
import { channel } from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AccessEvent } from '../ledger/contracts';
import type { Lister } from '../paging';
import { PAGE_LIMITS } from '../validation';
import { CSV_HEADER, toCsvRow } from './csv';
import { toAuditBundleEntry, toAuditEvent } from './fhir-audit-event';

/** Export formats: a FHIR `collection` Bundle, FHIR NDJSON (as FHIR bulk data writes it), CSV. */
export const ExportFormats = ['fhir', 'ndjson', 'csv'] as const;
/** One of {@link ExportFormats}. */
export type ExportFormat = (typeof ExportFormats)[number];

/** Name of the diagnostics channel an export reports its progress on. */
export const EXPORT_CHANNEL = 'healthchain:audit-export';

/** What an export reports on {@link EXPORT_CHANNEL}. */
export interface ExportProgress {
    /** `page`: a page was written; `waiting`: waiting for the client to drain; then how it ended. */
    readonly phase: 'page' | 'waiting' | 'end' | 'aborted' | 'failed';
    /** Chaincode pages read so far. */
    readonly pages: number;
    /** Events written so far. */
    readonly events: number;
}

/** What to export and how. */
export interface ExportRequest {
    /** The chaincode listing read, page by page. */
    readonly list: Lister<AccessEvent>;
    /** Which listed events are exported. */
    readonly keep: (event: AccessEvent) => boolean;
    readonly format: ExportFormat;
    /** The AuditEvents' observer: the ledger's channel. */
    readonly observer: string;
    /** The Bundle's timestamp. */
    readonly now: Date;
    readonly logger: Logger;
}

interface ExportWriter {
    readonly headers: Readonly<Record<string, string>>;
    readonly head: string;
    rows(events: readonly AccessEvent[]): string;
    readonly tail: string;
}

const progress = channel(EXPORT_CHANNEL);

function attachment(name: string): string {
    return `attachment; filename="${name}"`;
}

function newWriter(request: ExportRequest): ExportWriter {
    const { format, observer } = request;
    switch (format) {
        case 'fhir': {
            // FHIR JSON has no empty arrays: `entry` opens with the first event, and an empty export has none.
            let separator = ',"entry":[';
            const timestamp = JSON.stringify(request.now.toISOString());
            return {
                headers: { 'content-type': 'application/fhir+json; charset=utf-8' },
                head: `{"resourceType":"Bundle","type":"collection","timestamp":${timestamp}`,
                rows: (events) =>
                    events
                        .map((event) => {
                            const text = separator + JSON.stringify(toAuditBundleEntry(event, observer));
                            separator = ',';
                            return text;
                        })
                        .join(''),
                get tail() {
                    return separator === ',' ? ']}' : '}';
                },
            };
        }
        case 'ndjson':
            return {
                headers: {
                    'content-type': 'application/fhir+ndjson',
                    'content-disposition': attachment('audit-events.ndjson'),
                },
                head: '',
                rows: (events) => events.map((event) => `${JSON.stringify(toAuditEvent(event, observer))}\n`).join(''),
                tail: '',
            };
        case 'csv':
            return {
                headers: {
                    'content-type': 'text/csv; charset=utf-8',
                    'content-disposition': attachment('audit-events.csv'),
                },
                head: `${CSV_HEADER}\r\n`,
                rows: (events) => events.map((event) => `${toCsvRow(event)}\r\n`).join(''),
                tail: '',
            };
    }
}

/** Reads a listing's pages in order, asking for the next one as soon as one arrives. */
class PageReader {
    readonly #list: Lister<AccessEvent>;
    #next: Promise<{ items: readonly AccessEvent[]; bookmark: string }> | undefined;
    /** Pages read so far. */
    pages = 0;

    constructor(list: Lister<AccessEvent>) {
        this.#list = list;
        this.#next = list({ pageSize: PAGE_LIMITS.max, bookmark: '' });
    }

    /** The next page's events; undefined after the last page. */
    async read(): Promise<readonly AccessEvent[] | undefined> {
        const pending = this.#next;
        if (pending === undefined) {
            return undefined;
        }
        this.#next = undefined;
        const page = await pending;
        this.pages += 1;
        if (page.bookmark !== '') {
            this.#next = this.#list({ pageSize: PAGE_LIMITS.max, bookmark: page.bookmark });
        }
        return page.items;
    }

    /** Drops the page being read ahead (the export stopped). */
    discard(): void {
        // Nobody reads it any more; its failure must not surface as an unhandled rejection.
        void this.#next?.catch(() => undefined);
        this.#next = undefined;
    }
}

/** One export being written: the response, the pages, the format, and whether the client went away. */
class ExportRun {
    readonly #res: ServerResponse;
    readonly #reader: PageReader;
    readonly #writer: ExportWriter;
    readonly #gone = new AbortController();
    #events = 0;

    constructor(res: ServerResponse, reader: PageReader, writer: ExportWriter) {
        this.#res = res;
        this.#reader = reader;
        this.#writer = writer;
    }

    /** Whether the client went away. */
    get gone(): boolean {
        return this.#gone.signal.aborted;
    }

    /** Events written so far. */
    get events(): number {
        return this.#events;
    }

    /** Marks the client gone when the response closes before it is finished. */
    watch(): () => void {
        const onClose = (): void => {
            this.#gone.abort();
        };
        this.#res.once('close', onClose);
        if (this.#res.destroyed || this.#res.socket?.destroyed !== false) {
            // The client left while the first page was read.
            this.#gone.abort();
        }
        return () => this.#res.off('close', onClose);
    }

    report(phase: ExportProgress['phase']): void {
        if (progress.hasSubscribers) {
            progress.publish({ phase, pages: this.#reader.pages, events: this.#events } satisfies ExportProgress);
        }
    }

    /** Writes the whole export from its first page on; returns early when the client goes away. */
    async write(first: readonly AccessEvent[] | undefined, keep: (event: AccessEvent) => boolean): Promise<void> {
        this.#res.writeHead(200, this.#writer.headers);
        await this.#send(this.#writer.head);
        let items = first;
        while (items !== undefined && !this.gone) {
            const kept = items.filter(keep);
            this.#events += kept.length;
            await this.#send(this.#writer.rows(kept));
            this.report('page');
            items = await this.#reader.read();
        }
        if (this.gone) {
            this.report('aborted');
            return;
        }
        await this.#send(this.#writer.tail);
        this.#res.end();
        this.report('end');
    }

    /** Writes text, waiting for the response to drain when its buffer is full. */
    async #send(text: string): Promise<void> {
        if (text === '' || this.#res.write(text)) {
            return;
        }
        this.report('waiting');
        await once(this.#res, 'drain', { signal: this.#gone.signal });
    }
}

/**
 * Streams an export as the response. The first page is read before anything is sent, so a refusal or an
 * unreachable ledger is still answered with its status and OperationOutcome (the error is thrown).
 * @param res - the response
 * @param request - listing, filter, format
 * @throws ApiError or a ledger error when the first page cannot be read
 */
export async function streamExport(res: ServerResponse, request: ExportRequest): Promise<void> {
    const reader = new PageReader(request.list);
    let first: readonly AccessEvent[] | undefined;
    try {
        first = await reader.read();
    } catch (error) {
        reader.discard();
        throw error;
    }
    const run = new ExportRun(res, reader, newWriter(request));
    const unwatch = run.watch();
    try {
        await run.write(first, request.keep);
    } catch (error) {
        if (run.gone) {
            run.report('aborted');
            return;
        }
        request.logger.error({ err: error, events: run.events }, 'audit export failed after its first bytes; cut');
        run.report('failed');
        res.destroy(error instanceof Error ? error : new Error(String(error)));
    } finally {
        unwatch();
        reader.discard();
    }
}
