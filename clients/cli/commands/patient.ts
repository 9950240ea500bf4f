// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain patient …`: a patient's own acts, signed locally with the patient's key file — key generation,
 * registration (through a hospital), and the patient's view of their records, consents, access log and the
 * claims filed on them. Each view is asked with a fresh `patient.query` bound to the gateway asked (its MSP id),
 * that view, the region's channel and one use.
 */
import { resolve } from 'node:path';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { field, itemsOf, toAmountText, toKeyValues, toTable, type Column } from '../output';
import {
    newExplainQuery,
    newPatientKey,
    newPatientQuery,
    newRegistration,
    readPatientKey,
    writePatientKey,
} from '../../shared/patient-keys';
import type { PatientKey } from '../../shared/patient-keys';
import type { PatientQueryView } from '../../../chaincode/src/protocol/payloads';
import { listOption, requireOption, type CommandGroup, type CommandInput, type CommandSpec } from '../command-table';
import { explainOptions, toExplanationText, withSelection } from '../explanation';

const keyOption = { flags: '--key <file>', description: "the patient's key file (PKCS#8 PEM)", required: true };
/** `--for`: a guardian, holding their own key, acts for a patient under a guardianship. */
export const forOption = {
    flags: '--for <patientId>',
    description: 'act as guardian for this patient (--key is yours)',
};

function forOf(input: CommandInput): string | undefined {
    const value = input.options.for;
    return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads the key named by `--key`.
 * @param input - the command input
 * @throws UsageError when missing or unreadable
 */
export function readKeyOption(input: CommandInput): PatientKey {
    const file = requireOption(input, 'key');
    try {
        return readPatientKey(file);
    } catch (cause) {
        throw new UsageError(`Cannot read the patient key ${file}`, { cause });
    }
}

async function keygen(context: CliContext, input: CommandInput): Promise<void> {
    const file = resolve(requireOption(input, 'out'));
    const key = newPatientKey();
    try {
        writePatientKey(file, key);
    } catch (cause) {
        throw new UsageError(`Cannot write ${file} (it must not exist yet)`, { cause });
    }
    const result = { patientId: key.patientId, keyFile: file };
    context.print(result, () => `${toKeyValues(result)}\nKeep the key file safe: it is the patient's identity.`);
    return Promise.resolve();
}

/**
 * Reads `--identifiers SYSTEM=VALUE,…`: the hospital's own identifiers of the patient (HL7 PID-3's assigning
 * authority and value), linked at the hospital so that its HL7 feed finds the patient.
 * @param input - the command input
 * @throws UsageError when an item is not SYSTEM=VALUE
 */
function readIdentifiers(input: CommandInput): { identifiers?: { system: string; value: string }[] } {
    const items = listOption(input, 'identifiers');
    if (items === undefined) {
        return {};
    }
    const identifiers = items.map((item) => {
        const at = item.indexOf('=');
        if (at <= 0 || at === item.length - 1) {
            throw new UsageError(`--identifiers takes SYSTEM=VALUE items, not "${item}"`);
        }
        return { system: item.slice(0, at), value: item.slice(at + 1) };
    });
    return { identifiers };
}

async function register(context: CliContext, input: CommandInput): Promise<void> {
    const key = readKeyOption(input);
    const registration = { ...newRegistration(key, context.channel()), ...readIdentifiers(input) };
    const body = await context.staff('hospital', 'clinician').post('/patients', registration);
    context.print(body, () => toKeyValues(body as Record<string, unknown>));
}

function query(view: PatientQueryView, description: string, columns: readonly Column[]): CommandSpec {
    return {
        description,
        options: [keyOption, forOption],
        examples: [
            `healthchain patient ${view} --key alice.pem`,
            `healthchain patient ${view} --key mother.pem --for pt…`,
        ],
        run: async (context, input) => {
            const key = readKeyOption(input);
            const audience = context.org('hospital').mspId;
            const signed = newPatientQuery(key, { audience, view, channel: context.channel() }, forOf(input));
            const body = await context.anonymous('hospital').post(`/patient/${view}`, signed);
            context.print(body, () => toTable(itemsOf(body), columns));
        },
    };
}

async function explain(context: CliContext, input: CommandInput): Promise<void> {
    const key = readKeyOption(input);
    const audience = context.org('hospital').mspId;
    const recordId = requireOption(input, 'record');
    const signed = newExplainQuery(key, { audience, channel: context.channel(), recordId }, forOf(input));
    const body = await context.anonymous('hospital').post(withSelection('/patient/explain', input), signed);
    context.print(body, () => toExplanationText(body));
}

/** The `patient` group. */
export const patientCommands: CommandGroup = {
    description: "a patient's key, registration and own view (signed with the patient's key)",
    commands: {
        keygen: {
            description: 'make a patient key (ECDSA P-256, mode 0600) and print the patient id',
            options: [
                { flags: '--out <file>', description: 'where to write the key (must not exist)', required: true },
            ],
            examples: ['healthchain patient keygen --out alice.pem'],
            run: keygen,
        },
        register: {
            description: 'register the patient at a hospital (proof of possession of the key)',
            options: [
                keyOption,
                {
                    flags: '--identifiers <list>',
                    description: "the hospital's own ids of the patient, SYSTEM=VALUE,… (HL7 PID-3 authority=value)",
                },
            ],
            examples: [
                'healthchain patient register --key alice.pem --org HospitalAMSP',
                'healthchain patient register --key alice.pem --identifiers HOSPA=MRN0042,EHC=3301010001',
            ],
            run: register,
        },
        records: query('records', "the patient's records across the region", [
            field('recordId'),
            field('category'),
            field('custodian'),
            field('createdAt'),
        ]),
        consents: query('consents', "the patient's consents", [
            field('consentId'),
            field('grantee'),
            field('purposes'),
            field('categories'),
            field('status'),
            field('notAfter'),
        ]),
        'access-log': query('access-log', 'every access to the patient’s records, granted or denied', [
            field('requestedAt', 'time'),
            field('requester'),
            field('recordId'),
            field('purpose'),
            field('decision'),
            field('reason'),
        ]),
        guardians: query('guardians', 'the guardians who may act for the patient, and the guardianships ended', [
            field('guardianId', 'guardian'),
            field('status'),
            field('basis'),
            field('registeredBy', 'registered by'),
            field('registeredAt', 'since'),
            field('endedAt', 'ended'),
            field('endReason', 'why'),
        ]),
        claims: query('claims', 'the claims organisations filed on the patient, and their decisions', [
            field('submittedAt', 'submitted'),
            field('claimId'),
            field('claimant'),
            field('insurer'),
            field('serviceId'),
            { header: 'amount', cell: (row) => toAmountText(row.amount) },
            field('status'),
            field('decisionReason', 'reason'),
        ]),
        explain: {
            description: 'who can see one of the patient’s records, and why (a dry run of the access decision)',
            options: [
                keyOption,
                { flags: '--record <recordId>', description: 'the record', required: true },
                ...explainOptions,
                forOption,
            ],
            examples: [
                'healthchain patient explain --key alice.pem --record rec-…',
                'healthchain patient explain --key alice.pem --record rec-… --requester HospitalBMSP --purpose TREATMENT',
            ],
            run: explain,
        },
    },
};
