// SPDX-License-Identifier: Apache-2.0
/**
 * Turns `@hyperledger/fabric-gateway` failures into the ledger interface's errors (`network/src/ledger`), with
 * the same stable codes the embedded ledger raises: a chaincode failure becomes an `EndorseError` whose code is
 * the chaincode's `CODE:` prefix (on evaluate it is inside the error message, on submit inside the per-peer
 * details); a peer or orderer that cannot be reached, a deadline that passed, or too few reachable endorsers for
 * the endorsement policy becomes an `UnavailableError` (the gateway fails closed); anything else the peer
 * gateway refused before ordering becomes `EndorseError` `ENDORSEMENT_POLICY_FAILURE` (e.g. endorsers that
 * disagree).
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { GatewayError } from '@hyperledger/fabric-gateway';
import { EndorseError, LedgerError, UnavailableError } from '../../../network/src/ledger';

/** Where the peer puts the chaincode's own message: `… chaincode response 500, CODE: detail`. */
const CHAINCODE_RESPONSE = /chaincode response \d+, (.*)$/s;
/** The chaincode's stable code at the start of its message (chaincode/src/errors.ts). */
const LEADING_CODE = /^([A-Z][A-Z0-9_]{1,63}):/;

/** gRPC statuses that mean the ledger could not be reached or did not answer in time. */
const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([
    GrpcStatus.UNAVAILABLE,
    GrpcStatus.DEADLINE_EXCEEDED,
    GrpcStatus.CANCELLED,
    GrpcStatus.RESOURCE_EXHAUSTED,
]);

function toChaincodeMessage(error: GatewayError): string | undefined {
    const texts = [error.message, ...error.details.map((d) => d.message)];
    for (const text of texts) {
        const message = CHAINCODE_RESPONSE.exec(text)?.[1];
        if (message !== undefined) {
            return message;
        }
    }
    return undefined;
}

function txIdOf(error: unknown): string | undefined {
    if (typeof error === 'object' && error !== null && 'transactionId' in error) {
        const txId = error.transactionId;
        return typeof txId === 'string' ? txId : undefined;
    }
    return undefined;
}

/**
 * Converts what a fabric-gateway call threw into a {@link LedgerError}.
 * @param error - the thrown value
 * @param what - the call, for the message (`submit organization:bootstrap`)
 * @returns the ledger error; the original is its `cause`
 */
export function toFabricLedgerError(error: unknown, what: string): LedgerError {
    if (error instanceof LedgerError) {
        return error;
    }
    const txId = txIdOf(error);
    if (!(error instanceof GatewayError)) {
        const text = error instanceof Error ? error.message : String(error);
        return new UnavailableError(`${what}: ${text}`, { txId, cause: error });
    }
    const chaincodeMessage = toChaincodeMessage(error);
    if (chaincodeMessage !== undefined) {
        const code = LEADING_CODE.exec(chaincodeMessage)?.[1] ?? 'CHAINCODE_ERROR';
        return new EndorseError(code, chaincodeMessage, { txId, cause: error });
    }
    if (UNAVAILABLE_STATUSES.has(error.code)) {
        return new UnavailableError(`${what}: ${error.message}`, { txId, cause: error });
    }
    return new EndorseError('ENDORSEMENT_POLICY_FAILURE', `${what}: ${error.message}`, { txId, cause: error });
}
