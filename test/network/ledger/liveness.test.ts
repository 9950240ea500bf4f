// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { Liveness, UnavailableError } from '../../../network/src/ledger';

/** A promise that never settles: a call to an endpoint that does not answer. */
function never<T>(): Promise<T> {
    return new Promise<T>(() => undefined);
}

/** Resolves at the next change of state to `down`. */
function nextChange(liveness: Liveness, down: boolean): Promise<void> {
    return new Promise((resolve) => {
        const stop = liveness.onChange((now) => {
            if (now === down) {
                stop();
                resolve();
            }
        });
    });
}

/** A probe the test answers or leaves unanswered, and counts. */
class TestEndpoint {
    answering = true;
    probes = 0;
    /** Runs while the probe waits: what else happens meanwhile. */
    meanwhile: () => void = () => undefined;
    #onProbe: (() => void) | undefined;

    readonly probe = (): Promise<void> => {
        this.probes++;
        this.#onProbe?.();
        this.meanwhile();
        return this.answering ? Promise.resolve() : Promise.reject(new Error('no answer'));
    };

    /** Resolves at the next probe. */
    nextProbe(): Promise<void> {
        return new Promise((resolve) => {
            this.#onProbe = (): void => {
                this.#onProbe = undefined;
                resolve();
            };
        });
    }
}

describe('ledger liveness probe', () => {
    const open: Liveness[] = [];

    function newLiveness(endpoint: TestEndpoint, intervalMs = 5): Liveness {
        const liveness = new Liveness({ name: 'Test node', intervalMs, probe: endpoint.probe });
        open.push(liveness);
        return liveness;
    }

    afterEach(() => {
        open.splice(0).forEach((liveness) => {
            liveness.close();
        });
    });

    it('probes nothing until first used', async () => {
        const endpoint = new TestEndpoint();
        const liveness = newLiveness(endpoint);
        const first = endpoint.nextProbe();
        assert.equal(endpoint.probes, 0);
        liveness.assertUp();
        await first;
        assert.equal(endpoint.probes, 1);
    });

    it('abandons a waiting call, fails new calls at once while down, and recovers by itself', async () => {
        const endpoint = new TestEndpoint();
        endpoint.answering = false;
        const liveness = newLiveness(endpoint);
        const down = nextChange(liveness, true);
        await assert.rejects(
            liveness.guard(() => never()),
            (error: unknown) => error instanceof UnavailableError && error.code === 'LEDGER_UNAVAILABLE',
        );
        await down;
        assert.equal(liveness.isDown, true);
        let called = false;
        await assert.rejects(
            liveness.guard(() => {
                called = true;
                return Promise.resolve('answered');
            }),
            UnavailableError,
        );
        assert.equal(called, false, 'a call is not even made while the endpoint is down');
        const up = nextChange(liveness, false);
        endpoint.answering = true;
        await up;
        assert.equal(await liveness.guard(() => Promise.resolve('answered')), 'answered');
    });

    it('keeps a busy endpoint up when another call is answered while a probe waits', async () => {
        const endpoint = new TestEndpoint();
        const liveness = newLiveness(endpoint);
        endpoint.answering = false;
        endpoint.meanwhile = (): void => {
            liveness.noteAnswer();
        };
        liveness.assertUp();
        await endpoint.nextProbe();
        await endpoint.nextProbe();
        assert.equal(liveness.isDown, false);
    });

    it('probes at once when a call asks, not only on its interval', async () => {
        const endpoint = new TestEndpoint();
        const liveness = newLiveness(endpoint, 3_600_000);
        liveness.assertUp();
        const probed = endpoint.nextProbe();
        liveness.probeSoon();
        await probed;
        assert.equal(endpoint.probes, 1);
    });

    it('gives up on a probe that never settles at its deadline', async () => {
        const liveness = new Liveness({ name: 'Test node', intervalMs: 5, probe: () => never() });
        open.push(liveness);
        const down = nextChange(liveness, true);
        liveness.assertUp();
        await down;
        assert.throws(() => {
            liveness.assertUp();
        }, UnavailableError);
    });

    it('refuses an interval that is not a positive whole number', () => {
        for (const intervalMs of [0, -1, 1.5, Number.NaN]) {
            assert.throws(() => new Liveness({ name: 'x', intervalMs, probe: () => Promise.resolve() }), RangeError);
        }
    });
});
