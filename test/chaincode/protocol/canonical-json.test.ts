// SPDX-License-Identifier: Apache-2.0
/**
 * The protocol's RFC 8785 canonical JSON, the one every part signs, stores and hashes with, against the
 * specification's own examples and, on arbitrary JSON values, against `canonicalize` (the RFC's ECMAScript
 * sample as an npm package, kept as a development dependency for this comparison).
 */
import assert from 'node:assert/strict';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { toCanonicalJson } from '../../../chaincode/src/protocol/canonical-json';

describe('protocol: RFC 8785 canonical JSON', () => {
    it('writes the RFC 8785 §3.2.2 example: ECMAScript numbers, minimal string escapes, no whitespace', () => {
        const input = JSON.parse(
            '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
                '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
        ) as unknown;
        assert.equal(
            toCanonicalJson(input),
            '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
                '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
        );
    });

    it('sorts keys by UTF-16 code units at every depth, as RFC 8785 §3.2.3 orders its example', () => {
        const keys = ['\u20ac', '\r', '\ufb33', '1', '\ud83d\ude00', '\u0080', '\u00f6'];
        const value = { z: Object.fromEntries(keys.map((key, index) => [key, index])), a: [{ b: 1, a: 2 }] };
        const sorted = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
        const inner = sorted.map((key) => `${JSON.stringify(key)}:${keys.indexOf(key)}`).join(',');
        assert.equal(toCanonicalJson(value), `{"a":[{"a":2,"b":1}],"z":{${inner}}}`);
    });

    it('writes numbers as ECMAScript does: 1e+21, 1e-7, -0 as 0, the shortest round trip', () => {
        assert.equal(
            toCanonicalJson([1e21, 1e-7, -0, 0.1 + 0.2, 2 ** 53 + 2, 5e-324]),
            JSON.stringify([1e21, 1e-7, 0, 0.1 + 0.2, 2 ** 53 + 2, 5e-324]),
        );
    });

    it('honours toJSON, drops undefined members and writes undefined array items as null, as JSON.stringify does', () => {
        const when = new Date(Date.UTC(2030, 0, 1));
        assert.equal(
            toCanonicalJson({ when, gone: undefined, items: [undefined, 1], bytes: Buffer.from([1, 2]) }),
            '{"bytes":{"data":[1,2],"type":"Buffer"},"items":[null,1],"when":"2030-01-01T00:00:00.000Z"}',
        );
    });

    it('refuses values JSON has no form for with TypeError', () => {
        for (const value of [
            Number.NaN,
            Infinity,
            [-Infinity],
            { a: Number.NaN },
            1n,
            undefined,
            () => 1,
            Symbol('s'),
        ]) {
            assert.throws(() => toCanonicalJson(value), TypeError);
        }
    });

    it('writes a string as JSON.stringify does, at each edge of the characters written as they are', () => {
        const edges = [
            '',
            ' ',
            '!',
            '"',
            '#',
            '[',
            '\\',
            ']',
            '\u001f',
            '\u007f',
            '\u2028',
            '\ud7ff',
            '\ue000',
            '\uffff',
        ];
        const surrogates = ['\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', '\ude00\ud83d'];
        for (const text of [...edges, ...surrogates]) {
            for (const value of [text, `a${text}`, `${text}z`, `${'QUJD'.repeat(50)}${text}`]) {
                assert.equal(toCanonicalJson(value), JSON.stringify(value), JSON.stringify(value));
                assert.equal(
                    toCanonicalJson({ [value]: value }),
                    `{${JSON.stringify(value)}:${JSON.stringify(value)}}`,
                );
            }
        }
    });

    it('writes any string, lone surrogates and control characters included, as JSON.stringify does (fast-check)', () => {
        fc.assert(
            fc.property(fc.string({ unit: 'binary' }), (text) => toCanonicalJson(text) === JSON.stringify(text)),
            { numRuns: 2000 },
        );
    });

    it('equals canonicalize on arbitrary JSON values (fast-check)', () => {
        fc.assert(
            fc.property(fc.jsonValue(), (value) => toCanonicalJson(value) === canonicalize(value)),
            { numRuns: 1000 },
        );
    });

    it('equals canonicalize on arbitrary JSON values with any UTF-16 text, lone surrogates included (fast-check)', () => {
        fc.assert(
            fc.property(
                fc.jsonValue({ stringUnit: 'binary' }),
                (value) => toCanonicalJson(value) === canonicalize(value),
            ),
            { numRuns: 1000 },
        );
    });
});
