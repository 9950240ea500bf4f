// SPDX-License-Identifier: Apache-2.0
/**
 * Determinism through the real host: every signed proposal of a whole scenario is replayed, in order, on a
 * fresh embedded ledger. Every endorser must produce the same bytes, so the replayed chain must be identical
 * block for block — same results, read-write sets, events and validation codes, hence the same head hash.
 */
import { strict as assert } from 'node:assert';
import { contracts } from '../../chaincode/src';
import { decodeBlock, EmbeddedLedger } from '../../network/src/embedded';
import { newTestOrg } from '../helpers/pki';
import { anchor, deliver, grant, request, revoke } from './helpers/acts';
import { Msp, newRegion, type Region } from './helpers/region';

async function runScenario(region: Region): Promise<void> {
    const patient = await region.newPatient();
    const { recordId } = await anchor(region, 'hospitalA', patient, 'lab');
    const consent = await grant(region, patient, {
        grantee: Msp.hospitalB,
        purposes: ['TREATMENT'],
        categories: ['lab'],
    });
    const granted = await request(region, 'hospitalB', recordId, 'TREATMENT');
    await deliver(region, 'hospitalA', granted);
    await revoke(region, patient, consent.consentId);
    await request(region, 'hospitalB', recordId, 'TREATMENT');
    await request(region, 'hospitalB', recordId, 'EMERGENCY', { justification: 'unconscious in the emergency room' });
}

async function proposalsOf(ledger: EmbeddedLedger): Promise<Uint8Array[]> {
    const { height } = await ledger.info();
    const proposals: Uint8Array[] = [];
    for (let number = 0n; number < height; number++) {
        const bytes = await ledger.getBlock(number);
        assert.ok(bytes);
        for (const tx of decodeBlock(bytes).data) {
            proposals.push(Buffer.from(tx.proposal, 'base64'));
        }
    }
    return proposals;
}

describe('chaincode determinism', () => {
    it('replays a whole scenario on a fresh ledger into a byte-identical chain', async () => {
        const region = await newRegion();
        try {
            await runScenario(region);
            const proposals = await proposalsOf(region.ledger);
            const orgs = await Promise.all(Object.values(Msp).map((mspId) => newTestOrg(mspId)));
            const replica = await EmbeddedLedger.open({
                channel: 'healthchain',
                chaincode: 'healthchain',
                contracts,
                msps: orgs.map((org) => ({ mspId: org.mspId, rootCertsPem: [org.caCertPem] })),
                store: { kind: 'memory' },
                clock: () => region.clock.now,
            });
            try {
                for (const proposal of proposals) {
                    await replica.submit(proposal);
                }
                const original = await region.ledger.info();
                const replayed = await replica.info();
                assert.equal(replayed.height, original.height);
                for (let number = 0n; number < original.height; number++) {
                    assert.deepEqual(
                        await replica.getBlock(number),
                        await region.ledger.getBlock(number),
                        `block ${number}`,
                    );
                }
                assert.equal(replayed.currentHash, original.currentHash);
            } finally {
                await replica.close();
            }
        } finally {
            await region.close();
        }
    });
});
