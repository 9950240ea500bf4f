// SPDX-License-Identifier: Apache-2.0
/** What the CLI prints: aligned tables and key-value lists for people, JSON for scripts (`--json`). */

/** A table column: its header and how to read a cell from a row. */
export interface Column {
    readonly header: string;
    readonly cell: (row: Readonly<Record<string, unknown>>) => unknown;
}

/** Where lines go; tests capture them. */
export interface Printer {
    out(text: string): void;
    err(text: string): void;
}

/** The console printer. */
export const consolePrinter: Printer = {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
};

/**
 * Text of a cell.
 * @param value - any JSON value
 */
export function toCellText(value: unknown): string {
    if (value === undefined || value === null) {
        return '';
    }
    if (Array.isArray(value)) {
        return value.map(toCellText).join(',');
    }
    if (typeof value === 'string') {
        return value;
    }
    return JSON.stringify(value);
}

/**
 * Formats rows as an aligned table.
 * @param rows - objects
 * @param columns - which columns
 */
export function toTable(rows: readonly Readonly<Record<string, unknown>>[], columns: readonly Column[]): string {
    const cells = rows.map((row) => columns.map((column) => toCellText(column.cell(row))));
    const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((r) => (r[i] ?? '').length)));
    const line = (values: readonly string[]): string =>
        values
            .map((v, i) => v.padEnd(widths[i] ?? 0))
            .join('  ')
            .trimEnd();
    return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/**
 * A column reading one field.
 * @param field - the field name
 * @param header - header text (the field name by default)
 */
export function field(field: string, header: string = field): Column {
    return { header, cell: (row) => row[field] };
}

/**
 * An amount `{value, currency}` as `1280.50 CNY` (empty when it is not one).
 * @param amount - a claim's amount
 */
export function toAmountText(amount: unknown): string {
    const { value, currency } = (typeof amount === 'object' && amount !== null ? amount : {}) as Record<
        string,
        unknown
    >;
    return typeof value === 'number' && typeof currency === 'string' ? `${value.toFixed(2)} ${currency}` : '';
}

/**
 * Formats an object as `key: value` lines.
 * @param value - the object
 */
export function toKeyValues(value: Readonly<Record<string, unknown>>): string {
    const entries = Object.entries(value);
    const width = Math.max(0, ...entries.map(([key]) => key.length));
    return entries.map(([key, v]) => `${(key + ':').padEnd(width + 1)} ${toCellText(v)}`).join('\n');
}

/**
 * The items of a list answer `{items, nextCursor}` (or an array).
 * @param body - the answer
 */
export function itemsOf(body: unknown): Readonly<Record<string, unknown>>[] {
    if (Array.isArray(body)) {
        return body as Record<string, unknown>[];
    }
    const items = typeof body === 'object' && body !== null ? (body as { items?: unknown }).items : undefined;
    return Array.isArray(items) ? (items as Record<string, unknown>[]) : [];
}
