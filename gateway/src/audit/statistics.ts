// SPDX-License-Identifier: Apache-2.0
/**
 * Counts of access events per UTC hour or day and in total, by requesting organisation, custodian, purpose,
 * decision and reason (docs/api.md "Audit", `GET /audit/stats`), summed from the audit view's rows.
 */
import type { CountedRow, ViewDimensions } from './view-rows';

/** Counts of one bucket or of the whole range. */
export interface AuditCounts {
    total: number;
    byOrganization: Record<string, number>;
    byCustodian: Record<string, number>;
    byPurpose: Record<string, number>;
    byDecision: Record<string, number>;
    byReason: Record<string, number>;
}

/** A bucket's counts and its start. */
export type BucketCounts = AuditCounts & { start: string };

/** Totals and buckets, oldest first. */
export interface AuditStats {
    readonly totals: AuditCounts;
    readonly buckets: BucketCounts[];
}

function newCounts(): AuditCounts {
    return { total: 0, byOrganization: {}, byCustodian: {}, byPurpose: {}, byDecision: {}, byReason: {} };
}

function add(counts: AuditCounts, dims: ViewDimensions, count: number): void {
    const bump = (map: Record<string, number>, key: string): void => {
        map[key] = (map[key] ?? 0) + count;
    };
    counts.total += count;
    bump(counts.byOrganization, dims.requester);
    bump(counts.byCustodian, dims.custodian ?? 'unknown');
    bump(counts.byPurpose, dims.purpose);
    bump(counts.byDecision, dims.decision);
    bump(counts.byReason, dims.reason);
}

/**
 * The start of the UTC hour or day an instant falls in.
 * @param iso - ISO timestamp
 * @param bucket - `hour` or `day`
 */
export function toBucketStart(iso: string, bucket: 'hour' | 'day'): string {
    return bucket === 'hour' ? `${iso.slice(0, 13)}:00:00.000Z` : `${iso.slice(0, 10)}T00:00:00.000Z`;
}

/**
 * Sums counted rows per bucket and in total. A request for a record that does not exist has no custodian and
 * is counted under `unknown` in `byCustodian`.
 * @param rows - rows in time order (hour rows, or day rollups when buckets are days)
 * @param bucket - `hour` or `day`
 */
export function toAuditStats(rows: Iterable<CountedRow>, bucket: 'hour' | 'day'): AuditStats {
    const totals = newCounts();
    const buckets = new Map<string, BucketCounts>();
    for (const { row, count } of rows) {
        const start = toBucketStart(row.start, bucket);
        let counts = buckets.get(start);
        if (!counts) {
            counts = { start, ...newCounts() };
            buckets.set(start, counts);
        }
        add(counts, row, count);
        add(totals, row, count);
    }
    return { totals, buckets: [...buckets.values()] };
}
