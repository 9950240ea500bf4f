// SPDX-License-Identifier: Apache-2.0
/**
 * The HL7 intake of Hospital A's gateway over real MLLP on 127.0.0.1 (port 0): every acknowledgment checked
 * (MSA-1, MSA-2, ERR), what was kept, what reached the record store and the ledger. Senders are `@medplum/hl7`'s
 * client (another implementation of MLLP) and the gateway's own MllpClient, which can split and join frames.
 */
import assert from 'node:assert/strict';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { ApiError } from '../../../gateway/src/errors';
import { MllpClient, type ReceivedAck } from '../../../gateway/src/hl7/mllp-client';
import { toMllpFrame } from '../../../gateway/src/hl7/mllp-framer';
import { PATIENT_SYSTEM } from '../../../gateway/src/hl7/processor';
import type { MessageMeta } from '../../../gateway/src/hl7/store';
import { newTestPatient } from '../../chaincode/helpers/patients';
import { adt, adtA03, adtA40, CHINESE_PATIENT, mdm, oru, toGbk, type MessageIds } from '../../fixtures/hl7/messages';
import { newHl7Region, type Hl7Gateway, type Hl7Region } from './harness';

let counter = 0;

/** Ids unique to one message: control id and MRN. */
function fresh(overrides: Partial<MessageIds> = {}): MessageIds {
    counter += 1;
    return { controlId: `CTL-${counter}`, mrn: `MRN-${counter}`, ...overrides };
}

async function api(
    gateway: Hl7Gateway,
    method: string,
    path: string,
    token = gateway.tokens.admin,
): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function codeOf(body: Record<string, unknown>): unknown {
    return (body.issue as { details?: { text?: string } }[] | undefined)?.[0]?.details?.text;
}

function assertAck(ack: ReceivedAck | undefined, code: string, controlId: string, errorCode?: string): void {
    assert.ok(ack, 'an acknowledgment');
    assert.deepEqual([ack.code, ack.controlId, ack.errorCode], [code, controlId, errorCode], ack.text);
}

describe('HL7 intake over MLLP', () => {
    let region: Hl7Region;
    let client: MllpClient;

    before(async () => {
        region = await newHl7Region();
    });
    beforeEach(async () => {
        client = await MllpClient.connect(region.gateway().mllpUrl);
    });
    afterEach(async () => {
        await client.close();
    });
    after(async () => {
        await region.close();
    });

    it('answers AA with MSA-2 = MSH-10 to an independent MLLP client, once the raw message is in the inbox', async () => {
        const url = new URL(region.gateway().mllpUrl);
        const medplum = new Hl7Client({ host: url.hostname, port: Number(url.port) });
        try {
            const ids = fresh();
            const ack = await medplum.sendAndWait(Hl7Message.parse(oru(ids, ids.controlId)));
            assert.equal(ack.getSegment('MSA')?.getField(1).toString(), 'AA');
            assert.equal(ack.getSegment('MSA')?.getField(2).toString(), ids.controlId);
            assert.equal(ack.getSegment('MSH')?.getField(9).toString(), 'ACK^R01^ACK');
            const meta = await region.gateway().waitFor(ids.controlId, ['received', 'pending']);
            assert.equal(
                (await region.gateway().intake.store.readRaw(meta.messageId))?.toString('utf8'),
                oru(ids, ids.controlId),
            );
        } finally {
            await medplum.close();
        }
    });

    it('keeps a result for an unlinked patient pending, then stores and anchors it once the patient is registered with that MRN', async () => {
        const gateway = region.gateway();
        const ids = fresh();
        assertAck(await client.sendOne(oru(ids, ids.controlId)), 'AA', ids.controlId);
        const waiting = await gateway.waitFor(ids.controlId, ['pending']);
        assert.deepEqual(waiting.recordIds, []);
        const patient = await region.register([{ system: 'HOSPA', value: ids.mrn }]);
        const anchored = await gateway.waitFor(ids.controlId, ['anchored']);
        const [recordId] = anchored.recordIds;
        assert.ok(recordId !== undefined && anchored.recordIds.length === 1);
        const stored = gateway.custody.store.get(recordId);
        const entry = await region.hospitalB.readRecord(recordId);
        assert.deepEqual(
            [entry.custodian, entry.patientId, entry.category],
            ['HospitalAMSP', patient.patientId, 'lab'],
        );
        assert.equal(entry.contentHash, stored?.contentHash);
        const resource = stored?.resource as { resourceType: string; subject: unknown };
        assert.equal(resource.resourceType, 'DiagnosticReport');
        assert.deepEqual(resource.subject, { identifier: { system: PATIENT_SYSTEM, value: patient.patientId } });
        assert.doesNotMatch(JSON.stringify(resource), new RegExp(ids.mrn), 'the MRN stays in the local link');
    });

    it('makes versions of one Encounter from A01, A08 and A03, and publishes nothing for an update that changes nothing', async () => {
        const gateway = region.gateway();
        const ids = fresh();
        await region.register([{ system: 'HOSPA', value: ids.mrn }]);
        const send = async (text: string, controlId: string): Promise<MessageMeta> => {
            assertAck(await client.sendOne(text), 'AA', controlId);
            return gateway.waitFor(controlId, ['anchored', 'processed']);
        };
        const admit = await send(adt('A01', ids, 'V-7'), ids.controlId);
        const moved = { ...ids, controlId: `${ids.controlId}-A08` };
        const update = await send(adt('A08', moved, 'V-7', { unit: 'CARD' }), moved.controlId);
        const same = { ...ids, controlId: `${ids.controlId}-A08b` };
        const unchanged = await send(adt('A08', same, 'V-7', { unit: 'CARD' }), same.controlId);
        const discharge = { ...ids, controlId: `${ids.controlId}-A03` };
        const finished = await send(adtA03(discharge, 'V-7'), discharge.controlId);
        assert.deepEqual(unchanged.status, 'processed');
        assert.deepEqual(unchanged.recordIds, []);
        const [first, second, third] = [admit, update, finished].map((meta) => meta.recordIds[0] ?? '');
        assert.equal((await region.hospitalB.readRecord(first ?? '')).supersededBy, second);
        assert.equal((await region.hospitalB.readRecord(second ?? '')).supersedes, first);
        assert.equal((await region.hospitalB.readRecord(third ?? '')).supersedes, second);
        const last = gateway.custody.store.get(third ?? '')?.resource as {
            status: string;
            period: { end: string };
        };
        assert.deepEqual([last.status, last.period.end], ['finished', '2025-03-08T10:30:00+08:00']);
        assert.ok(await gateway.intake.store.readPatient((await region.hospitalB.readRecord(first ?? '')).patientId));
    });

    it('answers a duplicate (MSH-3, MSH-4, MSH-10) as before and never processes it twice, even sent twice at once', async () => {
        const gateway = region.gateway();
        const ids = fresh();
        await region.register([{ system: 'HOSPA', value: ids.mrn }]);
        const text = oru(ids, ids.controlId);
        const [one, two] = await Promise.all([client.sendOne(text), client.sendOne(text)]);
        assertAck(one, 'AA', ids.controlId);
        assertAck(two, 'AA', ids.controlId);
        const anchored = await gateway.waitFor(ids.controlId, ['anchored']);
        assertAck(await client.sendOne(text), 'AA', ids.controlId);
        const broken = fresh();
        const bad = oru(broken, broken.controlId).replace('||7.4|', '||seven|');
        assertAck(await client.sendOne(bad), 'AE', broken.controlId, '102');
        assertAck(await client.sendOne(bad), 'AE', broken.controlId, '102');
        const copies: MessageMeta[] = [];
        for await (const value of gateway.intake.store.messages.values()) {
            const meta = JSON.parse(Buffer.from(value).toString('utf8')) as MessageMeta;
            if (meta.controlId === ids.controlId || meta.controlId === broken.controlId) {
                copies.push(meta);
            }
        }
        assert.equal(copies.length, 2);
        const records = await region.hospitalB.listRecordsByPatient(
            (await region.hospitalB.readRecord(anchored.recordIds[0] ?? '')).patientId,
            { pageSize: 50, bookmark: '' },
        );
        assert.equal(records.items.length, 1);
    });

    it("refuses AR, and keeps nothing of, what is not this hospital's", async () => {
        const gateway = region.gateway();
        const cases: [string, Partial<MessageIds>, (text: string) => string, string][] = [
            ['another facility', { receivingFacility: 'HospitalBMSP' }, (t) => t, '207'],
            ['a training message', { processingId: 'T' }, (t) => t, '202'],
            ['an unsupported type', {}, (t) => t.replace('ORU^R01', 'SIU^S12'), '200'],
            ['an unsupported event', {}, (t) => t.replace('ORU^R01', 'ORU^R30'), '201'],
            ['a character set the gateway does not decode', { charset: 'UNICODE UTF-16' }, (t) => t, '103'],
        ];
        const before = (await gateway.intake.status()).queues;
        for (const [what, overrides, change, errorCode] of cases) {
            const ids = fresh(overrides);
            assertAck(await client.sendOne(change(oru(ids, ids.controlId))), 'AR', ids.controlId, errorCode);
            assert.equal(
                await gateway.intake.store.readText(
                    gateway.intake.store.ids,
                    JSON.stringify(['HIS', 'HOSPA', ids.controlId]),
                ),
                undefined,
                what,
            );
        }
        assertAck(await client.sendOne('not HL7 at all'), 'AR', '', '100');
        assert.deepEqual((await gateway.intake.status()).queues, before);
    });

    it('frames split across writes and joined in one, with stray bytes, are each answered in order; a malformed message does not hold back those behind it', async () => {
        const [a, b, c] = [fresh(), fresh(), fresh()];
        const first = toMllpFrame(Buffer.from(oru(a, a.controlId)));
        const broken = toMllpFrame(Buffer.from(oru(b, b.controlId).replace('20250304092000', 'yesterday')));
        const last = toMllpFrame(Buffer.from(oru(c, c.controlId)));
        const garbage = toMllpFrame(Buffer.from('garbage'));
        const cut = 17;
        const joined = Buffer.concat([Buffer.from('\r\n noise'), first, garbage, broken, last.subarray(0, cut)]);
        const acks = client.writeRaw(joined, 4);
        await client.writeRaw(last.subarray(cut), 0);
        const [ackA, ackGarbage, ackB, ackC] = await acks;
        assertAck(ackA, 'AA', a.controlId);
        assertAck(ackGarbage, 'AR', '', '100');
        assertAck(ackB, 'AE', b.controlId, '102');
        assertAck(ackC, 'AA', c.controlId);
    });

    it('keeps a message that cannot be decoded in the error queue; an operator reads it and has it reprocessed', async () => {
        const ids = fresh();
        const text = oru(ids, ids.controlId, 'diabetes', { patient: CHINESE_PATIENT });
        // MSH-18 empty: the gateway's default (ASCII) does not fit the UTF-8 bytes.
        assertAck(await client.sendOne(text), 'AE', ids.controlId, '102');
        const gateway = region.gateway();
        const errors = await api(gateway, 'GET', '/hl7/errors');
        const listed = (errors.body.items as MessageMeta[]).find((meta) => meta.controlId === ids.controlId);
        assert.ok(listed);
        assert.equal(listed.error?.code, '102');
        const shown = await api(gateway, 'GET', `/hl7/messages/${listed.messageId}`);
        assert.match((shown.body.content as { text: string }).text, /^MSH\|/);
        // The operator sets the default character set to what this sender uses, restarts, and reprocesses.
        await region.closeGateway();
        await region.open({ defaultCharset: 'UNICODE UTF-8' });
        await region.register([{ system: 'HOSPA', value: ids.mrn }]);
        const reprocessed = await api(region.gateway(), 'POST', `/hl7/messages/${listed.messageId}/reprocess`);
        assert.deepEqual([reprocessed.status, reprocessed.body.status], [200, 'received']);
        const anchored = await region.gateway().waitFor(ids.controlId, ['anchored']);
        assert.equal(anchored.messageId, listed.messageId);
        const again = await api(region.gateway(), 'POST', `/hl7/messages/${listed.messageId}/reprocess`);
        assert.deepEqual([again.status, codeOf(again.body)], [409, 'CONFLICT']);
        client = await MllpClient.connect(region.gateway().mllpUrl);
    });

    it('sends CA, then the application acknowledgment, in enhanced mode as MSH-15 and MSH-16 ask', async () => {
        const both = fresh({ ackTypes: ['AL', 'AL'] });
        const acks = await client.send(oru(both, both.controlId), 2);
        assert.deepEqual(
            acks.map((ack) => [ack.code, ack.controlId]),
            [
                ['CA', both.controlId],
                ['AA', both.controlId],
            ],
        );
        const commitOnly = fresh({ ackTypes: ['AL', 'NE'] });
        assertAck(await client.sendOne(oru(commitOnly, commitOnly.controlId)), 'CA', commitOnly.controlId);
        const refused = fresh({ ackTypes: ['AL', 'ER'], receivingFacility: 'Elsewhere' });
        const [commit, reject] = await client.send(oru(refused, refused.controlId), 2);
        assertAck(commit, 'CR', refused.controlId, '207');
        assertAck(reject, 'AR', refused.controlId, '207');
    });

    it('takes GBK-encoded Chinese over the wire and answers with the sender’s own bytes', async () => {
        const ids = fresh({ charset: 'GBK', application: '医院信息系统' });
        const patient = await region.register([{ system: 'HOSPA', value: ids.mrn }]);
        const bytes = toGbk(adt('A01', ids, 'V-GBK', { patient: CHINESE_PATIENT }));
        const ack = await client.sendOne(bytes);
        assertAck(ack, 'AA', ids.controlId);
        assert.ok(
            Buffer.from(ack.text, 'latin1').includes(toGbk('|医院信息系统|')),
            'MSH-5 of the ACK is MSH-3 as sent',
        );
        await region.gateway().waitFor(ids.controlId, ['anchored']);
        const local = (await region.gateway().intake.store.readPatient(patient.patientId)) as { name: unknown[] };
        assert.deepEqual(local.name[0], { use: 'official', family: '王', given: ['丽'] });
    });

    it('ADT^A40 moves the link to the surviving MRN; a late message naming the prior one, and what waited on it, follow', async () => {
        const gateway = region.gateway();
        const prior = fresh();
        const patient = await region.register([{ system: 'HOSPA', value: prior.mrn }]);
        const merge = fresh();
        assertAck(await client.sendOne(adtA40(merge, prior.mrn)), 'AA', merge.controlId);
        await gateway.waitFor(merge.controlId, ['processed']);
        const viaSurviving = { ...merge, controlId: `${merge.controlId}-ORU` };
        assertAck(await client.sendOne(oru(viaSurviving, viaSurviving.controlId)), 'AA', viaSurviving.controlId);
        const anchored = await gateway.waitFor(viaSurviving.controlId, ['anchored']);
        assert.equal((await region.hospitalB.readRecord(anchored.recordIds[0] ?? '')).patientId, patient.patientId);
        const viaPrior = { ...prior, controlId: `${prior.controlId}-ORU` };
        assertAck(await client.sendOne(oru(viaPrior, viaPrior.controlId)), 'AA', viaPrior.controlId);
        const late = await gateway.waitFor(viaPrior.controlId, ['anchored']);
        assert.equal((await region.hospitalB.readRecord(late.recordIds[0] ?? '')).patientId, patient.patientId);

        const waiting = fresh();
        assertAck(await client.sendOne(mdm(waiting, waiting.controlId)), 'AA', waiting.controlId);
        await gateway.waitFor(waiting.controlId, ['pending']);
        const merged = fresh();
        assertAck(await client.sendOne(adtA40(merged, waiting.mrn)), 'AA', merged.controlId);
        await gateway.waitFor(merged.controlId, ['processed']);
        await region.register([{ system: 'HOSPA', value: merged.mrn }]);
        await gateway.waitFor(waiting.controlId, ['anchored']);
    });

    it('refuses to link an identifier already linked to another patient, and registers nothing then', async () => {
        const ids = fresh();
        await region.register([{ system: 'HOSPA', value: ids.mrn }]);
        const other = newTestPatient();
        await assert.rejects(region.register([{ system: 'HOSPA', value: ids.mrn }], other), /409/);
        await assert.rejects(region.hospitalB.readPatient(other.patientId), (error: unknown) => {
            assert.ok(error instanceof ApiError && error.code === 'NOT_FOUND');
            return true;
        });
    });

    it('serves the operator routes to a hospital admin only, and counts in the metrics', async () => {
        const gateway = region.gateway();
        assert.equal((await api(gateway, 'GET', '/hl7/status')).status, 200);
        for (const role of ['clinician', 'claims', 'auditor'] as const) {
            const refused = await api(gateway, 'GET', '/hl7/errors', gateway.tokens[role]);
            assert.deepEqual([refused.status, codeOf(refused.body)], [403, 'FORBIDDEN'], role);
        }
        const anonymous = await fetch(`${gateway.url}/hl7/pending`);
        assert.equal(anonymous.status, 401);
        assert.equal((await api(gateway, 'GET', '/hl7/messages/m-nothing')).status, 404);
        assert.equal((await api(gateway, 'GET', '/hl7/errors?limit=0')).status, 400);
        const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
        assert.match(metrics, /healthchain_hl7_acks_total\{code="AA"\} [1-9]/);
        assert.match(metrics, /healthchain_hl7_acks_total\{code="AR"\} [1-9]/);
        assert.match(metrics, /healthchain_hl7_anchored_total [1-9]/);
        assert.match(metrics, /healthchain_hl7_ack_to_anchored_seconds_count [1-9]/);
    });
});

describe('the pending queue', () => {
    let region: Hl7Region;

    before(async () => {
        region = await newHl7Region({ pending: { maxAgeDays: 1, maxMessages: 2 } });
    });
    after(async () => {
        await region.close();
    });

    it('drops the oldest beyond its size, and what is older than its age, counting both; a resent copy is answered as before', async () => {
        const gateway = region.gateway();
        const client = await MllpClient.connect(gateway.mllpUrl);
        try {
            const [oldest, second, third] = [fresh(), fresh(), fresh()];
            for (const ids of [oldest, second, third]) {
                assertAck(await client.sendOne(oru(ids, ids.controlId)), 'AA', ids.controlId);
                await gateway.waitFor(ids.controlId, ['pending', 'expired']);
            }
            const evicted = await gateway.waitFor(oldest.controlId, ['expired']);
            assert.equal(await gateway.intake.store.readRaw(evicted.messageId), undefined);
            region.clockOffsetMs = 2 * 86_400_000;
            assert.equal(await gateway.intake.sweep(), 2);
            await gateway.waitFor(second.controlId, ['expired']);
            await gateway.waitFor(third.controlId, ['expired']);
            const status = await gateway.intake.status();
            assert.deepEqual([status.queues.pending, status.dropped.evicted, status.dropped.expired], [0, 1, 2]);
            assertAck(await client.sendOne(oru(oldest, oldest.controlId)), 'AA', oldest.controlId);
            await region.register([{ system: 'HOSPA', value: oldest.mrn }]);
            assert.equal((await gateway.intake.store.readMeta(evicted.messageId))?.status, 'expired');
        } finally {
            await client.close();
        }
    });

    it('survives a restart of the gateway: a pending message is processed when its patient is linked later', async () => {
        region.clockOffsetMs = 0;
        const ids = fresh();
        const client = await MllpClient.connect(region.gateway().mllpUrl);
        assertAck(await client.sendOne(mdm(ids, ids.controlId)), 'AA', ids.controlId);
        await client.close();
        await region.gateway().waitFor(ids.controlId, ['pending']);
        await region.closeGateway();
        await region.open({ pending: { maxAgeDays: 1, maxMessages: 2 } });
        await region.register([{ system: 'HOSPA', value: ids.mrn }]);
        const anchored = await region.gateway().waitFor(ids.controlId, ['anchored']);
        assert.equal((await region.hospitalB.readRecord(anchored.recordIds[0] ?? '')).category, 'document');
    });
});
