// SPDX-License-Identifier: Apache-2.0
/**
 * Attacks by a dishonest member (or a stranger) over the gateways' HTTP API and p2p port, one test per hole of
 * docs/security.md section 3 (the seven attacks and how each is stopped). Each test is written as the attacker's
 * steps and asserts the HTTP answer, the OperationOutcome code and what reached the ledger. The region is whole
 * gateways (`createApp` with the real custody part, real mutual TLS between p2p ports) over one embedded ledger:
 * the test region of `test/helpers/region.ts`, run with p2p.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
    newConsentGrant,
    newNotice,
    newPatientKey,
    newPatientQuery,
    newQueryNonce,
    newRegistration,
    signPayload,
    type PatientKey,
} from '../../clients/shared/patient-keys';
import type { ConsentTerms, PatientQueryView, SignedEnvelope } from '../../chaincode/src/protocol/payloads';
import { ApiError } from '../../gateway/src/errors';
import type { AccessEvent } from '../../gateway/src/ledger/contracts';
import { isIssuedBy, toCertificateDer, toCertificateFingerprint } from '../../gateway/src/p2p/certificates';
import { TEST_CHANNEL as CHANNEL } from '../chaincode/helpers/patients';
import { call, field, itemsOf, outcomeCode, outcomeCodeOf, type CallResult } from '../helpers/api-calls';
import { useTestRegion, type TestGateway } from '../helpers/region';

const HOUR_MS = 3_600_000;
/** A well-formed notice reference, for grants refused before their notice is checked (channel, signature). */
const ANY_NOTICE = { sha256: '0'.repeat(64), language: 'en' } as const;

/** A FHIR Observation distinct from every other one in the run. */
function observation(text: string): Record<string, unknown> {
    return { resourceType: 'Observation', status: 'final', code: { text }, valueString: randomUUID() };
}

/** Consent terms valid from an hour ago to a day from now. */
function terms(grantee: string, purposes: string[], categories: string[], custodians: string[]): ConsentTerms {
    const now = Date.now();
    return {
        grantee,
        purposes,
        categories,
        custodians,
        notBefore: new Date(now - HOUR_MS).toISOString(),
        notAfter: new Date(now + 24 * HOUR_MS).toISOString(),
    };
}

function isApiError(code: string): (error: unknown) => boolean {
    return (error: unknown) => error instanceof ApiError && error.code === code;
}

/** SHA-256 of a PEM certificate's DER, as the ledger's `tlsCertSha256`. */
function certificateSha256(pem: string): string {
    return toCertificateFingerprint(toCertificateDer(pem));
}

function idsOf(result: CallResult, key: string): string[] {
    return itemsOf(result).map((item) => String(item[key]));
}

describe('attacks by a dishonest member, over HTTP', function () {
    this.timeout(120_000);
    // The ledger takes proposals up to 5 minutes from its clock: room for a gateway whose clock is skewed.
    const region = useTestRegion({ p2p: true, ledgerMaxClockSkewMs: 300_000 });

    /** A patient registered at hospital A with a new key. */
    async function registerPatient(): Promise<PatientKey> {
        const { hospitalA } = region.gateways;
        const key = newPatientKey();
        const registered = await call(hospitalA, 'POST', '/patients', {
            token: hospitalA.tokens.clinician,
            body: newRegistration(key, CHANNEL),
        });
        assert.equal(registered.status, 201, JSON.stringify(registered.body));
        return key;
    }

    /** The patient grants a consent (delivered through hospital A's gateway); returns its id. */
    async function grant(key: PatientKey, consentTerms: ConsentTerms): Promise<string> {
        const directory = await call(region.gateways.hospitalA, 'GET', '/directory');
        const items = (directory.body as { items: { mspId: string; name: string; contact: string | null }[] }).items;
        const recipient = items.find((item) => item.mspId === consentTerms.grantee);
        assert.ok(recipient, `${consentTerms.grantee} is in the directory`);
        const { notice } = newNotice(recipient, consentTerms, 'en');
        const granted = await call(region.gateways.hospitalA, 'POST', '/consents', {
            body: newConsentGrant(key, consentTerms, { channel: CHANNEL, notice }),
        });
        assert.equal(granted.status, 201, JSON.stringify(granted.body));
        return String(field(granted, 'consentId'));
    }

    /** A hospital clinician publishes a record; returns its id. */
    async function publish(
        hospital: TestGateway,
        key: PatientKey,
        category: string,
        resource: Record<string, unknown>,
    ): Promise<string> {
        const published = await call(hospital, 'POST', '/records', {
            token: hospital.tokens.clinician,
            body: { patientId: key.patientId, category, resource },
        });
        assert.equal(published.status, 201, JSON.stringify(published.body));
        return String(field(published, 'recordId'));
    }

    /** A hospital's claims staff files a claim. */
    function fileClaim(
        hospital: TestGateway,
        key: PatientKey,
        serviceId: string,
        recordIds: string[],
    ): Promise<CallResult> {
        return call(hospital, 'POST', '/claims', {
            token: hospital.tokens.claims,
            body: {
                patientId: key.patientId,
                insurer: region.gateways.insurer.mspId,
                serviceId,
                recordIds,
                amount: { value: 250.5, currency: 'CNY' },
            },
        });
    }

    /** The patient's signed query for one view at one gateway, sent there. */
    function askAsPatient(gateway: TestGateway, key: PatientKey, view: PatientQueryView): Promise<CallResult> {
        const query = newPatientQuery(key, { audience: gateway.mspId, view, channel: CHANNEL });
        return call(gateway, 'POST', `/patient/${view}?limit=100`, { body: query });
    }

    /** An organisation as the commission's `GET /orgs` shows it. */
    async function orgAsListed(mspId: string): Promise<Record<string, unknown>> {
        const { commission } = region.gateways;
        const listed = await call(commission, 'GET', '/orgs', { token: commission.tokens.admin });
        assert.equal(listed.status, 200);
        const org = itemsOf(listed).find((item) => item.mspId === mspId);
        assert.ok(org, `${mspId} is not listed`);
        return org;
    }

    /** A hospital clinician asks for a record under TREATMENT. */
    function fetchRecord(hospital: TestGateway, recordId: string): Promise<CallResult> {
        return call(hospital, 'POST', `/records/${recordId}/fetch`, {
            token: hospital.tokens.clinician,
            body: { purpose: 'TREATMENT' },
        });
    }

    it('(1) an insurer cannot list a patient’s index; sensitive categories and other members’ consents stay hidden', async () => {
        const { hospitalA, hospitalB, insurer, commission } = region.gateways;
        const patient = await registerPatient();
        const hiv = await publish(hospitalA, patient, 'hiv', observation('HIV-1 viral load'));
        const forB = await grant(patient, terms(hospitalB.mspId, ['TREATMENT'], ['lab'], ['*']));
        const forInsurer = await grant(patient, terms(insurer.mspId, ['PAYMENT'], ['*'], [hospitalA.mspId]));
        const indexPath = `/records?patientId=${patient.patientId}`;

        // The insurer's claims staff asks for the patient's whole record index.
        const byInsurer = await call(insurer, 'GET', indexPath, { token: insurer.tokens.claims });
        assert.equal(byInsurer.status, 403);
        assert.equal(outcomeCode(byInsurer), 'FORBIDDEN');
        assert.equal(field(byInsurer, 'items'), undefined);
        // Its own gateway is its own code: calling the chaincode directly under its identity is refused there too.
        await assert.rejects(
            insurer.contracts.listRecordsByPatient(patient.patientId, { pageSize: 10, bookmark: '' }),
            isApiError('FORBIDDEN'),
        );

        // Hospital B lists the patient's index: hospital A's HIV record shows only as `restricted`.
        const byB = await call(hospitalB, 'GET', indexPath, { token: hospitalB.tokens.clinician });
        assert.equal(byB.status, 200);
        assert.deepEqual(
            itemsOf(byB).map((item) => [item.recordId, item.category]),
            [[hiv, 'restricted']],
        );
        const oneByB = await call(hospitalB, 'GET', `/records/${hiv}`, { token: hospitalB.tokens.clinician });
        assert.equal(field(oneByB, 'category'), 'restricted');
        // The custodian and the commission see the real category.
        const byA = await call(hospitalA, 'GET', indexPath, { token: hospitalA.tokens.clinician });
        assert.deepEqual(
            itemsOf(byA).map((item) => item.category),
            ['hiv'],
        );
        const byCommission = await call(commission, 'GET', indexPath, { token: commission.tokens.auditor });
        assert.deepEqual(
            itemsOf(byCommission).map((item) => item.category),
            ['hiv'],
        );

        // The insurer lists the patient's consents: only the one naming it; hospital B likewise; the commission all.
        const consentsPath = `/consents?patientId=${patient.patientId}`;
        const consentsByInsurer = await call(insurer, 'GET', consentsPath, { token: insurer.tokens.claims });
        assert.equal(consentsByInsurer.status, 200);
        assert.deepEqual(idsOf(consentsByInsurer, 'consentId'), [forInsurer]);
        const consentsByB = await call(hospitalB, 'GET', consentsPath, { token: hospitalB.tokens.clinician });
        assert.deepEqual(idsOf(consentsByB, 'consentId'), [forB]);
        const consentsByCommission = await call(commission, 'GET', consentsPath, { token: commission.tokens.auditor });
        assert.deepEqual(idsOf(consentsByCommission, 'consentId').sort(), [forB, forInsurer].sort());
        // And the insurer cannot read hospital B's consent by id either.
        await assert.rejects(insurer.contracts.readConsent(forB), isApiError('FORBIDDEN'));
    });

    it('(2) a hospital cannot anchor the same resource twice, nor bill one service twice', async () => {
        const { hospitalA, insurer } = region.gateways;
        const patient = await registerPatient();
        await grant(patient, terms(insurer.mspId, ['PAYMENT'], ['*'], [hospitalA.mspId]));
        const resource = observation('potassium');
        const first = await publish(hospitalA, patient, 'lab', resource);
        const stored = async (): Promise<number> =>
            (await region.custody('hospitalA').store.sublevel.keys().all()).length;
        const storedBefore = await stored();
        const heightBefore = await region.height();

        // Hospital A publishes the very same FHIR resource again, to have a second record to bill.
        const again = await call(hospitalA, 'POST', '/records', {
            token: hospitalA.tokens.clinician,
            body: { patientId: patient.patientId, category: 'lab', resource },
        });
        assert.equal(again.status, 409);
        assert.equal(outcomeCode(again), 'CONFLICT');
        assert.equal(field(again, 'recordId'), undefined);
        // Nothing new anchored, nothing kept in the store, nothing queued to be anchored later.
        assert.equal(await region.height(), heightBefore);
        assert.equal(await stored(), storedBefore);
        assert.deepEqual(await region.custody('hospitalA').outbox.pending(), []);
        const index = await call(hospitalA, 'GET', `/records?patientId=${patient.patientId}`, {
            token: hospitalA.tokens.clinician,
        });
        assert.deepEqual(idsOf(index, 'recordId'), [first]);

        // It bills visit-1 on the first record, then visit-1 again on another record of the same patient.
        const second = await publish(hospitalA, patient, 'lab', observation('sodium'));
        const claimed = await fileClaim(hospitalA, patient, 'visit-1', [first]);
        assert.equal(claimed.status, 201, JSON.stringify(claimed.body));
        const claimId = String(field(claimed, 'claimId'));
        const heightAfterClaim = await region.height();
        const sameService = await fileClaim(hospitalA, patient, 'visit-1', [second]);
        assert.equal(sameService.status, 409);
        assert.equal(outcomeCode(sameService), 'DUPLICATE_CLAIM');
        // Nor can the first record back a claim for another service.
        const sameRecord = await fileClaim(hospitalA, patient, 'visit-2', [first]);
        assert.equal(sameRecord.status, 409);
        assert.equal(outcomeCode(sameRecord), 'DUPLICATE_CLAIM');
        assert.equal(await region.height(), heightAfterClaim);
        const atInsurer = await call(insurer, 'GET', '/claims', { token: insurer.tokens.claims });
        const onPatient = itemsOf(atInsurer).filter((claim) => claim.patientId === patient.patientId);
        assert.deepEqual(
            onPatient.map((claim) => [claim.claimId, claim.serviceId]),
            [[claimId, 'visit-1']],
        );
    });

    it('(3) a hospital cannot claim without the patient’s PAYMENT consent naming it, and the patient sees every claim and record', async () => {
        const { hospitalA, hospitalB, insurer, commission } = region.gateways;
        const patient = await registerPatient();
        // The patient lets the insurer see records for PAYMENT from any custodian, and names hospital B only.
        await grant(patient, terms(insurer.mspId, ['PAYMENT'], ['*'], ['*']));
        await grant(patient, terms(insurer.mspId, ['PAYMENT'], ['*'], [hospitalB.mspId]));
        // Hospital A publishes a record for the patient and bills it anyway.
        const recordA = await publish(hospitalA, patient, 'billing', observation('consultation'));
        const sensitiveA = await publish(hospitalA, patient, 'mental-health', observation('assessment'));
        const heightBefore = await region.height();
        const byA = await fileClaim(hospitalA, patient, 'visit-a1', [recordA]);
        assert.equal(byA.status, 403);
        assert.equal(outcomeCode(byA), 'CONSENT_REQUIRED');
        assert.equal(field(byA, 'claimId'), undefined);
        assert.equal(await region.height(), heightBefore);
        // Hospital B, which the patient named, bills its own visit.
        const recordB = await publish(hospitalB, patient, 'billing', observation('x-ray'));
        const byB = await fileClaim(hospitalB, patient, 'visit-b1', [recordB]);
        assert.equal(byB.status, 201, JSON.stringify(byB.body));
        const claimB = String(field(byB, 'claimId'));

        // The patient asks, at a gateway of their choosing, for every claim filed on them and every record.
        const claims = await askAsPatient(commission, patient, 'claims');
        assert.equal(claims.status, 200, JSON.stringify(claims.body));
        assert.deepEqual(
            itemsOf(claims).map((claim) => [claim.claimId, claim.claimant, claim.serviceId]),
            [[claimB, hospitalB.mspId, 'visit-b1']],
        );
        const records = await askAsPatient(insurer, patient, 'records');
        assert.equal(records.status, 200, JSON.stringify(records.body));
        const shown = new Map(itemsOf(records).map((item) => [String(item.recordId), item.category]));
        assert.deepEqual([...shown.keys()].sort(), [recordA, sensitiveA, recordB].sort());
        // The patient sees the real category of their own sensitive record.
        assert.equal(shown.get(sensitiveA), 'mental-health');
    });

    it('(4) a fetch of a record that does not exist is recorded, and so is a delivery refused for clock skew', async () => {
        const { hospitalA, hospitalB, commission } = region.gateways;
        // Hospital B probes for a record id that is not anchored.
        const unknown = `rec-${randomUUID()}`;
        const heightBefore = await region.height();
        const probed = await fetchRecord(hospitalB, unknown);
        assert.equal(probed.status, 404);
        assert.equal(outcomeCode(probed), 'NOT_FOUND');
        assert.equal(field(probed, 'reason'), 'RECORD_NOT_FOUND');
        const accessId = field(probed, 'accessId');
        assert.equal(typeof accessId, 'string');
        assert.ok((await region.height()) > heightBefore);
        // The commission's auditor finds the denial (an unknown record has no patient: by requester).
        const audit = await call(commission, 'GET', `/audit/events?requester=${hospitalB.mspId}&limit=500`, {
            token: commission.tokens.auditor,
        });
        assert.equal(audit.status, 200);
        const denial = itemsOf(audit).find((event) => event.accessId === accessId);
        assert.ok(denial, 'the denial is not in the audit');
        assert.equal(denial.recordId, unknown);
        assert.equal(denial.decision, 'DENIED');
        assert.equal(denial.reason, 'RECORD_NOT_FOUND');
        assert.equal(denial.patientId, null);

        // Hospital B's clock runs 3 minutes behind hospital A's: its grant is stamped 3 minutes in A's past.
        const patient = await registerPatient();
        await grant(patient, terms(hospitalB.mspId, ['TREATMENT'], ['lab'], ['*']));
        const recordId = await publish(hospitalA, patient, 'lab', observation('creatinine'));
        region.setClockOffset('hospitalB', -3 * 60_000);
        let skewed: CallResult;
        try {
            skewed = await fetchRecord(hospitalB, recordId);
        } finally {
            region.setClockOffset('hospitalB', 0);
        }
        assert.equal(skewed.status, 403);
        assert.equal(outcomeCode(skewed), 'ACCESS_DENIED');
        assert.equal(field(skewed, 'reason'), 'GRANT_CLOCK_SKEW');
        assert.equal(field(skewed, 'resource'), undefined);
        const skewedId = String(field(skewed, 'accessId'));
        // The custodian's refusal is on the ledger, on the access event.
        const event: AccessEvent = await commission.contracts.readAccess(skewedId);
        assert.equal(event.decision, 'GRANTED');
        assert.ok(event.delivery, 'no delivery recorded');
        assert.equal(event.delivery.status, 'REFUSED');
        assert.equal(event.delivery.reason, 'GRANT_CLOCK_SKEW');
        assert.equal(event.delivery.contentHash, null);
        const byPatient = await call(commission, 'GET', `/audit/events?patientId=${patient.patientId}`, {
            token: commission.tokens.auditor,
        });
        const listed = itemsOf<AccessEvent>(byPatient).find((item) => item.accessId === skewedId);
        assert.equal(listed?.delivery?.reason, 'GRANT_CLOCK_SKEW');
    });

    it('(5) a patient’s signed query cannot be replayed, redirected, re-purposed or post-dated; a grant cannot cross regions', async () => {
        const { hospitalA, hospitalB, commission } = region.gateways;
        const patient = await registerPatient();
        const page = { pageSize: 10, bookmark: '' };

        // Hospital A's staff keep the query the patient sent and send it again.
        const query = newPatientQuery(patient, { audience: hospitalA.mspId, view: 'records', channel: CHANNEL });
        const first = await call(hospitalA, 'POST', '/patient/records', { body: query });
        assert.equal(first.status, 200, JSON.stringify(first.body));
        const replayed = await call(hospitalA, 'POST', '/patient/records', { body: query });
        assert.equal(replayed.status, 401);
        assert.equal(outcomeCode(replayed), 'UNAUTHENTICATED');

        // Hospital B got hold of a query made for hospital A and uses it at its own gateway…
        const forA = newPatientQuery(patient, { audience: hospitalA.mspId, view: 'records', channel: CHANNEL });
        const atB = await call(hospitalB, 'POST', '/patient/records', { body: forA });
        assert.equal(atB.status, 401);
        assert.equal(outcomeCode(atB), 'UNAUTHENTICATED');
        // …and, skipping its gateway, directly at the chaincode under its own identity.
        await assert.rejects(hospitalB.contracts.listRecordsForPatient(forA, page), isApiError('UNAUTHENTICATED'));

        // A query for the records view used to read the patient's consents.
        const recordsView = newPatientQuery(patient, { audience: hospitalA.mspId, view: 'records', channel: CHANNEL });
        const otherView = await call(hospitalA, 'POST', '/patient/consents', { body: recordsView });
        assert.equal(otherView.status, 401);
        assert.equal(outcomeCode(otherView), 'UNAUTHENTICATED');
        await assert.rejects(
            hospitalA.contracts.listConsentsForPatient(recordsView, page),
            isApiError('UNAUTHENTICATED'),
        );

        // A query dated 5 minutes ahead, to be kept and used later.
        const postDated: SignedEnvelope = signPayload(patient, {
            type: 'patient.query',
            patientId: patient.patientId,
            issuedAt: new Date(Date.now() + 5 * 60_000).toISOString(),
            audience: hospitalA.mspId,
            view: 'records',
            nonce: newQueryNonce(),
            channel: CHANNEL,
        });
        const early = await call(hospitalA, 'POST', '/patient/records', { body: postDated });
        assert.equal(early.status, 401);
        assert.equal(outcomeCode(early), 'UNAUTHENTICATED');
        await assert.rejects(hospitalA.contracts.listRecordsForPatient(postDated, page), isApiError('UNAUTHENTICATED'));

        // A query signed for another region.
        const elsewhere = newPatientQuery(patient, {
            audience: hospitalA.mspId,
            view: 'records',
            channel: 'otherregion',
        });
        const crossRegion = await call(hospitalA, 'POST', '/patient/records', { body: elsewhere });
        assert.equal(crossRegion.status, 401);
        assert.equal(outcomeCode(crossRegion), 'UNAUTHENTICATED');

        // A consent grant the patient signed in another region, replayed here.
        const heightBefore = await region.height();
        const foreignGrant = newConsentGrant(patient, terms(hospitalB.mspId, ['TREATMENT'], ['*'], ['*']), {
            channel: 'otherregion',
            notice: ANY_NOTICE,
        });
        const replayedGrant = await call(hospitalB, 'POST', '/consents', { body: foreignGrant });
        assert.equal(replayedGrant.status, 400);
        assert.equal(outcomeCode(replayedGrant), 'INVALID_INPUT');
        assert.equal(await region.height(), heightBefore);
        await assert.rejects(commission.contracts.readConsent(foreignGrant.payload.consentId), isApiError('NOT_FOUND'));
    });

    it('(6) a p2p certificate must chain to the requester’s own TLS CA, and a new one waits for the commission', async () => {
        const { hospitalA, insurer, commission } = region.gateways;
        const patient = await registerPatient();
        await grant(patient, terms(region.gateways.hospitalB.mspId, ['TREATMENT'], ['lab'], ['*']));
        const resource = observation('troponin');
        const recordId = await publish(hospitalA, patient, 'lab', resource);
        const original = region.gateways.hospitalB;
        const bMsp = original.mspId;
        const originalSha = certificateSha256(original.tls.certPem);

        // The insurer's TLS CA, a region CA every p2p port trusts, issues a certificate in hospital B's name.
        const foreign = await insurer.tlsCa.issue({ commonName: `gateway.${bMsp}`, ou: 'client', kind: 'tls-both' });
        const foreignSha = certificateSha256(foreign.certPem);
        assert.equal(isIssuedBy(toCertificateDer(foreign.certPem), insurer.tlsCa.certPem), true);
        assert.equal(isIssuedBy(toCertificateDer(foreign.certPem), original.tlsCa.certPem), false);
        // Hospital B's gateway restarts with it: the ledger keeps the old certificate pinned, the new one pending.
        assert.equal(await region.restart('hospitalB', foreign), 'pending');
        let listed = await orgAsListed(bMsp);
        assert.equal(listed.tlsCertSha256, originalSha);
        assert.equal(listed.pendingTlsCertSha256, foreignSha);
        // Only the commission's admin pins it (and does): not hospital B's admin, not the commission's auditor.
        const approvePath = `/orgs/${bMsp}/approve-certificate`;
        const hospitalB = region.gateways.hospitalB;
        const bySelf = await call(hospitalB, 'POST', approvePath, { token: hospitalB.tokens.admin });
        assert.equal(bySelf.status, 403);
        assert.equal(outcomeCode(bySelf), 'FORBIDDEN');
        const byAuditor = await call(commission, 'POST', approvePath, { token: commission.tokens.auditor });
        assert.equal(byAuditor.status, 403);
        assert.equal(outcomeCode(byAuditor), 'FORBIDDEN');
        await assert.rejects(hospitalB.contracts.approveCertificate(bMsp), isApiError('FORBIDDEN'));
        const approved = await call(commission, 'POST', approvePath, { token: commission.tokens.admin });
        assert.equal(approved.status, 200, JSON.stringify(approved.body));
        assert.equal(field(approved, 'tlsCertSha256'), foreignSha);

        // Hospital B fetches hospital A's record: the grant is written, but A's p2p port refuses the certificate.
        const refused = await fetchRecord(hospitalB, recordId);
        assert.equal(refused.status, 502);
        assert.equal(outcomeCode(refused), 'PEER_UNAVAILABLE');
        assert.equal(field(refused, 'peerStatus'), 403);
        assert.equal(field(refused, 'peerCode'), 'FORBIDDEN');
        assert.equal(field(refused, 'resource'), undefined);
        assert.equal((await commission.contracts.readAccess(String(field(refused, 'accessId')))).delivery, null);
        // The same certificate presented straight at A's p2p port with a fresh grant: pinned, but not B's CA's.
        const fresh = await hospitalB.contracts.requestAccess({ recordId, purpose: 'TREATMENT' });
        assert.equal(fresh.value.decision, 'GRANTED');
        const direct = await region.callP2p('hospitalA', foreign, recordId, fresh.value.accessId);
        assert.equal(direct.status, 403);
        assert.equal(outcomeCodeOf(direct.body), 'FORBIDDEN');
        assert.equal((direct.body as Record<string, unknown>).resource, undefined);
        assert.equal((await commission.contracts.readAccess(fresh.value.accessId)).delivery, null);

        // Hospital B restarts with a new certificate from its own CA: reported pending until the commission approves.
        const own = await original.tlsCa.issue({ commonName: `gateway.${bMsp}`, ou: 'client', kind: 'tls-both' });
        const ownSha = certificateSha256(own.certPem);
        assert.equal(await region.restart('hospitalB', own), 'pending');
        assert.ok(
            region.logs.some((line) => line.includes(bMsp) && line.includes('waits for the commission')),
            'the restart does not report the pending certificate',
        );
        listed = await orgAsListed(bMsp);
        assert.equal(listed.tlsCertSha256, foreignSha);
        assert.equal(listed.pendingTlsCertSha256, ownSha);
        const rotated = region.gateways.hospitalB;
        const whilePending = await fetchRecord(rotated, recordId);
        assert.equal(whilePending.status, 502);
        assert.equal(field(whilePending, 'peerCode'), 'FORBIDDEN');
        const approvedOwn = await call(commission, 'POST', approvePath, { token: commission.tokens.admin });
        assert.equal(approvedOwn.status, 200);
        assert.equal(field(approvedOwn, 'tlsCertSha256'), ownSha);
        listed = await orgAsListed(bMsp);
        assert.equal(listed.tlsCertSha256, ownSha);
        assert.equal(listed.pendingTlsCertSha256, null);
        // Nothing pending any more: a second approval is refused.
        const nothingPending = await call(commission, 'POST', approvePath, { token: commission.tokens.admin });
        assert.equal(nothingPending.status, 409);
        assert.equal(outcomeCode(nothingPending), 'CONFLICT');
        const fetched = await fetchRecord(rotated, recordId);
        assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
        assert.deepEqual(field(fetched, 'resource'), resource);
    });

    it('(7) the unauthenticated routes are rate limited before any chaincode runs', async () => {
        const { hospitalA } = region.gateways;
        const limit = { rateLimit: { windowMs: 60_000, max: 3 } };
        const limited = await region.startApi('hospitalA', limit);
        const patient = await registerPatient();
        const forger = newPatientKey();
        // Grants in the patient's name signed with another key: each costs the ledger a chaincode execution.
        const forged = (): SignedEnvelope => {
            const genuine = newConsentGrant(patient, terms(hospitalA.mspId, ['TREATMENT'], ['*'], ['*']), {
                channel: CHANNEL,
                notice: ANY_NOTICE,
            });
            return { payload: genuine.payload, signature: signPayload(forger, genuine.payload).signature };
        };
        const heightBefore = await region.height();
        for (let i = 0; i < 3; i++) {
            const refused = await call(limited, 'POST', '/consents', { body: forged() });
            assert.equal(refused.status, 403);
            assert.equal(outcomeCode(refused), 'FORBIDDEN');
        }
        assert.deepEqual(
            limited.ledger.calls,
            Array.from({ length: 3 }, () => 'consent:grantConsent'),
        );

        // The fourth and later requests from this address, forged or junk, stop at the gateway.
        for (const body of [forged(), { junk: true }, forged()]) {
            const throttled = await call(limited, 'POST', '/consents', { body });
            assert.equal(throttled.status, 429);
            assert.equal(outcomeCode(throttled), 'TOO_MANY_REQUESTS');
            const retryAfter = Number(throttled.headers.get('retry-after'));
            assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${String(retryAfter)}`);
        }
        assert.equal(limited.ledger.calls.length, 3);
        assert.equal(await region.height(), heightBefore);
        // The count is per address across the limited routes: the public directory is closed to it too.
        const directoryAfter = await call(limited, 'GET', '/directory');
        assert.equal(directoryAfter.status, 429);
        assert.equal(outcomeCode(directoryAfter), 'TOO_MANY_REQUESTS');
        assert.equal(limited.ledger.calls.length, 3);

        // The public directory alone, at a fresh gateway: three answers, then 429 without a chaincode call.
        const directory = await region.startApi('hospitalA', limit);
        for (let i = 0; i < 3; i++) {
            const answered = await call(directory, 'GET', '/directory');
            assert.equal(answered.status, 200);
        }
        const throttled = await call(directory, 'GET', '/directory');
        assert.equal(throttled.status, 429);
        assert.equal(outcomeCode(throttled), 'TOO_MANY_REQUESTS');
        assert.ok(Number(throttled.headers.get('retry-after')) > 0);
        assert.deepEqual(
            directory.ledger.calls,
            Array.from({ length: 3 }, () => 'organization:listOrganizations'),
        );
    });
});
