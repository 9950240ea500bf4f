// SPDX-License-Identifier: Apache-2.0
/** The base of every health-chain contract: turns an unknown function name into a coded error. */
import { Contract } from 'fabric-contract-api';
import type { Context } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';

/** A contract whose unknown-function error carries a stable code. */
export class HealthContract extends Contract {
    /**
     * Called by fabric-contract-api for a function the contract does not have.
     * @param ctx - transaction context
     * @throws INVALID_INPUT always
     */
    override async unknownTransaction(ctx: Context): Promise<void> {
        const { fcn } = ctx.stub.getFunctionAndParameters();
        return Promise.reject(new ChaincodeError(ErrorCodes.INVALID_INPUT, `unknown function ${fcn.slice(0, 100)}`));
    }
}
