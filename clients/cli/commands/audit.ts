// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain audit …`: the commission's view of every access, its statistics (from the audit view), the
 * view itself, the streamed export and chain verification.
 */
import { withQuery } from '../../shared/api-client';
import {
    argument,
    optionalOption,
    pageOptions,
    requireOption,
    type CommandGroup,
    type CommandInput,
    type OptionSpec,
} from '../command-table';
import type { CliContext } from '../context';
import { field, itemsOf, toKeyValues, toTable } from '../output';
import { exportEvents } from './audit-export';
import { viewCommand } from './audit-view';

const EVENT_FILTERS = ['patientId', 'requester', 'custodian', 'purpose', 'decision', 'from', 'to'] as const;

const eventColumns = [
    field('requestedAt', 'time'),
    field('accessId'),
    field('requester'),
    field('custodian'),
    field('recordId'),
    field('purpose'),
    field('decision'),
    field('reason'),
];

/** `{a: 1, b: 2}` → `a=1 b=2`, for the counts of a stats answer. */
function flattenCounts(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const entries = Object.entries(body)
        .filter(([key]) => key !== 'buckets')
        .map(([key, value]) => {
            const isMap = typeof value === 'object' && value !== null;
            const text = isMap
                ? Object.entries(value)
                      .map(([k, v]) => `${k}=${String(v)}`)
                      .join(' ')
                : value;
            return [key, text];
        });
    return Object.fromEntries(entries) as Record<string, unknown>;
}

function query(input: CommandInput, names: readonly string[]): Record<string, string | undefined> {
    return Object.fromEntries(names.map((name) => [name, optionalOption(input, name)]));
}

async function events(context: CliContext, input: CommandInput): Promise<void> {
    const path = withQuery('/audit/events', query(input, [...EVENT_FILTERS, 'limit', 'cursor']));
    const body = await context.staff('commission', 'auditor').get(path);
    context.print(body, () => toTable(itemsOf(body), eventColumns));
}

async function stats(context: CliContext, input: CommandInput): Promise<void> {
    const body = await context
        .staff('commission', 'auditor')
        .get(withQuery('/audit/stats', query(input, ['bucket', 'from', 'to'])));
    context.print(body, () => toKeyValues(flattenCounts(body as Record<string, unknown>)));
}

async function verify(context: CliContext): Promise<void> {
    const body = await context.staff('commission', 'auditor').get<Record<string, unknown>>('/ledger/verify');
    context.print(body, () => `${body.ok === true ? 'chain OK' : 'CHAIN BROKEN'}\n${toKeyValues(body)}`);
    if (body.ok !== true) {
        process.exitCode = 2;
    }
}

async function emergency(context: CliContext, input: CommandInput): Promise<void> {
    const path = withQuery('/audit/emergency', {
        status: optionalOption(input, 'status') ?? 'pending',
        ...query(input, ['limit', 'cursor']),
    });
    const body = await context.staff('commission', 'auditor').get(path);
    context.print(body, () => toTable(itemsOf(body), [...eventColumns.slice(0, 6), field('justification')]));
}

async function review(context: CliContext, input: CommandInput): Promise<void> {
    const accessId = argument(input, 0, 'accessId');
    const body = { verdict: requireOption(input, 'verdict'), note: optionalOption(input, 'note') ?? '' };
    const result = await context
        .staff('commission', 'auditor')
        .post(`/audit/emergency/${encodeURIComponent(accessId)}/review`, body);
    context.print(result, () => toKeyValues(result as Record<string, unknown>));
}

const filterOptions: OptionSpec[] = [
    { flags: '--patient-id <patientId>', description: 'one patient' },
    { flags: '--requester <msp>', description: 'requesting organisation' },
    { flags: '--custodian <msp>', description: 'custodian organisation' },
    { flags: '--purpose <purpose>', description: 'TREATMENT, PAYMENT, EMERGENCY, …' },
    { flags: '--decision <decision>', description: 'GRANTED, GRANTED_EMERGENCY or DENIED' },
    { flags: '--from <time>', description: 'from this ISO time' },
    { flags: '--to <time>', description: 'until this ISO time' },
];

/** The `audit` group. */
export const auditCommands: CommandGroup = {
    description: "the commission's audit (auditor role)",
    commands: {
        events: {
            description: 'access events, granted or denied',
            options: [...filterOptions, ...pageOptions],
            run: events,
        },
        stats: {
            description: 'counts by organisation, custodian, purpose, decision and reason, per hour or day',
            options: [
                { flags: '--bucket <bucket>', description: 'hour or day' },
                { flags: '--from <time>', description: 'from this ISO time' },
                { flags: '--to <time>', description: 'until this ISO time' },
            ],
            run: stats,
        },
        export: {
            description: 'access events as FHIR AuditEvents (Bundle or NDJSON) or CSV, streamed; progress on stderr',
            options: [
                { flags: '--format <format>', description: 'fhir (a Bundle, default), ndjson or csv' },
                ...filterOptions,
                { flags: '--out <file>', description: 'write to a file (default: stdout)' },
            ],
            examples: [
                'healthchain audit export --from 2030-01-01T00:00:00.000Z --to 2030-01-02T00:00:00.000Z --format csv --out day.csv',
                'healthchain audit export --patient-id <patientId> --from 1970-01-01T00:00:00.000Z --format ndjson --out patient.ndjson',
            ],
            run: exportEvents,
        },
        view: {
            description: 'the audit view behind stats: status, rebuild (from block 0) or verify (recount a range)',
            args: ['<action>'],
            options: [
                { flags: '--from <time>', description: 'verify: from this ISO time (whole hours)' },
                { flags: '--to <time>', description: 'verify: until this ISO time (whole hours)' },
                { flags: '--wait', description: 'rebuild: wait until the rebuilt view answers' },
            ],
            examples: [
                'healthchain audit view status',
                'healthchain audit view rebuild --wait',
                'healthchain audit view verify --from 2030-01-01T00:00:00.000Z --to 2030-01-08T00:00:00.000Z',
            ],
            run: viewCommand,
        },
        verify: { description: "re-check the ledger's hash chain", run: verify },
        emergency: {
            description: 'break-the-glass accesses (pending review by default)',
            options: [{ flags: '--status <status>', description: 'pending (default) or reviewed' }, ...pageOptions],
            run: emergency,
        },
        review: {
            description: 'record the verdict on an emergency access',
            args: ['<accessId>'],
            options: [
                { flags: '--verdict <verdict>', description: 'justified or unjustified', required: true },
                { flags: '--note <text>', description: 'a note' },
            ],
            run: review,
        },
    },
};
