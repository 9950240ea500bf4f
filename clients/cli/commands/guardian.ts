// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain guardian …` (docs/design.md "Guardians"): a hospital registers a guardian's key for a patient — the
 * guardian's signed request with the patient's signed approval, or, for a child under fourteen, the hospital's
 * attestation; the patient (with their key) or the registering hospital (the child has turned fourteen) ends a
 * guardianship; staff list a patient's guardianships. A guardian then acts with `--for <patientId>` on the
 * `consent` and `patient` commands, signing with their own key.
 */
import {
    newGuardianRegistration,
    newGuardianshipAct,
    readPatientKey,
    type PatientKey,
} from '../../shared/patient-keys';
import { withQuery } from '../../shared/api-client';
import { optionalOption, requireOption, type CommandGroup, type CommandInput } from '../command-table';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { field, itemsOf, toKeyValues, toTable } from '../output';
import { readKeyOption } from './patient';

function readKeyFile(input: CommandInput, name: string): PatientKey {
    const file = requireOption(input, name);
    try {
        return readPatientKey(file);
    } catch (cause) {
        throw new UsageError(`Cannot read the key ${file}`, { cause });
    }
}

function readBirthYear(input: CommandInput): { birthYear?: number } {
    const text = optionalOption(input, 'birthYear');
    if (text === undefined) {
        return {};
    }
    if (!/^[0-9]{4}$/.test(text)) {
        throw new UsageError('--birth-year must be a year, e.g. 2016');
    }
    return { birthYear: Number(text) };
}

function readBasis(context: CliContext, input: CommandInput, guardianId: string): Record<string, unknown> {
    const attest = optionalOption(input, 'attest');
    const hasPatientKey = optionalOption(input, 'patientKey') !== undefined;
    if ((attest === undefined) === !hasPatientKey) {
        throw new UsageError('Give --patient-key (the patient approves) or --attest minor-under-14, not both');
    }
    if (attest !== undefined) {
        return { attestation: { reason: attest, ...readBirthYear(input) } };
    }
    const patientKey = readKeyFile(input, 'patientKey');
    return { approval: newGuardianshipAct(patientKey, 'guardian.approve', guardianId, context.channel()) };
}

async function register(context: CliContext, input: CommandInput): Promise<void> {
    const guardianKey = readKeyFile(input, 'guardianKey');
    const patientId = requireOption(input, 'patient');
    const body = {
        guardian: newGuardianRegistration(guardianKey, patientId, context.channel()),
        ...readBasis(context, input, guardianKey.patientId),
    };
    const result = await context.staff('hospital', 'clinician').post('/guardians', body);
    context.print(result, () => toKeyValues(result as Record<string, unknown>));
}

async function end(context: CliContext, input: CommandInput): Promise<void> {
    const guardianId = requireOption(input, 'guardian');
    const reason = optionalOption(input, 'reason');
    let result: unknown;
    if (reason === undefined) {
        const key = readKeyOption(input);
        const signed = newGuardianshipAct(key, 'guardianship.end', guardianId, context.channel());
        result = await context.anonymous('hospital').post('/guardians/end', signed);
    } else {
        const patientId = requireOption(input, 'patient');
        const path = `/patients/${encodeURIComponent(patientId)}/guardians/${encodeURIComponent(guardianId)}/end`;
        result = await context.staff('hospital', 'clinician').post(path, { reason });
    }
    context.print(result, () => toKeyValues(result as Record<string, unknown>));
}

async function list(context: CliContext, input: CommandInput): Promise<void> {
    const path = withQuery('/guardians', { patientId: requireOption(input, 'patient') });
    const body = await context.staff('hospital', 'clinician').get(path);
    context.print(body, () =>
        toTable(itemsOf(body), [
            field('guardianId', 'guardian'),
            field('status'),
            field('basis'),
            field('registeredBy', 'registered by'),
            field('registeredAt', 'since'),
            field('endedAt', 'ended'),
        ]),
    );
}

/** The `guardian` group. */
export const guardianCommands: CommandGroup = {
    description: 'guardians who sign for a patient (PIPL Art. 31: a child under fourteen)',
    commands: {
        register: {
            description: "register a guardian's key for a patient, at a hospital",
            options: [
                { flags: '--guardian-key <file>', description: "the guardian's key file", required: true },
                { flags: '--patient <patientId>', description: 'the patient', required: true },
                { flags: '--patient-key <file>', description: "the patient's key: the patient approves" },
                { flags: '--attest <reason>', description: 'minor-under-14: this hospital attests instead' },
                { flags: '--birth-year <year>', description: "with --attest: the child's birth year" },
            ],
            examples: [
                'healthchain guardian register --guardian-key mother.pem --patient pt… --attest minor-under-14 --birth-year 2016',
                'healthchain guardian register --guardian-key mother.pem --patient pt… --patient-key child.pem',
            ],
            run: register,
        },
        end: {
            description: 'end a guardianship: by the patient (--key), or by the registering hospital (--reason)',
            options: [
                { flags: '--guardian <guardianId>', description: 'the guardian', required: true },
                { flags: '--key <file>', description: "the patient's key file (the patient ends it)" },
                { flags: '--patient <patientId>', description: 'with --reason: the patient' },
                { flags: '--reason <reason>', description: 'reached-14: the hospital ends it' },
            ],
            examples: [
                'healthchain guardian end --key child.pem --guardian pt…',
                'healthchain guardian end --patient pt… --guardian pt… --reason reached-14',
            ],
            run: end,
        },
        list: {
            description: "a patient's guardianships (the commission: all; a hospital: those it registered)",
            options: [{ flags: '--patient <patientId>', description: 'the patient', required: true }],
            run: list,
        },
    },
};
