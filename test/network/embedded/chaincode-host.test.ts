// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ChaincodeHost } from '../../../network/src/embedded/chaincode-host';
import { toIdentityAndSigner } from '../../../network/src/embedded/client';
import { newSignedProposal, parseSignedProposal } from '../../../network/src/embedded/proposal';
import type { RangePage, StateAccess } from '../../../network/src/embedded/simulator';
import { KvContract } from '../../fixtures/kv-contract';
import { newTestOrg } from '../../helpers/pki';

/** State that answers after a turn of the event loop and logs when each call starts and ends. */
function loggingState(values: Readonly<Record<string, string>>): StateAccess & { readonly log: string[] } {
    const log: string[] = [];
    const empty: RangePage = { entries: [], hasMore: false, bookmark: '' };
    return {
        log,
        getState: async (key) => {
            log.push(`get ${key}`);
            await nextTurn();
            log.push(`got ${key}`);
            return Buffer.from(values[key] ?? '');
        },
        putState: async (key, value) => {
            log.push(`put ${key}=${Buffer.from(value).toString()}`);
            await nextTurn();
        },
        deleteState: () => undefined,
        openRange: () => Promise.resolve({ id: 'r', page: empty }),
        nextRange: () => Promise.resolve(empty),
        closeRange: () => Promise.resolve(),
        getHistory: () => Promise.resolve([]),
    };
}

describe('embedded chaincode host', () => {
    it('answers a transaction’s state calls one at a time, in the order made, as the shim’s queue sends them', async () => {
        const member = await (await newTestOrg('HostMSP')).identity('caller');
        const { identity, signer } = toIdentityAndSigner(member);
        const request = {
            channel: 'ch',
            chaincode: 'kv',
            fn: 'kv:getBothThenPut',
            args: ['a', 'b', 'c'],
        };
        const proposal = parseSignedProposal((await newSignedProposal(request, identity, signer)).bytes);
        const state = loggingState({ a: 'x', b: 'y' });
        const host = new ChaincodeHost([KvContract], 'kv');
        const result = await host.invoke(proposal.txId, 'ch', proposal.args, proposal.signedProposal, state);
        host.close();
        assert.deepEqual(state.log, ['get a', 'got a', 'get b', 'got b', 'put c=xy']);
        assert.equal(result.status, 200);
        assert.equal(Buffer.from(result.payload).toString(), 'xy');
        assert.equal(result.event?.name, 'joined');
        assert.equal(Buffer.from(result.event.payload).toString(), 'xy');
    });
});
