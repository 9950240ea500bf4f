// SPDX-License-Identifier: Apache-2.0
/**
 * The CLI's patient keys (node:crypto) sign what the chaincode reads and verifies. The id derivation and the
 * payload shapes are the protocol's own (`test/chaincode/protocol/`); what is checked here is the edge.
 */
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
import { assertPatientSignature } from '../../chaincode/src/crypto/signature';
import {
    readGrantPayload,
    readQueryPayload,
    readRegisterPayload,
    readRevokePayload,
} from '../../chaincode/src/protocol/payload-readers';
import { PatientQueryViews } from '../../chaincode/src/protocol/payloads';

const CHANNEL = 'healthchain';

describe('clients/shared/patient-keys', () => {
    const key = newPatientKey();
    const publicKey = createPublicKey(key.privateKey);

    it('signs registrations, grants, revocations and queries, each naming the channel, that the chaincode verifies', () => {
        const registration = newRegistration(key, CHANNEL);
        assert.equal(readRegisterPayload(registration.payload).channel, CHANNEL);
        const grant = newConsentGrant(
            key,
            {
                grantee: 'HospitalBMSP',
                purposes: ['TREATMENT'],
                categories: ['lab'],
                custodians: ['*'],
                notBefore: '2025-01-01T00:00:00.000Z',
                notAfter: '2026-01-01T00:00:00.000Z',
            },
            { channel: CHANNEL },
        );
        assert.equal(readGrantPayload(grant.payload).channel, CHANNEL);
        assert.match(grant.payload.consentId, /^consent-[0-9a-f-]{36}$/);
        const revoke = newConsentRevoke(key, grant.payload.consentId, CHANNEL);
        assert.equal(readRevokePayload(revoke.payload).channel, CHANNEL);
        const query = newPatientQuery(key, { audience: 'HospitalAMSP', view: 'records', channel: CHANNEL });
        assert.deepEqual(
            { ...readQueryPayload(query.payload), issuedAt: '', nonce: '' },
            {
                patientId: key.patientId,
                issuedAt: '',
                audience: 'HospitalAMSP',
                view: 'records',
                nonce: '',
                channel: CHANNEL,
            },
        );
        for (const envelope of [registration, grant, revoke, query]) {
            assert.equal(assertPatientSignature(envelope.payload, envelope.signature, publicKey), envelope.signature);
        }
    });

    it('signs a fresh query per request: one view, one gateway, a new 16-byte nonce each time', () => {
        const nonces = new Set<string>();
        for (const view of PatientQueryViews) {
            for (const audience of ['HospitalAMSP', 'InsurerMSP']) {
                const { payload } = newPatientQuery(key, { audience, view, channel: CHANNEL });
                const read = readQueryPayload(payload);
                assert.equal(read.view, view);
                assert.equal(read.audience, audience);
                assert.match(read.nonce, /^[A-Za-z0-9_-]{22}$/);
                assert.ok(Math.abs(Date.parse(read.issuedAt) - Date.now()) < 5_000);
                nonces.add(read.nonce);
            }
        }
        assert.equal(nonces.size, PatientQueryViews.length * 2);
    });

    it('uses the consent id it is given', () => {
        const terms = { grantee: 'InsurerMSP', purposes: ['PAYMENT'], categories: ['*'], custodians: ['HospitalAMSP'] };
        const window = { notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2026-01-01T00:00:00.000Z' };
        const grant = newConsentGrant(key, { ...terms, ...window }, { channel: CHANNEL, consentId: 'consent-1' });
        assert.equal(readGrantPayload(grant.payload).consentId, 'consent-1');
    });

    it('includes recordIds only when some are named', () => {
        const terms = { grantee: 'InsurerMSP', purposes: ['PAYMENT'], categories: ['*'], custodians: ['*'] };
        const window = { notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2026-01-01T00:00:00.000Z' };
        assert.ok(!('recordIds' in newConsentGrant(key, { ...terms, ...window }, { channel: CHANNEL }).payload));
        const named = newConsentGrant(key, { ...terms, ...window, recordIds: ['rec-1'] }, { channel: CHANNEL });
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
