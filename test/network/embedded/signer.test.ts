// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { readSignatureS } from '../../../network/src/embedded/msp';
import { P256_HALF_N, P256_N, toLowS, toLowSDerSignature } from '../../../network/src/ledger/signer';
import { newNativeSigner } from '../../../network/src/embedded/signer';

function scalar(value: bigint): Buffer {
    return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

/** DER of `SEQUENCE { r INTEGER, s INTEGER }` through big integers, as a reference. */
function referenceDer(r: bigint, s: bigint): Buffer {
    const integer = (value: bigint): Buffer => {
        let hex = value.toString(16);
        hex = hex.length % 2 === 1 ? `0${hex}` : hex;
        const bytes = Buffer.from(hex, 'hex');
        const content = (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
        return Buffer.concat([Buffer.from([0x02, content.length]), content]);
    };
    const body = Buffer.concat([integer(r), integer(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe('native proposal signer', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const message = Buffer.from('proposal bytes', 'utf8');

    it('makes DER signatures over the message that verify and are always low-S', async () => {
        const signer = newNativeSigner(privateKey);
        for (let i = 0; i < 64; i++) {
            const signature = await signer(message);
            assert.ok(verify('sha256', message, publicKey, signature));
            assert.ok(readSignatureS(signature) <= P256_HALF_N);
        }
    });

    it('replaces a high s by n - s, which still verifies', () => {
        const p1363 = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        const r = p1363.subarray(0, 32);
        const s = BigInt(`0x${p1363.subarray(32).toString('hex')}`);
        const high = s > P256_HALF_N ? s : P256_N - s;
        const signature = toLowSDerSignature(Buffer.concat([r, scalar(high)]));
        assert.equal(readSignatureS(signature), P256_N - high);
        assert.ok(verify('sha256', message, publicKey, signature));
    });

    it('encodes scalars with a leading zero bit and short scalars as DER requires', () => {
        const signature = toLowSDerSignature(Buffer.concat([scalar(0x80n), scalar(1n)]));
        assert.deepEqual([...signature], [0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01]);
    });

    it('gives the DER encoding that big-integer arithmetic gives, for any r and s below n', () => {
        const below = (limit: bigint): fc.Arbitrary<bigint> =>
            fc.oneof(
                fc.bigInt({ min: 0n, max: limit - 1n }),
                fc.bigInt({ min: 0n, max: 0xffffn }),
                fc.bigInt({ min: limit - 0xffffn, max: limit - 1n }),
                fc.constantFrom(P256_HALF_N - 1n, P256_HALF_N, P256_HALF_N + 1n),
            );
        fc.assert(
            fc.property(below(P256_N), below(P256_N), (r, s) => {
                const expected = referenceDer(r, s > P256_HALF_N ? P256_N - s : s);
                assert.deepEqual(Buffer.from(toLowSDerSignature(Buffer.concat([scalar(r), scalar(s)]))), expected);
            }),
            { numRuns: 2000 },
        );
    });

    it('gives the low s that big-integer arithmetic gives, leaving a low s as it is', () => {
        fc.assert(
            fc.property(
                fc.oneof(
                    fc.bigInt({ min: 0n, max: P256_N - 1n }),
                    fc.constantFrom(0n, P256_HALF_N - 1n, P256_HALF_N, P256_HALF_N + 1n, P256_N - 1n),
                ),
                (s) => {
                    const expected = s > P256_HALF_N ? P256_N - s : s;
                    assert.deepEqual(Buffer.from(toLowS(scalar(s))), scalar(expected));
                },
            ),
            { numRuns: 2000 },
        );
    });

    it('refuses a signature that is not 64 bytes', () => {
        assert.throws(() => toLowSDerSignature(new Uint8Array(63)), RangeError);
    });
});
