// SPDX-License-Identifier: Apache-2.0
/**
 * Publishing a record (custodian side of `POST /records`): store first, encrypted, together with its outbox
 * entry in one synced batch; then anchor. A record the ledger refuses for good is removed again, so bad
 * input changes nothing; a record the ledger cannot take now stays stored and queued, and the caller is
 * told it is not anchored yet.
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../errors';
import { toTxFields } from '../ledger/contracts';
import { toContentHash, toSalt } from './content-hash';
import type { PublishRequest } from './fhir';
import { isTransientLedgerError, type AnchorJob, type Outbox } from './outbox';
import type { RecordStore, StoredRecord } from './record-store';

/** What `POST /records` answers. */
export interface Published {
    readonly recordId: string;
    readonly contentHash: string;
    readonly txId: string;
    readonly blockNumber: number;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A new record id: `rec-` and 26 base32 characters (130 random bits). */
export function newRecordId(): string {
    const bytes = randomBytes(26);
    let id = 'rec-';
    for (const byte of bytes) {
        id += BASE32.charAt(byte & 31);
    }
    return id;
}

/**
 * Stores, queues and anchors a record.
 * @param store - the record store
 * @param outbox - the anchoring outbox
 * @param request - the validated request
 * @param saltKey - this custodian's salt key (`toSaltKey`)
 * @param now - the gateway's clock
 * @returns the record id, its content hash and the anchoring transaction
 * @throws ApiError LEDGER_UNAVAILABLE (extra `recordId`, `anchored: false`: stored and queued), or the
 *   ledger's refusal (nothing kept)
 */
export async function publishRecord(
    store: RecordStore,
    outbox: Outbox,
    request: PublishRequest,
    saltKey: Uint8Array,
    now: Date,
): Promise<Published> {
    const recordId = newRecordId();
    const salt = toSalt(saltKey, request.patientId, request.resource);
    const contentHash = toContentHash(salt, request.resource);
    const storedAt = now.toISOString();
    const record: StoredRecord = { ...request, recordId, salt, contentHash, storedAt };
    const job: AnchorJob = {
        recordId,
        patientId: request.patientId,
        category: request.category,
        contentHash,
        enqueuedAt: storedAt,
    };
    const sublevel = store.sublevel;
    await sublevel.db.batch(
        [{ type: 'put', sublevel, key: recordId, value: store.seal(record) }, outbox.putOperation(job)],
        { sync: true },
    );
    try {
        const anchored = await outbox.anchorNow(job, [{ type: 'del', sublevel, key: recordId }]);
        return { recordId, contentHash, ...toTxFields(anchored) };
    } catch (error) {
        if (isTransientLedgerError(error)) {
            throw new ApiError('LEDGER_UNAVAILABLE', 'The record is stored but not anchored yet; it will be', {
                cause: error,
                extra: { recordId, contentHash, anchored: false },
            });
        }
        throw error;
    }
}
