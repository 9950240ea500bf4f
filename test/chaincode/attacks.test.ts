// SPDX-License-Identifier: Apache-2.0
/**
 * docs/security.md section 3, holes 1–6: a dishonest member bypasses its gateway and calls the chaincode with
 * its own ledger identity, any argument and (within the ledger's bound) any timestamp. Each test is the
 * attacker's steps, the error code the chaincode answers, and what did or did not reach the ledger.
 * Hole 7 (rate limits on unauthenticated routes) is the gateway's and is tested over HTTP.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import type { AccessEvent, Claim, Consent, Organization, RecordEntry } from '../../chaincode/src/protocol/state';
import { newTestOrg } from '../helpers/pki';
import { anchor, grant, hashOf, request, revoke, uniqueId } from './helpers/acts';
import {
    grantPayload,
    newTestPatient,
    queryPayload,
    registerPayload,
    revokePayload,
    signPayload,
    type TestPatient,
} from './helpers/patients';
import { expectCode, Msp, newRegion, type OrgName, type Region, type Submitted } from './helpers/region';

interface Page<T> {
    items: T[];
    bookmark: string;
}

const MINUTE = 60_000;
const OTHER_CHANNEL = 'otherregion';

describe('a dishonest member with its own ledger identity', () => {
    let region: Region;

    before(async () => {
        region = await newRegion();
    });
    after(async () => {
        await region.close();
    });

    async function list<T>(org: OrgName, contract: string, fn: string, args: readonly string[]): Promise<T[]> {
        return ((await region.evaluate(org, contract, fn, [...args, '500', ''])) as Page<T>).items;
    }

    /** The category `org` is shown for a record in the patient's index. */
    async function indexCategory(org: OrgName, patient: TestPatient, recordId: string): Promise<string> {
        const items = await list<RecordEntry>(org, 'record', 'listRecordsByPatient', [patient.patientId]);
        const entry = items.find((item) => item.recordId === recordId);
        assert.ok(entry !== undefined, `${recordId} is missing from ${org}'s listing`);
        return entry.category;
    }

    /** A patient's signed query, as a wallet makes it for the gateway of `audience`. */
    function signedQuery(
        patient: TestPatient,
        fields: { audience: string; view: string; issuedAt?: string; channel?: string },
    ): string {
        return patient.signed(queryPayload(patient, { issuedAt: region.clock.iso, ...fields }));
    }

    /** Expects a submission to fail with a code and to leave the ledger exactly as it was. */
    async function expectRefusedWithoutWrite(call: () => Promise<unknown>, code: string): Promise<void> {
        const before = await region.ledger.info();
        await expectCode(call(), code);
        assert.deepEqual(await region.ledger.info(), before, `a refused ${code} call reached the ledger`);
    }

    function paymentConsent(custodians: string[], grantee: string = Msp.insurer): Parameters<typeof grant>[2] {
        return { grantee, purposes: ['PAYMENT'], categories: ['billing'], custodians };
    }

    function claimArgs(patient: TestPatient, serviceId: string, recordIds: string[]): string {
        return JSON.stringify({
            patientId: patient.patientId,
            insurer: Msp.insurer,
            serviceId,
            recordIds,
            amount: { value: 300, currency: 'CNY' },
        });
    }

    async function submitClaim(org: OrgName, args: string): Promise<Claim> {
        return (await region.submit(org, 'claim', 'submitClaim', [args])).value as Claim;
    }

    it('(1) an insurer cannot read a patient’s index, others’ consents or the access log; a sensitive category shows only to those entitled', async () => {
        const patient = await region.newPatient();
        const hiv = await anchor(region, 'hospitalA', patient, 'hiv');
        const lab = await anchor(region, 'hospitalA', patient, 'lab');
        const toHospitalB = await grant(region, patient, { grantee: Msp.hospitalB });
        const toInsurer = await grant(region, patient, paymentConsent([Msp.hospitalA]));
        const fetchByB = await request(region, 'hospitalB', lab.recordId);
        assert.equal(fetchByB.decision, 'GRANTED');

        // The insurer calls the read functions directly.
        await expectCode(
            region.evaluate('insurer', 'record', 'listRecordsByPatient', [patient.patientId, '500', '']),
            'FORBIDDEN',
        );
        await expectCode(region.evaluate('insurer', 'record', 'readRecord', [hiv.recordId]), 'FORBIDDEN');
        const consentsSeen = await list<Consent>('insurer', 'consent', 'listConsentsByPatient', [patient.patientId]);
        assert.deepEqual(
            consentsSeen.map((c) => c.consentId),
            [toInsurer.consentId],
        );
        await expectCode(region.evaluate('insurer', 'consent', 'readConsent', [toHospitalB.consentId]), 'FORBIDDEN');
        await expectCode(
            region.evaluate('insurer', 'audit', 'listAccessByPatient', [patient.patientId, '500', '']),
            'FORBIDDEN',
        );
        await expectCode(region.evaluate('insurer', 'access', 'readAccess', [fetchByB.accessId]), 'FORBIDDEN');
        // A hospital is no better placed for the patient-level log: the commission alone reads it.
        await expectCode(
            region.evaluate('hospitalB', 'audit', 'listAccessByPatient', [patient.patientId, '500', '']),
            'FORBIDDEN',
        );
        const log = await list<AccessEvent>('commission', 'audit', 'listAccessByPatient', [patient.patientId]);
        assert.deepEqual(
            log.map((e) => e.accessId),
            [fetchByB.accessId],
        );

        // HospitalB, holding only a `*` consent, lists the index, reads the entry and asks for the record.
        assert.equal(await indexCategory('hospitalB', patient, hiv.recordId), 'restricted');
        assert.equal(await indexCategory('hospitalB', patient, lab.recordId), 'lab');
        const read = (await region.evaluate('hospitalB', 'record', 'readRecord', [hiv.recordId])) as RecordEntry;
        assert.equal(read.category, 'restricted');
        const probe = await request(region, 'hospitalB', hiv.recordId);
        assert.equal(probe.decision, 'DENIED');
        assert.equal(probe.category, 'restricted');
        const probeSeenByB = (await region.evaluate('hospitalB', 'access', 'readAccess', [
            probe.accessId,
        ])) as AccessEvent;
        assert.equal(probeSeenByB.category, 'restricted');
        const probeSeenByA = (await region.evaluate('hospitalA', 'access', 'readAccess', [
            probe.accessId,
        ])) as AccessEvent;
        assert.equal(probeSeenByA.category, 'hiv');

        // The patient names `hiv` for HospitalB, then revokes it.
        const naming = await grant(region, patient, { grantee: Msp.hospitalB, categories: ['hiv'] });
        assert.equal(await indexCategory('hospitalB', patient, hiv.recordId), 'hiv');
        await revoke(region, patient, naming.consentId);
        assert.equal(await indexCategory('hospitalB', patient, hiv.recordId), 'restricted');

        // The custodian, the commission and the patient always see it.
        assert.equal(await indexCategory('hospitalA', patient, hiv.recordId), 'hiv');
        assert.equal(await indexCategory('commission', patient, hiv.recordId), 'hiv');
        const own = await list<RecordEntry>('insurer', 'record', 'listRecordsForPatient', [
            signedQuery(patient, { audience: Msp.insurer, view: 'records' }),
        ]);
        assert.equal(own.find((item) => item.recordId === hiv.recordId)?.category, 'hiv');
    });

    it('(2) a hospital cannot bill one service twice: not by re-anchoring its content, reusing its serviceId or claiming a newer version', async () => {
        const patient = await region.newPatient();
        await grant(region, patient, paymentConsent([Msp.hospitalA]));
        const visit = await anchor(region, 'hospitalA', patient, 'billing');

        // The same content under a new record id: refused, and no second entry exists.
        const copyId = uniqueId('rec');
        const copy = { recordId: copyId, patientId: patient.patientId, category: 'billing' };
        await expectRefusedWithoutWrite(
            () =>
                region.submit('hospitalA', 'record', 'anchorRecord', [
                    JSON.stringify({ ...copy, contentHash: visit.contentHash }),
                ]),
            'CONFLICT',
        );
        await expectCode(region.evaluate('hospitalA', 'record', 'readRecord', [copyId]), 'NOT_FOUND');

        const svc1 = uniqueId('visit');
        const claim = await submitClaim('hospitalA', claimArgs(patient, svc1, [visit.recordId]));
        assert.equal(claim.status, 'submitted');

        // The same service on another record.
        const other = await anchor(region, 'hospitalA', patient, 'billing');
        await expectRefusedWithoutWrite(
            () => region.submit('hospitalA', 'claim', 'submitClaim', [claimArgs(patient, svc1, [other.recordId])]),
            'DUPLICATE_CLAIM',
        );

        // A newer version of the claimed record (supersedeRecord may carry the same content) under a new service,
        // and a third version of it.
        const v2Id = uniqueId('rec');
        const v2 = { ...copy, recordId: v2Id, contentHash: visit.contentHash, supersedes: visit.recordId };
        await region.submit('hospitalA', 'record', 'supersedeRecord', [JSON.stringify(v2)]);
        const v3Id = uniqueId('rec');
        const v3 = { ...copy, recordId: v3Id, contentHash: hashOf(v3Id), supersedes: v2Id };
        await region.submit('hospitalA', 'record', 'supersedeRecord', [JSON.stringify(v3)]);
        for (const recordId of [v2Id, v3Id]) {
            await expectRefusedWithoutWrite(
                () =>
                    region.submit('hospitalA', 'claim', 'submitClaim', [
                        claimArgs(patient, uniqueId('visit'), [recordId]),
                    ]),
                'DUPLICATE_CLAIM',
            );
        }
        const filed = await list<Claim>('hospitalA', 'claim', 'listClaimsByClaimant', [Msp.hospitalA]);
        assert.deepEqual(
            filed.filter((c) => c.patientId === patient.patientId).map((c) => c.claimId),
            [claim.claimId],
        );

        // The insurer rejects the claim: its service and every version of its record are free again.
        const rejection = { claimId: claim.claimId, decision: 'rejected', reason: 'duplicate visit' };
        await region.submit('insurer', 'claim', 'decideClaim', [JSON.stringify(rejection)]);
        const again = await submitClaim('hospitalA', claimArgs(patient, svc1, [v3Id]));
        assert.equal(again.status, 'submitted');
        await expectCode(
            region.submit('hospitalA', 'claim', 'submitClaim', [
                claimArgs(patient, uniqueId('visit'), [visit.recordId]),
            ]),
            'DUPLICATE_CLAIM',
        );
    });

    it('(3) a hospital cannot claim on a patient without a PAYMENT consent for that insurer naming it; the patient sees every claim', async () => {
        const patient = await region.newPatient();
        const record = await anchor(region, 'hospitalA', patient, 'billing');
        const attempt = (): Promise<Submitted> =>
            region.submit('hospitalA', 'claim', 'submitClaim', [
                claimArgs(patient, uniqueId('visit'), [record.recordId]),
            ]);

        await expectRefusedWithoutWrite(attempt, 'CONSENT_REQUIRED');
        await grant(region, patient, { ...paymentConsent([Msp.hospitalA]), purposes: ['TREATMENT'] });
        await expectRefusedWithoutWrite(attempt, 'CONSENT_REQUIRED');
        await grant(region, patient, paymentConsent([Msp.hospitalA], Msp.hospitalB));
        await expectRefusedWithoutWrite(attempt, 'CONSENT_REQUIRED');
        await grant(region, patient, paymentConsent(['*']));
        await expectRefusedWithoutWrite(attempt, 'CONSENT_REQUIRED');
        const now = region.clock.now.getTime();
        await grant(region, patient, {
            ...paymentConsent([Msp.hospitalA]),
            notBefore: new Date(now - 2 * MINUTE).toISOString(),
            notAfter: new Date(now - MINUTE).toISOString(),
        });
        await expectRefusedWithoutWrite(attempt, 'CONSENT_REQUIRED');
        const revoked = await grant(region, patient, paymentConsent([Msp.hospitalA]));
        await revoke(region, patient, revoked.consentId);
        await expectRefusedWithoutWrite(attempt, 'CONSENT_REQUIRED');
        const claimsView = (): Promise<Claim[]> =>
            list<Claim>('hospitalB', 'claim', 'listClaimsForPatient', [
                signedQuery(patient, { audience: Msp.hospitalB, view: 'claims' }),
            ]);
        assert.deepEqual(await claimsView(), []);

        await grant(region, patient, paymentConsent([Msp.hospitalA]));
        const byA = (await attempt()).value as Claim;
        await grant(region, patient, paymentConsent([Msp.hospitalB]));
        const recordOfB = await anchor(region, 'hospitalB', patient, 'billing');
        const byB = await submitClaim('hospitalB', claimArgs(patient, uniqueId('visit'), [recordOfB.recordId]));
        // Listed by submission time, then claim id: both were submitted at the same instant of the test clock.
        const byId = (a: string[], b: string[]): number => (a[0] ?? '').localeCompare(b[0] ?? '');
        assert.deepEqual(
            (await claimsView()).map((c) => [c.claimId, c.claimant]).sort(byId),
            [
                [byA.claimId, Msp.hospitalA],
                [byB.claimId, Msp.hospitalB],
            ].sort(byId),
        );
        await expectCode(region.evaluate('hospitalB', 'claim', 'readClaim', [byA.claimId]), 'FORBIDDEN');
    });

    it('(4) refusals reach the ledger: a grant delivered 3 minutes after its timestamp is REFUSED with GRANT_CLOCK_SKEW, an unknown record is DENIED with RECORD_NOT_FOUND', async () => {
        const patient = await region.newPatient();
        const record = await anchor(region, 'hospitalA', patient, 'lab');
        await grant(region, patient, { grantee: Msp.hospitalB });
        const delivery = (accessId: string, extra: Record<string, number> = {}): string =>
            JSON.stringify({ accessId, contentHash: hashOf(record.recordId), ...extra });

        const late = await request(region, 'hospitalB', record.recordId);
        assert.equal(late.decision, 'GRANTED');
        region.clock.advance(3 * MINUTE);
        const refused = (await region.submit('hospitalA', 'access', 'recordDelivery', [delivery(late.accessId)]))
            .value as AccessEvent;
        assert.deepEqual([refused.delivery?.status, refused.delivery?.reason], ['REFUSED', 'GRANT_CLOCK_SKEW']);
        const onLedger = (await region.evaluate('commission', 'access', 'readAccess', [late.accessId])) as AccessEvent;
        assert.deepEqual(
            [onLedger.delivery?.status, onLedger.delivery?.reason, onLedger.delivery?.contentHash],
            ['REFUSED', 'GRANT_CLOCK_SKEW', null],
        );
        // The refusal used the grant up.
        await expectRefusedWithoutWrite(
            () => region.submit('hospitalA', 'access', 'recordDelivery', [delivery(late.accessId)]),
            'CONFLICT',
        );

        // The same delay inside a custodian's wider tolerance is delivered: the skew alone decided.
        const tolerated = await request(region, 'hospitalB', record.recordId);
        region.clock.advance(3 * MINUTE);
        const delivered = (
            await region.submit('hospitalA', 'access', 'recordDelivery', [
                delivery(tolerated.accessId, { maxSkewMs: 4 * MINUTE }),
            ])
        ).value as AccessEvent;
        assert.equal(delivered.delivery?.status, 'DELIVERED');

        // A probe for a record that does not exist is written, not answered off the ledger.
        const missingId = uniqueId('rec');
        const probe = await request(region, 'hospitalB', missingId);
        assert.equal(probe.decision, 'DENIED');
        assert.equal(probe.reason, 'RECORD_NOT_FOUND');
        const written = (await region.evaluate('commission', 'access', 'readAccess', [probe.accessId])) as AccessEvent;
        assert.deepEqual(
            [written.requester, written.recordId, written.decision, written.reason],
            [Msp.hospitalB, missingId, 'DENIED', 'RECORD_NOT_FOUND'],
        );
        const byRequester = await list<AccessEvent>('commission', 'audit', 'listAccessByRequester', [Msp.hospitalB]);
        assert.ok(byRequester.some((e) => e.accessId === probe.accessId));
    });

    it('(p2p) a grant is delivered only to its requester, for its record, over the requester’s pinned certificate; any other asker writes nothing and leaves the grant usable', async () => {
        const patient = await region.newPatient();
        const record = await anchor(region, 'hospitalA', patient, 'lab');
        const other = await anchor(region, 'hospitalA', patient, 'lab');
        await grant(region, patient, { grantee: Msp.hospitalB });
        const granted = await request(region, 'hospitalB', record.recordId);
        assert.equal(granted.decision, 'GRANTED');
        const pinned = (
            (await region.evaluate('hospitalA', 'organization', 'readOrganization', [Msp.hospitalB])) as Organization
        ).tlsCertSha256;
        const asked = { recordId: record.recordId, requester: Msp.hospitalB, requesterCertSha256: pinned };
        const delivery =
            (presenter: Record<string, string>): (() => Promise<Submitted>) =>
            () =>
                region.submit('hospitalA', 'access', 'recordDelivery', [
                    JSON.stringify({ accessId: granted.accessId, contentHash: hashOf(record.recordId), ...presenter }),
                ]);

        // The custodian's gateway says who asked over mutual TLS; the chaincode compares it with the grant.
        await expectRefusedWithoutWrite(delivery({ ...asked, requester: Msp.insurer }), 'FORBIDDEN');
        await expectRefusedWithoutWrite(delivery({ ...asked, recordId: other.recordId }), 'FORBIDDEN');
        await expectRefusedWithoutWrite(delivery({ ...asked, requesterCertSha256: 'f'.repeat(64) }), 'FORBIDDEN');
        const delivered = (await delivery(asked)()).value as AccessEvent;
        assert.equal(delivered.delivery?.status, 'DELIVERED');
    });

    it('(5) a patient’s signed query serves only its audience, its view, its region and its window; signed acts for another region write nothing', async () => {
        const patient = await region.newPatient();
        const record = await anchor(region, 'hospitalA', patient, 'lab');
        const now = region.clock.now.getTime();
        const at = (offsetMs: number): string => new Date(now + offsetMs).toISOString();
        const records = (org: OrgName, query: string): Promise<unknown> =>
            region.evaluate(org, 'record', 'listRecordsForPatient', [query, '500', '']);
        const forB = (fields: { view?: string; issuedAt?: string; channel?: string }): string =>
            signedQuery(patient, { audience: Msp.hospitalB, view: 'records', ...fields });

        const accepted = (await records('hospitalB', forB({}))) as Page<RecordEntry>;
        assert.deepEqual(
            accepted.items.map((r) => r.recordId),
            [record.recordId],
        );
        // The insurer replays the query the patient made for HospitalB.
        await expectCode(records('insurer', forB({})), 'UNAUTHENTICATED');
        // A query for one view, used for another, at every patient view.
        const views: readonly [string, string, string][] = [
            ['record', 'listRecordsForPatient', 'records'],
            ['consent', 'listConsentsForPatient', 'consents'],
            ['audit', 'listAccessForPatient', 'access-log'],
            ['claim', 'listClaimsForPatient', 'claims'],
        ];
        for (const [index, [contract, fn, view]] of views.entries()) {
            const other = views[(index + 1) % views.length]?.[2] ?? 'explain';
            await region.evaluate('hospitalB', contract, fn, [forB({ view }), '500', '']);
            await expectCode(
                region.evaluate('hospitalB', contract, fn, [forB({ view: other }), '500', '']),
                'UNAUTHENTICATED',
            );
        }
        // The window: 2 minutes back and 30 seconds ahead of the transaction time, to the millisecond.
        await records('hospitalB', forB({ issuedAt: at(-2 * MINUTE) }));
        await expectCode(records('hospitalB', forB({ issuedAt: at(-2 * MINUTE - 1) })), 'UNAUTHENTICATED');
        await records('hospitalB', forB({ issuedAt: at(30_000) }));
        await expectCode(records('hospitalB', forB({ issuedAt: at(31_000) })), 'UNAUTHENTICATED');
        await expectCode(records('hospitalB', forB({ channel: OTHER_CHANNEL })), 'UNAUTHENTICATED');
        const payload = queryPayload(patient, { audience: Msp.hospitalB, view: 'records', issuedAt: at(0) });
        const forged = JSON.stringify({ payload, signature: signPayload(payload, newTestPatient().privateKey) });
        await expectCode(records('hospitalB', forged), 'BAD_SIGNATURE');

        // Grant, revoke and register payloads signed for another region.
        const consentId = uniqueId('consent');
        const grantFields = {
            consentId,
            grantee: Msp.hospitalB,
            notBefore: at(0),
            notAfter: at(60 * MINUTE),
            issuedAt: at(0),
        };
        const foreignGrant = { ...grantPayload(patient, grantFields), channel: OTHER_CHANNEL };
        await expectRefusedWithoutWrite(
            () => region.submit('hospitalA', 'consent', 'grantConsent', [patient.signed(foreignGrant)]),
            'INVALID_INPUT',
        );
        await expectCode(region.evaluate('commission', 'consent', 'readConsent', [consentId]), 'NOT_FOUND');
        const standing = await grant(region, patient);
        const foreignRevoke = { ...revokePayload(patient, standing.consentId, at(0)), channel: OTHER_CHANNEL };
        await expectRefusedWithoutWrite(
            () => region.submit('hospitalA', 'consent', 'revokeConsent', [patient.signed(foreignRevoke)]),
            'INVALID_INPUT',
        );
        const stillActive = (await region.evaluate('commission', 'consent', 'readConsent', [
            standing.consentId,
        ])) as Consent;
        assert.equal(stillActive.status, 'active');
        const stranger = newTestPatient();
        const foreignRegister = { ...registerPayload(stranger, at(0)), channel: OTHER_CHANNEL };
        await expectRefusedWithoutWrite(
            () => region.submit('hospitalA', 'patient', 'registerPatient', [stranger.signed(foreignRegister)]),
            'INVALID_INPUT',
        );
        await expectCode(region.evaluate('hospitalA', 'patient', 'readPatient', [stranger.patientId]), 'NOT_FOUND');
    });

    it('(6) a member cannot take another’s TLS certificate, and its own new certificate waits for the commission', async () => {
        const fingerprint = (pem: string): string =>
            createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
        const readOrg = async (mspId: string): Promise<Organization> =>
            (await region.evaluate('commission', 'organization', 'readOrganization', [mspId])) as Organization;
        const original = await readOrg(Msp.hospitalB);
        const insurer = await readOrg(Msp.insurer);
        const profile = (tlsCertPem: string): string =>
            JSON.stringify({ type: original.type, name: original.name, p2pUrl: original.p2pUrl, tlsCertPem });

        await expectRefusedWithoutWrite(
            () => region.submit('hospitalB', 'organization', 'updateOrganization', [profile(insurer.tlsCertPem)]),
            'CONFLICT',
        );
        assert.deepEqual(await readOrg(Msp.hospitalB), original);

        const freshPem = (await (await newTestOrg(Msp.hospitalB)).identity('gateway-rotated')).certPem;
        const freshSha = fingerprint(freshPem);
        assert.notEqual(freshSha, original.tlsCertSha256);
        await region.submit('hospitalB', 'organization', 'updateOrganization', [profile(freshPem)]);
        const pending = await readOrg(Msp.hospitalB);
        assert.equal(pending.tlsCertSha256, original.tlsCertSha256);
        assert.equal(pending.tlsCertPem, original.tlsCertPem);
        assert.equal(pending.pendingTlsCertSha256, freshSha);
        // While pending, the new certificate is HospitalB's: the insurer cannot ask for it either.
        const insurerProfile = { type: insurer.type, name: insurer.name, p2pUrl: insurer.p2pUrl, tlsCertPem: freshPem };
        await expectRefusedWithoutWrite(
            () => region.submit('insurer', 'organization', 'updateOrganization', [JSON.stringify(insurerProfile)]),
            'CONFLICT',
        );

        for (const org of ['hospitalB', 'hospitalA', 'insurer'] as const) {
            await expectRefusedWithoutWrite(
                () => region.submit(org, 'organization', 'approveCertificate', [Msp.hospitalB]),
                'FORBIDDEN',
            );
        }
        await region.submit('commission', 'organization', 'approveCertificate', [Msp.hospitalB]);
        const approved = await readOrg(Msp.hospitalB);
        assert.equal(approved.tlsCertSha256, freshSha);
        assert.equal(approved.pendingTlsCertSha256, null);
        assert.equal(approved.pendingTlsCertPem, null);
        await expectRefusedWithoutWrite(
            () => region.submit('commission', 'organization', 'approveCertificate', [Msp.hospitalB]),
            'CONFLICT',
        );
    });

    it('(2) a new version may carry the content only of the record it replaces, not of another record', async () => {
        const patient = await region.newPatient();
        const first = await anchor(region, 'hospitalA', patient, 'billing');
        const second = await anchor(region, 'hospitalA', patient, 'billing');
        const borrowed = {
            recordId: uniqueId('rec'),
            patientId: patient.patientId,
            category: 'billing',
            contentHash: first.contentHash,
            supersedes: second.recordId,
        };
        await expectRefusedWithoutWrite(
            () => region.submit('hospitalA', 'record', 'supersedeRecord', [JSON.stringify(borrowed)]),
            'CONFLICT',
        );
    });

    it('(1) a pending or suspended hospital cannot enumerate a patient’s records', async () => {
        const patient = await region.newPatient();
        await anchor(region, 'hospitalA', patient);
        await expectCode(
            region.evaluate('clinic', 'record', 'listRecordsByPatient', [patient.patientId, '10', '']),
            'FORBIDDEN',
        );
        await region.submit('commission', 'organization', 'suspendOrganization', [Msp.hospitalB]);
        try {
            await expectCode(
                region.evaluate('hospitalB', 'record', 'listRecordsByPatient', [patient.patientId, '10', '']),
                'FORBIDDEN',
            );
        } finally {
            await region.submit('commission', 'organization', 'reinstateOrganization', [Msp.hospitalB]);
        }
        assert.equal(
            await indexCategory(
                'hospitalB',
                patient,
                (await list<RecordEntry>('hospitalA', 'record', 'listRecordsByPatient', [patient.patientId]))[0]
                    ?.recordId ?? '',
            ),
            'lab',
        );
    });
});
