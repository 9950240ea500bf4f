// SPDX-License-Identifier: Apache-2.0
/** The CLI's exit codes and the error it raises for bad usage. */

/** Exit codes: 0 success, 1 usage (or a local problem: a file that cannot be read), 2 API error, 3 connection. */
export const ExitCodes = { ok: 0, usage: 1, api: 2, connection: 3 } as const;

/** Bad arguments or a local problem; exit code 1. */
export class UsageError extends Error {
    constructor(message: string, options: { cause?: unknown } = {}) {
        super(message, options);
        this.name = 'UsageError';
    }
}
