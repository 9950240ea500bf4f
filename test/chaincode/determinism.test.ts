// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import type { Context } from 'fabric-contract-api';
import { AccessContract } from '../../chaincode/src/contracts/access';
import { ConsentContract } from '../../chaincode/src/contracts/consent';
import { OrganizationContract } from '../../chaincode/src/contracts/organization';
import { PatientContract } from '../../chaincode/src/contracts/patient';
import { RecordContract } from '../../chaincode/src/contracts/record';
import { newTestOrg } from '../helpers/pki';
import { grantPayload, newTestPatient, noticeOf, registerPayload } from './helpers/patients';

/** The organisations' contact for consent notices. */
const CONTACT = 'privacy office, +86 10 0000 0000';
import { CommittedStateStub } from './helpers/stub';

type Step = [string, (ctx: Context) => Promise<string>];

async function script(): Promise<Step[]> {
    const cert = (await (await newTestOrg('HospitalAMSP')).identity('gateway')).certPem;
    const certB = (await (await newTestOrg('HospitalBMSP')).identity('gateway')).certPem;
    const patient = newTestPatient();
    const org = new OrganizationContract();
    const profile = (type: string, tlsCertPem = cert): string =>
        JSON.stringify({ type, name: type, p2pUrl: 'https://x.test', tlsCertPem, contact: CONTACT });
    const record = JSON.stringify({
        recordId: 'r1',
        patientId: patient.patientId,
        category: 'lab',
        contentHash: 'a'.repeat(64),
    });
    const t = '2030-01-01T00:00:00.000Z';
    const terms = {
        purposes: ['TREATMENT'],
        categories: ['*'],
        custodians: ['*'],
        notBefore: t,
        notAfter: '2030-02-01T00:00:00.000Z',
    };
    const notice = noticeOf({ mspId: 'HospitalBMSP', name: 'hospital', contact: CONTACT }, terms, 'zh-CN');
    const grant = patient.signed(
        grantPayload(patient, { consentId: 'c1', grantee: 'HospitalBMSP', ...terms, issuedAt: t, notice }),
    );
    return [
        ['CommissionMSP', (ctx) => org.bootstrap(ctx, 'CommissionMSP')],
        ['HospitalAMSP', (ctx) => org.registerOrganization(ctx, profile('hospital'))],
        ['HospitalBMSP', (ctx) => org.registerOrganization(ctx, profile('hospital', certB))],
        ['CommissionMSP', (ctx) => org.approveOrganization(ctx, 'HospitalAMSP')],
        ['CommissionMSP', (ctx) => org.approveOrganization(ctx, 'HospitalBMSP')],
        [
            'HospitalAMSP',
            (ctx) => new PatientContract().registerPatient(ctx, patient.signed(registerPayload(patient, t))),
        ],
        ['HospitalAMSP', (ctx) => new RecordContract().anchorRecord(ctx, record)],
        ['HospitalAMSP', (ctx) => new ConsentContract().grantConsent(ctx, grant)],
        [
            'HospitalBMSP',
            (ctx) => new AccessContract().requestAccess(ctx, JSON.stringify({ recordId: 'r1', purpose: 'TREATMENT' })),
        ],
        [
            'HospitalAMSP',
            (ctx) =>
                new AccessContract().recordDelivery(
                    ctx,
                    JSON.stringify({ accessId: 'tx9', contentHash: 'a'.repeat(64) }),
                ),
        ],
    ];
}

async function run(steps: Step[]): Promise<string[]> {
    const stub = new CommittedStateStub();
    const trace: string[] = [];
    for (const [index, [mspId, call]] of steps.entries()) {
        const ctx = stub.context(
            mspId,
            `tx${index + 1}`,
            new Date(Date.parse('2030-01-01T00:00:00.000Z') + index * 1000),
        );
        const result = await call(ctx);
        const writes = [...stub.writes.entries()].map(
            ([k, v]) => `${k}=${v === null ? 'DELETE' : Buffer.from(v).toString('hex')}`,
        );
        trace.push(
            result,
            writes.join('|'),
            stub.event === undefined ? '' : `${stub.event.name}:${Buffer.from(stub.event.payload).toString('hex')}`,
        );
        stub.commit();
    }
    return trace;
}

describe('determinism', () => {
    it('gives identical results, write sets and events for the same inputs, tx ids and timestamps on fresh stubs', async () => {
        const steps = await script();
        const first = await run(steps);
        const second = await run(steps);
        assert.deepEqual(second, first);
        assert.match(first[first.length - 3] ?? '', /"status":"DELIVERED"/);
    });
});
