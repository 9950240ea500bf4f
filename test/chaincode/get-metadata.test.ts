// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { contracts } from '../../chaincode/src';
import { newTestLedger } from '../helpers/ledger';
import { newTestOrg } from '../helpers/pki';

describe('chaincode metadata on the embedded ledger', () => {
    it('answers org.hyperledger.fabric:GetMetadata as a peer does, listing every contract', async () => {
        const t = await newTestLedger({ contracts });
        try {
            const client = t.ledger.connect(await (await newTestOrg('Org1MSP')).identity('reader'));
            const metadata = JSON.parse(
                Buffer.from(await client.evaluate('org.hyperledger.fabric', 'GetMetadata')).toString('utf8'),
            ) as { contracts: Record<string, { transactions: { name: string }[] }> };
            const names = Object.keys(metadata.contracts).sort();
            assert.deepEqual(names, [
                'access',
                'audit',
                'claim',
                'consent',
                'org.hyperledger.fabric',
                'organization',
                'patient',
                'record',
            ]);
            assert.ok(metadata.contracts.access?.transactions.some((tx) => tx.name === 'requestAccess'));
        } finally {
            await t.close();
        }
    });
});
