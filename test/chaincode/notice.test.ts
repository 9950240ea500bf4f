// SPDX-License-Identifier: Apache-2.0
/**
 * The consent notice on the ledger (docs/design.md "Notice"): a grant is recorded only with the hash of the notice
 * the ledger renders for its grantee's directory entry and its terms; a consent granted before notices were
 * required still counts.
 */
import assert from 'node:assert/strict';
import { AccessContract } from '../../chaincode/src/contracts/access';
import { ConsentContract } from '../../chaincode/src/contracts/consent';
import { OrganizationContract } from '../../chaincode/src/contracts/organization';
import { PatientContract } from '../../chaincode/src/contracts/patient';
import { RecordContract } from '../../chaincode/src/contracts/record';
import type { AccessEvent, Consent, Organization } from '../../chaincode/src/protocol/state';
import { anchor, uniqueId } from './helpers/acts';
import {
    grantPayload,
    newTestPatient,
    noticeOf,
    registerPayload,
    revokePayload,
    type TestPatient,
} from './helpers/patients';
import { expectCode, Msp, newRegion, type Region } from './helpers/region';
import { CommittedStateStub } from './helpers/stub';
import { newTestOrg } from '../helpers/pki';

const DAY = 86_400_000;

describe('consent notices on the ledger', () => {
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

    function terms(): {
        purposes: string[];
        categories: string[];
        custodians: string[];
        notBefore: string;
        notAfter: string;
    } {
        const now = region.clock.now.getTime();
        return {
            purposes: ['TREATMENT'],
            categories: ['lab', 'hiv'],
            custodians: [Msp.hospitalA],
            notBefore: new Date(now - 60_000).toISOString(),
            notAfter: new Date(now + DAY).toISOString(),
        };
    }

    async function submitGrant(payload: Record<string, unknown>): Promise<Consent> {
        return (await region.submit('hospitalA', 'consent', 'grantConsent', [patient.signed(payload)]))
            .value as Consent;
    }

    async function entryOf(mspId: string): Promise<{ mspId: string; name: string; contact: string | null }> {
        const org = (await region.evaluate('commission', 'organization', 'readOrganization', [mspId])) as Organization;
        return { mspId, name: org.name, contact: org.contact ?? null };
    }

    it('records a grant signed over the notice of its grantee, in Chinese or English', async () => {
        const recipient = await entryOf(Msp.hospitalB);
        for (const language of ['zh-CN', 'en'] as const) {
            const notice = noticeOf(recipient, terms(), language);
            const fields = {
                consentId: uniqueId('consent'),
                grantee: Msp.hospitalB,
                ...terms(),
                issuedAt: region.clock.iso,
                notice,
            };
            const consent = await submitGrant(grantPayload(patient, fields));
            assert.deepEqual(consent.notice, notice);
            assert.equal(consent.signer, null);
        }
    });

    it('refuses a grant without a notice, or over a notice of other terms or another organisation, writing nothing', async () => {
        const base = { grantee: Msp.hospitalB, ...terms(), issuedAt: region.clock.iso };
        const withoutNotice = grantPayload(patient, { consentId: uniqueId('consent'), ...base });
        delete withoutNotice.notice;
        await expectCode(submitGrant(withoutNotice), 'INVALID_INPUT');
        const wider = noticeOf(await entryOf(Msp.hospitalB), { ...terms(), categories: ['lab'] });
        await expectCode(
            submitGrant(grantPayload(patient, { consentId: uniqueId('consent'), ...base, notice: wider })),
            'NOTICE_MISMATCH',
        );
        const otherOrg = noticeOf(await entryOf(Msp.hospitalA), terms());
        await expectCode(
            submitGrant(grantPayload(patient, { consentId: uniqueId('consent'), ...base, notice: otherOrg })),
            'NOTICE_MISMATCH',
        );
        const consents = (await region.evaluate('commission', 'consent', 'listConsentsByPatient', [
            patient.patientId,
            '10',
            '',
        ])) as {
            items: unknown[];
        };
        assert.deepEqual(consents.items, []);
    });

    it('renders the contact the grantee registers: a notice without it is refused once it has one', async () => {
        const before = noticeOf(await entryOf(Msp.insurer), terms());
        const org = (await region.evaluate('commission', 'organization', 'readOrganization', [
            Msp.insurer,
        ])) as Organization;
        const profile = {
            type: org.type,
            name: org.name,
            p2pUrl: org.p2pUrl,
            tlsCertPem: org.tlsCertPem,
            contact: 'DPO, +86 10 6500 0003',
        };
        await region.submit('insurer', 'organization', 'updateOrganization', [JSON.stringify(profile)]);
        const after = await entryOf(Msp.insurer);
        assert.equal(after.contact, 'DPO, +86 10 6500 0003');
        const base = { grantee: Msp.insurer, ...terms(), purposes: ['PAYMENT'], issuedAt: region.clock.iso };
        const stale = { ...before };
        await expectCode(
            submitGrant(grantPayload(patient, { consentId: uniqueId('consent'), ...base, notice: stale })),
            'NOTICE_MISMATCH',
        );
        const fresh = noticeOf(after, { ...terms(), purposes: ['PAYMENT'] });
        const consent = await submitGrant(
            grantPayload(patient, { consentId: uniqueId('consent'), ...base, notice: fresh }),
        );
        assert.deepEqual(consent.notice, fresh);
    });

    it('returns the stored consent for the identical signed grant', async () => {
        const payload = grantPayload(patient, {
            consentId: uniqueId('consent'),
            grantee: Msp.hospitalB,
            ...terms(),
            issuedAt: region.clock.iso,
        });
        const signed = patient.signed(payload);
        const first = await region.submit('hospitalA', 'consent', 'grantConsent', [signed]);
        const second = await region.submit('hospitalB', 'consent', 'grantConsent', [signed]);
        assert.deepEqual(second.value, first.value);
    });

    it('still counts a consent granted before notices were required, and lets the patient revoke it', async () => {
        const stub = new CommittedStateStub();
        const hospitalCert = async (msp: string): Promise<string> =>
            (await (await newTestOrg(msp)).identity('gateway')).certPem;
        const at = (i: number): Date => new Date(Date.parse('2030-01-01T00:00:00.000Z') + i * 1000);
        let step = 0;
        const run = async (
            msp: string,
            call: (ctx: ReturnType<CommittedStateStub['context']>) => Promise<string>,
        ): Promise<string> => {
            step += 1;
            const result = await call(stub.context(msp, `tx${step}`, at(step)));
            stub.commit();
            return result;
        };
        const org = new OrganizationContract();
        const profile = async (msp: string): Promise<string> =>
            JSON.stringify({
                type: 'hospital',
                name: msp,
                p2pUrl: 'https://x.test',
                tlsCertPem: await hospitalCert(msp),
            });
        const old = newTestPatient();
        await run('CommissionMSP', (ctx) => org.bootstrap(ctx, 'CommissionMSP'));
        for (const msp of ['HospitalAMSP', 'HospitalBMSP']) {
            const text = await profile(msp);
            await run(msp, (ctx) => org.registerOrganization(ctx, text));
            await run('CommissionMSP', (ctx) => org.approveOrganization(ctx, msp));
        }
        const t = at(10).toISOString();
        await run('HospitalAMSP', (ctx) =>
            new PatientContract().registerPatient(ctx, old.signed(registerPayload(old, t))),
        );
        const record = JSON.stringify({
            recordId: 'r1',
            patientId: old.patientId,
            category: 'lab',
            contentHash: 'a'.repeat(64),
        });
        await run('HospitalAMSP', (ctx) => new RecordContract().anchorRecord(ctx, record));
        // A consent as an earlier version stored it: no notice, no signer, no revokedBy.
        const legacy = {
            consentId: 'legacy-1',
            patientId: old.patientId,
            grantee: 'HospitalBMSP',
            purposes: ['TREATMENT'],
            categories: ['*'],
            custodians: ['*'],
            recordIds: null,
            notBefore: '2029-01-01T00:00:00.000Z',
            notAfter: '2031-01-01T00:00:00.000Z',
            issuedAt: '2029-01-01T00:00:00.000Z',
            channel: 'healthchain',
            signature: 'legacy',
            status: 'active',
            grantedAt: '2029-01-01T00:00:00.000Z',
            txId: 'tx-legacy',
            revokedAt: null,
            revokeTxId: null,
        };
        const write = stub.context('HospitalAMSP', 'tx-legacy', at(20));
        await write.stub.putState(
            write.stub.createCompositeKey('consent', ['legacy-1']),
            Buffer.from(JSON.stringify(legacy)),
        );
        await write.stub.putState(
            write.stub.createCompositeKey('consent~patient', [old.patientId, 'HospitalBMSP', 'legacy-1']),
            Buffer.from('legacy-1'),
        );
        stub.commit();
        const request = JSON.stringify({ recordId: 'r1', purpose: 'TREATMENT' });
        const event = JSON.parse(
            await run('HospitalBMSP', (ctx) => new AccessContract().requestAccess(ctx, request)),
        ) as AccessEvent;
        assert.deepEqual(
            [event.decision, event.consentId, event.consentSigner],
            ['GRANTED', 'legacy-1', old.patientId],
        );
        const revoke = old.signed(revokePayload(old, 'legacy-1', at(30).toISOString()));
        const revoked = JSON.parse(
            await run('HospitalAMSP', (ctx) => new ConsentContract().revokeConsent(ctx, revoke)),
        ) as Consent;
        assert.deepEqual([revoked.status, revoked.revokedBy], ['revoked', old.patientId]);
    });

    it('names the patient as the signer of the consent an access rests on', async () => {
        const record = await anchor(region, 'hospitalA', patient);
        const consent = await submitGrant(
            grantPayload(patient, {
                consentId: uniqueId('consent'),
                grantee: Msp.hospitalB,
                ...terms(),
                issuedAt: region.clock.iso,
            }),
        );
        const event = (
            await region.submit('hospitalB', 'access', 'requestAccess', [
                JSON.stringify({ recordId: record.recordId, purpose: 'TREATMENT' }),
            ])
        ).value as AccessEvent;
        assert.deepEqual([event.consentId, event.consentSigner], [consent.consentId, patient.patientId]);
    });
});
