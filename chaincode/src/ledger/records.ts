// SPDX-License-Identifier: Apache-2.0
/** Reading records through their versions: a `supersedes` chain leads back to the first version. */
import type { Context } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { Keys } from '../model/keys';
import type { Claim, RecordEntry } from '../protocol/state';
import { readIndex, readState } from './state';

/** Longest `supersedes` chain followed; a longer one is refused rather than walked without bound. */
export const MAX_VERSIONS = 64;

/**
 * The id of a record's first version: the key under which every version of one record backs one claim.
 * @param ctx - transaction context
 * @param entry - any version
 * @returns the first version's record id
 * @throws CONFLICT when the chain is longer than {@link MAX_VERSIONS}
 */
export async function readFirstVersionId(ctx: Context, entry: RecordEntry): Promise<string> {
    let current = entry;
    for (let step = 0; step < MAX_VERSIONS; step++) {
        if (current.supersedes === null) {
            return current.recordId;
        }
        const previous = await readState<RecordEntry>(ctx, Keys.record(current.supersedes));
        if (previous === null) {
            return current.supersedes;
        }
        current = previous;
    }
    throw new ChaincodeError(ErrorCodes.CONFLICT, `record ${entry.recordId} has more than ${MAX_VERSIONS} versions`);
}

/**
 * The open or approved claim a record (any version of it) backs, or null.
 * @param ctx - transaction context
 * @param entry - the record
 */
export async function readBackingClaim(ctx: Context, entry: RecordEntry): Promise<Claim | null> {
    const claimId = await readIndex(ctx, Keys.claimByRecord(await readFirstVersionId(ctx, entry)));
    return claimId === null ? null : readState<Claim>(ctx, Keys.claim(claimId));
}
