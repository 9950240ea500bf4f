// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { NonceRegistry } from '../../gateway/src/auth/patient';
import { ApiError } from '../../gateway/src/errors';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const MINUTE = 60_000;

function codeOf(act: () => void): string | undefined {
    try {
        act();
        return undefined;
    } catch (error) {
        assert.ok(error instanceof ApiError);
        return error.code;
    }
}

describe('the patient-query nonce registry', () => {
    it('accepts a nonce once while its query is valid, and forgets it when the query expires', () => {
        const nonces = new NonceRegistry(START);
        const claim = (now: number): string | undefined =>
            codeOf(() => {
                nonces.claim('pt1', 'n1', START + 1000, START + 1000 + 2 * MINUTE, now);
            });
        assert.equal(claim(START + 2000), undefined);
        assert.equal(claim(START + 3000), 'UNAUTHENTICATED');
        assert.equal(claim(START + 3 * MINUTE), undefined);
    });

    it('refuses a query signed before the gateway started: an earlier run may have answered it', () => {
        const nonces = new NonceRegistry(START);
        const code = codeOf(() => {
            nonces.claim('pt1', 'n1', START - 1, START + MINUTE, START + 1000);
        });
        assert.equal(code, 'UNAUTHENTICATED');
    });

    it('gives back the nonce of a query the ledger refused, so forged queries cannot fill it', () => {
        const nonces = new NonceRegistry(START, 1);
        const claim = (nonce: string): string | undefined =>
            codeOf(() => {
                nonces.claim('pt1', nonce, START, START + MINUTE, START + 1);
            });
        assert.equal(claim('forged'), undefined);
        assert.equal(claim('genuine'), 'TOO_MANY_REQUESTS');
        nonces.release('pt1', 'forged');
        assert.equal(claim('genuine'), undefined);
    });
});
