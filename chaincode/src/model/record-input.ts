// SPDX-License-Identifier: Apache-2.0
/** Arguments of the record contract. */
import { invalid } from '../errors';
import { parseJsonArgument } from './canonical-json';
import { parseObjectArgument, SHA256_HEX_PATTERN } from './input';
import { readEnum, readId, readObject, readPatientId, readString, type JsonObject } from '../protocol/input';
import { Categories } from '../protocol/vocabulary';
import type { Category } from '../protocol/vocabulary';

/** What a custodian anchors: the record's id, patient, category, salted content hash, and what it replaces. */
export interface AnchorRequest {
    readonly recordId: string;
    readonly patientId: string;
    readonly category: Category;
    readonly contentHash: string;
    readonly supersedes: string | null;
}

/** Most entries one `anchorRecords` transaction takes. */
export const MAX_ANCHOR_BATCH = 100;

const ANCHOR_FIELDS = ['recordId', 'patientId', 'category', 'contentHash'] as const;

function toAnchorRequest(args: JsonObject): AnchorRequest {
    const request: AnchorRequest = {
        recordId: readId(args.recordId, 'recordId'),
        patientId: readPatientId(args.patientId, 'patientId'),
        category: readEnum(args.category, 'category', Categories),
        contentHash: readString(args.contentHash, 'contentHash', 64, SHA256_HEX_PATTERN),
        supersedes: args.supersedes === undefined ? null : readId(args.supersedes, 'supersedes'),
    };
    if (request.supersedes === request.recordId) {
        invalid('a record cannot supersede itself');
    }
    return request;
}

/**
 * Reads `{recordId, patientId, category, contentHash, supersedes?}`.
 * @param raw - argument text
 * @param supersedesRequired - whether `supersedes` must be present
 * @returns the request
 * @throws INVALID_INPUT when malformed, an unknown category, a hash that is not 64 lowercase hex
 *   digits, or a record that supersedes itself
 */
export function readAnchorRequest(raw: string, supersedesRequired: boolean): AnchorRequest {
    const args = supersedesRequired
        ? parseObjectArgument(raw, 'record', [...ANCHOR_FIELDS, 'supersedes'])
        : parseObjectArgument(raw, 'record', ANCHOR_FIELDS, ['supersedes']);
    return toAnchorRequest(args);
}

/**
 * Reads one entry of an `anchorRecords` batch: as {@link readAnchorRequest}, `supersedes` optional.
 * @param value - the entry
 * @param path - its place in the batch, for the error
 * @throws INVALID_INPUT as readAnchorRequest
 */
export function readAnchorEntry(value: unknown, path: string): AnchorRequest {
    return toAnchorRequest(readObject(value, path, ANCHOR_FIELDS, ['supersedes']));
}

/**
 * Reads the batch of `anchorRecords`: a JSON array of 1 to {@link MAX_ANCHOR_BATCH} entries, each read later
 * on its own (an entry that is malformed is refused alone).
 * @param raw - argument text
 * @returns the entries, unread
 * @throws INVALID_INPUT when not a JSON array of that size
 */
export function readAnchorBatch(raw: string): readonly unknown[] {
    const value = parseJsonArgument(raw, 'records');
    if (!Array.isArray(value)) {
        invalid('records must be a JSON array');
    }
    const entries: readonly unknown[] = value;
    if (entries.length === 0 || entries.length > MAX_ANCHOR_BATCH) {
        invalid(`records must have 1 to ${MAX_ANCHOR_BATCH} entries`);
    }
    return entries;
}
