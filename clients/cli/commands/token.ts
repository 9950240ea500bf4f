// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain token create`: a staff token of an organisation. Making one is an operator's act on the
 * gateway's own host — its hash goes into the gateway's token file — so the CLI does not do it itself: it
 * runs the gateway's admin script (`npm run token`, `gateway/src/admin/token-cli.ts`) as a child process
 * and shows what that prints.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { optionalOption, type CommandGroup } from '../command-table';
import { UsageError } from '../errors';
import { toKeyValues } from '../output';

/** The gateway's admin script, beside this command in the build output. */
const TOKEN_SCRIPT = join(__dirname, '..', '..', '..', 'gateway', 'src', 'admin', 'token-cli.js');

const ROLES = ['admin', 'clinician', 'claims', 'auditor'];

interface CreatedToken {
    readonly org: string;
    readonly role: string;
    readonly id: string;
    readonly token: string;
}

function isCreatedToken(value: unknown): value is CreatedToken {
    if (typeof value !== 'object' || value === null) {
        return false;
    }
    const created = value as Record<string, unknown>;
    return ['org', 'role', 'id', 'token'].every((field) => typeof created[field] === 'string');
}

function runTokenScript(args: readonly string[]): Promise<CreatedToken> {
    return new Promise((resolve, reject) => {
        execFile(process.execPath, [TOKEN_SCRIPT, ...args], (error, stdout, stderr) => {
            if (error) {
                const message = stderr.split('\n', 1)[0]?.replace(/^token: /, '') || error.message;
                reject(new UsageError(message, { cause: error }));
                return;
            }
            let parsed: unknown;
            try {
                parsed = JSON.parse(stdout);
            } catch (cause) {
                reject(new UsageError('the token script printed no token', { cause }));
                return;
            }
            if (!isCreatedToken(parsed)) {
                reject(new UsageError('the token script printed no token'));
                return;
            }
            resolve(parsed);
        });
    });
}

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
            run: async (context, input) => {
                const role = optionalOption(input, 'role') ?? context.role;
                if (role === undefined || !ROLES.includes(role)) {
                    throw new UsageError('--role must be one of admin, clinician, claims, auditor');
                }
                if (!context.hasOrg) {
                    throw new UsageError('--org is required: the organisation whose gateway accepts the token');
                }
                const org = context.org('hospital');
                const tokensFile = optionalOption(input, 'tokensFile');
                const created = await runTokenScript([
                    ...['--org', org.mspId, '--role', role, '--data', context.dataDir],
                    ...['--label', optionalOption(input, 'label') ?? ''],
                    ...(tokensFile === undefined ? [] : ['--tokens-file', tokensFile]),
                ]);
                const result = { org: created.org, role: created.role, id: created.id, token: created.token };
                context.print(result, () => `${toKeyValues(result)}\nKeep the token now: it is not shown again.`);
            },
        },
    },
};
