// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { toBase32 } from '../../chaincode/src/protocol/base32';
import { toPatientId, toSpkiDer } from '../../chaincode/src/crypto/patient-key';
import { assertPatientSignature, decodeSignature } from '../../chaincode/src/crypto/signature';
import { readGrantPayload, readRegisterPayload, readRevokePayload } from '../../chaincode/src/protocol/payload-readers';
import { grantPayload, newTestPatient, revokePayload, signPayload } from './helpers/patients';

const ISSUED = '2030-06-01T12:00:00.000Z';

function grant(patient = newTestPatient()): Record<string, unknown> {
    return grantPayload(patient, {
        consentId: 'c1',
        grantee: 'HospitalBMSP',
        notBefore: '2030-06-01T00:00:00.000Z',
        notAfter: '2030-07-01T00:00:00.000Z',
        issuedAt: ISSUED,
    });
}

describe('patient keys and ids', () => {
    it('derives pt + base32(SHA-256(SPKI DER)) identically from PEM and JWK forms', () => {
        const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const spki = publicKey.export({ type: 'spki', format: 'der' });
        const fromPem = toSpkiDer(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'k');
        const jwk = { ...publicKey.export({ format: 'jwk' }), ext: true, key_ops: ['verify'] };
        const fromJwk = toSpkiDer(jwk, 'k');
        assert.deepEqual(fromPem, spki);
        assert.deepEqual(fromJwk, spki);
        const id = toPatientId(spki);
        assert.match(id, /^pt[a-z2-7]{52}$/);
        assert.equal(id, `pt${toBase32(createHash('sha256').update(spki).digest())}`);
    });

    it('refuses other curves, RSA, private JWKs and certificates', () => {
        const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
        const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
        const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
        const cases: unknown[] = [
            p384.export({ type: 'spki', format: 'pem' }).toString(),
            rsa.export({ type: 'spki', format: 'pem' }).toString(),
            p256.export({ format: 'jwk' }),
            p256.export({ type: 'pkcs8', format: 'pem' }).toString(),
            '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
            { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) },
            42,
        ];
        for (const value of cases) {
            assert.throws(() => toSpkiDer(value, 'k'), { code: 'INVALID_INPUT' });
        }
    });
});

describe('patient signatures', () => {
    it('accepts a P1363 signature over the canonical payload, whatever the field order sent', () => {
        const patient = newTestPatient();
        const payload = grant(patient);
        const signature = signPayload(payload, patient.privateKey);
        const reordered = Object.fromEntries(Object.entries(payload).reverse());
        assert.equal(assertPatientSignature(reordered, signature, patient.publicKey), signature);
    });

    it('refuses a signature made by another key', () => {
        const patient = newTestPatient();
        const payload = grant(patient);
        const signature = signPayload(payload, newTestPatient().privateKey);
        assert.throws(() => assertPatientSignature(payload, signature, patient.publicKey), { code: 'BAD_SIGNATURE' });
    });

    it('refuses a grant replayed under a new consent id', () => {
        const patient = newTestPatient();
        const payload = grant(patient);
        const signature = signPayload(payload, patient.privateKey);
        const replay = { ...payload, consentId: 'c2' };
        assert.throws(() => assertPatientSignature(replay, signature, patient.publicKey), { code: 'BAD_SIGNATURE' });
    });

    it('refuses a revoke that carries a grant’s signature', () => {
        const patient = newTestPatient();
        const signature = signPayload(grant(patient), patient.privateKey);
        const revoke = revokePayload(patient, 'c1', ISSUED);
        assert.throws(() => assertPatientSignature(revoke, signature, patient.publicKey), { code: 'BAD_SIGNATURE' });
    });

    it('refuses a signature over a non-canonical serialisation', () => {
        const patient = newTestPatient();
        const payload = grant(patient);
        const reorderedText = JSON.stringify(Object.fromEntries(Object.entries(payload).reverse()), null, 1);
        const signature = sign('sha256', Buffer.from(reorderedText), {
            key: patient.privateKey,
            dsaEncoding: 'ieee-p1363',
        }).toString('base64url');
        assert.throws(() => assertPatientSignature(payload, signature, patient.publicKey), { code: 'BAD_SIGNATURE' });
    });

    it('refuses DER, padded, standard base64 and wrong-length signatures', () => {
        const patient = newTestPatient();
        const payload = grant(patient);
        const good = Buffer.from(signPayload(payload, patient.privateKey), 'base64url');
        const cases: unknown[] = [
            signPayload(payload, patient.privateKey, 'der'),
            `${good.toString('base64url')}==`,
            good.toString('base64').replace(/=+$/, '') + (good.toString('base64').includes('+') ? '' : '+'),
            good.subarray(0, 63).toString('base64url'),
            Buffer.concat([good, Buffer.from([0])]).toString('base64url'),
            '',
            null,
            12,
        ];
        for (const signature of cases) {
            assert.throws(() => assertPatientSignature(payload, signature, patient.publicKey), {
                code: 'BAD_SIGNATURE',
            });
        }
    });

    it('refuses base64url text with non-zero trailing bits (one signature, one text)', () => {
        const text = Buffer.alloc(64, 7).toString('base64url');
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        // The last character carries 2 data bits and 4 padding bits: setting the lowest padding bit
        // decodes to the same bytes, but is not the canonical text.
        const last = alphabet.indexOf(text.charAt(text.length - 1));
        const altered = text.slice(0, -1) + alphabet.charAt(last | 1);
        assert.ok(decodeSignature(text).length === 64);
        assert.throws(() => decodeSignature(altered), { code: 'BAD_SIGNATURE' });
    });
});

describe('signed payload shapes', () => {
    it('reads a grant and keeps optional recordIds null when absent', () => {
        const read = readGrantPayload(grant());
        assert.equal(read.recordIds, null);
        assert.deepEqual(read.purposes, ['TREATMENT']);
    });

    const bad: [string, (payload: Record<string, unknown>) => Record<string, unknown>][] = [
        ['an extra field', (p) => ({ ...p, note: 'x' })],
        [
            'a missing field',
            (p) => {
                const copy = { ...p };
                delete copy.notAfter;
                return copy;
            },
        ],
        ['another type', (p) => ({ ...p, type: 'consent.revoke' })],
        ['EMERGENCY as a purpose', (p) => ({ ...p, purposes: ['EMERGENCY'] })],
        ['an unknown category', (p) => ({ ...p, categories: ['dental'] })],
        ['a repeated purpose', (p) => ({ ...p, purposes: ['TREATMENT', 'TREATMENT'] })],
        ['an empty purpose list', (p) => ({ ...p, purposes: [] })],
        ['too many record ids', (p) => ({ ...p, recordIds: Array.from({ length: 101 }, (_, i) => `r${i}`) })],
        ['an empty window', (p) => ({ ...p, notAfter: p.notBefore })],
        ['a time without milliseconds', (p) => ({ ...p, issuedAt: '2030-06-01T12:00:00Z' })],
        ['an impossible date', (p) => ({ ...p, notBefore: '2030-02-30T00:00:00.000Z' })],
        ['a bad consent id', (p) => ({ ...p, consentId: 'has space' })],
        ['an oversized consent id', (p) => ({ ...p, consentId: 'c'.repeat(129) })],
        ['a numeric grantee', (p) => ({ ...p, grantee: 7 })],
    ];
    for (const [name, mutate] of bad) {
        it(`refuses a grant with ${name}`, () => {
            assert.throws(() => readGrantPayload(mutate(grant())), { code: 'INVALID_INPUT' });
        });
    }

    it('refuses revoke and register payloads with extra fields or the wrong type', () => {
        const patient = newTestPatient();
        assert.throws(() => readRevokePayload({ ...revokePayload(patient, 'c1', ISSUED), extra: 1 }), {
            code: 'INVALID_INPUT',
        });
        assert.throws(() => readRevokePayload(grant(patient)), { code: 'INVALID_INPUT' });
        assert.throws(
            () =>
                readRegisterPayload({
                    type: 'patient.register',
                    publicKey: patient.publicKeyPem,
                    issuedAt: ISSUED,
                    x: 1,
                }),
            { code: 'INVALID_INPUT' },
        );
    });
});
