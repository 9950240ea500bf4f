// SPDX-License-Identifier: Apache-2.0
/**
 * Guardians on the ledger (docs/design.md "Guardians"), each member calling the chaincode with its own ledger
 * identity: who may register a guardian and with which signatures, what a guardian may sign for the patient and
 * what is recorded as signed by whom, and that an ended guardianship — or a guardianship of another patient —
 * signs nothing.
 */
import assert from 'node:assert/strict';
import type { AccessEvent, Consent, Guardianship } from '../../chaincode/src/protocol/state';
import { anchor, uniqueId } from './helpers/acts';
import {
    grantPayload,
    signPayload,
    newTestPatient,
    queryPayload,
    revokePayload,
    TEST_CHANNEL,
    type TestPatient,
} from './helpers/patients';
import { expectCode, Msp, newRegion, type OrgName, type Region } from './helpers/region';

const DAY = 86_400_000;

describe('guardians', () => {
    let region: Region;
    let patient: TestPatient;
    let guardian: TestPatient;

    before(async () => {
        region = await newRegion();
    });
    beforeEach(async () => {
        patient = await region.newPatient();
        guardian = newTestPatient();
    });
    after(async () => {
        await region.close();
    });

    const now = (): string => region.clock.iso;

    function guardianRequest(who: TestPatient, forPatient: string): Record<string, unknown> {
        const payload = {
            type: 'guardian.register',
            patientId: forPatient,
            publicKey: who.publicKeyPem,
            issuedAt: now(),
            channel: TEST_CHANNEL,
        };
        return JSON.parse(who.signed(payload)) as Record<string, unknown>;
    }

    function patientAct(signer: TestPatient, type: string, fields: { patientId: string; guardianId: string }): string {
        return signer.signed({ type, ...fields, issuedAt: now(), channel: TEST_CHANNEL });
    }

    async function register(
        by: OrgName,
        request: Record<string, unknown>,
        basis: Record<string, unknown>,
    ): Promise<Guardianship> {
        const args = JSON.stringify({ guardian: request, ...basis });
        return (await region.submit(by, 'patient', 'registerGuardian', [args])).value as Guardianship;
    }

    function approvedBy(
        signer: TestPatient,
        patientId = patient.patientId,
        guardianId = guardian.patientId,
    ): Record<string, unknown> {
        return { approval: JSON.parse(patientAct(signer, 'guardian.approve', { patientId, guardianId })) as unknown };
    }

    async function grantAs(signer: TestPatient, forPatient: string, signerId?: string): Promise<Consent> {
        const payload = grantPayload(
            { patientId: forPatient },
            {
                consentId: uniqueId('consent'),
                grantee: Msp.hospitalB,
                notBefore: new Date(region.clock.now.getTime() - 60_000).toISOString(),
                notAfter: new Date(region.clock.now.getTime() + DAY).toISOString(),
                issuedAt: now(),
                ...(signerId === undefined ? {} : { signer: signerId }),
            },
        );
        return (await region.submit('hospitalA', 'consent', 'grantConsent', [signer.signed(payload)])).value as Consent;
    }

    function guardianQuery(forPatient: string, view: string): string {
        return guardian.signed({
            ...queryPayload({ patientId: forPatient }, { audience: Msp.hospitalA, view, issuedAt: now() }),
            signer: guardian.patientId,
        });
    }

    describe('registration', () => {
        it('registers a guardian the patient approved; the guardian signs a consent, recorded as signed by it', async () => {
            const registered = await register(
                'hospitalB',
                guardianRequest(guardian, patient.patientId),
                approvedBy(patient),
            );
            assert.deepEqual(
                [
                    registered.guardianId,
                    registered.status,
                    registered.basis,
                    registered.registeredBy,
                    registered.attestation,
                ],
                [guardian.patientId, 'active', 'patient', Msp.hospitalB, null],
            );
            const consent = await grantAs(guardian, patient.patientId, guardian.patientId);
            assert.equal(consent.signer, guardian.patientId);
            const record = await anchor(region, 'hospitalA', patient);
            const event = (
                await region.submit('hospitalB', 'access', 'requestAccess', [
                    JSON.stringify({ recordId: record.recordId, purpose: 'TREATMENT' }),
                ])
            ).value as AccessEvent;
            assert.deepEqual(
                [event.decision, event.consentId, event.consentSigner],
                ['GRANTED', consent.consentId, guardian.patientId],
            );
            const revoked = (
                await region.submit('hospitalA', 'consent', 'revokeConsent', [
                    guardian.signed(revokePayload(patient, consent.consentId, now(), guardian.patientId)),
                ])
            ).value as Consent;
            assert.equal(revoked.revokedBy, guardian.patientId);
        });

        it('lets the hospital that registered a child attest instead, with an optional birth year', async () => {
            const birthYear = region.clock.now.getUTCFullYear() - 9;
            const attestation = { attestation: { reason: 'minor-under-14', birthYear } };
            const registered = await register('hospitalA', guardianRequest(guardian, patient.patientId), attestation);
            assert.deepEqual(
                [registered.basis, registered.attestation],
                ['attestation', { reason: 'minor-under-14', birthYear }],
            );
            const again = await register('hospitalA', guardianRequest(guardian, patient.patientId), attestation);
            assert.deepEqual(again, registered, 'registering again changes nothing');
        });

        it('refuses an attestation by a hospital that did not register the patient, and one for a teenager', async () => {
            const request = guardianRequest(guardian, patient.patientId);
            const attested = { attestation: { reason: 'minor-under-14' } };
            await expectCode(register('hospitalB', request, attested), 'FORBIDDEN');
            const teenager = {
                attestation: { reason: 'minor-under-14', birthYear: region.clock.now.getUTCFullYear() - 15 },
            };
            await expectCode(register('hospitalA', request, teenager), 'INVALID_INPUT');
            await expectCode(
                register('hospitalA', request, { attestation: { reason: 'court-order' } }),
                'INVALID_INPUT',
            );
        });

        it('refuses a member without the required signatures', async () => {
            const request = guardianRequest(guardian, patient.patientId);
            const intruder = newTestPatient();
            // Neither the patient's approval nor an attestation; both at once.
            await expectCode(register('hospitalA', request, {}), 'INVALID_INPUT');
            await expectCode(
                register('hospitalA', request, { ...approvedBy(patient), attestation: { reason: 'minor-under-14' } }),
                'INVALID_INPUT',
            );
            // An approval signed by someone else than the patient, and one for another guardian.
            await expectCode(register('hospitalB', request, approvedBy(intruder)), 'BAD_SIGNATURE');
            const other = approvedBy(patient, patient.patientId, intruder.patientId);
            await expectCode(register('hospitalB', request, other), 'INVALID_INPUT');
            // The guardian's request signed with another key than the one it registers.
            const forged = {
                ...request,
                signature: signPayload(request.payload, intruder.privateKey),
            };
            await expectCode(register('hospitalB', forged, approvedBy(patient)), 'BAD_SIGNATURE');
            // Not a hospital, or not an active one.
            await expectCode(register('insurer', request, approvedBy(patient)), 'FORBIDDEN');
            await expectCode(register('clinic', request, approvedBy(patient)), 'ORG_NOT_ACTIVE');
            // A patient as their own guardian.
            await expectCode(
                register(
                    'hospitalA',
                    guardianRequest(patient, patient.patientId),
                    approvedBy(patient, patient.patientId, patient.patientId),
                ),
                'INVALID_INPUT',
            );
            const listed = (await region.evaluate('commission', 'patient', 'listGuardians', [
                patient.patientId,
            ])) as unknown[];
            assert.deepEqual(listed, [], 'nothing was written');
        });
    });

    describe('acting for the patient', () => {
        it('refuses a guardian of one patient acting for another', async () => {
            await register('hospitalA', guardianRequest(guardian, patient.patientId), approvedBy(patient));
            const other = await region.newPatient();
            await expectCode(grantAs(guardian, other.patientId, guardian.patientId), 'FORBIDDEN');
            await expectCode(
                region.evaluate('hospitalA', 'consent', 'listConsentsForPatient', [
                    guardianQuery(other.patientId, 'consents'),
                    '10',
                    '',
                ]),
                'UNAUTHENTICATED',
            );
            // Signing as the other patient without naming itself as signer is simply not the patient's signature.
            await expectCode(grantAs(guardian, other.patientId), 'BAD_SIGNATURE');
        });

        it('lets a guardian read the patient’s views and guardians, as the patient can', async () => {
            await register('hospitalA', guardianRequest(guardian, patient.patientId), approvedBy(patient));
            const consent = await grantAs(guardian, patient.patientId, guardian.patientId);
            const consents = (await region.evaluate('hospitalA', 'consent', 'listConsentsForPatient', [
                guardianQuery(patient.patientId, 'consents'),
                '10',
                '',
            ])) as { items: Consent[] };
            assert.deepEqual(
                consents.items.map((c) => c.consentId),
                [consent.consentId],
            );
            const guardians = (await region.evaluate('hospitalA', 'patient', 'listGuardiansForPatient', [
                guardianQuery(patient.patientId, 'guardians'),
            ])) as Guardianship[];
            assert.deepEqual(
                guardians.map((g) => g.guardianId),
                [guardian.patientId],
            );
        });
    });

    describe('ending', () => {
        it('refuses every later signature of a guardian whose guardianship the patient ended (GUARDIANSHIP_ENDED)', async () => {
            await register('hospitalA', guardianRequest(guardian, patient.patientId), approvedBy(patient));
            const consent = await grantAs(guardian, patient.patientId, guardian.patientId);
            const ids = { patientId: patient.patientId, guardianId: guardian.patientId };
            // The guardian cannot end it in the patient's name.
            await expectCode(
                region.submit('hospitalB', 'patient', 'endGuardianship', [
                    patientAct(guardian, 'guardianship.end', ids),
                ]),
                'BAD_SIGNATURE',
            );
            const ended = (
                await region.submit('hospitalB', 'patient', 'endGuardianship', [
                    patientAct(patient, 'guardianship.end', ids),
                ])
            ).value as Guardianship;
            assert.deepEqual([ended.status, ended.endedBy, ended.endReason], ['ended', patient.patientId, 'patient']);
            await expectCode(grantAs(guardian, patient.patientId, guardian.patientId), 'GUARDIANSHIP_ENDED');
            await expectCode(
                region.submit('hospitalA', 'consent', 'revokeConsent', [
                    guardian.signed(revokePayload(patient, consent.consentId, now(), guardian.patientId)),
                ]),
                'GUARDIANSHIP_ENDED',
            );
            await expectCode(
                region.evaluate('hospitalA', 'consent', 'listConsentsForPatient', [
                    guardianQuery(patient.patientId, 'consents'),
                    '10',
                    '',
                ]),
                'GUARDIANSHIP_ENDED',
            );
            // Ended once; the same key is not registered again.
            await expectCode(
                region.submit('hospitalB', 'patient', 'endGuardianship', [
                    patientAct(patient, 'guardianship.end', ids),
                ]),
                'CONFLICT',
            );
            await expectCode(
                register('hospitalA', guardianRequest(guardian, patient.patientId), approvedBy(patient)),
                'CONFLICT',
            );
            // The consent the guardian signed stays the patient's until revoked: the patient still may.
            await region.submit('hospitalA', 'consent', 'revokeConsent', [
                patient.signed(revokePayload(patient, consent.consentId, now())),
            ]);
        });

        it('lets only the registering hospital end a guardianship when the child turns fourteen', async () => {
            await register('hospitalA', guardianRequest(guardian, patient.patientId), {
                attestation: { reason: 'minor-under-14' },
            });
            const request = (reason: string): string =>
                JSON.stringify({ patientId: patient.patientId, guardianId: guardian.patientId, reason });
            await expectCode(
                region.submit('hospitalB', 'patient', 'endGuardianshipByHospital', [request('reached-14')]),
                'FORBIDDEN',
            );
            await expectCode(
                region.submit('insurer', 'patient', 'endGuardianshipByHospital', [request('reached-14')]),
                'FORBIDDEN',
            );
            await expectCode(
                region.submit('hospitalA', 'patient', 'endGuardianshipByHospital', [request('bored')]),
                'INVALID_INPUT',
            );
            const ended = (
                await region.submit('hospitalA', 'patient', 'endGuardianshipByHospital', [request('reached-14')])
            ).value as Guardianship;
            assert.deepEqual([ended.status, ended.endedBy, ended.endReason], ['ended', Msp.hospitalA, 'reached-14']);
            await expectCode(grantAs(guardian, patient.patientId, guardian.patientId), 'GUARDIANSHIP_ENDED');
        });
    });

    it('shows a patient’s guardianships to the commission and the registering hospital only', async () => {
        await register('hospitalB', guardianRequest(guardian, patient.patientId), approvedBy(patient));
        const seen = async (org: OrgName): Promise<string[]> =>
            ((await region.evaluate(org, 'patient', 'listGuardians', [patient.patientId])) as Guardianship[]).map(
                (g) => g.guardianId,
            );
        assert.deepEqual(await seen('commission'), [guardian.patientId]);
        assert.deepEqual(await seen('hospitalB'), [guardian.patientId]);
        assert.deepEqual(await seen('hospitalA'), []);
        assert.deepEqual(await seen('insurer'), []);
    });
});
