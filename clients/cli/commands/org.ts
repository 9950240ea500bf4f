// SPDX-License-Identifier: Apache-2.0
/** `healthchain org …` and `healthchain ledger info`: membership, governance and the chain's head. */
import { argument, type CommandGroup, type CommandSpec } from '../command-table';
import { field, itemsOf, toKeyValues, toTable } from '../output';

function govern(action: 'approve' | 'suspend' | 'reinstate', description: string): CommandSpec {
    return {
        description,
        args: ['<msp>'],
        examples: [`healthchain org ${action} HospitalBMSP`],
        run: async (context, input) => {
            const mspId = argument(input, 0, 'msp');
            const body = await context
                .staff('commission', 'admin')
                .post(`/orgs/${encodeURIComponent(mspId)}/${action}`);
            context.print(body, () => toKeyValues(body as Record<string, unknown>));
        },
    };
}

/** The `org` group. */
export const orgCommands: CommandGroup = {
    description: 'member organisations and their governance (commission admin)',
    commands: {
        list: {
            description: 'organisations on the ledger',
            run: async (context) => {
                const body = await context.staff('hospital', 'clinician').get('/orgs');
                context.print(body, () =>
                    toTable(itemsOf(body), [
                        field('mspId'),
                        field('type'),
                        field('name'),
                        field('status'),
                        field('p2pUrl'),
                    ]),
                );
            },
        },
        approve: govern('approve', 'approve a pending organisation'),
        suspend: govern('suspend', 'suspend an active organisation'),
        reinstate: govern('reinstate', 'reinstate a suspended organisation'),
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
