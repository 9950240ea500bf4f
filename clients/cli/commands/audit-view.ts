// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain audit view status|rebuild|verify`: the commission's audit view (docs/design.md "The audit
 * view"): how far it is, a rebuild from block 0, and the auditor's check that it equals a recount of the
 * ledger. A long range is verified a day at a time, with progress on stderr.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ApiClient } from '../../shared/api-client';
import { withQuery } from '../../shared/api-client';
import { argument, optionalOption, type CommandInput } from '../command-table';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { field, toKeyValues, toTable } from '../output';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How often `rebuild --wait` asks how far the rebuild is. */
const POLL_MS = 1000;
/** Longest silence of one day's recount (a busy day holds tens of thousands of events). */
const VERIFY_TIMEOUT_MS = 10 * 60_000;

interface GenerationStatus {
    readonly generation: number;
    readonly height: number;
    readonly events: number;
}

interface ViewStatus extends GenerationStatus {
    readonly rebuild: GenerationStatus | null;
    readonly ledgerHeight: number;
}

interface Verification {
    readonly ok: boolean;
    readonly from: string;
    readonly to: string;
    readonly ledgerHeight: number;
    readonly view: { readonly generation: number; readonly height: number };
    readonly total: { readonly ledger: number; readonly view: number };
    readonly differences: readonly Readonly<Record<string, unknown>>[];
    readonly differenceCount: number;
}

function toStatusText(status: ViewStatus): string {
    const rebuild = status.rebuild;
    return toKeyValues({
        generation: status.generation,
        height: status.height,
        ledgerHeight: status.ledgerHeight,
        events: status.events,
        rebuild: rebuild === null ? 'none' : `generation ${rebuild.generation} at height ${rebuild.height}`,
    });
}

async function rebuild(context: CliContext, client: ApiClient, input: CommandInput): Promise<void> {
    const started = await client.post<ViewStatus & { started: boolean }>('/audit/view/rebuild');
    const target = started.rebuild?.generation ?? started.generation;
    let status: ViewStatus = started;
    if (input.options.wait === true) {
        while (status.generation < target || status.height < started.ledgerHeight) {
            const building = status.rebuild ?? status;
            context.printer.err(`rebuilding: height ${building.height} of ${started.ledgerHeight}`);
            await delay(POLL_MS);
            status = await client.get<ViewStatus>('/audit/view');
        }
    }
    context.print(
        status,
        () => `${started.started ? 'rebuild started' : 'a rebuild was running'}\n${toStatusText(status)}`,
    );
}

/** `[from, to)` cut into spans of at most a day, on whole hours as the view counts them. */
function toDays(from: string, to: string): [string, string][] {
    const start = Math.floor(Date.parse(from) / HOUR_MS) * HOUR_MS;
    const end = Math.ceil(Date.parse(to) / HOUR_MS) * HOUR_MS;
    if (Number.isNaN(start) || Number.isNaN(end) || end <= start) {
        throw new UsageError('--from and --to must be ISO times, --to later than --from');
    }
    const spans: [string, string][] = [];
    for (let at = start; at < end; at += DAY_MS) {
        spans.push([new Date(at).toISOString(), new Date(Math.min(end, at + DAY_MS)).toISOString()]);
    }
    return spans;
}

async function verify(context: CliContext, client: ApiClient, input: CommandInput): Promise<void> {
    const from = optionalOption(input, 'from');
    const to = optionalOption(input, 'to');
    const spans: [string | undefined, string | undefined][] =
        from !== undefined && to !== undefined ? toDays(from, to) : [[from, to]];
    const results: Verification[] = [];
    for (const [spanFrom, spanTo] of spans) {
        const result = await client
            .withTimeout(VERIFY_TIMEOUT_MS)
            .get<Verification>(withQuery('/audit/stats/verify', { from: spanFrom, to: spanTo }));
        results.push(result);
        const events = result.total.ledger.toLocaleString('en');
        context.printer.err(`${result.from} – ${result.to}: ${events} events, ${result.ok ? 'ok' : 'DIFFERENT'}`);
    }
    const differences = results.flatMap((result) => result.differences);
    const summary = {
        ok: results.every((result) => result.ok),
        from: results[0]?.from,
        to: results.at(-1)?.to,
        events: results.reduce((sum, result) => sum + result.total.ledger, 0),
        viewEvents: results.reduce((sum, result) => sum + result.total.view, 0),
        differenceCount: results.reduce((sum, result) => sum + result.differenceCount, 0),
        differences,
    };
    const columns = ['kind', 'start', 'requester', 'custodian', 'purpose', 'decision', 'reason', 'ledger', 'view'];
    context.print(summary, () => {
        const { differences: rows, ...rest } = summary;
        const head = `${summary.ok ? 'view OK' : 'VIEW DIFFERS FROM THE LEDGER'}\n${toKeyValues(rest)}`;
        return rows.length === 0
            ? head
            : `${head}\n${toTable(
                  rows,
                  columns.map((name) => field(name)),
              )}`;
    });
    if (!summary.ok) {
        process.exitCode = 2;
    }
}

/**
 * `audit view <action>`.
 * @param context - the CLI context
 * @param input - the action (`status`, `rebuild`, `verify`) and its options
 */
export async function viewCommand(context: CliContext, input: CommandInput): Promise<void> {
    const action = argument(input, 0, 'action');
    const client = context.staff('commission', 'auditor');
    switch (action) {
        case 'status': {
            const status = await client.get<ViewStatus>('/audit/view');
            context.print(status, () => toStatusText(status));
            return;
        }
        case 'rebuild':
            return rebuild(context, client, input);
        case 'verify':
            return verify(context, client, input);
        default:
            throw new UsageError('<action> must be status, rebuild or verify');
    }
}
