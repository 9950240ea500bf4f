// SPDX-License-Identifier: Apache-2.0
/** The CLI's command table: group name → its commands. */
import type { CommandGroup } from '../command-table';
import { auditCommands } from './audit';
import { claimCommands } from './claim';
import { consentCommands } from './consent';
import { guardianCommands } from './guardian';
import { hl7Commands } from './hl7';
import { ledgerCommands, orgCommands } from './org';
import { patientCommands } from './patient';
import { recordCommands } from './record';
import { tokenCommands } from './token';

/** Every command group. */
export const commandGroups: Readonly<Record<string, CommandGroup>> = {
    token: tokenCommands,
    patient: patientCommands,
    consent: consentCommands,
    guardian: guardianCommands,
    record: recordCommands,
    claim: claimCommands,
    audit: auditCommands,
    org: orgCommands,
    ledger: ledgerCommands,
    hl7: hl7Commands,
};
