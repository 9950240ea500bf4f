// SPDX-License-Identifier: Apache-2.0
/**
 * What a transaction knows about itself, read once at its start: id, timestamp and calling organisation,
 * plus the checks on who the caller is.
 */
import type { Context } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { Keys } from '../model/keys';
import type { LedgerConfig, Organization } from '../protocol/state';
import type { OrgType } from '../protocol/vocabulary';
import { readState } from './state';

/** The transaction's id, time and caller. */
export interface Tx {
    readonly txId: string;
    /** The transaction timestamp as an ISO string (`toISOString` form). */
    readonly time: string;
    /** The transaction timestamp in milliseconds since the epoch. */
    readonly now: number;
    /** The calling organisation's MSP id. */
    readonly caller: string;
}

/**
 * Reads the transaction's id, timestamp (chosen by the submitter) and the caller's MSP id.
 * @param ctx - transaction context
 * @returns the transaction facts
 * @throws UNAUTHENTICATED when the creator carries no MSP id
 */
export function readTx(ctx: Context): Tx {
    const date = ctx.stub.getDateTimestamp();
    const caller = ctx.clientIdentity.getMSPID();
    if (caller.length === 0) {
        throw new ChaincodeError(ErrorCodes.UNAUTHENTICATED, 'the caller has no MSP id');
    }
    return { txId: ctx.stub.getTxID(), time: date.toISOString(), now: date.getTime(), caller };
}

/**
 * Reads an organisation, or null.
 * @param ctx - transaction context
 * @param mspId - its MSP id
 * @returns the organisation or null
 */
export async function readOrganization(ctx: Context, mspId: string): Promise<Organization | null> {
    return readState<Organization>(ctx, Keys.organization(mspId));
}

/**
 * Requires the caller to be a registered, active organisation, of one of the given types if any.
 * @param ctx - transaction context
 * @param tx - the transaction facts
 * @param types - organisation types allowed; all when omitted
 * @returns the caller's organisation
 * @throws FORBIDDEN when the caller is not registered or of another type
 * @throws ORG_NOT_ACTIVE when it is pending or suspended
 */
export async function assertActiveCaller(ctx: Context, tx: Tx, types?: readonly OrgType[]): Promise<Organization> {
    const org = await readOrganization(ctx, tx.caller);
    if (org === null) {
        throw new ChaincodeError(ErrorCodes.FORBIDDEN, `${tx.caller} is not a registered organisation`);
    }
    if (types !== undefined && !types.includes(org.type)) {
        throw new ChaincodeError(ErrorCodes.FORBIDDEN, `${tx.caller} is not a ${types.join(' or ')}`);
    }
    if (org.status !== 'active') {
        throw new ChaincodeError(ErrorCodes.ORG_NOT_ACTIVE, `${tx.caller} is ${org.status}`);
    }
    return org;
}

/**
 * Reads the ledger configuration, or null before bootstrap.
 * @param ctx - transaction context
 * @returns the configuration or null
 */
export async function readConfig(ctx: Context): Promise<LedgerConfig | null> {
    return readState<LedgerConfig>(ctx, Keys.config());
}

/**
 * Is the caller the commission named at bootstrap?
 * @param ctx - transaction context
 * @param tx - the transaction facts
 * @returns true when it is
 */
export async function isCommission(ctx: Context, tx: Tx): Promise<boolean> {
    const config = await readConfig(ctx);
    return config !== null && config.commissionMspId === tx.caller;
}

/**
 * Requires the caller to be the commission named at bootstrap.
 * @param ctx - transaction context
 * @param tx - the transaction facts
 * @throws FORBIDDEN when the ledger is not bootstrapped or the caller is another organisation
 */
export async function assertCommission(ctx: Context, tx: Tx): Promise<void> {
    if (!(await isCommission(ctx, tx))) {
        throw new ChaincodeError(ErrorCodes.FORBIDDEN, `${tx.caller} is not the commission`);
    }
}
