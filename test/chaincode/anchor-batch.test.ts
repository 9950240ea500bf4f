// SPDX-License-Identifier: Apache-2.0
/**
 * `record:anchorRecords`: many index entries per transaction, each checked as `anchorRecord` checks it, with
 * per-entry results. The attack-shaped cases run with the hospital's own ledger identity: a batch is a way to
 * write many entries at once, and must not be a way round a rule that one entry at a time enforces.
 */
import assert from 'node:assert/strict';
import { RecordContract } from '../../chaincode/src/contracts/record';
import { OrganizationContract } from '../../chaincode/src/contracts/organization';
import { PatientContract } from '../../chaincode/src/contracts/patient';
import type { RecordEntry } from '../../chaincode/src/protocol/state';
import { newTestOrg } from '../helpers/pki';
import { anchor, hashOf, uniqueId } from './helpers/acts';
import { newTestPatient, registerPayload, type TestPatient } from './helpers/patients';
import { expectCode, Msp, newRegion, type Region } from './helpers/region';
import { CommittedStateStub } from './helpers/stub';

interface BatchResult {
    recordId: string | null;
    status: 'anchored' | 'existing' | 'refused';
    code?: string;
    entry?: RecordEntry;
}

interface Entry {
    recordId: string;
    patientId: string;
    category: string;
    contentHash: string;
    supersedes?: string;
}

function entryFor(patient: TestPatient, overrides: Partial<Entry> = {}): Entry {
    const recordId = overrides.recordId ?? uniqueId('rec');
    return { recordId, patientId: patient.patientId, category: 'lab', contentHash: hashOf(recordId), ...overrides };
}

describe('record:anchorRecords (many anchors per transaction)', () => {
    let region: Region;
    let patient: TestPatient;

    async function batch(entries: readonly unknown[], org: keyof typeof Msp = 'hospitalA'): Promise<BatchResult[]> {
        const submitted = await region.submit(org, 'record', 'anchorRecords', [JSON.stringify(entries)]);
        return (submitted.value as { results: BatchResult[] }).results;
    }

    async function read(recordId: string): Promise<RecordEntry> {
        return (await region.evaluate('hospitalA', 'record', 'readRecord', [recordId])) as RecordEntry;
    }

    before(async () => {
        region = await newRegion();
    });
    beforeEach(async () => {
        patient = await region.newPatient();
    });
    after(async () => {
        await region.close();
    });

    it('anchors every entry of a batch in one transaction, in order', async () => {
        const entries = [entryFor(patient), entryFor(patient, { category: 'encounter' }), entryFor(patient)];
        const submitted = await region.submit('hospitalA', 'record', 'anchorRecords', [JSON.stringify(entries)]);
        const results = (submitted.value as { results: BatchResult[] }).results;
        assert.deepEqual(
            results.map((r) => [r.recordId, r.status]),
            entries.map((e) => [e.recordId, 'anchored']),
        );
        for (const entry of entries) {
            const stored = await read(entry.recordId);
            assert.equal(stored.custodian, Msp.hospitalA);
            assert.equal(stored.txId, submitted.txId);
            assert.equal(stored.contentHash, entry.contentHash);
        }
    });

    it('refuses a malformed entry alone and anchors the others', async () => {
        const good = [entryFor(patient), entryFor(patient)];
        const bad = { ...entryFor(patient), category: 'gossip' };
        const results = await batch([good[0], bad, good[1]]);
        assert.deepEqual(
            results.map((r) => [r.status, r.code]),
            [
                ['anchored', undefined],
                ['refused', 'INVALID_INPUT'],
                ['anchored', undefined],
            ],
        );
        await expectCode(read(bad.recordId), 'NOT_FOUND');
        assert.equal((await read(good[1]?.recordId ?? '')).recordId, good[1]?.recordId);
    });

    it('refuses an entry for an unregistered patient, and an extra field', async () => {
        const stranger = newTestPatient();
        const results = await batch([
            entryFor(stranger),
            { ...entryFor(patient), custodian: Msp.hospitalB },
            entryFor(patient),
        ]);
        assert.deepEqual(
            results.map((r) => r.code ?? r.status),
            ['NOT_FOUND', 'INVALID_INPUT', 'anchored'],
        );
    });

    it('attack: a batch cannot anchor one content hash twice, in the batch or after an earlier anchor', async () => {
        const first = entryFor(patient);
        const twin = entryFor(patient, { contentHash: first.contentHash });
        const results = await batch([first, twin]);
        assert.deepEqual(
            results.map((r) => [r.status, r.code]),
            [
                ['anchored', undefined],
                ['refused', 'CONFLICT'],
            ],
        );
        const earlier = await anchor(region, 'hospitalA', patient);
        const again = await batch([entryFor(patient, { contentHash: earlier.contentHash })]);
        assert.equal(again[0]?.code, 'CONFLICT');
        await expectCode(read(twin.recordId), 'NOT_FOUND');
    });

    it('is idempotent: the same batch again answers the existing entries and writes nothing', async () => {
        const entries = [entryFor(patient), entryFor(patient)];
        const first = await batch(entries);
        const again = await batch(entries);
        assert.deepEqual(
            again.map((r) => r.status),
            ['existing', 'existing'],
        );
        assert.deepEqual(
            again.map((r) => r.entry?.txId),
            first.map((r) => r.entry?.txId),
        );
    });

    it('refuses a record id repeated in the batch and one anchored with other fields', async () => {
        const entry = entryFor(patient);
        const results = await batch([entry, { ...entry, category: 'encounter' }]);
        assert.deepEqual(
            results.map((r) => r.code ?? r.status),
            ['anchored', 'CONFLICT'],
        );
        const other = await batch([{ ...entry, contentHash: hashOf(`${entry.recordId}-changed`) }]);
        assert.equal(other[0]?.code, 'CONFLICT');
        assert.equal((await read(entry.recordId)).contentHash, entry.contentHash);
    });

    it('supersedes committed records, but not a record of the same batch nor one record twice', async () => {
        const old = await anchor(region, 'hospitalA', patient);
        const inBatch = entryFor(patient);
        const results = await batch([
            entryFor(patient, { supersedes: old.recordId }),
            entryFor(patient, { supersedes: old.recordId }),
            inBatch,
            entryFor(patient, { supersedes: inBatch.recordId }),
        ]);
        assert.deepEqual(
            results.map((r) => r.code ?? r.status),
            ['anchored', 'CONFLICT', 'anchored', 'CONFLICT'],
        );
        assert.equal((await read(old.recordId)).supersededBy, results[0]?.recordId);
    });

    it("attack: a hospital cannot supersede or take over another custodian's record through a batch", async () => {
        const theirs = await anchor(region, 'hospitalB', patient);
        const results = await batch([
            entryFor(patient, { supersedes: theirs.recordId }),
            { ...entryFor(patient), recordId: theirs.recordId, contentHash: theirs.contentHash },
        ]);
        assert.deepEqual(
            results.map((r) => r.code),
            ['FORBIDDEN', 'CONFLICT'],
        );
        const after = await read(theirs.recordId);
        assert.equal(after.custodian, Msp.hospitalB);
        assert.equal(after.supersededBy, null);
    });

    it('refuses the whole batch for a caller that may not anchor, or a batch of the wrong size', async () => {
        await expectCode(batch([entryFor(patient)], 'insurer'), 'FORBIDDEN');
        await expectCode(batch([entryFor(patient)], 'clinic'), 'ORG_NOT_ACTIVE');
        await expectCode(batch([]), 'INVALID_INPUT');
        await expectCode(batch(Array.from({ length: 101 }, () => entryFor(patient))), 'INVALID_INPUT');
        await expectCode(region.submit('hospitalA', 'record', 'anchorRecords', ['{"records":[]}']), 'INVALID_INPUT');
    });

    it('gives identical results, write sets and event on fresh stubs for the same batch, tx id and time', async () => {
        const cert = (await (await newTestOrg('HospitalAMSP')).identity('gateway')).certPem;
        const someone = newTestPatient();
        const t = '2030-01-01T00:00:00.000Z';
        const records = JSON.stringify([
            { recordId: 'r1', patientId: someone.patientId, category: 'lab', contentHash: 'a'.repeat(64) },
            { recordId: 'r2', patientId: someone.patientId, category: 'lab', contentHash: 'a'.repeat(64) },
            { recordId: 'r3', patientId: someone.patientId, category: 'hiv', contentHash: 'b'.repeat(64) },
        ]);
        const run = async (): Promise<string[]> => {
            const stub = new CommittedStateStub();
            const org = new OrganizationContract();
            const steps: [string, (ctx: ReturnType<CommittedStateStub['context']>) => Promise<string>][] = [
                ['CommissionMSP', (ctx) => org.bootstrap(ctx, 'CommissionMSP')],
                [
                    'HospitalAMSP',
                    (ctx) =>
                        org.registerOrganization(
                            ctx,
                            JSON.stringify({ type: 'hospital', name: 'A', p2pUrl: 'https://a.test', tlsCertPem: cert }),
                        ),
                ],
                ['CommissionMSP', (ctx) => org.approveOrganization(ctx, 'HospitalAMSP')],
                [
                    'HospitalAMSP',
                    (ctx) => new PatientContract().registerPatient(ctx, someone.signed(registerPayload(someone, t))),
                ],
                ['HospitalAMSP', (ctx) => new RecordContract().anchorRecords(ctx, records)],
            ];
            const trace: string[] = [];
            for (const [index, [mspId, call]] of steps.entries()) {
                const ctx = stub.context(mspId, `tx${index + 1}`, new Date(Date.parse(t) + index * 1000));
                trace.push(await call(ctx));
                trace.push([...stub.writes.keys()].join('|'));
                trace.push(stub.event === undefined ? '' : Buffer.from(stub.event.payload).toString('hex'));
                stub.commit();
            }
            return trace;
        };
        const first = await run();
        assert.deepEqual(await run(), first);
        assert.match(first.at(-3) ?? '', /"status":"refused"/);
        assert.notEqual(first.at(-1), '');
    });
});
