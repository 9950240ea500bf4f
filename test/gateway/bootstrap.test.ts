// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { contracts as chaincodeContracts } from '../../chaincode/src';
import { ApiError } from '../../gateway/src/errors';
import { bootstrapIfFresh, type BootstrapContracts } from '../../gateway/src/ledger/bootstrap';
import { LedgerContracts } from '../../gateway/src/ledger/contracts';
import { newTestLedger, type TestLedger } from '../helpers/ledger';

describe('the commission’s bootstrap of a fresh ledger', () => {
    let fresh: TestLedger;
    let commission: LedgerContracts;
    beforeEach(async () => {
        fresh = await newTestLedger({ contracts: chaincodeContracts, mspIds: ['CommissionMSP'] });
        const [org] = fresh.orgs;
        assert.ok(org);
        commission = new LedgerContracts(fresh.ledger.connect(await org.identity('admin', 'admin')));
    });
    afterEach(async () => {
        await fresh.close();
    });

    it('names the caller as commission once, then finds it named', async () => {
        const first = await bootstrapIfFresh(commission);
        assert.equal(first.bootstrapped, true);
        assert.equal(first.config.commissionMspId, 'CommissionMSP');
        assert.deepEqual(await bootstrapIfFresh(commission), { config: first.config, bootstrapped: false });
    });

    it('takes a bootstrap that won the race between its read and its write, and reads what it wrote', async () => {
        const winner = await bootstrapIfFresh(commission);
        let reads = 0;
        // The first read answers as the ledger did before the winner's write; later ones as it is.
        const late: BootstrapContracts = {
            mspId: commission.mspId,
            readConfig: () =>
                reads++ === 0 ? Promise.reject(new ApiError('NOT_FOUND', 'no config')) : commission.readConfig(),
            bootstrap: (mspId) => commission.bootstrap(mspId),
        };
        assert.deepEqual(await bootstrapIfFresh(late), { config: winner.config, bootstrapped: false });
        assert.equal(reads, 2);
    });

    it('passes on any other failure unchanged', async () => {
        const down = new ApiError('LEDGER_UNAVAILABLE', 'The ledger cannot be reached');
        const unreachable: BootstrapContracts = {
            mspId: 'CommissionMSP',
            readConfig: () => Promise.reject(down),
            bootstrap: () => Promise.reject(new Error('bootstrap is not tried when the configuration cannot be read')),
        };
        await assert.rejects(bootstrapIfFresh(unreachable), (error) => error === down);
    });
});
