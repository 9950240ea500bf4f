// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import type { AccessEvent, AccessRequestResult } from '../../chaincode/src/protocol/state';
import { anchor, deliver, grant, hashOf, request, revoke, uniqueId } from './helpers/acts';
import type { TestPatient } from './helpers/patients';
import { expectCode, Msp, newRegion, type Region } from './helpers/region';

const HOUR = 3_600_000;

describe('access contract on the embedded ledger', () => {
    let region: Region;
    let patient: TestPatient;

    before(async () => {
        region = await newRegion();
    });
    beforeEach(async () => {
        // A fresh patient per test, so no consent of another test can cover its records.
        patient = await region.newPatient();
    });
    after(async () => {
        await region.close();
    });

    function inHours(hours: number): string {
        return new Date(region.clock.now.getTime() + hours * HOUR).toISOString();
    }

    async function readAccess(accessId: string): Promise<AccessEvent> {
        return (await region.evaluate('hospitalB', 'access', 'readAccess', [accessId])) as AccessEvent;
    }

    /** The chaincode event a committed transaction set: its name and parsed payload. */
    async function readEvent(txId: string, blockNumber: bigint): Promise<{ name: string; payload: unknown }> {
        const stream = await region.clients.hospitalB.chaincodeEvents({ startBlock: blockNumber });
        try {
            for await (const event of stream) {
                if (event.transactionId === txId) {
                    return { name: event.eventName, payload: JSON.parse(Buffer.from(event.payload).toString('utf8')) };
                }
            }
        } finally {
            stream.close();
        }
        throw new Error(`no chaincode event for ${txId}`);
    }

    describe('decision', () => {
        it('grants under a covering consent and records who, what, why, when and until when', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            const consent = await grant(region, patient);
            const submitted = await region.submit('hospitalB', 'access', 'requestAccess', [
                JSON.stringify({ recordId: record.recordId, purpose: 'TREATMENT' }),
            ]);
            const event = submitted.value as AccessEvent;
            assert.equal(event.accessId, submitted.txId);
            assert.equal(event.decision, 'GRANTED');
            assert.equal(event.reason, 'CONSENT');
            assert.equal(event.consentId, consent.consentId);
            assert.equal(event.requester, Msp.hospitalB);
            assert.equal(event.custodian, Msp.hospitalA);
            assert.equal(event.patientId, patient.patientId);
            assert.equal(event.requestedAt, region.clock.iso);
            assert.equal(Date.parse(event.expiresAt ?? '') - Date.parse(event.requestedAt), 5 * 60_000);
            const { record: entry, ...stored } = submitted.value as AccessRequestResult;
            assert.deepEqual(await readAccess(event.accessId), stored);
            // The grant carries the index entry as readRecord shows it to the requester; the ledger's event lacks it.
            assert.deepEqual(entry, await region.evaluate('hospitalB', 'record', 'readRecord', [record.recordId]));
            assert.equal(entry?.contentHash, record.contentHash);
        });

        it('returns the record’s index entry with a grant only, its sensitive category as the requester may see it', async () => {
            const hiv = await anchor(region, 'hospitalA', patient, 'hiv');
            const lab = await anchor(region, 'hospitalA', patient);
            await grant(region, patient, { categories: ['hiv'] });
            const ask = async (
                who: 'hospitalB' | 'insurer' | 'hospitalA',
                body: object,
            ): Promise<AccessRequestResult> =>
                (await region.submit(who, 'access', 'requestAccess', [JSON.stringify(body)]))
                    .value as AccessRequestResult;
            const granted = await ask('hospitalB', { recordId: hiv.recordId, purpose: 'TREATMENT' });
            assert.equal(granted.decision, 'GRANTED');
            assert.equal(granted.record?.category, 'hiv');
            assert.equal(granted.record.contentHash, hiv.contentHash);
            const denied = await ask('insurer', { recordId: lab.recordId, purpose: 'PAYMENT' });
            assert.equal(denied.decision, 'DENIED');
            assert.equal('record' in denied, false);
            const missing = await ask('hospitalB', { recordId: uniqueId('rec'), purpose: 'TREATMENT' });
            assert.equal('record' in missing, false);
            const emergency = await ask('hospitalB', {
                recordId: lab.recordId,
                purpose: 'EMERGENCY',
                justification: 'unconscious on arrival',
            });
            assert.equal(emergency.decision, 'GRANTED_EMERGENCY');
            assert.equal(emergency.record?.recordId, lab.recordId);
            assert.equal(emergency.record.contentHash, lab.contentHash);
        });

        it('announces a request in one AccessRequested event carrying ids, decision, reason, purpose and time', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            await grant(region, patient);
            const granted = await region.submit('hospitalB', 'access', 'requestAccess', [
                JSON.stringify({ recordId: record.recordId, purpose: 'TREATMENT' }),
            ]);
            const denied = await region.submit('insurer', 'access', 'requestAccess', [
                JSON.stringify({ recordId: record.recordId, purpose: 'PAYMENT' }),
            ]);
            for (const submitted of [granted, denied]) {
                const event = submitted.value as AccessEvent;
                assert.deepEqual(await readEvent(submitted.txId, submitted.blockNumber), {
                    name: 'AccessRequested',
                    payload: {
                        accessId: event.accessId,
                        custodian: Msp.hospitalA,
                        decision: event.decision,
                        patientId: patient.patientId,
                        purpose: event.purpose,
                        reason: event.reason,
                        recordId: record.recordId,
                        requester: event.requester,
                        requestedAt: event.requestedAt,
                    },
                });
            }
            assert.equal((granted.value as AccessEvent).purpose, 'TREATMENT');
            assert.equal((denied.value as AccessEvent).decision, 'DENIED');
            assert.equal((denied.value as AccessEvent).purpose, 'PAYMENT');
        });

        const table: {
            name: string;
            category?: string;
            consent?: (record: string) => Record<string, unknown>;
            requester?: 'hospitalB' | 'insurer' | 'clinic';
            purpose?: string;
            decision: string;
            reason: string;
        }[] = [
            { name: 'denies without a consent', decision: 'DENIED', reason: 'NO_CONSENT' },
            {
                name: 'denies a sensitive category under a wildcard consent',
                category: 'hiv',
                consent: () => ({}),
                decision: 'DENIED',
                reason: 'SENSITIVE_CATEGORY',
            },
            {
                name: 'grants a sensitive category the consent names',
                category: 'hiv',
                consent: () => ({ categories: ['hiv'] }),
                decision: 'GRANTED',
                reason: 'CONSENT',
            },
            {
                name: 'denies when the consent names other custodians',
                consent: () => ({ custodians: [Msp.hospitalB] }),
                decision: 'DENIED',
                reason: 'NO_CONSENT',
            },
            {
                name: 'grants when the consent names the custodian',
                consent: () => ({ custodians: [Msp.hospitalA] }),
                decision: 'GRANTED',
                reason: 'CONSENT',
            },
            {
                name: 'denies when the consent lists other records',
                consent: () => ({ recordIds: ['some-other-record'] }),
                decision: 'DENIED',
                reason: 'NO_CONSENT',
            },
            {
                name: 'grants when the consent lists the record',
                consent: (recordId) => ({ recordIds: [recordId] }),
                decision: 'GRANTED',
                reason: 'CONSENT',
            },
            {
                name: 'denies before notBefore at the transaction time',
                consent: () => ({ notBefore: inHours(1), notAfter: inHours(2) }),
                decision: 'DENIED',
                reason: 'CONSENT_NOT_YET_VALID',
            },
            {
                name: 'denies after notAfter at the transaction time',
                consent: () => ({ notBefore: inHours(-2), notAfter: inHours(-1) }),
                decision: 'DENIED',
                reason: 'CONSENT_EXPIRED',
            },
            {
                name: 'denies a purpose the organisation type may not use',
                requester: 'insurer',
                consent: () => ({ grantee: Msp.insurer }),
                decision: 'DENIED',
                reason: 'PURPOSE_NOT_PERMITTED',
            },
            {
                name: 'grants PAYMENT to an insurer under a payment consent',
                requester: 'insurer',
                purpose: 'PAYMENT',
                consent: () => ({ grantee: Msp.insurer, purposes: ['PAYMENT'] }),
                decision: 'GRANTED',
                reason: 'CONSENT',
            },
            {
                name: 'denies a requester that is not active (pending)',
                requester: 'clinic',
                consent: () => ({ grantee: Msp.clinic }),
                decision: 'DENIED',
                reason: 'ORG_NOT_ACTIVE',
            },
        ];
        for (const row of table) {
            it(row.name, async () => {
                const record = await anchor(region, 'hospitalA', patient, row.category ?? 'lab');
                if (row.consent) {
                    await grant(region, patient, row.consent(record.recordId));
                }
                const event = await request(region, row.requester ?? 'hospitalB', record.recordId, row.purpose);
                assert.equal(event.decision, row.decision);
                assert.equal(event.reason, row.reason);
                assert.equal(event.expiresAt === null, row.decision === 'DENIED');
            });
        }

        it('denies under a revoked consent', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            const consent = await grant(region, patient);
            await revoke(region, patient, consent.consentId);
            const event = await request(region, 'hospitalB', record.recordId);
            assert.deepEqual(
                [event.decision, event.reason, event.consentId],
                ['DENIED', 'CONSENT_REVOKED', consent.consentId],
            );
        });

        it('records a request for a record that does not exist', async () => {
            const event = await request(region, 'hospitalB', uniqueId('missing'));
            assert.deepEqual(
                [event.decision, event.reason, event.patientId, event.custodian],
                ['DENIED', 'RECORD_NOT_FOUND', null, null],
            );
            assert.deepEqual(await readAccess(event.accessId), event);
        });

        it('denies a suspended requester and a suspended custodian, and grants again once reinstated', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            await grant(region, patient);
            await region.submit('commission', 'organization', 'suspendOrganization', [Msp.hospitalB]);
            assert.equal((await request(region, 'hospitalB', record.recordId)).reason, 'ORG_NOT_ACTIVE');
            await region.submit('commission', 'organization', 'reinstateOrganization', [Msp.hospitalB]);
            await region.submit('commission', 'organization', 'suspendOrganization', [Msp.hospitalA]);
            assert.equal((await request(region, 'hospitalB', record.recordId)).reason, 'CUSTODIAN_NOT_ACTIVE');
            await region.submit('commission', 'organization', 'reinstateOrganization', [Msp.hospitalA]);
            assert.equal((await request(region, 'hospitalB', record.recordId)).decision, 'GRANTED');
        });
    });

    describe('emergency', () => {
        it('grants break-the-glass with a justification, lists it as pending, and takes one review', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            const event = await request(region, 'hospitalB', record.recordId, 'EMERGENCY', {
                justification: 'arrived unconscious',
            });
            assert.deepEqual(
                [event.decision, event.reason, event.justification],
                ['GRANTED_EMERGENCY', 'EMERGENCY', 'arrived unconscious'],
            );
            const pending = (await region.evaluate('commission', 'audit', 'listPendingEmergencies', ['500', ''])) as {
                items: AccessEvent[];
            };
            assert.ok(pending.items.some((item) => item.accessId === event.accessId));

            const review = JSON.stringify({
                accessId: event.accessId,
                verdict: 'justified',
                note: 'ER admission confirmed',
            });
            await expectCode(region.submit('hospitalA', 'access', 'reviewEmergency', [review]), 'FORBIDDEN');
            const reviewed = (await region.submit('commission', 'access', 'reviewEmergency', [review]))
                .value as AccessEvent;
            assert.deepEqual([reviewed.review?.verdict, reviewed.review?.reviewer], ['justified', Msp.commission]);
            await expectCode(region.submit('commission', 'access', 'reviewEmergency', [review]), 'CONFLICT');
            const after = (await region.evaluate('commission', 'audit', 'listPendingEmergencies', ['500', ''])) as {
                items: AccessEvent[];
            };
            assert.ok(!after.items.some((item) => item.accessId === event.accessId));
        });

        it('never opens a sensitive record by EMERGENCY, even with a consent naming it', async () => {
            const record = await anchor(region, 'hospitalA', patient, 'mental-health');
            await grant(region, patient, { categories: ['mental-health'] });
            const event = await request(region, 'hospitalB', record.recordId, 'EMERGENCY', { justification: 'x' });
            assert.deepEqual([event.decision, event.reason], ['DENIED', 'SENSITIVE_CATEGORY']);
        });

        it('refuses EMERGENCY without a justification and a justification without EMERGENCY, writing nothing', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            const before = await region.ledger.info();
            await expectCode(request(region, 'hospitalB', record.recordId, 'EMERGENCY'), 'INVALID_INPUT');
            await expectCode(
                request(region, 'hospitalB', record.recordId, 'TREATMENT', { justification: 'x' }),
                'INVALID_INPUT',
            );
            assert.equal((await region.ledger.info()).height, before.height);
        });
    });

    describe('delivery', () => {
        async function granted(): Promise<AccessEvent> {
            const record = await anchor(region, 'hospitalA', patient);
            await grant(region, patient);
            const event = await request(region, 'hospitalB', record.recordId);
            assert.equal(event.decision, 'GRANTED');
            return event;
        }

        it('records the delivered hash and time, once', async () => {
            const event = await granted();
            const delivered = await deliver(region, 'hospitalA', event);
            assert.equal(delivered.delivery?.status, 'DELIVERED');
            assert.equal(delivered.delivery.contentHash, hashOf(event.recordId));
            assert.equal(delivered.delivery.at, region.clock.iso);
            await expectCode(deliver(region, 'hospitalA', event), 'CONFLICT');
        });

        it('refuses, and records, a delivery after a revocation between grant and delivery', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            const consent = await grant(region, patient);
            const event = await request(region, 'hospitalB', record.recordId);
            await revoke(region, patient, consent.consentId);
            const refused = await deliver(region, 'hospitalA', event);
            assert.deepEqual([refused.delivery?.status, refused.delivery?.reason], ['REFUSED', 'CONSENT_REVOKED']);
            assert.deepEqual(await readAccess(event.accessId), refused);
            await expectCode(deliver(region, 'hospitalA', event), 'CONFLICT');
        });

        it('refuses, and records, a delivery once the consent window closed after the grant', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            await grant(region, patient, { notAfter: new Date(region.clock.now.getTime() + 60_000).toISOString() });
            const event = await request(region, 'hospitalB', record.recordId);
            region.clock.advance(90_000);
            const refused = await deliver(region, 'hospitalA', event);
            assert.equal(refused.delivery?.reason, 'CONSENT_EXPIRED');
        });

        it('refuses, and records, a delivery after the grant expired', async () => {
            const event = await granted();
            region.clock.advance(5 * 60_000);
            const refused = await deliver(region, 'hospitalA', event);
            assert.deepEqual([refused.delivery?.status, refused.delivery?.reason], ['REFUSED', 'GRANT_EXPIRED']);
        });

        it('refuses a grant timestamped after the delivery (requester clock ahead)', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            await grant(region, patient);
            const ahead = new Date(region.clock.now.getTime() + 30_000);
            const event = await request(region, 'hospitalB', record.recordId, 'TREATMENT', { timestamp: ahead });
            const refused = await deliver(region, 'hospitalA', event);
            assert.equal(refused.delivery?.reason, 'GRANT_IN_FUTURE');
        });

        it('rejects a delivery by an organisation that is not the custodian, writing nothing', async () => {
            const event = await granted();
            await expectCode(deliver(region, 'hospitalB', event), 'FORBIDDEN');
            await expectCode(deliver(region, 'insurer', event), 'FORBIDDEN');
            assert.equal((await readAccess(event.accessId)).delivery, null);
            assert.equal((await deliver(region, 'hospitalA', event)).delivery?.status, 'DELIVERED');
        });

        it('rejects the delivery of a denial and of a hash that is not the index entry’s', async () => {
            const record = await anchor(region, 'hospitalA', patient, 'genetic');
            const denied = await request(region, 'hospitalB', record.recordId);
            await expectCode(deliver(region, 'hospitalA', denied), 'ACCESS_DENIED');
            const event = await granted();
            const wrong = JSON.stringify({ accessId: event.accessId, contentHash: hashOf('other') });
            await expectCode(region.submit('hospitalA', 'access', 'recordDelivery', [wrong]), 'CONFLICT');
            await expectCode(
                region.submit('hospitalA', 'access', 'recordDelivery', [
                    JSON.stringify({ accessId: 'nope', contentHash: hashOf('x') }),
                ]),
                'NOT_FOUND',
            );
        });
    });
});
