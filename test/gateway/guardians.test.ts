// SPDX-License-Identifier: Apache-2.0
/**
 * Notices and guardians over HTTP: the directory's contact that a notice names, a grant refused for its notice,
 * a guardian registered by a hospital, acting for the patient, refused for another patient, and refused once the
 * guardianship has ended (by the patient, or by the hospital when the child turns fourteen).
 */
import assert from 'node:assert/strict';
import pino from 'pino';
import { registerSelf } from '../../gateway/src/ledger/register-self';
import {
    newPatientKey,
    newPatientQuery,
    newRegistration,
    type PatientKey,
    newConsentGrant,
    newConsentRevoke,
    newGuardianRegistration,
    newGuardianshipAct,
    newNotice,
} from '../../clients/shared/patient-keys';
import type { ConsentTerms } from '../../chaincode/src/protocol/payloads';
import { call, outcomeCode } from '../helpers/api-calls';
import { useTestRegion, type TestGateway } from '../helpers/region';

const CHANNEL = 'healthchain';

describe('notices and guardians over HTTP', () => {
    const region = useTestRegion();

    async function registered(): Promise<PatientKey> {
        const key = newPatientKey();
        const { hospitalA } = region.gateways;
        const result = await call(hospitalA, 'POST', '/patients', {
            token: hospitalA.tokens.clinician,
            body: newRegistration(key, CHANNEL),
        });
        assert.equal(result.status, 201, result.text);
        return key;
    }

    function terms(grantee = 'HospitalBMSP'): ConsentTerms {
        const now = Date.now();
        return {
            grantee,
            purposes: ['TREATMENT'],
            categories: ['lab'],
            custodians: ['*'],
            notBefore: new Date(now - 60_000).toISOString(),
            notAfter: new Date(now + 86_400_000).toISOString(),
        };
    }

    async function recipient(mspId: string): Promise<{ mspId: string; name: string; contact: string | null }> {
        const directory = await call(region.gateways.hospitalA, 'GET', '/directory');
        const entry = (
            directory.body as { items: { mspId: string; name: string; contact: string | null }[] }
        ).items.find((item) => item.mspId === mspId);
        assert.ok(entry);
        return entry;
    }

    async function grant(key: PatientKey, forPatient?: string): Promise<Awaited<ReturnType<typeof call>>> {
        const consentTerms = terms();
        const { notice } = newNotice(await recipient(consentTerms.grantee), consentTerms, 'zh-CN');
        const body = newConsentGrant(key, consentTerms, { channel: CHANNEL, notice, forPatient });
        return call(region.gateways.hospitalB, 'POST', '/consents', { body });
    }

    async function registerGuardian(
        gateway: TestGateway,
        guardian: PatientKey,
        patientId: string,
        basis: Record<string, unknown>,
        token = gateway.tokens.clinician,
    ): Promise<Awaited<ReturnType<typeof call>>> {
        const body = { guardian: newGuardianRegistration(guardian, patientId, CHANNEL), ...basis };
        return call(gateway, 'POST', '/guardians', { token, body });
    }

    describe('notices', () => {
        it('shows each organisation’s registered contact in the directory, as the gateway registers it', async () => {
            const { insurer } = region.gateways;
            const profile = {
                type: 'insurer' as const,
                name: insurer.config.org.name,
                p2pUrl: 'https://insurer.test:7402',
                tlsCertPem: (await insurer.contracts.readOrganization(insurer.mspId)).tlsCertPem,
                contact: 'Data protection officer, +86 10 6500 0003',
            };
            assert.equal(await registerSelf(insurer.contracts, profile, pino({ level: 'silent' })), 'updated');
            assert.equal(await registerSelf(insurer.contracts, profile, pino({ level: 'silent' })), 'unchanged');
            assert.equal((await recipient(insurer.mspId)).contact, profile.contact);
        });

        it('records a grant signed over the notice and refuses one over another notice or none', async () => {
            const key = await registered();
            const accepted = await grant(key);
            assert.equal(accepted.status, 201, accepted.text);
            const consentTerms = terms();
            const wrong = newNotice(
                { ...(await recipient('HospitalBMSP')), contact: 'someone else' },
                consentTerms,
                'en',
            );
            const refused = await call(region.gateways.hospitalA, 'POST', '/consents', {
                body: newConsentGrant(key, consentTerms, { channel: CHANNEL, notice: wrong.notice }),
            });
            assert.equal(refused.status, 400);
            assert.equal(outcomeCode(refused), 'NOTICE_MISMATCH');
            const signed = newConsentGrant(key, consentTerms, { channel: CHANNEL, notice: wrong.notice });
            const withoutNotice: Record<string, unknown> = { ...signed.payload };
            delete withoutNotice.notice;
            const missing = await call(region.gateways.hospitalA, 'POST', '/consents', {
                body: { payload: withoutNotice, signature: signed.signature },
            });
            assert.equal(missing.status, 400);
            assert.equal(outcomeCode(missing), 'INVALID_INPUT');
        });
    });

    describe('guardians', () => {
        it('lets a hospital clinician register a guardian the registering hospital attests; the guardian then acts', async () => {
            const child = await registered();
            const mother = newPatientKey();
            const { hospitalA, hospitalB, commission } = region.gateways;
            const attestation = {
                attestation: { reason: 'minor-under-14', birthYear: new Date().getUTCFullYear() - 6 },
            };
            const result = await registerGuardian(hospitalA, mother, child.patientId, attestation);
            assert.equal(result.status, 201, result.text);
            assert.deepEqual(
                [(result.body as Record<string, unknown>).guardianId, (result.body as Record<string, unknown>).status],
                [mother.patientId, 'active'],
            );
            const granted = await grant(mother, child.patientId);
            assert.equal(granted.status, 201, granted.text);
            const query = newPatientQuery(
                mother,
                { audience: hospitalB.mspId, view: 'consents', channel: CHANNEL },
                child.patientId,
            );
            const consents = await call(hospitalB, 'POST', '/patient/consents', { body: query });
            assert.equal(consents.status, 200, consents.text);
            const items = (consents.body as { items: { signer: string | null }[] }).items;
            assert.deepEqual(
                items.map((c) => c.signer),
                [mother.patientId],
            );
            // The patient's own view and the staff listing show the guardianship.
            const own = newPatientQuery(child, { audience: hospitalA.mspId, view: 'guardians', channel: CHANNEL });
            const mine = await call(hospitalA, 'POST', '/patient/guardians', { body: own });
            assert.deepEqual(
                (mine.body as { items: { guardianId: string }[] }).items.map((g) => g.guardianId),
                [mother.patientId],
            );
            const path = `/guardians?patientId=${child.patientId}`;
            const audit = await call(commission, 'GET', path, { token: commission.tokens.auditor });
            assert.equal((audit.body as { items: unknown[] }).items.length, 1);
            const elsewhere = await call(hospitalB, 'GET', path, { token: hospitalB.tokens.clinician });
            assert.deepEqual((elsewhere.body as { items: unknown[] }).items, []);
        });

        it('refuses other roles and kinds of organisation (403), a missing token (401), and an attestation by another hospital', async () => {
            const child = await registered();
            const mother = newPatientKey();
            const { hospitalA, hospitalB, insurer } = region.gateways;
            const attestation = { attestation: { reason: 'minor-under-14' } };
            assert.equal(
                (await registerGuardian(hospitalA, mother, child.patientId, attestation, hospitalA.tokens.claims))
                    .status,
                403,
            );
            assert.equal(
                (await registerGuardian(insurer, mother, child.patientId, attestation, insurer.tokens.claims)).status,
                403,
            );
            const none = await call(hospitalA, 'POST', '/guardians', { body: {} });
            assert.equal(none.status, 401);
            const other = await registerGuardian(hospitalB, mother, child.patientId, attestation);
            assert.equal(other.status, 403);
            assert.equal(outcomeCode(other), 'FORBIDDEN');
            const neither = await registerGuardian(hospitalA, mother, child.patientId, {});
            assert.equal(neither.status, 400);
        });

        it('refuses a guardian of one patient acting for another (403 on a grant, 401 on a query)', async () => {
            const child = await registered();
            const stranger = await registered();
            const mother = newPatientKey();
            const { hospitalA } = region.gateways;
            const approval = { approval: newGuardianshipAct(child, 'guardian.approve', mother.patientId, CHANNEL) };
            assert.equal((await registerGuardian(hospitalA, mother, child.patientId, approval)).status, 201);
            const grantForStranger = await grant(mother, stranger.patientId);
            assert.equal(grantForStranger.status, 403);
            const query = newPatientQuery(
                mother,
                { audience: hospitalA.mspId, view: 'consents', channel: CHANNEL },
                stranger.patientId,
            );
            assert.equal((await call(hospitalA, 'POST', '/patient/consents', { body: query })).status, 401);
        });

        it('refuses the guardian once the patient ends the guardianship (403 GUARDIANSHIP_ENDED)', async () => {
            const child = await registered();
            const mother = newPatientKey();
            const { hospitalA, hospitalB } = region.gateways;
            const approval = { approval: newGuardianshipAct(child, 'guardian.approve', mother.patientId, CHANNEL) };
            assert.equal((await registerGuardian(hospitalA, mother, child.patientId, approval)).status, 201);
            const granted = await grant(mother, child.patientId);
            const consentId = String((granted.body as Record<string, unknown>).consentId);
            const end = newGuardianshipAct(child, 'guardianship.end', mother.patientId, CHANNEL);
            const ended = await call(hospitalB, 'POST', '/guardians/end', { body: end });
            assert.equal(ended.status, 200, ended.text);
            assert.equal((ended.body as Record<string, unknown>).status, 'ended');
            const refusedGrant = await grant(mother, child.patientId);
            assert.equal(refusedGrant.status, 403);
            assert.equal(outcomeCode(refusedGrant), 'GUARDIANSHIP_ENDED');
            const revoke = newConsentRevoke(mother, consentId, CHANNEL, child.patientId);
            const refusedRevoke = await call(hospitalA, 'POST', `/consents/${consentId}/revoke`, { body: revoke });
            assert.equal(outcomeCode(refusedRevoke), 'GUARDIANSHIP_ENDED');
            const query = newPatientQuery(
                mother,
                { audience: hospitalA.mspId, view: 'consents', channel: CHANNEL },
                child.patientId,
            );
            const refusedQuery = await call(hospitalA, 'POST', '/patient/consents', { body: query });
            assert.equal(refusedQuery.status, 403);
            assert.equal(outcomeCode(refusedQuery), 'GUARDIANSHIP_ENDED');
            const again = await call(hospitalB, 'POST', '/guardians/end', {
                body: newGuardianshipAct(child, 'guardianship.end', mother.patientId, CHANNEL),
            });
            assert.equal(again.status, 409);
        });

        it('lets only the registering hospital end a guardianship when the child turns fourteen', async () => {
            const child = await registered();
            const mother = newPatientKey();
            const { hospitalA, hospitalB } = region.gateways;
            assert.equal(
                (
                    await registerGuardian(hospitalA, mother, child.patientId, {
                        attestation: { reason: 'minor-under-14' },
                    })
                ).status,
                201,
            );
            const path = `/patients/${child.patientId}/guardians/${mother.patientId}/end`;
            const body = { reason: 'reached-14' };
            assert.equal(
                (await call(hospitalB, 'POST', path, { token: hospitalB.tokens.clinician, body })).status,
                403,
            );
            assert.equal(
                (await call(hospitalA, 'POST', path, { token: hospitalA.tokens.clinician, body: { reason: 'x' } }))
                    .status,
                400,
            );
            const ended = await call(hospitalA, 'POST', path, { token: hospitalA.tokens.clinician, body });
            assert.equal(ended.status, 200, ended.text);
            assert.equal(outcomeCode(await grant(mother, child.patientId)), 'GUARDIANSHIP_ENDED');
        });
    });
});
