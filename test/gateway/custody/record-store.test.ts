// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isContentHash, toContentHash } from '../../../gateway/src/custody/content-hash';
import { openCustodyDb, type CustodyDb } from '../../../gateway/src/custody/db';
import { RecordIntegrityError, RecordStore, type StoredRecord } from '../../../gateway/src/custody/record-store';
import { readOrCreateStoreKey } from '../../../gateway/src/custody/store-key';
import { newTempDir } from '../../helpers/ledger';

const PATIENT = `pt${'a'.repeat(52)}`;

function newRecord(recordId: string): StoredRecord {
    const resource = { resourceType: 'Observation', id: 'obs-1', status: 'final', valueQuantity: { value: 5.4 } };
    const salt = randomBytes(32).toString('hex');
    return {
        recordId,
        patientId: PATIENT,
        category: 'lab',
        resource,
        salt,
        contentHash: toContentHash(salt, resource),
        storedAt: new Date().toISOString(),
    };
}

describe('record store', () => {
    let temp: ReturnType<typeof newTempDir>;
    let db: CustodyDb;
    let store: RecordStore;

    beforeEach(async () => {
        temp = newTempDir('custody-store-');
        db = await openCustodyDb(temp.dir);
        store = new RecordStore(db.records, readOrCreateStoreKey(join(temp.dir, 'keys', 'store.key')));
    });
    afterEach(async () => {
        await db.close();
        temp.remove();
    });

    it('returns a stored record unchanged', async () => {
        const record = newRecord('rec-round-trip');
        await store.put(record);
        assert.deepEqual(store.get(record.recordId), record);
        assert.equal(store.get('rec-missing'), undefined);
    });

    it('keeps content encrypted at rest', async () => {
        const record = newRecord('rec-at-rest');
        await store.put(record);
        const raw = Buffer.from((await db.records.get(record.recordId)) ?? new Uint8Array());
        assert.ok(raw.length > 0);
        for (const needle of ['Observation', PATIENT, record.salt, record.contentHash]) {
            assert.equal(raw.includes(Buffer.from(needle)), false, `${needle} appears in clear`);
        }
    });

    it('detects a tampered value (GCM authentication)', async () => {
        const record = newRecord('rec-tampered');
        await store.put(record);
        const raw = Buffer.from((await db.records.get(record.recordId)) ?? new Uint8Array());
        raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 0x01;
        await db.records.put(record.recordId, raw);
        assert.throws(() => store.get(record.recordId), RecordIntegrityError);
    });

    it('detects a value moved to another record id (the id is authenticated)', async () => {
        const record = newRecord('rec-original');
        await store.put(record);
        const raw = (await db.records.get(record.recordId)) ?? new Uint8Array();
        await db.records.put('rec-impostor', raw);
        assert.throws(
            () => store.get('rec-impostor'),
            (error: unknown) => {
                assert.ok(error instanceof RecordIntegrityError);
                assert.equal(error.recordId, 'rec-impostor');
                return true;
            },
        );
    });

    it('cannot be read with another key', async () => {
        const record = newRecord('rec-other-key');
        await store.put(record);
        const other = new RecordStore(db.records, readOrCreateStoreKey(join(temp.dir, 'other.key')));
        assert.throws(() => other.get(record.recordId), RecordIntegrityError);
    });
});

describe('record store key', () => {
    let temp: ReturnType<typeof newTempDir>;
    beforeEach(() => {
        temp = newTempDir('custody-key-');
    });
    afterEach(() => {
        temp.remove();
    });

    it('creates a 32-byte key at mode 0600 and reuses it', () => {
        const file = join(temp.dir, 'msp', 'store.key');
        const key = readOrCreateStoreKey(file);
        assert.equal(key.length, 32);
        assert.equal(statSync(file).mode & 0o777, 0o600);
        assert.deepEqual(readOrCreateStoreKey(file), key);
    });

    it('refuses a key file others may read', () => {
        const file = join(temp.dir, 'store.key');
        writeFileSync(file, Buffer.alloc(32, 7));
        chmodSync(file, 0o644);
        assert.throws(() => readOrCreateStoreKey(file), /0600/);
    });

    it('refuses a file that holds no key', () => {
        const file = join(temp.dir, 'store.key');
        writeFileSync(file, 'not a key', { mode: 0o600 });
        assert.throws(() => readOrCreateStoreKey(file), /32-byte/);
    });
});

describe('content hash', () => {
    it('is SHA-256 of the salt and the canonical content, whatever the key order', () => {
        const salt = randomBytes(32).toString('hex');
        const a = { resourceType: 'Observation', status: 'final', code: { text: 'Hb', coding: [] } };
        const b = { code: { coding: [], text: 'Hb' }, status: 'final', resourceType: 'Observation' };
        assert.equal(toContentHash(salt, a), toContentHash(salt, b));
        assert.ok(isContentHash(salt, b, toContentHash(salt, a)));
        assert.equal(isContentHash(salt, { ...a, status: 'amended' }, toContentHash(salt, a)), false);
        assert.notEqual(toContentHash(randomBytes(32).toString('hex'), a), toContentHash(salt, a));
    });
});
