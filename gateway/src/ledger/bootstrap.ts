// SPDX-License-Identifier: Apache-2.0
/**
 * The commission's bootstrap of a fresh ledger (`organization:bootstrap`, which names the commission once),
 * written once for the two that make it: the commission's gateway at start (`register-self.ts`) and the region
 * launcher (`network/src/region/bootstrap.ts`), which makes it before any gateway starts and also checks that
 * the ledger names its commission.
 */
import { ApiError } from '../errors';
import type { LedgerConfig, LedgerContracts } from './contracts';

/** The calls of the facade that the bootstrap makes. */
export type BootstrapContracts = Pick<LedgerContracts, 'mspId' | 'readConfig' | 'bootstrap'>;

/** What {@link bootstrapIfFresh} found. */
export interface BootstrapOutcome {
    /** The configuration the ledger holds: the commission it names, and since when. */
    readonly config: LedgerConfig;
    /** Whether this call wrote it. */
    readonly bootstrapped: boolean;
}

function hasCode(error: unknown, code: string): boolean {
    return error instanceof ApiError && error.code === code;
}

/**
 * Names the caller's organisation as the commission unless the ledger already names one. Idempotent.
 * @param contracts - the facade, under a member of the organisation to name
 * @returns the ledger's configuration, and whether this call wrote it
 * @throws ApiError LEDGER_UNAVAILABLE, FORBIDDEN (the caller is not allowed to bootstrap), and what else
 *   reading the configuration or bootstrapping throws
 */
export async function bootstrapIfFresh(contracts: BootstrapContracts): Promise<BootstrapOutcome> {
    try {
        return { config: await contracts.readConfig(), bootstrapped: false };
    } catch (error) {
        if (!hasCode(error, 'NOT_FOUND')) {
            throw error;
        }
    }
    try {
        const submitted = await contracts.bootstrap(contracts.mspId);
        return { config: submitted.value, bootstrapped: true };
    } catch (error) {
        // Another process bootstrapped it between the read and the write: that is the outcome wanted, and
        // the configuration it wrote is read back for the caller.
        if (!hasCode(error, 'CONFLICT')) {
            throw error;
        }
    }
    return { config: await contracts.readConfig(), bootstrapped: false };
}
