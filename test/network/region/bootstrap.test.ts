// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { contracts as chaincodeContracts } from '../../../chaincode/src';
import { bootstrapIfFresh } from '../../../gateway/src/ledger/bootstrap';
import { LedgerContracts } from '../../../gateway/src/ledger/contracts';
import type { LedgerClient } from '../../../network/src/embedded';
import { ensureBootstrapped } from '../../../network/src/region/bootstrap';
import { newTestLedger, type TestLedger } from '../../helpers/ledger';

describe('the launcher’s bootstrap', () => {
    let fresh: TestLedger;
    let commission: LedgerClient;
    let hospital: LedgerClient;
    beforeEach(async () => {
        fresh = await newTestLedger({ contracts: chaincodeContracts, mspIds: ['CommissionMSP', 'HospitalAMSP'] });
        const [commissionOrg, hospitalOrg] = fresh.orgs;
        assert.ok(commissionOrg && hospitalOrg);
        commission = fresh.ledger.connect(await commissionOrg.identity('admin', 'admin'));
        hospital = fresh.ledger.connect(await hospitalOrg.identity('admin', 'admin'));
    });
    afterEach(async () => {
        await fresh.close();
    });

    it('names the commission over the commission admin’s ledger client, once', async () => {
        assert.equal(await ensureBootstrapped(commission), true);
        assert.equal(await ensureBootstrapped(commission), false);
    });

    it('refuses a ledger that names another commission', async () => {
        // Any member may name itself commission on a fresh ledger; the launcher must not run the region on it.
        await bootstrapIfFresh(new LedgerContracts(hospital));
        await assert.rejects(ensureBootstrapped(commission), {
            message: 'The ledger names HospitalAMSP as commission, not CommissionMSP',
        });
    });
});
