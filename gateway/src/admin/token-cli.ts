// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run token -- --org <msp> --role <role> [--label <text>] [--data <dir>] [--tokens-file <file>]`: an
 * operator's act on the gateway's own host — a new staff token (docs/api.md "Staff tokens"), its hash
 * added to the gateway's token file, which the running gateway re-reads. The token file is `--tokens-file`,
 * else the `tokensFile` of the organisation's gateway configuration in the region's data folder
 * (`<data>/orgs/<msp>/gateway.json`, README "Configuration").
 *
 * Prints ONE JSON line on stdout, `{"org":…,"role":…,"id":…,"token":…}` (the token is shown only now), and
 * exits 0; on any error prints it on stderr and exits 1. `healthchain token create` runs this script.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createToken, isStaffRole, StaffRoles, type StaffRole } from '../auth/tokens';
import { loadGatewayConfig } from '../config';

/** The usage text. */
export const USAGE =
    'Usage: npm run token -- --org <msp> --role <role> [--label <text>] [--data <dir>] [--tokens-file <file>]\n' +
    `  --role         ${StaffRoles.join(', ')}\n` +
    '  --label        who or what the token is for (no secrets)\n' +
    "  --data         the region's data folder (default: $HEALTHCHAIN_DATA, else ./data)\n" +
    "  --tokens-file  the gateway's token file (default: from its gateway.json in the data folder)";

/** What a token is made from. */
export interface TokenRequest {
    readonly org: string;
    readonly role: StaffRole;
    readonly label: string;
    readonly tokensFile: string;
}

/** What the script prints. */
export interface CreatedToken {
    readonly org: string;
    readonly role: StaffRole;
    readonly id: string;
    readonly token: string;
}

/**
 * Parses the command line.
 * @param args - arguments after the script name
 * @param dataDefault - the data folder when `--data` is not given
 * @throws Error on an unknown option, a missing value or an unknown role
 */
export function parseTokenArgs(args: readonly string[], dataDefault: string): TokenRequest {
    const { values } = parseArgs({
        args: [...args],
        options: {
            org: { type: 'string' },
            role: { type: 'string' },
            label: { type: 'string' },
            data: { type: 'string' },
            'tokens-file': { type: 'string' },
        },
        strict: true,
        allowPositionals: false,
    });
    const org = values.org ?? '';
    if (!/^[A-Za-z][A-Za-z0-9-]{1,63}$/.test(org)) {
        throw new Error("--org must be an organisation's MSP id");
    }
    if (!isStaffRole(values.role)) {
        throw new Error(`--role must be one of ${StaffRoles.join(', ')}`);
    }
    const tokensFile =
        values['tokens-file'] ??
        loadGatewayConfig({
            HEALTHCHAIN_GATEWAY_CONFIG: join(resolve(values.data ?? dataDefault), 'orgs', org, 'gateway.json'),
        }).tokensFile;
    return { org, role: values.role, label: values.label ?? '', tokensFile };
}

/**
 * Makes the token.
 * @param request - organisation, role, label and token file
 */
export function createStaffToken(request: TokenRequest): CreatedToken {
    const { token, id } = createToken(request.tokensFile, request.role, request.label);
    return { org: request.org, role: request.role, id, token };
}

function describe(error: unknown): string {
    if (!(error instanceof Error)) {
        return String(error);
    }
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/**
 * Runs the script.
 * @param args - arguments after the script name
 * @param dataDefault - the data folder when `--data` is not given
 * @returns the process exit code
 */
export function main(args: readonly string[], dataDefault: string): number {
    if (args.includes('--help') || args.includes('-h')) {
        process.stdout.write(USAGE + '\n');
        return 0;
    }
    let request: TokenRequest;
    try {
        request = parseTokenArgs(args, dataDefault);
    } catch (error) {
        process.stderr.write(`token: ${describe(error)}\n\n${USAGE}\n`);
        return 1;
    }
    try {
        process.stdout.write(JSON.stringify(createStaffToken(request)) + '\n');
        return 0;
    } catch (error) {
        process.stderr.write(`token: ${describe(error)}\n`);
        return 1;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2), process.env.HEALTHCHAIN_DATA || './data');
}
