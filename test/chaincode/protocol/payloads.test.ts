// SPDX-License-Identifier: Apache-2.0
/**
 * The signed-payload shapes: what the builders produce (the exact canonical bytes a patient signs, so a change
 * to a shape shows up here), that the chaincode's readers take it back, and that a reader's refusal is the
 * protocol's InvalidInputError carrying the chaincode's `INVALID_INPUT: detail` message.
 */
import assert from 'node:assert/strict';
import { toCanonicalJson } from '../../../chaincode/src/protocol/canonical-json';
import { InvalidInputError } from '../../../chaincode/src/protocol/errors';
import {
    readGrantPayload,
    readQueryPayload,
    readRegisterPayload,
    readRevokePayload,
} from '../../../chaincode/src/protocol/payload-readers';
import {
    newGrantPayload,
    newQueryPayload,
    newRegisterPayload,
    newRevokePayload,
} from '../../../chaincode/src/protocol/payloads';

const PATIENT = `pt${'a'.repeat(52)}`;
const ISSUED = '2030-06-01T12:00:00.000Z';
const CHANNEL = 'healthchain';
const TERMS = {
    grantee: 'HospitalBMSP',
    purposes: ['TREATMENT'],
    categories: ['lab', '*'],
    custodians: ['*'],
    notBefore: '2030-06-01T00:00:00.000Z',
    notAfter: '2030-07-01T00:00:00.000Z',
};

describe('protocol: signed payloads', () => {
    it('builds each payload with exactly its fields, in the bytes the clients have always signed', () => {
        const ids = { consentId: 'consent-1', patientId: PATIENT };
        assert.equal(
            toCanonicalJson(newRegisterPayload('PEM', ISSUED, CHANNEL)),
            `{"channel":"healthchain","issuedAt":"${ISSUED}","publicKey":"PEM","type":"patient.register"}`,
        );
        assert.equal(
            toCanonicalJson(newGrantPayload(ids, TERMS, ISSUED, CHANNEL)),
            `{"categories":["lab","*"],"channel":"healthchain","consentId":"consent-1","custodians":["*"],` +
                `"grantee":"HospitalBMSP","issuedAt":"${ISSUED}","notAfter":"2030-07-01T00:00:00.000Z",` +
                `"notBefore":"2030-06-01T00:00:00.000Z","patientId":"${PATIENT}","purposes":["TREATMENT"],` +
                `"type":"consent.grant"}`,
        );
        assert.equal(
            toCanonicalJson(newRevokePayload(ids, ISSUED, CHANNEL)),
            `{"channel":"healthchain","consentId":"consent-1","issuedAt":"${ISSUED}","patientId":"${PATIENT}",` +
                `"type":"consent.revoke"}`,
        );
        const scope = { audience: 'HospitalAMSP', view: 'access-log', channel: CHANNEL } as const;
        assert.equal(
            toCanonicalJson(newQueryPayload(PATIENT, scope, ISSUED, 'n'.repeat(22))),
            `{"audience":"HospitalAMSP","channel":"healthchain","issuedAt":"${ISSUED}","nonce":"${'n'.repeat(22)}",` +
                `"patientId":"${PATIENT}","type":"patient.query","view":"access-log"}`,
        );
    });

    it('names recordIds only when some are given', () => {
        const ids = { consentId: 'consent-1', patientId: PATIENT };
        assert.ok(!('recordIds' in newGrantPayload(ids, { ...TERMS, recordIds: [] }, ISSUED, CHANNEL)));
        const named = newGrantPayload(ids, { ...TERMS, recordIds: ['rec-1'] }, ISSUED, CHANNEL);
        assert.deepEqual(readGrantPayload(named).recordIds, ['rec-1']);
    });

    it('reads back what it builds', () => {
        const ids = { consentId: 'consent-1', patientId: PATIENT };
        assert.equal(readRegisterPayload(newRegisterPayload('PEM', ISSUED, CHANNEL)).publicKey, 'PEM');
        assert.deepEqual(readGrantPayload(newGrantPayload(ids, TERMS, ISSUED, CHANNEL)), {
            ...ids,
            ...TERMS,
            recordIds: null,
            issuedAt: ISSUED,
            channel: CHANNEL,
        });
        assert.deepEqual(readRevokePayload(newRevokePayload(ids, ISSUED, CHANNEL)), {
            ...ids,
            issuedAt: ISSUED,
            channel: CHANNEL,
        });
        const scope = { audience: 'HospitalAMSP', view: 'claims', channel: CHANNEL } as const;
        assert.equal(readQueryPayload(newQueryPayload(PATIENT, scope, ISSUED, 'n'.repeat(22))).view, 'claims');
    });

    it("refuses a stray field with InvalidInputError, code INVALID_INPUT, in the chaincode's message form", () => {
        const payload = { ...newRevokePayload({ consentId: 'c', patientId: PATIENT }, ISSUED, CHANNEL), note: 'x' };
        assert.throws(
            () => readRevokePayload(payload),
            (error: unknown) => {
                assert.ok(error instanceof InvalidInputError);
                assert.equal(error.code, 'INVALID_INPUT');
                assert.equal(error.detail, 'payload.note is not an allowed field');
                assert.equal(error.message, 'INVALID_INPUT: payload.note is not an allowed field');
                return true;
            },
        );
    });
});
