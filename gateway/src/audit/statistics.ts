// SPDX-License-Identifier: Apache-2.0
/**
 * Counts of access events per UTC hour or day and in total, by requesting organisation, custodian, purpose
 * and decision (docs/api.md "Audit", `GET /audit/stats`).
 */
import type { AccessEvent } from '../ledger/contracts';

/** Counts of one bucket or of the whole range. */
export interface AuditCounts {
    total: number;
    byOrganization: Record<string, number>;
    byCustodian: Record<string, number>;
    byPurpose: Record<string, number>;
    byDecision: Record<string, number>;
}

function newCounts(): AuditCounts {
    return { total: 0, byOrganization: {}, byCustodian: {}, byPurpose: {}, byDecision: {} };
}

function add(counts: AuditCounts, event: AccessEvent): void {
    const bump = (map: Record<string, number>, key: string): void => {
        map[key] = (map[key] ?? 0) + 1;
    };
    counts.total += 1;
    bump(counts.byOrganization, event.requester);
    bump(counts.byCustodian, event.custodian ?? 'unknown');
    bump(counts.byPurpose, event.purpose);
    bump(counts.byDecision, event.decision);
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
 * Counts events by requesting organisation, custodian, purpose and decision, per bucket and in total.
 * @param events - access events in time order
 * @param bucket - `hour` or `day`
 */
export function toAuditStats(
    events: readonly AccessEvent[],
    bucket: 'hour' | 'day',
): { totals: AuditCounts; buckets: (AuditCounts & { start: string })[] } {
    const totals = newCounts();
    const buckets = new Map<string, AuditCounts & { start: string }>();
    for (const event of events) {
        const start = toBucketStart(event.requestedAt, bucket);
        let counts = buckets.get(start);
        if (!counts) {
            counts = { start, ...newCounts() };
            buckets.set(start, counts);
        }
        add(counts, event);
        add(totals, event);
    }
    return { totals, buckets: [...buckets.values()] };
}
