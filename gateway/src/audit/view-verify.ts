// SPDX-License-Identifier: Apache-2.0
/**
 * The auditor's check that the audit view is honest (docs/api.md "Audit", `GET /audit/stats/verify`): every
 * access event of a range is counted again from the ledger, page by page (only the counts are kept), and
 * compared row by row with the view's hour rows and day rollups.
 */
import type { LedgerContracts } from '../ledger/contracts';
import type { ChainInfo } from '../../../network/src/ledger';
import type { AuditView, HourRange } from './audit-view';
import { fromRowKey, toRowKey, toViewRow, type CountedRow, type RowKind, type ViewRow } from './view-rows';

/** A row whose count differs between the ledger and the view. */
export interface RowDifference extends ViewRow {
    readonly kind: 'hour' | 'day';
    readonly ledger: number;
    readonly view: number;
}

/** The outcome of a verification. */
export interface ViewVerification {
    /** Every hour row and day rollup of the range equals the ledger's count. */
    readonly ok: boolean;
    readonly from: string;
    readonly to: string;
    /** The chain's height once the recount had finished. */
    readonly ledgerHeight: number;
    /** The generation compared and the blocks it had fully counted. */
    readonly view: { readonly generation: number; readonly height: number };
    /** Access events in the range: counted on the ledger, and in the view. */
    readonly total: { readonly ledger: number; readonly view: number };
    /** Rows that differ, at most {@link MAX_DIFFERENCES} of them. */
    readonly differences: readonly RowDifference[];
    /** How many rows differ in all. */
    readonly differenceCount: number;
}

/** Most differing rows listed in an answer. */
export const MAX_DIFFERENCES = 100;
/** Chaincode page size of the recount. */
const RECOUNT_PAGE_SIZE = 500;

/** What a verification needs. */
export interface VerifyDeps {
    readonly contracts: Pick<LedgerContracts, 'listAccessByTime'>;
    readonly ledger: { getChainInfo(): Promise<Pick<ChainInfo, 'height'>> };
    readonly view: AuditView;
    /** Longest wait for the view to count the blocks the recount saw. */
    readonly waitMs: number;
}

function bump(counts: Map<string, number>, key: string, count: number): void {
    counts.set(key, (counts.get(key) ?? 0) + count);
}

/** Hour and day counts of the range's events on the ledger, keyed as the view's rows. */
async function recount(contracts: VerifyDeps['contracts'], range: HourRange): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let bookmark = '';
    do {
        const page = await contracts.listAccessByTime(range.from, range.to, {
            pageSize: RECOUNT_PAGE_SIZE,
            bookmark,
        });
        for (const event of page.items) {
            const row = toViewRow(event);
            bump(counts, toRowKey('h', row), 1);
            bump(counts, toRowKey('d', row), 1);
        }
        bookmark = page.bookmark;
    } while (bookmark !== '');
    return counts;
}

/** The view's counts, keyed as rows. */
function toCounts(kind: RowKind, rows: readonly CountedRow[]): Map<string, number> {
    return new Map(rows.map(({ row, count }) => [toRowKey(kind, row), count]));
}

function isDayInside(dayStart: string, range: HourRange): boolean {
    const end = new Date(Date.parse(dayStart) + 86_400_000).toISOString();
    return dayStart >= range.from && end <= range.to;
}

/** Hour rows are compared; day rollups only for days wholly inside the range (the view keeps no others). */
function isCompared(key: string, range: HourRange): boolean {
    return key.startsWith('h') || isDayInside(fromRowKey(key).start, range);
}

function compare(
    ledger: ReadonlyMap<string, number>,
    view: ReadonlyMap<string, number>,
    range: HourRange,
): RowDifference[] {
    const differences: RowDifference[] = [];
    for (const key of new Set([...ledger.keys(), ...view.keys()])) {
        const counted = ledger.get(key) ?? 0;
        const shown = view.get(key) ?? 0;
        if (counted !== shown && isCompared(key, range)) {
            const kind = key.startsWith('h') ? 'hour' : 'day';
            differences.push({ kind, ...fromRowKey(key), ledger: counted, view: shown });
        }
    }
    return differences.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/**
 * Recounts a range on the ledger and compares it with the view. The view is read once it has counted every
 * block the recount could have seen, or written everything its stream delivered (or after `waitMs`; the answer
 * then shows it behind). Verify a range whose events have settled: one committed while the recount runs may
 * be in the view and not in the recount.
 * @param deps - contracts, ledger, view, wait
 * @param range - `[from, to)`, whole UTC hours
 */
export async function verifyView(deps: VerifyDeps, range: HourRange): Promise<ViewVerification> {
    const counted = await recount(deps.contracts, range);
    const { height } = await deps.ledger.getChainInfo();
    const signal = AbortSignal.timeout(deps.waitMs);
    await deps.view.settle(height, signal).catch((error: unknown) => {
        // Not caught up in time: compare anyway; the answer's view height says how far it was.
        if (!signal.aborted) {
            throw error;
        }
    });
    const read = await deps.view.readRows(range);
    const viewCounts = new Map([...toCounts('h', read.value.hours), ...toCounts('d', read.value.days)]);
    const differences = compare(counted, viewCounts, range);
    const sumHours = (counts: ReadonlyMap<string, number>): number =>
        [...counts].reduce((sum, [key, count]) => (key.startsWith('h') ? sum + count : sum), 0);
    return {
        ok: differences.length === 0,
        from: range.from,
        to: range.to,
        ledgerHeight: Number(height),
        view: { generation: read.generation, height: Number(read.height) },
        total: { ledger: sumHours(counted), view: sumHours(viewCounts) },
        differences: differences.slice(0, MAX_DIFFERENCES),
        differenceCount: differences.length,
    };
}
