// SPDX-License-Identifier: Apache-2.0
/**
 * Access events as CSV (RFC 4180), for the commission's export (docs/api.md "Audit",
 * `GET /audit/export?format=csv`): one header row, one row per event, CRLF line ends.
 */
import type { AccessEvent } from '../ledger/contracts';

/** The columns, in order (docs/api.md "Audit"). */
export const CSV_COLUMNS = [
    'accessId',
    'requestedAt',
    'requester',
    'custodian',
    'recordId',
    'patientId',
    'category',
    'purpose',
    'decision',
    'reason',
    'consentId',
    'consentSigner',
    'justification',
    'expiresAt',
    'deliveryStatus',
    'deliveredAt',
    'reviewVerdict',
    'reviewedAt',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled; a leading
 * `= + - @` gets an apostrophe so spreadsheets do not run it as a formula.
 * @param value - the field
 */
export function toCsvField(value: string | null): string {
    if (value === null) {
        return '';
    }
    const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * One event as a CSV row, without its line end.
 * @param event - the event
 */
export function toCsvRow(event: AccessEvent): string {
    const values: Record<(typeof CSV_COLUMNS)[number], string | null> = {
        ...event,
        consentSigner: event.consentSigner ?? null,
        deliveryStatus: event.delivery?.status ?? null,
        deliveredAt: event.delivery?.at ?? null,
        reviewVerdict: event.review?.verdict ?? null,
        reviewedAt: event.review?.at ?? null,
    };
    return CSV_COLUMNS.map((column) => toCsvField(values[column])).join(',');
}

/** The header row, without its line end. */
export const CSV_HEADER = CSV_COLUMNS.join(',');

/**
 * Access events as CSV with a header row, CRLF line ends (RFC 4180).
 * @param events - the events
 */
export function toAuditCsv(events: readonly AccessEvent[]): string {
    return [CSV_HEADER, ...events.map(toCsvRow)].map((line) => `${line}\r\n`).join('');
}
