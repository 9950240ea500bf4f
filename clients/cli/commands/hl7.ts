// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain hl7 …`: a hospital's HL7 v2 intake, for its operators (an `admin` token): the state of the
 * listener and its queues, the error and pending queues, the last messages, one message with its content, and
 * reprocessing a message from the error queue (docs/api.md "HL7 v2 intake").
 */
import { withQuery } from '../../shared/api-client';
import { argument, optionalOption, pageOptions, type CommandGroup, type CommandInput } from '../command-table';
import type { CliContext } from '../context';
import { field, itemsOf, toKeyValues, toTable, type Column } from '../output';

const MESSAGE_COLUMNS: readonly Column[] = [
    field('messageId'),
    field('receivedAt', 'received'),
    field('type'),
    field('controlId'),
    field('status'),
    { header: 'error', cell: (row) => (row.error as { code?: string } | undefined)?.code ?? '' },
];

function messagePath(input: CommandInput, suffix = ''): string {
    return `/hl7/messages/${encodeURIComponent(argument(input, 0, 'messageId'))}${suffix}`;
}

async function status(context: CliContext): Promise<void> {
    const body = await context.staff('hospital', 'admin').get<Record<string, unknown>>('/hl7/status');
    context.print(body, () => {
        const queues = body.queues as Record<string, unknown>;
        const dropped = body.dropped as Record<string, unknown>;
        return toKeyValues({ enabled: body.enabled, url: body.url, facility: body.facility, ...queues, ...dropped });
    });
}

function queue(path: '/hl7/errors' | '/hl7/pending' | '/hl7/messages') {
    return async (context: CliContext, input: CommandInput): Promise<void> => {
        const url = withQuery(path, { limit: optionalOption(input, 'limit'), cursor: optionalOption(input, 'cursor') });
        const body = await context.staff('hospital', 'admin').get(url);
        context.print(body, () => toTable(itemsOf(body), MESSAGE_COLUMNS));
    };
}

async function show(context: CliContext, input: CommandInput): Promise<void> {
    const body = await context.staff('hospital', 'admin').get<Record<string, unknown>>(messagePath(input));
    context.print(body, () => {
        const { content, ...meta } = body;
        const text = (content as { text?: string } | null)?.text ?? '(content dropped)';
        return `${toKeyValues({ ...meta, ack: JSON.stringify(meta.ack), error: JSON.stringify(meta.error ?? null) })}\n\n${text}`;
    });
}

async function reprocess(context: CliContext, input: CommandInput): Promise<void> {
    const body = await context
        .staff('hospital', 'admin')
        .post<Record<string, unknown>>(messagePath(input, '/reprocess'), {});
    context.print(body, () => toKeyValues({ messageId: body.messageId, status: body.status }));
}

/** The `hl7` group. */
export const hl7Commands: CommandGroup = {
    description: "a hospital's HL7 v2 intake: listener, queues, messages (admin token)",
    commands: {
        status: {
            description: 'the MLLP listener and the sizes of the work, pending, error and anchoring queues',
            examples: ['healthchain hl7 status --org HospitalAMSP'],
            run: status,
        },
        errors: {
            description: 'messages in the error queue (kept, not processed)',
            options: pageOptions,
            run: queue('/hl7/errors'),
        },
        pending: {
            description: 'messages waiting for their patient to be registered with a local identifier',
            options: pageOptions,
            run: queue('/hl7/pending'),
        },
        messages: {
            description: 'the last messages kept, newest first, whatever became of them',
            options: pageOptions,
            run: queue('/hl7/messages'),
        },
        show: {
            description: 'one message: its state, acknowledgment, error and content',
            args: ['<messageId>'],
            run: show,
        },
        reprocess: {
            description: 'send a message of the error queue through processing again',
            args: ['<messageId>'],
            examples: ['healthchain hl7 reprocess m0m7…'],
            run: reprocess,
        },
    },
};
