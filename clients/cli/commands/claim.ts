// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain claim …`: a hospital files claims, each naming the billed service (visit or encounter) and its
 * supporting records; an insurer verifies them against the ledger and decides.
 */
import { withQuery } from '../../shared/api-client';
import {
    argument,
    listOption,
    optionalOption,
    pageOptions,
    requireOption,
    type CommandGroup,
    type CommandInput,
} from '../command-table';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { field, itemsOf, toAmountText, toKeyValues, toTable } from '../output';

/** A claimant's own id of the billed visit or encounter (the ledger's id rule). */
const SERVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

async function submit(context: CliContext, input: CommandInput): Promise<void> {
    const value = Number(requireOption(input, 'amount'));
    if (!Number.isFinite(value) || value <= 0) {
        throw new UsageError('--amount must be a positive number');
    }
    const serviceId = requireOption(input, 'service');
    if (!SERVICE_ID.test(serviceId)) {
        throw new UsageError('--service must be 1–128 letters, digits and . _ : - (starting with a letter or digit)');
    }
    const body = {
        patientId: requireOption(input, 'patient'),
        insurer: requireOption(input, 'insurer'),
        serviceId,
        recordIds: listOption(input, 'records') ?? [],
        amount: { value, currency: optionalOption(input, 'currency') ?? 'CNY' },
    };
    const result = await context.staff('hospital', 'claims').post('/claims', body);
    context.print(result, () => toKeyValues(result as Record<string, unknown>));
}

async function list(context: CliContext, input: CommandInput): Promise<void> {
    const path = withQuery('/claims', {
        status: optionalOption(input, 'status'),
        limit: optionalOption(input, 'limit'),
        cursor: optionalOption(input, 'cursor'),
    });
    const body = await context.staff('insurer', 'claims').get(path);
    context.print(body, () =>
        toTable(itemsOf(body), [
            field('claimId'),
            field('claimant'),
            field('insurer'),
            field('patientId'),
            field('serviceId'),
            field('recordIds'),
            { header: 'amount', cell: (row) => toAmountText(row.amount) },
            field('status'),
        ]),
    );
}

async function verify(context: CliContext, input: CommandInput): Promise<void> {
    const claimId = argument(input, 0, 'claimId');
    const body = await context
        .staff('insurer', 'claims')
        .post<Record<string, unknown>>(`/claims/${encodeURIComponent(claimId)}/verify`, {});
    context.print(body, () => {
        const checks = Array.isArray(body.checks) ? (body.checks as Record<string, unknown>[]) : [];
        const table = toTable(checks, [field('recordId'), field('decision'), field('reason'), field('hashOk')]);
        return `claim ${claimId}: ${String(body.verdict)}\n${table}`;
    });
}

async function decide(context: CliContext, input: CommandInput): Promise<void> {
    const claimId = argument(input, 0, 'claimId');
    const decision = requireOption(input, 'decision');
    const body = { decision, reason: optionalOption(input, 'reason') ?? '' };
    const result = await context.staff('insurer', 'claims').post(`/claims/${encodeURIComponent(claimId)}/decide`, body);
    context.print(result, () => toKeyValues(result as Record<string, unknown>));
}

/** The `claim` group. */
export const claimCommands: CommandGroup = {
    description: 'insurance claims',
    commands: {
        submit: {
            description:
                "file a claim with an insurer for a service, on supporting records (hospital claims staff; needs the patient's PAYMENT consent for the insurer naming this hospital as custodian)",
            options: [
                { flags: '--patient <patientId>', description: 'the patient', required: true },
                { flags: '--insurer <msp>', description: 'the insurer', required: true },
                {
                    flags: '--service <id>',
                    description: "this hospital's id of the billed visit or encounter (one claim per service)",
                    required: true,
                },
                { flags: '--records <list>', description: 'supporting record ids, comma-separated', required: true },
                { flags: '--amount <value>', description: 'amount', required: true },
                { flags: '--currency <code>', description: 'ISO 4217 currency (default CNY)' },
            ],
            examples: [
                'healthchain claim submit --org HospitalAMSP --patient pt… --insurer InsurerMSP --service visit-2025-0412 --records rec-1 --amount 1280.50',
            ],
            run: submit,
        },
        list: {
            description: 'claims this organisation filed or must decide',
            options: [{ flags: '--status <status>', description: 'submitted, approved or rejected' }, ...pageOptions],
            run: list,
        },
        verify: {
            description: "fetch every supporting record under the patient's PAYMENT consent and check its hash",
            args: ['<claimId>'],
            run: verify,
        },
        decide: {
            description: 'approve or reject a claim (insurer claims staff)',
            args: ['<claimId>'],
            options: [
                { flags: '--decision <decision>', description: 'approved or rejected', required: true },
                { flags: '--reason <text>', description: 'why' },
            ],
            run: decide,
        },
    },
};
