// SPDX-License-Identifier: Apache-2.0
/**
 * The chaincode's error codes. Only an error's message leaves the chaincode (fabric-shim answers with
 * `error.message`), so every thrown error is a {@link ChaincodeError} whose message is `CODE: detail`, or the
 * protocol's `InvalidInputError` (`protocol/errors.ts`), thrown by the shared readers, whose message has the
 * same `INVALID_INPUT: detail` form; the gateway reads the code before the colon. A throw aborts the
 * transaction: nothing it wrote survives.
 */

/** Stable error codes, shared with the gateway's code → HTTP status table. */
export const ErrorCodes = {
    /** Malformed or out-of-range argument, unknown field, unknown enum value, oversized input. */
    INVALID_INPUT: 'INVALID_INPUT',
    /** The caller's identity is unusable (no MSP id), or a patient's signed query is not valid for this read. */
    UNAUTHENTICATED: 'UNAUTHENTICATED',
    /** The caller's organisation may not perform this act (wrong organisation, wrong type, not member). */
    FORBIDDEN: 'FORBIDDEN',
    /** A named organisation, patient, record, consent, access event or claim does not exist. */
    NOT_FOUND: 'NOT_FOUND',
    /** The act contradicts current state (already exists with other fields, wrong status, used grant). */
    CONFLICT: 'CONFLICT',
    /**
     * A claim without the patient's active PAYMENT consent for that insurer naming the claimant explicitly as
     * custodian.
     */
    CONSENT_REQUIRED: 'CONSENT_REQUIRED',
    /** A service, or a supporting record or any version of it, already backs an open or approved claim. */
    DUPLICATE_CLAIM: 'DUPLICATE_CLAIM',
    /** The caller's (or a named) organisation is registered but not active. */
    ORG_NOT_ACTIVE: 'ORG_NOT_ACTIVE',
    /** A patient signature is malformed, not P1363, or does not verify against the patient's key. */
    BAD_SIGNATURE: 'BAD_SIGNATURE',
    /** Delivery asked for an access event whose decision was a denial. */
    ACCESS_DENIED: 'ACCESS_DENIED',
} as const;

/** One of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The only error the chaincode throws on purpose; its message is `CODE: detail`. */
export class ChaincodeError extends Error {
    /** The stable code, also the prefix of the message. */
    readonly code: ErrorCode;
    /** The text after the code. */
    readonly detail: string;

    /**
     * @param code - the stable code
     * @param detail - text for people; ids only, never personal data
     */
    constructor(code: ErrorCode, detail: string) {
        super(`${code}: ${detail}`);
        this.name = new.target.name;
        this.code = code;
        this.detail = detail;
    }
}

/**
 * Throws INVALID_INPUT.
 * @param detail - what is wrong, naming the field
 * @throws INVALID_INPUT always
 */
export function invalid(detail: string): never {
    throw new ChaincodeError(ErrorCodes.INVALID_INPUT, detail);
}
