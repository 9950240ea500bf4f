// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
    ValidationCodes,
    decodeBlock,
    encodeBlock,
    headerHash,
    newBlock,
    newEncodedBlock,
    type BlockTransaction,
} from '../../../network/src/embedded/block';

const hashArb = fc.string({ unit: fc.constantFrom(...Array.from('0123456789abcdef')), minLength: 64, maxLength: 64 });
const versionArb = fc.option(fc.tuple(fc.nat(), fc.nat()), { nil: null });
const readArb = fc.record({ key: fc.string({ unit: 'binary' }), version: versionArb });

const transactionArb: fc.Arbitrary<BlockTransaction> = fc.record({
    txId: hashArb,
    creator: fc.string(),
    timestamp: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
    proposal: fc.base64String(),
    result: fc.base64String(),
    rwset: fc.record({
        reads: fc.array(readArb, { maxLength: 4 }),
        ranges: fc.array(
            fc.record({
                start: fc.string({ unit: 'binary' }),
                end: fc.string({ unit: 'binary' }),
                exhausted: fc.boolean(),
                reads: fc.array(readArb, { maxLength: 3 }),
            }),
            { maxLength: 2 },
        ),
        writes: fc.array(
            fc.record({ key: fc.string({ unit: 'binary' }), value: fc.option(fc.base64String(), { nil: null }) }),
            { maxLength: 4 },
        ),
    }),
    event: fc.option(fc.record({ name: fc.string({ unit: 'binary' }), payload: fc.base64String() }), { nil: null }),
    validationCode: fc.constantFrom(...ValidationCodes),
});

describe('embedded ledger blocks', () => {
    it('builds the same block, bytes and header hash in one pass as newBlock, encodeBlock and headerHash do', () => {
        fc.assert(
            fc.property(fc.nat(), hashArb, fc.array(transactionArb, { maxLength: 5 }), (number, previousHash, data) => {
                const { block, bytes, hash } = newEncodedBlock(number, previousHash, data);
                const expected = newBlock(number, previousHash, data);
                assert.deepEqual(block, expected);
                assert.deepEqual(Buffer.from(bytes), Buffer.from(encodeBlock(expected)));
                assert.deepEqual(decodeBlock(bytes), JSON.parse(JSON.stringify(expected)));
                assert.equal(hash, headerHash(expected.header));
            }),
        );
    });
});
