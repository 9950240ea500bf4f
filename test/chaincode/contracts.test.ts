// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import type { AccessEvent, Claim, Consent, Organization, RecordEntry } from '../../chaincode/src/protocol/state';
import { anchor, grant, hashOf, request, uniqueId } from './helpers/acts';
import {
    grantPayload,
    newTestPatient,
    registerPayload,
    signPayload,
    TEST_CHANNEL,
    type TestPatient,
} from './helpers/patients';
import { expectCode, Msp, newRegion, type Region } from './helpers/region';

interface Page<T> {
    items: T[];
    bookmark: string;
}

describe('organisation, patient, record, consent, claim and audit contracts', () => {
    let region: Region;
    let patient: TestPatient;

    before(async () => {
        region = await newRegion();
    });
    beforeEach(async () => {
        patient = await region.newPatient();
    });
    after(async () => {
        await region.close();
    });

    describe('organisations', () => {
        it('bootstraps once and lets only the commission govern', async () => {
            await expectCode(region.submit('commission', 'organization', 'bootstrap', [Msp.commission]), 'CONFLICT');
            await expectCode(
                region.submit('hospitalA', 'organization', 'approveOrganization', [Msp.clinic]),
                'FORBIDDEN',
            );
            await expectCode(
                region.submit('commission', 'organization', 'reinstateOrganization', [Msp.clinic]),
                'CONFLICT',
            );
            await expectCode(
                region.submit('commission', 'organization', 'approveOrganization', ['NoSuchMSP']),
                'NOT_FOUND',
            );
            const clinic = (await region.evaluate('insurer', 'organization', 'readOrganization', [
                Msp.clinic,
            ])) as Organization;
            assert.equal(clinic.status, 'pending');
            assert.match(clinic.tlsCertSha256, /^[0-9a-f]{64}$/);
        });

        it('keeps registration idempotent and refuses a changed profile or a false commission', async () => {
            const org = (await region.evaluate('hospitalA', 'organization', 'readOrganization', [
                Msp.hospitalA,
            ])) as Organization;
            const profile = { type: org.type, name: org.name, p2pUrl: org.p2pUrl, tlsCertPem: org.tlsCertPem };
            const again = await region.submit('hospitalA', 'organization', 'registerOrganization', [
                JSON.stringify(profile),
            ]);
            assert.deepEqual(again.value, org);
            const renamed = JSON.stringify({ ...profile, name: 'Other' });
            await expectCode(region.submit('hospitalA', 'organization', 'registerOrganization', [renamed]), 'CONFLICT');
            const commission = JSON.stringify({ ...profile, type: 'commission' });
            await expectCode(
                region.submit('hospitalA', 'organization', 'updateOrganization', [commission]),
                'CONFLICT',
            );
            const orgs = (await region.evaluate('clinic', 'organization', 'listOrganizations', [])) as Organization[];
            assert.deepEqual(
                orgs.map((o) => o.mspId),
                Object.values(Msp).sort(),
            );
        });
    });

    describe('patients', () => {
        it('registers by a hospital with proof of possession, idempotently, from PEM or JWK', async () => {
            const fresh = newTestPatient();
            const jwk = { ...fresh.publicKey.export({ format: 'jwk' }), ext: true, key_ops: ['verify'] };
            const payload = {
                type: 'patient.register',
                publicKey: jwk,
                issuedAt: region.clock.iso,
                channel: TEST_CHANNEL,
            };
            const registered = (await region.submit('hospitalB', 'patient', 'registerPatient', [fresh.signed(payload)]))
                .value as {
                patientId: string;
            };
            assert.equal(registered.patientId, fresh.patientId);
            const again = await region.submit('hospitalA', 'patient', 'registerPatient', [
                fresh.signed(registerPayload(fresh, region.clock.iso)),
            ]);
            assert.deepEqual(again.value, registered);
        });

        it('refuses registration by an insurer, a stale proof and a proof by another key', async () => {
            const fresh = newTestPatient();
            await expectCode(
                region.submit('insurer', 'patient', 'registerPatient', [
                    fresh.signed(registerPayload(fresh, region.clock.iso)),
                ]),
                'FORBIDDEN',
            );
            const stale = new Date(region.clock.now.getTime() - 25 * 3_600_000).toISOString();
            await expectCode(
                region.submit('hospitalA', 'patient', 'registerPatient', [fresh.signed(registerPayload(fresh, stale))]),
                'INVALID_INPUT',
            );
            const payload = registerPayload(fresh, region.clock.iso);
            const forged = JSON.stringify({ payload, signature: signPayload(payload, newTestPatient().privateKey) });
            await expectCode(region.submit('hospitalA', 'patient', 'registerPatient', [forged]), 'BAD_SIGNATURE');
            await expectCode(region.evaluate('hospitalA', 'patient', 'readPatient', [fresh.patientId]), 'NOT_FOUND');
        });
    });

    describe('records', () => {
        it('re-anchors identically without a write, refuses different fields, supersedes once', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            const args = {
                recordId: record.recordId,
                patientId: patient.patientId,
                category: 'lab',
                contentHash: record.contentHash,
            };
            const height = (await region.ledger.info()).height;
            const again = await region.submit('hospitalA', 'record', 'anchorRecord', [JSON.stringify(args)]);
            assert.deepEqual(again.value, record);
            await expectCode(
                region.submit('hospitalA', 'record', 'anchorRecord', [
                    JSON.stringify({ ...args, category: 'imaging' }),
                ]),
                'CONFLICT',
            );
            await expectCode(region.submit('hospitalB', 'record', 'anchorRecord', [JSON.stringify(args)]), 'CONFLICT');
            assert.ok((await region.ledger.info()).height > height);

            const newId = uniqueId('rec');
            const next = { ...args, recordId: newId, contentHash: hashOf(newId), supersedes: record.recordId };
            await expectCode(
                region.submit('hospitalB', 'record', 'supersedeRecord', [JSON.stringify({ ...next })]),
                'FORBIDDEN',
            );
            await region.submit('hospitalA', 'record', 'supersedeRecord', [JSON.stringify(next)]);
            const old = (await region.evaluate('hospitalB', 'record', 'readRecord', [record.recordId])) as RecordEntry;
            assert.equal(old.supersededBy, newId);
            const third = { ...next, recordId: uniqueId('rec') };
            await expectCode(
                region.submit('hospitalA', 'record', 'supersedeRecord', [JSON.stringify(third)]),
                'CONFLICT',
            );
            const list = (await region.evaluate('hospitalB', 'record', 'listRecordsByPatient', [
                patient.patientId,
                '10',
                '',
            ])) as Page<RecordEntry>;
            assert.equal(list.items.length, 2);
        });

        it('refuses anchors by an insurer, a pending clinic, and for an unknown patient', async () => {
            const args = (recordId: string, patientId = patient.patientId): string =>
                JSON.stringify({ recordId, patientId, category: 'lab', contentHash: hashOf(recordId) });
            await expectCode(region.submit('insurer', 'record', 'anchorRecord', [args(uniqueId('rec'))]), 'FORBIDDEN');
            await expectCode(
                region.submit('clinic', 'record', 'anchorRecord', [args(uniqueId('rec'))]),
                'ORG_NOT_ACTIVE',
            );
            await expectCode(
                region.submit('hospitalA', 'record', 'anchorRecord', [
                    args(uniqueId('rec'), newTestPatient().patientId),
                ]),
                'NOT_FOUND',
            );
        });
    });

    describe('consents through the contract', () => {
        function fields(): Parameters<typeof grantPayload>[1] {
            const now = region.clock.now.getTime();
            return {
                consentId: uniqueId('consent'),
                grantee: Msp.hospitalB,
                notBefore: new Date(now).toISOString(),
                notAfter: new Date(now + 3_600_000).toISOString(),
                issuedAt: region.clock.iso,
            };
        }

        it('refuses a grant signed by another key, replayed under a new id, or carrying an extra field', async () => {
            const payload = grantPayload(patient, fields());
            const other = JSON.stringify({ payload, signature: signPayload(payload, newTestPatient().privateKey) });
            await expectCode(region.submit('hospitalA', 'consent', 'grantConsent', [other]), 'BAD_SIGNATURE');
            const signature = signPayload(payload, patient.privateKey);
            await region.submit('hospitalA', 'consent', 'grantConsent', [JSON.stringify({ payload, signature })]);
            const replay = { ...payload, consentId: uniqueId('consent') };
            await expectCode(
                region.submit('hospitalA', 'consent', 'grantConsent', [JSON.stringify({ payload: replay, signature })]),
                'BAD_SIGNATURE',
            );
            const extra = { ...payload, consentId: uniqueId('consent'), scope: 'all' };
            await expectCode(
                region.submit('hospitalA', 'consent', 'grantConsent', [patient.signed(extra)]),
                'INVALID_INPUT',
            );
            await expectCode(region.evaluate('hospitalA', 'consent', 'readConsent', [replay.consentId]), 'NOT_FOUND');
        });

        it('refuses a revoke built from the grant’s signature, and a revoke of another patient’s consent', async () => {
            const consent = await grant(region, patient);
            const revoke = {
                type: 'consent.revoke',
                consentId: consent.consentId,
                patientId: patient.patientId,
                issuedAt: region.clock.iso,
                channel: TEST_CHANNEL,
            };
            const borrowed = JSON.stringify({ payload: revoke, signature: consent.signature });
            await expectCode(region.submit('hospitalA', 'consent', 'revokeConsent', [borrowed]), 'BAD_SIGNATURE');
            const mallory = await region.newPatient();
            const theirs = { ...revoke, patientId: mallory.patientId };
            await expectCode(
                region.submit('hospitalA', 'consent', 'revokeConsent', [mallory.signed(theirs)]),
                'FORBIDDEN',
            );
            const stored = (await region.evaluate('hospitalB', 'consent', 'readConsent', [
                consent.consentId,
            ])) as Consent;
            assert.equal(stored.status, 'active');
        });

        it('lists consents by patient and by grantee', async () => {
            const a = await grant(region, patient);
            const b = await grant(region, patient, { grantee: Msp.insurer, purposes: ['PAYMENT'] });
            const byPatient = (await region.evaluate('commission', 'consent', 'listConsentsByPatient', [
                patient.patientId,
                '10',
                '',
            ])) as Page<Consent>;
            assert.ok([a.consentId, b.consentId].every((id) => byPatient.items.some((c) => c.consentId === id)));
            const namingB = (await region.evaluate('hospitalB', 'consent', 'listConsentsByPatient', [
                patient.patientId,
                '500',
                '',
            ])) as Page<Consent>;
            assert.ok(namingB.items.some((c) => c.consentId === a.consentId));
            assert.ok(namingB.items.every((c) => c.grantee === Msp.hospitalB));
            const byGrantee = (await region.evaluate('insurer', 'consent', 'listConsentsByGrantee', [
                Msp.insurer,
                '500',
                '',
            ])) as Page<Consent>;
            assert.ok(byGrantee.items.some((c) => c.consentId === b.consentId));
            assert.ok(!byGrantee.items.some((c) => c.consentId === a.consentId));
        });
    });

    describe('claims', () => {
        beforeEach(async () => {
            await grant(region, patient, {
                grantee: Msp.insurer,
                purposes: ['PAYMENT'],
                custodians: [Msp.hospitalA],
                categories: ['billing'],
            });
        });

        function claimArgs(recordIds: string[], insurer: string = Msp.insurer, serviceId = 'visit-1'): string {
            return JSON.stringify({
                patientId: patient.patientId,
                insurer,
                serviceId,
                recordIds,
                amount: { value: 120.5, currency: 'CNY' },
            });
        }

        it('catches a record claimed twice across insurers, and frees it when the claim is rejected', async () => {
            const record = await anchor(region, 'hospitalA', patient, 'billing');
            const claim = (await region.submit('hospitalA', 'claim', 'submitClaim', [claimArgs([record.recordId])]))
                .value as Claim;
            assert.equal(claim.status, 'submitted');
            await expectCode(
                region.submit('hospitalA', 'claim', 'submitClaim', [claimArgs([record.recordId])]),
                'DUPLICATE_CLAIM',
            );
            const decision = JSON.stringify({ claimId: claim.claimId, decision: 'rejected', reason: 'not covered' });
            await expectCode(region.submit('hospitalB', 'claim', 'decideClaim', [decision]), 'FORBIDDEN');
            await region.submit('insurer', 'claim', 'decideClaim', [decision]);
            await expectCode(region.submit('insurer', 'claim', 'decideClaim', [decision]), 'CONFLICT');
            const second = (await region.submit('hospitalA', 'claim', 'submitClaim', [claimArgs([record.recordId])]))
                .value as Claim;
            const approve = JSON.stringify({ claimId: second.claimId, decision: 'approved', reason: 'ok' });
            await region.submit('insurer', 'claim', 'decideClaim', [approve]);
            await expectCode(
                region.submit('hospitalA', 'claim', 'submitClaim', [claimArgs([record.recordId])]),
                'DUPLICATE_CLAIM',
            );
            const mine = (await region.evaluate('hospitalA', 'claim', 'listClaimsByClaimant', [
                Msp.hospitalA,
                '500',
                '',
            ])) as Page<Claim>;
            assert.ok(mine.items.some((c) => c.claimId === second.claimId));
            await expectCode(
                region.evaluate('hospitalB', 'claim', 'listClaimsByInsurer', [Msp.insurer, '10', '']),
                'FORBIDDEN',
            );
        });

        it('refuses another custodian’s record, a non-insurer and bad amounts', async () => {
            const theirs = await anchor(region, 'hospitalB', patient, 'billing');
            await expectCode(
                region.submit('hospitalA', 'claim', 'submitClaim', [claimArgs([theirs.recordId])]),
                'FORBIDDEN',
            );
            const mine = await anchor(region, 'hospitalA', patient, 'billing');
            await expectCode(
                region.submit('hospitalA', 'claim', 'submitClaim', [claimArgs([mine.recordId], Msp.hospitalB)]),
                'INVALID_INPUT',
            );
            for (const value of [0, -1, 1.234, '10', 2e9]) {
                const args = JSON.stringify({
                    patientId: patient.patientId,
                    insurer: Msp.insurer,
                    serviceId: 'visit-2',
                    recordIds: [mine.recordId],
                    amount: { value, currency: 'CNY' },
                });
                await expectCode(region.submit('hospitalA', 'claim', 'submitClaim', [args]), 'INVALID_INPUT');
            }
        });
    });

    describe('audit', () => {
        it('pages a patient’s access log in time order and limits listings to the party or the commission', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            const ids: string[] = [];
            for (let i = 0; i < 5; i += 1) {
                region.clock.advance(1000);
                ids.push((await request(region, 'hospitalB', record.recordId)).accessId);
            }
            const seen: string[] = [];
            let bookmark = '';
            do {
                const page = (await region.evaluate('commission', 'audit', 'listAccessByPatient', [
                    patient.patientId,
                    '2',
                    bookmark,
                ])) as Page<AccessEvent>;
                assert.ok(page.items.length <= 2);
                seen.push(...page.items.map((e) => e.accessId));
                bookmark = page.bookmark;
            } while (bookmark !== '');
            assert.deepEqual(seen, ids);
            await expectCode(
                region.evaluate('hospitalA', 'audit', 'listAccessByRequester', [Msp.hospitalB, '10', '']),
                'FORBIDDEN',
            );
            await expectCode(
                region.evaluate('hospitalA', 'audit', 'listAccessByTime', [
                    region.clock.iso,
                    region.clock.iso,
                    '10',
                    '',
                ]),
                'INVALID_INPUT',
            );
            await expectCode(region.evaluate('hospitalB', 'audit', 'listPendingEmergencies', ['10', '']), 'FORBIDDEN');
            const byCustodian = (await region.evaluate('hospitalA', 'audit', 'listAccessByCustodian', [
                Msp.hospitalA,
                '500',
                '',
            ])) as Page<AccessEvent>;
            assert.ok(ids.every((id) => byCustodian.items.some((e) => e.accessId === id)));
        });

        it('lists exactly the events of a time range for the commission', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            region.clock.advance(60_000);
            const from = region.clock.iso;
            const inside = await request(region, 'hospitalB', record.recordId);
            region.clock.advance(1);
            const to = region.clock.iso;
            await request(region, 'hospitalB', record.recordId);
            const page = (await region.evaluate('commission', 'audit', 'listAccessByTime', [
                from,
                to,
                '100',
                '',
            ])) as Page<AccessEvent>;
            assert.deepEqual(
                page.items.map((e) => e.accessId),
                [inside.accessId],
            );
        });
    });

    describe('bad arguments write nothing', () => {
        const huge = 'x'.repeat(70_000);
        const cases: [string, string, () => string[]][] = [
            ['record', 'anchorRecord', () => ['not json']],
            [
                'record',
                'anchorRecord',
                () => [
                    JSON.stringify({ recordId: 'r', patientId: patient.patientId, category: 'lab', contentHash: 'AB' }),
                ],
            ],
            [
                'record',
                'anchorRecord',
                () => [
                    JSON.stringify({
                        recordId: 'r',
                        patientId: patient.patientId,
                        category: 'dental',
                        contentHash: hashOf('r'),
                    }),
                ],
            ],
            ['record', 'anchorRecord', () => [`{"__proto__":{"x":1},"recordId":"r"}`]],
            [
                'record',
                'anchorRecord',
                () => [
                    JSON.stringify({
                        recordId: 'r',
                        patientId: patient.patientId,
                        category: 'lab',
                        contentHash: hashOf('r'),
                        constructor: 1,
                    }),
                ],
            ],
            ['record', 'anchorRecord', () => [huge]],
            ['access', 'requestAccess', () => [JSON.stringify({ recordId: 'r', purpose: 'CURIOSITY' })]],
            ['access', 'requestAccess', () => [JSON.stringify({ recordId: 7, purpose: 'TREATMENT' })]],
            ['access', 'requestAccess', () => [JSON.stringify({ recordId: 'r' })]],
            ['access', 'requestAccess', () => [JSON.stringify([1, 2])]],
            [
                'access',
                'recordDelivery',
                () => [JSON.stringify({ accessId: 'a', contentHash: hashOf('a'), extra: true })],
            ],
            ['access', 'reviewEmergency', () => [JSON.stringify({ accessId: 'a', verdict: 'maybe', note: 'n' })]],
            ['consent', 'grantConsent', () => [JSON.stringify({ payload: {}, signature: 'x' })]],
            ['consent', 'grantConsent', () => [JSON.stringify({ payload: { type: 'consent.grant' } })]],
            [
                'claim',
                'submitClaim',
                () => [
                    JSON.stringify({
                        patientId: patient.patientId,
                        insurer: Msp.insurer,
                        recordIds: Array.from({ length: 51 }, (_, i) => `r${i}`),
                        amount: { value: 1, currency: 'CNY' },
                    }),
                ],
            ],
            [
                'claim',
                'submitClaim',
                () => [
                    JSON.stringify({
                        patientId: patient.patientId,
                        insurer: Msp.insurer,
                        recordIds: ['r', 'r'],
                        amount: { value: 1, currency: 'CNY' },
                    }),
                ],
            ],
            ['claim', 'decideClaim', () => [JSON.stringify({ claimId: 'c', decision: 'maybe', reason: 'r' })]],
            [
                'organization',
                'registerOrganization',
                () => [JSON.stringify({ type: 'bank', name: 'n', p2pUrl: 'https://x', tlsCertPem: 'x' })],
            ],
            [
                'organization',
                'registerOrganization',
                () => [JSON.stringify({ type: 'hospital', name: 'n', p2pUrl: 'http://x', tlsCertPem: 'x' })],
            ],
            ['organization', 'approveOrganization', () => ['bad msp id!']],
            ['audit', 'listAccessByPatient', () => [patient.patientId, '0', '']],
        ];
        for (const [index, [contract, fn, args]] of cases.entries()) {
            it(`${contract}.${fn} refuses bad argument set #${index} with INVALID_INPUT`, async () => {
                const before = await region.ledger.info();
                await expectCode(region.submit('hospitalA', contract, fn, args()), 'INVALID_INPUT');
                assert.deepEqual(await region.ledger.info(), before);
                await expectCode(region.evaluate('hospitalA', 'record', 'readRecord', ['r']), 'NOT_FOUND');
            });
        }

        it('answers an unknown function with INVALID_INPUT', async () => {
            await expectCode(region.submit('hospitalA', 'record', 'dropTable', []), 'INVALID_INPUT');
        });
    });
});
