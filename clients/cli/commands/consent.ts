// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain consent …`: grant and revoke (signed locally with the patient's key, or a guardian's with `--for`),
 * and staff listing. A grant shows its notice first (docs/design.md "Notice") and is signed only once confirmed.
 */
import { NoticeLanguages } from '../../../chaincode/src/protocol/notice';
import type { NoticeLanguage } from '../../../chaincode/src/protocol/notice';
import { readNotice } from '../../shared/notice';
import { newConsentGrant, newConsentRevoke } from '../../shared/patient-keys';
import { withQuery } from '../../shared/api-client';
import {
    listOption,
    optionalOption,
    pageOptions,
    requireOption,
    type CommandGroup,
    type CommandInput,
} from '../command-table';
import { confirmOrRefuse } from '../confirm';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { defaultNoticeLanguage } from '../settings';
import { field, itemsOf, toKeyValues, toTable } from '../output';
import { readKeyOption } from './patient';

const DAY_MS = 86_400_000;

function readTime(input: CommandInput, name: string, fallback: Date): string {
    const text = optionalOption(input, name);
    if (text === undefined) {
        return fallback.toISOString();
    }
    const time = new Date(text);
    if (Number.isNaN(time.getTime())) {
        throw new UsageError(`--${name === 'notBefore' ? 'not-before' : 'not-after'} must be a date or an ISO time`);
    }
    return time.toISOString();
}

function requireList(input: CommandInput, name: string): string[] {
    const list = listOption(input, name);
    if (!list || list.length === 0) {
        throw new UsageError(`--${name} needs a comma-separated list`);
    }
    return list;
}

async function grant(context: CliContext, input: CommandInput): Promise<void> {
    const key = readKeyOption(input);
    const now = Date.now();
    const terms = {
        grantee: requireOption(input, 'grantee'),
        purposes: requireList(input, 'purposes'),
        categories: requireList(input, 'categories'),
        custodians: listOption(input, 'custodians') ?? ['*'],
        recordIds: listOption(input, 'records'),
        // A minute back, so a transaction timestamped a little earlier than this clock is inside the window.
        notBefore: readTime(input, 'notBefore', new Date(now - 60_000)),
        notAfter: readTime(input, 'notAfter', new Date(now + 365 * DAY_MS)),
    };
    const client = context.anonymous('hospital');
    let shown: Awaited<ReturnType<typeof readNotice>>;
    try {
        shown = await readNotice(client, terms, readLanguage(input));
    } catch (cause) {
        throw new UsageError(cause instanceof Error ? cause.message : String(cause), { cause });
    }
    // With --json the answer goes to stdout, so the notice goes to stderr; it is shown either way.
    if (context.json) {
        context.printer.err(`${shown.text}\n`);
    } else {
        context.printer.out(`${shown.text}\n`);
    }
    await confirmOrRefuse('Sign this consent?', input.options.yes === true);
    const options = {
        channel: context.channel(),
        consentId: optionalOption(input, 'id'),
        notice: shown.notice,
        forPatient: optionalOption(input, 'for'),
    };
    const body = await client.post('/consents', newConsentGrant(key, terms, options));
    context.print(body, () => toKeyValues(body as Record<string, unknown>));
}

function readLanguage(input: CommandInput): NoticeLanguage {
    const language = optionalOption(input, 'language') ?? defaultNoticeLanguage();
    if (!(NoticeLanguages as readonly string[]).includes(language)) {
        throw new UsageError(`--language must be one of ${NoticeLanguages.join(', ')}`);
    }
    return language as NoticeLanguage;
}

async function revoke(context: CliContext, input: CommandInput): Promise<void> {
    const key = readKeyOption(input);
    const consentId = requireOption(input, 'consent');
    const body = await context
        .anonymous('hospital')
        .post(
            `/consents/${encodeURIComponent(consentId)}/revoke`,
            newConsentRevoke(key, consentId, context.channel(), optionalOption(input, 'for')),
        );
    context.print(body, () => toKeyValues(body as Record<string, unknown>));
}

async function list(context: CliContext, input: CommandInput): Promise<void> {
    const path = withQuery('/consents', {
        patientId: optionalOption(input, 'patient'),
        limit: optionalOption(input, 'limit'),
        cursor: optionalOption(input, 'cursor'),
    });
    const body = await context.staff('hospital', 'clinician').get(path);
    context.print(body, () =>
        toTable(itemsOf(body), [
            field('consentId'),
            field('patientId'),
            field('grantee'),
            field('purposes'),
            field('categories'),
            field('status'),
        ]),
    );
}

const keyOption = {
    flags: '--key <file>',
    description: "the patient's key file (a guardian's with --for)",
    required: true,
};
const forOption = { flags: '--for <patientId>', description: 'act as guardian for this patient (--key is yours)' };

/** The `consent` group. */
export const consentCommands: CommandGroup = {
    description: 'patient consent (signed locally with the patient key)',
    commands: {
        grant: {
            description: 'grant an organisation access for purposes and categories, signed by the patient',
            options: [
                keyOption,
                { flags: '--grantee <msp>', description: 'the organisation given access', required: true },
                { flags: '--purposes <list>', description: 'TREATMENT, PAYMENT, OVERSIGHT, RESEARCH', required: true },
                {
                    flags: '--categories <list>',
                    description: 'record categories, or * (not sensitive ones)',
                    required: true,
                },
                { flags: '--custodians <list>', description: 'custodian MSP ids, or * (default)' },
                { flags: '--records <list>', description: 'only these record ids' },
                { flags: '--not-before <time>', description: 'start of the window (default: now)' },
                { flags: '--not-after <time>', description: 'end of the window (default: in a year)' },
                { flags: '--id <consentId>', description: 'the consent id (default: a new random one)' },
                { flags: '--language <lang>', description: 'the notice in zh-CN or en (default: from LANG)' },
                { flags: '--yes', description: 'sign without asking, once you have read the notice it prints' },
                forOption,
            ],
            examples: [
                'healthchain consent grant --key alice.pem --grantee HospitalBMSP --purposes TREATMENT --categories lab',
                'healthchain consent grant --key mother.pem --for pt… --grantee HospitalBMSP --purposes TREATMENT --categories lab --yes',
            ],
            run: grant,
        },
        revoke: {
            description: 'revoke a consent, signed by the patient',
            options: [
                keyOption,
                { flags: '--consent <consentId>', description: 'the consent', required: true },
                forOption,
            ],
            examples: ['healthchain consent revoke --key alice.pem --consent consent-1234'],
            run: revoke,
        },
        list: {
            description: 'consents that name this organisation (the commission sees all)',
            options: [{ flags: '--patient <patientId>', description: 'one patient' }, ...pageOptions],
            run: list,
        },
    },
};
