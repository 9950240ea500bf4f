// SPDX-License-Identifier: Apache-2.0
/** `healthchain record …`: publish a FHIR resource, list and show index entries, fetch a record under a purpose. */
import { readFileSync, writeFileSync } from 'node:fs';
import { withQuery } from '../../shared/api-client';
import {
    argument,
    optionalOption,
    pageOptions,
    requireOption,
    type CommandGroup,
    type CommandInput,
} from '../command-table';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { explainOptions, toExplanationText, withSelection } from '../explanation';
import { field, itemsOf, toKeyValues, toTable } from '../output';

function readResource(file: string): unknown {
    try {
        return JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch (cause) {
        throw new UsageError(`${file} is not a readable JSON file`, { cause });
    }
}

async function publish(context: CliContext, input: CommandInput): Promise<void> {
    const body = {
        patientId: requireOption(input, 'patient'),
        category: requireOption(input, 'category'),
        resource: readResource(requireOption(input, 'file')),
    };
    const result = await context.staff('hospital', 'clinician').post('/records', body);
    context.print(result, () => toKeyValues(result as Record<string, unknown>));
}

async function fetchRecord(context: CliContext, input: CommandInput): Promise<void> {
    const recordId = argument(input, 0, 'recordId');
    const justification = optionalOption(input, 'justification');
    const body = { purpose: requireOption(input, 'purpose'), ...(justification ? { justification } : {}) };
    const result = await context
        .staff('hospital', 'clinician')
        .post<Record<string, unknown>>(`/records/${encodeURIComponent(recordId)}/fetch`, body);
    const out = optionalOption(input, 'out');
    if (out !== undefined) {
        writeFileSync(out, JSON.stringify(result.resource, null, 2) + '\n', { mode: 0o600 });
    }
    context.print(result, () => {
        const summary = toKeyValues({ accessId: result.accessId, deliveryTxId: result.deliveryTxId });
        return out === undefined
            ? `${summary}\n${JSON.stringify(result.resource, null, 2)}`
            : `${summary}\nsaved: ${out}`;
    });
}

async function list(context: CliContext, input: CommandInput): Promise<void> {
    const path = withQuery('/records', {
        patientId: requireOption(input, 'patient'),
        limit: optionalOption(input, 'limit'),
        cursor: optionalOption(input, 'cursor'),
    });
    const body = await context.staff('hospital', 'clinician').get(path);
    context.print(body, () =>
        toTable(itemsOf(body), [field('recordId'), field('category'), field('custodian'), field('createdAt')]),
    );
}

async function show(context: CliContext, input: CommandInput): Promise<void> {
    const recordId = argument(input, 0, 'recordId');
    const body = await context.staff('hospital', 'clinician').get(`/records/${encodeURIComponent(recordId)}`);
    context.print(body, () => toKeyValues(body as Record<string, unknown>));
}

/** The staff role that asks for explanations at each kind of organisation (docs/api.md). */
const EXPLAINER_ROLES = { hospital: 'clinician', insurer: 'claims', commission: 'auditor' } as const;

async function explain(context: CliContext, input: CommandInput): Promise<void> {
    const recordId = argument(input, 0, 'recordId');
    const org = context.org('commission');
    const path = withSelection(`/records/${encodeURIComponent(recordId)}/explain`, input);
    const body = await context.staff(org.type, EXPLAINER_ROLES[org.type]).get(path);
    context.print(body, () => toExplanationText(body));
}

/** The `record` group. */
export const recordCommands: CommandGroup = {
    description: 'health records (FHIR R4) and their ledger index',
    commands: {
        publish: {
            description: 'store a FHIR resource at this hospital and anchor its hash on the ledger',
            options: [
                { flags: '--patient <patientId>', description: 'the patient', required: true },
                { flags: '--category <category>', description: 'lab, encounter, document, …', required: true },
                { flags: '--file <fhir.json>', description: 'a FHIR R4 resource or Bundle', required: true },
            ],
            examples: ['healthchain record publish --org HospitalAMSP --patient pt… --category lab --file hba1c.json'],
            run: publish,
        },
        fetch: {
            description: 'request a record for a purpose; the ledger decides, the custodian delivers',
            args: ['<recordId>'],
            options: [
                { flags: '--purpose <purpose>', description: 'TREATMENT, PAYMENT, EMERGENCY, …', required: true },
                { flags: '--justification <text>', description: 'why (required for EMERGENCY)' },
                { flags: '--out <file>', description: 'write the resource here instead of printing it' },
            ],
            examples: ['healthchain record fetch rec-… --org HospitalBMSP --purpose TREATMENT'],
            run: fetchRecord,
        },
        list: {
            description: "a patient's index entries across the region",
            options: [{ flags: '--patient <patientId>', description: 'the patient', required: true }, ...pageOptions],
            run: list,
        },
        show: { description: 'one index entry', args: ['<recordId>'], run: show },
        explain: {
            description:
                'who can see this record, and why: a dry run of the access decision (the commission: every ' +
                'organisation; others: their own)',
            args: ['<recordId>'],
            options: explainOptions,
            examples: [
                'healthchain record explain rec-…',
                'healthchain record explain rec-… --requester HospitalBMSP --purpose TREATMENT',
                'healthchain --org HospitalBMSP record explain rec-… --purpose TREATMENT',
            ],
            run: explain,
        },
    },
};
