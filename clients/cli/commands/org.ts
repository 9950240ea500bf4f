// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain org …` and `healthchain ledger info`: membership, governance (including the approval of an
 * organisation's changed TLS certificate) and the chain's head.
 */
import { argument, type CommandGroup, type CommandSpec } from '../command-table';
import { field, itemsOf, toKeyValues, toTable, type Column } from '../output';

/**
 * A governance command: `POST /orgs/{msp}/{action}` as the commission admin.
 * @param command - the command's name
 * @param action - the route's last segment
 * @param description - what it does
 */
function govern(command: string, action: string, description: string): CommandSpec {
    return {
        description,
        args: ['<msp>'],
        examples: [`healthchain org ${command} HospitalBMSP`],
        run: async (context, input) => {
            const mspId = argument(input, 0, 'msp');
            const body = await context
                .staff('commission', 'admin')
                .post(`/orgs/${encodeURIComponent(mspId)}/${action}`);
            context.print(body, () => toKeyValues(body as Record<string, unknown>));
        },
    };
}

/** `pending <first 16 hex digits>…` for an organisation whose changed TLS certificate awaits approval. */
const pendingCertColumn: Column = {
    header: 'pendingTlsCert',
    cell: (row) =>
        typeof row.pendingTlsCertSha256 === 'string' ? `pending ${row.pendingTlsCertSha256.slice(0, 16)}…` : '',
};

/** The `org` group. */
export const orgCommands: CommandGroup = {
    description: 'member organisations and their governance (commission admin)',
    commands: {
        list: {
            description: 'organisations on the ledger (and any TLS certificate change awaiting approval)',
            run: async (context) => {
                const body = await context.staff('hospital', 'clinician').get('/orgs');
                context.print(body, () => {
                    const rows = itemsOf(body);
                    const pending = rows.some((row) => typeof row.pendingTlsCertSha256 === 'string');
                    return toTable(rows, [
                        field('mspId'),
                        field('type'),
                        field('name'),
                        field('status'),
                        field('p2pUrl'),
                        ...(pending ? [pendingCertColumn] : []),
                    ]);
                });
            },
        },
        approve: govern('approve', 'approve', 'approve a pending organisation'),
        suspend: govern('suspend', 'suspend', 'suspend an active organisation'),
        reinstate: govern('reinstate', 'reinstate', 'reinstate a suspended organisation'),
        'approve-cert': govern(
            'approve-cert',
            'approve-certificate',
            "pin an organisation's pending TLS certificate (the active one serves until then)",
        ),
    },
};

/** The `ledger` group. */
export const ledgerCommands: CommandGroup = {
    description: 'the ledger',
    commands: {
        info: {
            description: 'height and current block hash',
            run: async (context) => {
                const body = await context.staff('hospital', 'clinician').get('/ledger/info');
                context.print(body, () => toKeyValues(body as Record<string, unknown>));
            },
        },
    },
};
