// SPDX-License-Identifier: Apache-2.0
/** What the Fabric suites (`test/fabric/`) need before they start a network. */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..');

/**
 * Skips the calling suite, saying why, when `FABRIC_BIN` is unset; otherwise builds `chaincode/dist`, which
 * the chaincode servers run and the root build does not produce.
 * @param context - the suite's `before` hook
 */
export function requireFabric(context: Mocha.Context): void {
    if (process.env.FABRIC_BIN === undefined || process.env.FABRIC_BIN === '') {
        console.log('    FABRIC_BIN is unset: skipping the Fabric suite (set it to the bin/ folder of Fabric 2.5)');
        context.skip();
    }
    execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'chaincode'], {
        cwd: REPO,
    });
    assert.ok(existsSync(join(REPO, 'chaincode', 'dist', 'index.js')));
}
