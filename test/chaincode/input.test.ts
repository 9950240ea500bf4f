// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { MAX_ARGUMENT_LENGTH, parseJsonArgument } from '../../chaincode/src/model/canonical-json';
import { toCanonicalJson } from '../../chaincode/src/protocol/canonical-json';
import { readId, readList, readText, readTime } from '../../chaincode/src/protocol/input';
import { readIntegerArgument } from '../../chaincode/src/model/input';

describe('argument parsing', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
        it(`refuses a ${key} key at any depth`, () => {
            assert.throws(() => parseJsonArgument(`{"${key}":{"x":1}}`, 'a'), { code: 'INVALID_INPUT' });
            assert.throws(() => parseJsonArgument(`{"a":[{"${key}":1}]}`, 'a'), { code: 'INVALID_INPUT' });
        });
    }

    it('refuses malformed, oversized and deeply nested JSON with INVALID_INPUT', () => {
        assert.throws(() => parseJsonArgument('{', 'a'), { code: 'INVALID_INPUT' });
        assert.throws(() => parseJsonArgument(`"${'x'.repeat(MAX_ARGUMENT_LENGTH)}"`, 'a'), { code: 'INVALID_INPUT' });
        const deep = '['.repeat(30000) + ']'.repeat(30000);
        assert.throws(() => parseJsonArgument(deep, 'a'), { code: 'INVALID_INPUT' });
    });

    it('serialises canonically (RFC 8785): sorted keys, no whitespace, ES number form', () => {
        assert.equal(
            toCanonicalJson({ b: 1, a: [true, null, 1e21, 0.1], c: { z: 'é', y: '\u2028' } }),
            '{"a":[true,null,1e+21,0.1],"b":1,"c":{"y":"\u2028","z":"é"}}',
        );
    });
});

describe('field readers', () => {
    it('accepts ids of the ledger alphabet up to 128 characters', () => {
        assert.equal(readId('rec-1.2:3_x', 'id'), 'rec-1.2:3_x');
        assert.equal(readId('a'.repeat(128), 'id'), 'a'.repeat(128));
        for (const bad of ['', '-leading', 'a b', 'a~b', 'a\u0000b', 'é', 'a'.repeat(129), 5, null]) {
            assert.throws(() => readId(bad, 'id'), { code: 'INVALID_INPUT' });
        }
    });

    it('accepts only toISOString timestamps of real instants', () => {
        assert.equal(readTime('2030-01-31T23:59:59.999Z', 't'), '2030-01-31T23:59:59.999Z');
        for (const bad of ['2030-01-31T23:59:59Z', '2030-01-31T23:59:59.999+01:00', '2030-02-29T00:00:00.000Z', 'x']) {
            assert.throws(() => readTime(bad, 't'), { code: 'INVALID_INPUT' });
        }
    });

    it('refuses blank text and control characters', () => {
        assert.throws(() => readText('   ', 't', 10), { code: 'INVALID_INPUT' });
        assert.throws(() => readText('a\nb', 't', 10), { code: 'INVALID_INPUT' });
        assert.throws(() => readText('x'.repeat(11), 't', 10), { code: 'INVALID_INPUT' });
    });

    it('bounds lists and refuses repeated items', () => {
        const read = (value: unknown): string[] => readList(value, 'l', { min: 1, max: 2 }, readId);
        assert.deepEqual(read(['a', 'b']), ['a', 'b']);
        assert.throws(() => read([]), { code: 'INVALID_INPUT' });
        assert.throws(() => read(['a', 'b', 'c']), { code: 'INVALID_INPUT' });
        assert.throws(() => read(['a', 'a']), { code: 'INVALID_INPUT' });
        assert.throws(() => read('a'), { code: 'INVALID_INPUT' });
    });

    it('reads page sizes as decimal integers in bounds', () => {
        assert.equal(readIntegerArgument('50', 'n', { min: 1, max: 500 }), 50);
        for (const bad of ['0', '501', '-1', '1.5', '1e2', ' 5', '', '0x10']) {
            assert.throws(() => readIntegerArgument(bad, 'n', { min: 1, max: 500 }), { code: 'INVALID_INPUT' });
        }
    });
});
