// SPDX-License-Identifier: Apache-2.0
import { randomBytes, randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import pino from 'pino';
import { openCustodyDb, type CustodyDb } from '../../../gateway/src/custody/db';
import type { PublishRequest } from '../../../gateway/src/custody/fhir';
import { Outbox, type AnchorJob } from '../../../gateway/src/custody/outbox';
import { publishRecord } from '../../../gateway/src/custody/publisher';
import { toSaltKey } from '../../../gateway/src/custody/content-hash';

const SALT_KEY = toSaltKey(randomBytes(32));
import { RecordStore } from '../../../gateway/src/custody/record-store';
import { ApiError } from '../../../gateway/src/errors';
import { LedgerContracts, type RecordEntry } from '../../../gateway/src/ledger/contracts';
import { newRegion, type Region } from '../../chaincode/helpers/region';
import type { TestPatient } from '../../chaincode/helpers/patients';
import { newTempDir } from '../../helpers/ledger';
import { ProbeLedger } from '../../helpers/probe-ledger';

const logger = pino({ level: 'silent' });
const KEY = Buffer.alloc(32, 9);

/** Waits for the outbox to anchor one record. */
async function anchoredEntry(outbox: Outbox, recordId: string): Promise<RecordEntry> {
    for (;;) {
        const [entry] = (await once(outbox, 'anchored')) as [RecordEntry, string];
        if (entry.recordId === recordId) {
            return entry;
        }
    }
}

/** A lab result of its own: each call is another observation, so the ledger anchors each once. */
function labResult(patient: TestPatient): PublishRequest {
    return {
        patientId: patient.patientId,
        category: 'lab',
        resource: { resourceType: 'Observation', id: randomUUID(), status: 'final', code: { text: 'haemoglobin' } },
    };
}

async function expectApiError(call: Promise<unknown>, code: string): Promise<ApiError> {
    let caught: unknown;
    await assert.rejects(call, (error: unknown) => {
        caught = error;
        return error instanceof ApiError && error.code === code;
    });
    return caught as ApiError;
}

describe('anchoring outbox', () => {
    let region: Region;
    let patient: TestPatient;
    let ledger: ProbeLedger;
    let contracts: LedgerContracts;
    let temp: ReturnType<typeof newTempDir>;
    let db: CustodyDb;
    let store: RecordStore;
    let outbox: Outbox;

    async function openParts(): Promise<void> {
        db = await openCustodyDb(temp.dir);
        store = new RecordStore(db.records, KEY);
        outbox = new Outbox(db, contracts, logger, { initialMs: 2, maxMs: 20 });
        outbox.start();
    }

    async function closeParts(): Promise<void> {
        await outbox.close();
        await db.close();
    }

    before(async () => {
        region = await newRegion();
        patient = await region.newPatient();
        ledger = new ProbeLedger(region.clients.hospitalA);
        contracts = new LedgerContracts(ledger, { clock: () => region.clock.now });
    });
    after(async () => {
        await region.close();
    });
    beforeEach(async () => {
        ledger.down = false;
        temp = newTempDir('custody-outbox-');
        await openParts();
    });
    afterEach(async () => {
        await closeParts();
        temp.remove();
    });

    it('anchors a record at once when the ledger is up', async () => {
        const published = await publishRecord(store, outbox, labResult(patient), SALT_KEY, region.clock.now);
        assert.match(published.recordId, /^rec-[a-z2-7]{26}$/);
        const entry = await contracts.readRecord(published.recordId);
        assert.equal(entry.contentHash, published.contentHash);
        assert.equal(entry.txId, published.txId);
        assert.deepEqual(await outbox.pending(), []);
        assert.equal(store.get(published.recordId)?.contentHash, published.contentHash);
    });

    it('keeps a record stored and queued during an outage, then anchors it', async () => {
        ledger.down = true;
        const error = await expectApiError(
            publishRecord(store, outbox, labResult(patient), SALT_KEY, region.clock.now),
            'LEDGER_UNAVAILABLE',
        );
        const recordId = error.extra.recordId as string;
        assert.equal(error.extra.anchored, false);
        assert.ok(store.has(recordId));
        assert.deepEqual(await outbox.pending(), [recordId]);
        const anchored = anchoredEntry(outbox, recordId);
        ledger.down = false;
        const entry = await anchored;
        assert.equal(entry.contentHash, store.get(recordId)?.contentHash);
        assert.deepEqual(await contracts.readRecord(recordId), entry);
        assert.deepEqual(await outbox.pending(), []);
    });

    it('anchors what an earlier run left queued, after a reopen', async () => {
        ledger.down = true;
        const error = await expectApiError(
            publishRecord(store, outbox, labResult(patient), SALT_KEY, region.clock.now),
            'LEDGER_UNAVAILABLE',
        );
        const recordId = error.extra.recordId as string;
        await closeParts();
        ledger.down = false;
        db = await openCustodyDb(temp.dir);
        store = new RecordStore(db.records, KEY);
        outbox = new Outbox(db, contracts, logger, { initialMs: 2, maxMs: 20 });
        const anchored = anchoredEntry(outbox, recordId);
        outbox.start();
        const entry = await anchored;
        assert.equal(entry.recordId, recordId);
        assert.equal((await contracts.readRecord(recordId)).contentHash, store.get(recordId)?.contentHash);
    });

    it('repeats an anchor that had committed without writing it twice', async () => {
        const published = await publishRecord(store, outbox, labResult(patient), SALT_KEY, region.clock.now);
        const stored = store.get(published.recordId);
        assert.ok(stored);
        // As if the gateway died after the commit and before the outbox entry was removed.
        const job: AnchorJob = {
            recordId: stored.recordId,
            patientId: stored.patientId,
            category: stored.category,
            contentHash: stored.contentHash,
            enqueuedAt: stored.storedAt,
        };
        const { key, value } = outbox.putOperation(job);
        await db.outbox.put(key, value);
        await closeParts();
        await openParts();
        const entry = await anchoredEntry(outbox, published.recordId);
        assert.equal(entry.txId, published.txId, 'the index entry is the first anchor');
        assert.deepEqual(await outbox.pending(), []);
        const page = await contracts.listRecordsByPatient(patient.patientId, { pageSize: 500, bookmark: '' });
        assert.equal(page.items.filter((item) => item.recordId === published.recordId).length, 1);
    });

    it('changes nothing when the ledger refuses a publication for good', async () => {
        const stranger = { ...labResult(patient), patientId: `pt${'b'.repeat(52)}` };
        await expectApiError(publishRecord(store, outbox, stranger, SALT_KEY, region.clock.now), 'NOT_FOUND');
        assert.deepEqual(await db.records.keys().all(), []);
        assert.deepEqual(await outbox.pending(), []);
    });

    it('sets aside a queued anchor that the ledger later refuses for good', async () => {
        ledger.down = true;
        const stranger = { ...labResult(patient), patientId: `pt${'c'.repeat(52)}` };
        const error = await expectApiError(
            publishRecord(store, outbox, stranger, SALT_KEY, region.clock.now),
            'LEDGER_UNAVAILABLE',
        );
        const refused = once(outbox, 'refused');
        ledger.down = false;
        const [recordId, refusal] = (await refused) as [string, ApiError];
        assert.equal(recordId, error.extra.recordId);
        assert.equal(refusal.code, 'NOT_FOUND');
        assert.deepEqual(await outbox.pending(), []);
        assert.deepEqual(await db.refused.keys().all(), [recordId]);
    });
});
