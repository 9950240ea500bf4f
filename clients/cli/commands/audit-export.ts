// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain audit export`: the commission's export (docs/api.md "Audit", `GET /audit/export`) written to a
 * file (or stdout) as it arrives, whatever its size, with progress on stderr. A file is written under a
 * temporary name and renamed once the gateway has sent the whole export, so an interrupted export never
 * leaves a file that looks complete.
 */
import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { withQuery } from '../../shared/api-client';
import { optionalOption, type CommandInput } from '../command-table';
import type { CliContext } from '../context';
import { UsageError } from '../errors';

const FORMATS = ['fhir', 'ndjson', 'csv'] as const;
type Format = (typeof FORMATS)[number];

/** Filters of `GET /audit/export`, as the CLI's options name them. */
const FILTERS = ['patientId', 'requester', 'custodian', 'purpose', 'decision', 'from', 'to'] as const;

/** What marks one event in each format; a CSV's header row ends with one more. */
const EVENT_MARKS: Readonly<Record<Format, string>> = {
    fhir: '"fullUrl":',
    ndjson: '\n',
    csv: '\r\n',
};

/** Least time between two progress lines. */
const PROGRESS_EVERY_MS = 1000;

/** Counts a marker's occurrences across chunks (a marker may be split between two). */
class MarkCounter {
    readonly #mark: Buffer;
    #carry: Buffer = Buffer.alloc(0);
    count = 0;

    constructor(mark: string) {
        this.#mark = Buffer.from(mark, 'utf8');
    }

    add(chunk: Buffer): void {
        const text = Buffer.concat([this.#carry, chunk]);
        for (let at = text.indexOf(this.#mark); at !== -1; at = text.indexOf(this.#mark, at + this.#mark.length)) {
            this.count += 1;
        }
        this.#carry = text.subarray(Math.max(0, text.length - this.#mark.length + 1));
    }
}

function readFormat(input: CommandInput): Format {
    const format = optionalOption(input, 'format') ?? 'fhir';
    if (!(FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`--format must be ${FORMATS.join(', ')}`);
    }
    return format as Format;
}

function megabytes(bytes: number): string {
    return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

async function closeFile(file: Writable): Promise<void> {
    file.end();
    await once(file, 'finish');
}

/**
 * Streams the export to `--out` or stdout.
 * @param context - the CLI context
 * @param input - format, filters, output file
 */
export async function exportEvents(context: CliContext, input: CommandInput): Promise<void> {
    const format = readFormat(input);
    const filters = Object.fromEntries(FILTERS.map((name) => [name, optionalOption(input, name)]));
    const path = withQuery('/audit/export', { format, ...filters });
    const out = optionalOption(input, 'out');
    const counter = new MarkCounter(EVENT_MARKS[format]);
    const events = (): number => Math.max(0, counter.count - (format === 'csv' ? 1 : 0));
    let bytes = 0;
    let lastReport = Date.now();
    const onChunk = (chunk: Buffer): void => {
        counter.add(chunk);
        bytes += chunk.length;
        if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
            lastReport = Date.now();
            context.printer.err(`exporting: ${events().toLocaleString('en')} events, ${megabytes(bytes)}`);
        }
    };
    const client = context.staff('commission', 'auditor');
    if (out === undefined) {
        await client.download(path, process.stdout, onChunk);
        context.printer.err(`exported ${events().toLocaleString('en')} events (${megabytes(bytes)})`);
        return;
    }
    const partial = `${out}.partial`;
    const file = createWriteStream(partial, { mode: 0o600 });
    try {
        await client.download(path, file, onChunk);
        await closeFile(file);
        renameSync(partial, out);
    } catch (error) {
        file.destroy();
        rmSync(partial, { force: true });
        throw error;
    }
    const result = { file: out, format, events: events(), bytes };
    context.printer.err(`exported ${result.events.toLocaleString('en')} events (${megabytes(bytes)})`);
    context.print(result, () => `saved ${out}`);
}
