// SPDX-License-Identifier: Apache-2.0
/** Asking the person at the terminal to confirm an act they are about to sign. */
import { createInterface } from 'node:readline/promises';
import { UsageError } from './errors';

/**
 * Asks a yes/no question on the terminal; without a terminal (a script, a test), refuses and says to pass
 * `--yes`, since nobody could have read what is being confirmed.
 * @param question - what to ask
 * @param yes - whether `--yes` was given
 * @throws UsageError when not confirmed
 */
export async function confirmOrRefuse(question: string, yes: boolean): Promise<void> {
    if (yes) {
        return;
    }
    if (!process.stdin.isTTY) {
        throw new UsageError(`${question} Read it above, then run again with --yes to sign it.`);
    }
    const terminal = createInterface({ input: process.stdin, output: process.stderr });
    try {
        const answer = await terminal.question(`${question} [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) {
            throw new UsageError('Not signed.');
        }
    } finally {
        terminal.close();
    }
}
