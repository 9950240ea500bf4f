// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway's side of the ledger interface (`network/src/ledger`, which both ledger clients implement):
 * {@link toLedgerApiError} turns the interface's `LedgerError`s, whichever ledger threw them, into API errors
 * with stable codes (docs/design.md "The parts").
 */
import { LedgerError, UnavailableError } from '../../../network/src/ledger';
import { ApiError, ErrorCodes, type ErrorCode } from '../errors';

/** Chaincode codes that are not API codes, and the API code each becomes. */
const CHAINCODE_CODES: Readonly<Record<string, ErrorCode>> = {
    BAD_SIGNATURE: 'FORBIDDEN',
    ORG_NOT_ACTIVE: 'FORBIDDEN',
    UNKNOWN_IDENTITY: 'FORBIDDEN',
    MVCC_READ_CONFLICT: 'CONFLICT',
    PHANTOM_READ_CONFLICT: 'CONFLICT',
    DUPLICATE_TXID: 'CONFLICT',
    CLOCK_SKEW: 'LEDGER_UNAVAILABLE',
    // Fabric: the peer gateway could not gather endorsements satisfying the policy (too few organisations'
    // peers answered, or they disagreed); like an unreachable ledger, nothing is granted.
    ENDORSEMENT_POLICY_FAILURE: 'LEDGER_UNAVAILABLE',
    TIMEOUT: 'LEDGER_UNAVAILABLE',
};

function isErrorCode(code: string): code is ErrorCode {
    return Object.hasOwn(ErrorCodes, code);
}

/**
 * Converts a ledger failure into an API error with a stable code; anything else passes through.
 * @param error - what a ledger call threw
 */
export function toLedgerApiError(error: unknown): unknown {
    if (error instanceof UnavailableError) {
        return new ApiError('LEDGER_UNAVAILABLE', 'The ledger cannot be reached', { cause: error });
    }
    if (!(error instanceof LedgerError)) {
        return error;
    }
    const mapped = CHAINCODE_CODES[error.code] ?? (isErrorCode(error.code) ? error.code : undefined);
    // The chaincode's message starts with its code, which the outcome already carries as `details.text`.
    const prefix = `${error.code}: `;
    const diagnostics = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    const options = { cause: error, extra: { ledgerCode: error.code } };
    return new ApiError(mapped ?? 'INVALID_INPUT', diagnostics, options);
}
