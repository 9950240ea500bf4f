// SPDX-License-Identifier: Apache-2.0
/** Arguments of the record contract. */
import { invalid } from '../errors';
import { parseObjectArgument, SHA256_HEX_PATTERN } from './input';
import { readEnum, readId, readPatientId, readString } from '../protocol/input';
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

/**
 * Reads `{recordId, patientId, category, contentHash, supersedes?}`.
 * @param raw - argument text
 * @param supersedesRequired - whether `supersedes` must be present
 * @returns the request
 * @throws INVALID_INPUT when malformed, an unknown category, a hash that is not 64 lowercase hex
 *   digits, or a record that supersedes itself
 */
export function readAnchorRequest(raw: string, supersedesRequired: boolean): AnchorRequest {
    const fields = ['recordId', 'patientId', 'category', 'contentHash'];
    const args = supersedesRequired
        ? parseObjectArgument(raw, 'record', [...fields, 'supersedes'])
        : parseObjectArgument(raw, 'record', fields, ['supersedes']);
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
