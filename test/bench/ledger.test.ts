// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runLedgerBench } from '../../bench/ledger';
import { runAccessBench } from '../../bench/ledger-access';
import { newTempDir } from '../helpers/ledger';

// What `npm run bench` measures must be what it says: every transaction committed, every fetch granted and
// delivered. Nothing here is timed.
describe('npm run bench (in-process ledger)', () => {
    let temp: ReturnType<typeof newTempDir>;

    beforeEach(() => {
        temp = newTempDir();
    });
    afterEach(() => {
        temp.remove();
    });

    it('commits every signed key-value proposal it submits', async () => {
        const result = await runLedgerBench({ name: 'test', transactions: 20, inFlight: 4, dir: join(temp.dir, 'kv') });
        assert.equal(result.firstError, undefined);
        assert.deepEqual([result.committed, result.failed], [20, 0]);
        assert.ok(result.blocks >= 1 && result.blocks <= 20);
    });

    it('grants and delivers every fetch of its access pairs, two transactions each', async () => {
        const result = await runAccessBench({
            name: 'test',
            pairs: 6,
            inFlight: 2,
            dir: join(temp.dir, 'access'),
            warmupPerSlot: 1,
        });
        assert.equal(result.firstError, undefined);
        assert.deepEqual([result.completed, result.failed], [6, 0]);
        assert.ok(result.blocks >= 6 && result.blocks <= 12, `${result.blocks} blocks for 12 transactions`);
        assert.ok(result.cpuMsPerPair > 0);
    });
});
