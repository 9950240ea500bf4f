// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSONSerializer } from 'fabric-contract-api';
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract';
import { contracts } from '../../chaincode/src';

/** The golden copy lives beside the test source (tests run from dist/test/chaincode). */
const GOLDEN = join(__dirname, '..', '..', '..', 'test', 'chaincode', 'metadata.golden.json');

/**
 * The metadata `org.hyperledger.fabric:GetMetadata` answers, built by the same fabric-shim class a peer
 * uses. It is read from that class rather than through the ledger because GetMetadata's own serialisation
 * calls class-transformer's `classToPlain`, which the installed class-transformer 0.4.1 no longer exports
 * (it renamed it `instanceToPlain`).
 */
function generatedMetadata(): unknown {
    const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
    const chaincode = new ChaincodeFromContract([...contracts], serializers, {}, 'healthchain', '1') as unknown as {
        metadata: unknown;
    };
    return JSON.parse(JSON.stringify(chaincode.metadata)) as unknown;
}

describe('contract metadata', () => {
    it('matches the golden copy (set UPDATE_GOLDEN=1 to accept a deliberate API change)', () => {
        const metadata = generatedMetadata();
        // Only an explicit refresh writes the committed copy; a missing copy is a failure, not a new baseline.
        if (process.env.UPDATE_GOLDEN === '1') {
            writeFileSync(GOLDEN, `${JSON.stringify(metadata, null, 2)}\n`);
            return;
        }
        assert.ok(existsSync(GOLDEN), `the golden copy ${GOLDEN} is missing: run with UPDATE_GOLDEN=1 and commit it`);
        assert.deepEqual(metadata, JSON.parse(readFileSync(GOLDEN, 'utf8')));
    });
});
