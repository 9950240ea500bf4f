// SPDX-License-Identifier: Apache-2.0
/**
 * The protocol's one error: input that breaks a rule of the protocol. Its message has the chaincode's
 * `CODE: detail` form (docs/design.md "Recorded refusals"), so a reader's error thrown inside a transaction
 * reaches the client exactly as the chaincode's own `INVALID_INPUT` errors do, and the gateway can turn it into
 * its 400 by class and code.
 */

/** The code of {@link InvalidInputError}: the chaincode's and the gateway's `INVALID_INPUT`. */
export const INVALID_INPUT = 'INVALID_INPUT';

/** A value that does not follow the protocol: wrong shape, unknown field, out of range, bad format. */
export class InvalidInputError extends Error {
    /** Always `INVALID_INPUT`. */
    readonly code = INVALID_INPUT;
    /** What is wrong, naming the field; the text after `INVALID_INPUT: ` in the message. */
    readonly detail: string;

    /**
     * @param detail - what is wrong, naming the field; ids only, never personal data
     */
    constructor(detail: string) {
        super(`${INVALID_INPUT}: ${detail}`);
        this.name = new.target.name;
        this.detail = detail;
    }
}

/**
 * Throws {@link InvalidInputError}.
 * @param detail - what is wrong, naming the field
 * @throws INVALID_INPUT always
 */
export function invalid(detail: string): never {
    throw new InvalidInputError(detail);
}
