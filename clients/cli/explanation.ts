// SPDX-License-Identifier: Apache-2.0
/**
 * An explanation of the access decision on a record (docs/api.md "Explaining a decision") as text for people:
 * the record, one line per requester and purpose (decision, reason, consent), and the checks of one decision in
 * order when a requester and a purpose were asked.
 */
import { withQuery } from '../shared/api-client';
import { optionalOption, type CommandInput, type OptionSpec } from './command-table';
import { field, toKeyValues, toTable } from './output';

/** The options that narrow an explanation. */
export const explainOptions: readonly OptionSpec[] = [
    { flags: '--requester <msp>', description: 'one requesting organisation (with --purpose: the full trace)' },
    { flags: '--purpose <purpose>', description: 'one purpose: TREATMENT, PAYMENT, OVERSIGHT, RESEARCH, EMERGENCY' },
];

/**
 * A path with the `requester` and `purpose` options as query parameters.
 * @param path - the route
 * @param input - the command input
 */
export function withSelection(path: string, input: CommandInput): string {
    return withQuery(path, {
        requester: optionalOption(input, 'requester'),
        purpose: optionalOption(input, 'purpose'),
    });
}

/** One check of a decision, as the API answers it. */
interface Step {
    readonly check: string;
    readonly result: string;
    readonly reason: string | null;
    readonly detail: {
        readonly consents?: readonly {
            readonly consentId: string;
            readonly verdict: string;
            readonly failed: string | null;
        }[];
    };
}

function toStepLines(steps: readonly Step[]): string[] {
    return steps.flatMap((step, index) => {
        const line = `${String(index + 1)}. ${step.check}: ${step.result}${step.reason === null ? '' : `  ${step.reason}`}`;
        const consents = (step.detail.consents ?? []).map(
            (c) => `     consent ${c.consentId}: ${c.verdict}${c.failed === null ? '' : ` (${c.failed})`}`,
        );
        return [line, ...consents];
    });
}

/**
 * The text of an explanation.
 * @param body - the API's answer
 */
export function toExplanationText(body: unknown): string {
    const answer = (typeof body === 'object' && body !== null ? body : {}) as Readonly<Record<string, unknown>>;
    const record = answer.record as Readonly<Record<string, unknown>> | null | undefined;
    const head = record ? toKeyValues({ ...record, at: answer.at }) : `record ${String(answer.recordId)}: not found`;
    const rows = Array.isArray(answer.decisions) ? (answer.decisions as Record<string, unknown>[]) : [];
    const table = toTable(rows, [
        field('requester'),
        field('purpose'),
        field('decision'),
        field('reason'),
        field('consentId', 'consent'),
    ]);
    const trace = answer.trace as { steps?: readonly Step[] } | null | undefined;
    const steps = trace?.steps ? ['', 'decision order:', ...toStepLines(trace.steps)] : [];
    return [head, '', table, ...steps].join('\n');
}
