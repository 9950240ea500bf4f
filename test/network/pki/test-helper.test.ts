// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { sign, verify, X509Certificate } from 'node:crypto';
import { describe, it } from 'mocha';
import { newTestOrg } from '../../helpers/pki';
import { viewCert } from './certs';

describe('test/helpers/pki', () => {
    it('gives identities of the requested OU that chain to the organisation CA', async () => {
        const org = await newTestOrg('HelperAMSP');
        const doctor = await org.identity('doctor');
        const admin = await org.identity('boss', 'admin');
        assert.equal(doctor.mspId, 'HelperAMSP');
        assert.deepEqual(viewCert(doctor.certPem).ou, ['client']);
        assert.deepEqual(viewCert(admin.certPem).ou, ['admin']);
        const ca = new X509Certificate(org.caCertPem);
        for (const identity of [doctor, admin]) {
            const cert = new X509Certificate(identity.certPem);
            assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey));
            const signature = sign('sha256', Buffer.from('payload'), identity.privateKey);
            assert.ok(verify('sha256', Buffer.from('payload'), cert.publicKey, signature));
        }
    });

    it('returns the same organisation and identity on every call in a process', async () => {
        const first = await newTestOrg('HelperBMSP');
        assert.equal(await newTestOrg('HelperBMSP'), first);
        assert.equal(await first.identity('nurse'), await first.identity('nurse'));
        assert.notEqual(await first.identity('nurse'), await first.identity('nurse', 'peer'));
        assert.notEqual((await newTestOrg('HelperCMSP')).caCertPem, first.caCertPem);
    });
});
