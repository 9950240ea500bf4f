// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Backoff, retry, sleep, withJitter } from '../../gateway/src/retry';

class Stale extends Error {}

/**
 * A call that fails with `fail(attempt)` until attempt `succeedAt` (never, by default), then resolves to
 * `done`; it records every attempt it was told.
 */
function scripted(
    fail: (attempt: number) => Error,
    succeedAt = Number.POSITIVE_INFINITY,
): { call: (attempt: number) => Promise<string>; attempts: number[] } {
    const attempts: number[] = [];
    return {
        attempts,
        call: (attempt) => {
            attempts.push(attempt);
            return attempt < succeedAt ? Promise.reject(fail(attempt)) : Promise.resolve('done');
        },
    };
}

describe('retrying', () => {
    describe('Backoff', () => {
        it('starts at the first delay, doubles up to the cap and starts over after a reset', () => {
            const backoff = new Backoff({ initialMs: 100, maxMs: 500 });
            const delays = [backoff.delayMs];
            for (let i = 0; i < 4; i++) {
                delays.push(backoff.increase());
            }
            assert.deepEqual(delays, [100, 200, 400, 500, 500]);
            assert.equal(backoff.delayMs, 500);
            backoff.reset();
            assert.equal(backoff.delayMs, 100);
        });

        it('waits 500 ms at first and 30 s at most by default', () => {
            const backoff = new Backoff();
            assert.deepEqual([backoff.initialMs, backoff.maxMs, backoff.delayMs], [500, 30_000, 500]);
            for (let i = 0; i < 20; i++) {
                backoff.increase();
            }
            assert.equal(backoff.delayMs, 30_000);
        });
    });

    it('jitters a delay between its half and the whole', () => {
        assert.equal(
            withJitter(400, () => 0),
            200,
        );
        assert.equal(
            withJitter(400, () => 0.5),
            300,
        );
        assert.equal(
            withJitter(400, () => 0.999),
            399.8,
        );
        for (let i = 0; i < 100; i++) {
            const delay = withJitter(1000);
            assert.ok(delay >= 500 && delay < 1000, `${delay} out of range`);
        }
    });

    describe('sleep', () => {
        it('waits the time given', async () => {
            const start = performance.now();
            await sleep(30);
            assert.ok(performance.now() - start >= 25);
        });

        it('wakes as soon as its signal aborts, or at once when it already has', async () => {
            const controller = new AbortController();
            const start = performance.now();
            const waiting = sleep(10_000, controller.signal);
            setTimeout(() => {
                controller.abort();
            }, 10);
            await waiting;
            await sleep(10_000, controller.signal);
            assert.ok(performance.now() - start < 5_000);
        });

        it('leaves no listener on a signal it no longer waits for', async () => {
            const controller = new AbortController();
            const waiting = sleep(1, controller.signal);
            assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
            await waiting;
            await sleep(1, controller.signal);
            assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
        });
    });

    describe('retry', () => {
        const isStale = (error: unknown): boolean => error instanceof Stale;

        it('returns the first success, telling the call its attempt', async () => {
            const script = scripted(() => new Stale(), 3);
            assert.equal(await retry(script.call, { attempts: 3, retriable: isStale }), 'done');
            assert.deepEqual(script.attempts, [1, 2, 3]);
        });

        it('throws the last retriable error once no attempt is left', async () => {
            const script = scripted((attempt) => new Stale(`attempt ${attempt}`));
            await assert.rejects(retry(script.call, { attempts: 3, retriable: isStale }), /^Error: attempt 3$/);
            assert.deepEqual(script.attempts, [1, 2, 3]);
        });

        it('throws an error that is not retriable at once', async () => {
            const script = scripted(() => new Error('refused'));
            await assert.rejects(retry(script.call, { attempts: 5, retriable: isStale }), /refused/);
            assert.deepEqual(script.attempts, [1]);
        });

        it('makes one call when fewer than one attempt is asked for', async () => {
            const script = scripted(() => new Stale());
            await assert.rejects(retry(script.call, { attempts: 0, retriable: isStale }), Stale);
            assert.deepEqual(script.attempts, [1]);
        });

        it('pauses between calls when told to', async () => {
            const start = performance.now();
            await retry(scripted(() => new Stale(), 3).call, { attempts: 3, retriable: isStale, delayMs: 20 });
            assert.ok(performance.now() - start >= 35, 'two pauses of 20 ms');
        });

        it('calls again at once, without a timer, when no pause is given', async () => {
            let settled = false;
            const done = retry(scripted(() => new Stale(), 3).call, { attempts: 3, retriable: isStale }).then(() => {
                settled = true;
            });
            await new Promise((resolve) => setImmediate(resolve));
            assert.ok(settled, 'all three calls ran before any timer could');
            await done;
        });
    });
});
