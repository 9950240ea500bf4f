// SPDX-License-Identifier: Apache-2.0
/**
 * Base32 and the patient id against known vectors: RFC 4648 §10's base32 test vectors (lowercased, without
 * padding), and ids computed independently (Python's base64.b32encode of hashlib.sha256) for fixed inputs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { toPatientId, toSpkiDer } from '../../../chaincode/src/crypto/patient-key';
import { toBase32 } from '../../../chaincode/src/protocol/base32';
import { PATIENT_ID_PATTERN, patientIdFromDigest } from '../../../chaincode/src/protocol/patient-id';

/** A fixed P-256 public key and its id (`pt` + base32 of SHA-256 of the SPKI DER, computed apart from this code). */
const KEY_PEM = [
    '-----BEGIN PUBLIC KEY-----',
    'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC4QhRc/l9sqp+SnrtAxzwLYPpYdu',
    'gu+vwJK5PKnyzfm2ply1+5dnkaYAvtSMly+8LQFBBc7uuNScmdySc0hA+A==',
    '-----END PUBLIC KEY-----',
    '',
].join('\n');
const KEY_ID = 'ptdb4u45n3hulmxbcdlbq6isv3lvgp65jv7lso5m7siwlh25kag6nq';

function sha256(data: string | Uint8Array): Uint8Array {
    return createHash('sha256').update(data).digest();
}

describe('protocol: base32 and the patient id', () => {
    it('encodes base32 as RFC 4648 test vectors, lowercase and unpadded', () => {
        const vectors: [string, string][] = [
            ['', ''],
            ['f', 'my'],
            ['fo', 'mzxq'],
            ['foo', 'mzxw6'],
            ['foob', 'mzxw6yq'],
            ['fooba', 'mzxw6ytb'],
            ['foobar', 'mzxw6ytboi'],
        ];
        for (const [input, output] of vectors) {
            assert.equal(toBase32(new TextEncoder().encode(input)), output);
        }
        assert.equal(toBase32(new Uint8Array([0xff, 0x00, 0xff, 0x00, 0xff, 0x00])), '74ap6ah7aa');
    });

    it('derives pt + base32 of a SHA-256 digest: 54 characters of the patient id alphabet', () => {
        assert.equal(patientIdFromDigest(sha256('')), 'pt4oymiquy7qobjgx36tejs35zeqt24qpemsnzgtfeswmrw6csxbkq');
        assert.equal(patientIdFromDigest(sha256('abc')), 'ptxj4bnp4pahh6uqkbidpf3lrceoyagyndsylxvhfucd7wd4qacwwq');
        assert.match(patientIdFromDigest(sha256('abc')), PATIENT_ID_PATTERN);
    });

    it("gives a fixed key's known id, from its PEM through the chaincode's key reader", () => {
        assert.equal(toPatientId(toSpkiDer(KEY_PEM, 'publicKey')), KEY_ID);
    });

    it('refuses a digest that is not 32 bytes', () => {
        assert.throws(() => patientIdFromDigest(new Uint8Array(31)), RangeError);
        assert.throws(() => patientIdFromDigest(new Uint8Array(33)), RangeError);
    });
});
