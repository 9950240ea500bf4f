// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { call, outcomeCode } from '../helpers/api-calls';
import { newTestRegion, PENDING_MSP, useTestRegion } from '../helpers/region';

describe('gateway organisation routes', () => {
    const region = useTestRegion();

    it('lists the organisations on the ledger to any staff role', async () => {
        const { hospitalB } = region.gateways;
        const result = await call(hospitalB, 'GET', '/orgs', { token: hospitalB.tokens.auditor });
        assert.equal(result.status, 200);
        const body = result.body as { items: { mspId: string; status: string }[]; nextCursor: null };
        assert.deepEqual(
            body.items.map((org) => org.mspId),
            ['ClinicMSP', 'CommissionMSP', 'HospitalAMSP', 'HospitalBMSP', 'InsurerMSP'],
        );
        assert.equal(body.nextCursor, null);
    });

    it('refuses GET /orgs without a token, or with another organisation’s token (401)', async () => {
        const { hospitalA, hospitalB } = region.gateways;
        assert.equal(outcomeCode(await call(hospitalA, 'GET', '/orgs')), 'UNAUTHENTICATED');
        const foreign = await call(hospitalA, 'GET', '/orgs', { token: hospitalB.tokens.admin });
        assert.equal(foreign.status, 401);
        assert.equal(outcomeCode(foreign), 'UNAUTHENTICATED');
    });

    it('lets the commission admin suspend and reinstate an organisation, with txId and blockNumber', async () => {
        const { commission, insurer } = region.gateways;
        const suspended = await call(commission, 'POST', '/orgs/InsurerMSP/suspend', {
            token: commission.tokens.admin,
        });
        assert.equal(suspended.status, 200);
        const body = suspended.body as { mspId: string; status: string; txId: string; blockNumber: number };
        assert.equal(body.status, 'suspended');
        assert.match(body.txId, /^[0-9a-f]{64}$/);
        assert.equal(typeof body.blockNumber, 'number');
        assert.equal((await insurer.contracts.readOrganization('InsurerMSP')).status, 'suspended');
        const reinstated = await call(commission, 'POST', '/orgs/InsurerMSP/reinstate', {
            token: commission.tokens.admin,
        });
        assert.equal(reinstated.status, 200);
        assert.equal((await insurer.contracts.readOrganization('InsurerMSP')).status, 'active');
    });

    it('approves a pending organisation', async () => {
        const { commission } = region.gateways;
        const approved = await call(commission, 'POST', `/orgs/${PENDING_MSP}/approve`, {
            token: commission.tokens.admin,
        });
        assert.equal(approved.status, 200);
        assert.equal((approved.body as { status: string }).status, 'active');
        assert.equal((await commission.contracts.readOrganization(PENDING_MSP)).status, 'active');
    });

    it('answers NOT_FOUND for an organisation the ledger does not know, writing nothing', async () => {
        const { commission } = region.gateways;
        const before = await region.height();
        const missing = await call(commission, 'POST', '/orgs/NobodyMSP/approve', { token: commission.tokens.admin });
        assert.equal(missing.status, 404);
        assert.equal(outcomeCode(missing), 'NOT_FOUND');
        assert.equal(await region.height(), before);
    });

    it('refuses governance by a non-admin role (403) and at a non-commission gateway (403)', async () => {
        const { commission, hospitalA } = region.gateways;
        const before = await region.height();
        const auditor = await call(commission, 'POST', '/orgs/InsurerMSP/suspend', {
            token: commission.tokens.auditor,
        });
        assert.equal(auditor.status, 403);
        assert.equal(outcomeCode(auditor), 'FORBIDDEN');
        const hospital = await call(hospitalA, 'POST', '/orgs/InsurerMSP/suspend', { token: hospitalA.tokens.admin });
        assert.equal(hospital.status, 403);
        assert.equal(outcomeCode(hospital), 'FORBIDDEN');
        const foreign = await call(commission, 'POST', '/orgs/InsurerMSP/suspend', { token: hospitalA.tokens.admin });
        assert.equal(foreign.status, 401);
        assert.equal(await region.height(), before);
        assert.equal((await commission.contracts.readOrganization('InsurerMSP')).status, 'active');
    });

    it('refuses a malformed MSP id (400) and a wrong transition (409), writing nothing', async () => {
        const { commission } = region.gateways;
        const before = await region.height();
        const bad = await call(commission, 'POST', '/orgs/..%2Fetc/approve', { token: commission.tokens.admin });
        assert.equal(bad.status, 400);
        assert.equal(outcomeCode(bad), 'INVALID_INPUT');
        const twice = await call(commission, 'POST', '/orgs/HospitalAMSP/approve', { token: commission.tokens.admin });
        assert.equal(twice.status, 409);
        assert.equal(outcomeCode(twice), 'CONFLICT');
        assert.equal(await region.height(), before);
    });

    describe('GET /directory', () => {
        // A region of its own, so the pending and suspended organisations stay so whatever the tests above did.
        const directory = useTestRegion();

        it('lists only the active organisations to an anonymous caller, with mspId, type, name and contact only', async () => {
            const { commission, hospitalA } = directory.gateways;
            await commission.contracts.suspendOrganization('InsurerMSP');
            assert.equal((await commission.contracts.readOrganization(PENDING_MSP)).status, 'pending');
            const result = await call(hospitalA, 'GET', '/directory');
            assert.equal(result.status, 200);
            const body = result.body as { items: Record<string, unknown>[]; nextCursor: null };
            assert.deepEqual(body.items, [
                { mspId: 'CommissionMSP', type: 'commission', name: 'commission organisation', contact: null },
                { mspId: 'HospitalAMSP', type: 'hospital', name: 'hospitalA organisation', contact: null },
                { mspId: 'HospitalBMSP', type: 'hospital', name: 'hospitalB organisation', contact: null },
            ]);
            assert.equal(body.nextCursor, null);
            assert.ok(!result.text.includes('p2pUrl') && !result.text.includes('CERTIFICATE'));
        });

        it('leaves out a suspended organisation only while it is suspended', async () => {
            const { commission, hospitalB } = directory.gateways;
            await commission.contracts.reinstateOrganization('InsurerMSP');
            const result = await call(hospitalB, 'GET', '/directory');
            const body = result.body as { items: { mspId: string }[] };
            assert.deepEqual(
                body.items.map((org) => org.mspId),
                ['CommissionMSP', 'HospitalAMSP', 'HospitalBMSP', 'InsurerMSP'],
            );
        });

        it('refuses unknown query parameters (400)', async () => {
            const { hospitalA } = directory.gateways;
            const result = await call(hospitalA, 'GET', '/directory?status=pending');
            assert.equal(result.status, 400);
            assert.equal(outcomeCode(result), 'INVALID_INPUT');
        });

        it('fails closed with 503 LEDGER_UNAVAILABLE once the ledger is gone', async () => {
            const other = await newTestRegion();
            await other.ledger.close();
            try {
                const result = await call(other.gateways.hospitalA, 'GET', '/directory');
                assert.equal(result.status, 503);
                assert.equal(outcomeCode(result), 'LEDGER_UNAVAILABLE');
            } finally {
                await other.close();
            }
        });
    });
});
