// SPDX-License-Identifier: Apache-2.0
/** The clients' patient keys and signatures agree with what the chaincode derives and verifies. */
import { strict as assert } from 'node:assert';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
    newConsentGrant,
    newConsentRevoke,
    newPatientKey,
    newPatientQuery,
    newRegistration,
    readPatientKey,
    writePatientKey,
} from '../../clients/shared/patient-keys';
import { toPatientId, toSpkiDer } from '../../chaincode/src/crypto/patient-key';
import { assertPatientSignature } from '../../chaincode/src/crypto/signature';
import { readGrantPayload, readRegisterPayload, readRevokePayload } from '../../chaincode/src/crypto/signed-payloads';

describe('clients/shared/patient-keys', () => {
    const key = newPatientKey();
    const publicKey = createPublicKey(key.privateKey);

    it('derives the patient id exactly as the chaincode does', () => {
        assert.equal(key.patientId, toPatientId(toSpkiDer(key.publicKeyPem, 'publicKey')));
        assert.match(key.patientId, /^pt[a-z2-7]{52}$/);
    });

    it('signs registrations, grants, revocations and queries that the chaincode verifies', () => {
        const registration = newRegistration(key);
        readRegisterPayload(registration.payload);
        const grant = newConsentGrant(key, {
            grantee: 'HospitalBMSP',
            purposes: ['TREATMENT'],
            categories: ['lab'],
            custodians: ['*'],
            notBefore: '2025-01-01T00:00:00.000Z',
            notAfter: '2026-01-01T00:00:00.000Z',
        });
        readGrantPayload(grant.payload);
        const revoke = newConsentRevoke(key, String(grant.payload.consentId));
        readRevokePayload(revoke.payload);
        for (const envelope of [registration, grant, revoke, newPatientQuery(key)]) {
            assert.equal(assertPatientSignature(envelope.payload, envelope.signature, publicKey), envelope.signature);
        }
    });

    it('includes recordIds only when some are named', () => {
        const terms = { grantee: 'InsurerMSP', purposes: ['PAYMENT'], categories: ['*'], custodians: ['*'] };
        const window = { notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2026-01-01T00:00:00.000Z' };
        assert.ok(!('recordIds' in newConsentGrant(key, { ...terms, ...window }).payload));
        const named = newConsentGrant(key, { ...terms, ...window, recordIds: ['rec-1'] });
        assert.deepEqual(readGrantPayload(named.payload).recordIds, ['rec-1']);
    });

    it('writes the key at mode 0600, never over an existing file, and reads it back', () => {
        const dir = mkdtempSync(join(tmpdir(), 'healthchain-key-'));
        try {
            const file = join(dir, 'patient.pem');
            writePatientKey(file, key);
            assert.equal(statSync(file).mode & 0o777, 0o600);
            assert.equal(readPatientKey(file).patientId, key.patientId);
            assert.throws(() => {
                writePatientKey(file, newPatientKey());
            }, /EEXIST/);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
