// SPDX-License-Identifier: Apache-2.0
/** The paced requests of `npm run bench:fetch` (`bench/fetch-load.ts`). */
import { strict as assert } from 'node:assert';
import { runPaced } from '../../bench/fetch-load';

describe('bench:fetch paced requests', () => {
    it('makes the requests one at a time and summarizes their latencies', async () => {
        let running = 0;
        let most = 0;
        let made = 0;
        const probe = async (): Promise<void> => {
            running += 1;
            most = Math.max(most, running);
            made += 1;
            await Promise.resolve();
            running -= 1;
        };
        const result = await runPaced(probe, 1, 5);
        assert.equal(made, 5);
        assert.equal(most, 1);
        assert.equal(result.requests, 5);
        assert.equal(result.everyMs, 1);
        assert.ok(result.p50 >= 0 && result.p50 <= result.p99);
    });

    it('fails when a request fails, naming why', async () => {
        let made = 0;
        const probe = (): Promise<void> => {
            made += 1;
            return made === 2 ? Promise.reject(new Error('bare server answered 500')) : Promise.resolve();
        };
        await assert.rejects(runPaced(probe, 1, 5), /bare server answered 500/);
        assert.equal(made, 2);
    });
});
