// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { readLaunchOptions } from '../../../network/src/region/launch-options';

const FABRIC = { FABRIC_BIN: '/opt/fabric/bin' };

describe('launcher options: Fabric orderers', () => {
    it('leaves the count to the network unless asked (one for a new network, as made for an existing one)', () => {
        assert.equal(readLaunchOptions(['--ledger', 'fabric'], FABRIC).orderers, undefined);
    });

    it('takes 1 or 3 orderers from --orderers, over HEALTHCHAIN_ORDERERS', () => {
        assert.equal(readLaunchOptions(['--ledger', 'fabric', '--orderers', '3'], FABRIC).orderers, 3);
        const env = { ...FABRIC, HEALTHCHAIN_ORDERERS: '3' };
        assert.equal(readLaunchOptions(['--ledger', 'fabric'], env).orderers, 3);
        assert.equal(readLaunchOptions(['--ledger', 'fabric', '--orderers', '1'], env).orderers, 1);
    });

    it('refuses a count Raft gains nothing from, and --orderers without Fabric', () => {
        for (const count of ['2', '4', '0', 'three', '03']) {
            assert.throws(() => readLaunchOptions(['--ledger', 'fabric', '--orderers', count], FABRIC), /1 or 3/);
        }
        assert.throws(() => readLaunchOptions(['--orderers', '3'], FABRIC), /needs --ledger fabric/);
    });

    it('ignores HEALTHCHAIN_ORDERERS for the embedded ledger', () => {
        assert.equal(readLaunchOptions([], { HEALTHCHAIN_ORDERERS: '3' }).orderers, undefined);
    });
});

describe('launcher options: endorser workers of the embedded ledger node', () => {
    it('runs the chaincode on the node’s own thread unless asked', () => {
        assert.equal(readLaunchOptions([], {}).endorsers, 0);
        assert.equal(readLaunchOptions(['--endorsers', '2'], {}).endorsers, 2);
    });

    it('refuses a count outside 0–8, and --endorsers with Fabric', () => {
        for (const count of ['9', '10', 'one', '01', '']) {
            assert.throws(() => readLaunchOptions(['--endorsers', count], {}), /from 0 to 8/);
        }
        assert.throws(() => readLaunchOptions(['--ledger', 'fabric', '--endorsers', '1'], FABRIC), /embedded/);
    });
});
