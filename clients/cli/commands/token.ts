// SPDX-License-Identifier: Apache-2.0
/** `healthchain token create`: a staff token of an organisation, written (hashed) to its gateway's token file. */
import { createToken, isStaffRole } from '../../../gateway/src/auth/tokens';
import { toDataLayout } from '../../../network/src/region/data-layout';
import { optionalOption, type CommandGroup } from '../command-table';
import { UsageError } from '../errors';
import { toKeyValues } from '../output';

/** The `token` group. */
export const tokenCommands: CommandGroup = {
    description: 'staff tokens',
    commands: {
        create: {
            description:
                "create a staff token for an organisation's gateway and print it once (only its hash is stored)",
            options: [
                // Not mandatory here: commander hands `--role` to the global option of the same name.
                { flags: '--role <role>', description: 'admin, clinician, claims or auditor (required)' },
                { flags: '--label <label>', description: 'who or what the token is for' },
                {
                    flags: '--tokens-file <file>',
                    description: "the gateway's token file (default: from the data folder)",
                },
            ],
            examples: ['healthchain token create --org HospitalAMSP --role clinician --label "ward 3"'],
            run: (context, input) => {
                const role = optionalOption(input, 'role') ?? context.role;
                if (!isStaffRole(role)) {
                    throw new UsageError('--role must be one of admin, clinician, claims, auditor');
                }
                if (!context.hasOrg) {
                    throw new UsageError('--org is required: the organisation whose gateway accepts the token');
                }
                const org = context.org('hospital');
                const file =
                    optionalOption(input, 'tokensFile') ?? toDataLayout(context.dataDir).org(org.mspId).tokensFile;
                let created: { token: string; id: string };
                try {
                    created = createToken(file, role, optionalOption(input, 'label') ?? '');
                } catch (cause) {
                    throw new UsageError(cause instanceof Error ? cause.message : String(cause), { cause });
                }
                const result = { org: org.mspId, role, id: created.id, token: created.token };
                context.print(result, () => `${toKeyValues(result)}\nKeep the token now: it is not shown again.`);
                return Promise.resolve();
            },
        },
    },
};
