// SPDX-License-Identifier: Apache-2.0
/**
 * Date search values (http://hl7.org/fhir/R4/search.html#date): a value of some precision denotes a range of
 * instants, and a prefix compares the searched instant with that range. The ledger's timestamps are instants
 * in UTC (docs/design.md "Time"), so a value without a time zone (a year, month or day) is read as UTC.
 */
import { ApiError } from '../errors';

/** The prefixes this server accepts on dates; `eq` is the default. */
export const DatePrefixes = ['eq', 'ge', 'gt', 'le', 'lt'] as const;
/** One of {@link DatePrefixes}. */
export type DatePrefix = (typeof DatePrefixes)[number];

/** Every prefix FHIR defines (http://hl7.org/fhir/R4/search.html#prefix). */
const FHIR_PREFIXES: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/** A half-open range of instants `[start, end)`, milliseconds since the epoch; either end may be open. */
export interface InstantRange {
    readonly start?: number;
    readonly end?: number;
}

/** YYYY, YYYY-MM, YYYY-MM-DD, or a date with hh:mm, optional :ss and .sss, and a zone (required with a time). */
const DATE_VALUE =
    /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

function invalid(message: string): never {
    throw new ApiError('INVALID_INPUT', message);
}

/**
 * Splits a date search value into its prefix and value.
 * @param raw - e.g. `ge2024-05-01`
 * @throws ApiError INVALID_INPUT for a prefix FHIR defines that this server does not support (`ne sa eb ap`)
 */
export function splitDatePrefix(raw: string): { prefix: DatePrefix; value: string } {
    const head = raw.slice(0, 2);
    if (!FHIR_PREFIXES.has(head)) {
        return { prefix: 'eq', value: raw };
    }
    if (!(DatePrefixes as readonly string[]).includes(head)) {
        invalid(`the date prefix ${head} is not supported (only ${DatePrefixes.join(', ')})`);
    }
    return { prefix: head as DatePrefix, value: raw.slice(2) };
}

function zoneOffsetMs(zone: string | undefined): number {
    if (zone === undefined || zone === 'Z') {
        return 0;
    }
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(4, 6));
    if (hours > 14 || minutes > 59) {
        invalid(`the time zone ${zone} is out of range`);
    }
    return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

/** The fields of a date value, as numbers (missing ones at their least), and how precise it is. */
interface DateFields {
    readonly parts: readonly number[];
    readonly precision: number;
    readonly zone: string | undefined;
}

function readFields(value: string): DateFields {
    const match = DATE_VALUE.exec(value);
    if (!match) {
        return invalid(`${value.slice(0, 40)} is not a FHIR date, dateTime or instant`);
    }
    // Groups that did not take part are undefined at run time, whatever the type of `slice` says.
    const given: readonly (string | undefined)[] = match.slice(1, 8);
    const precision = given.findIndex((part) => part === undefined);
    const parts = given.map((part, index) => {
        if (part === undefined) {
            return index === 1 || index === 2 ? 1 : 0;
        }
        // Fractions of a second are decimal: `.5` is 500 milliseconds.
        return index === 6 ? Number(part.padEnd(3, '0')) : Number(part);
    });
    return { parts, precision: precision === -1 ? 7 : precision, zone: match[8] };
}

/** Adds one unit of the value's precision (year, month, day, minute, second or millisecond) to a UTC date. */
function nextAtPrecision(date: Date, precision: number): number {
    const next = new Date(date.getTime());
    switch (precision) {
        case 1:
            next.setUTCFullYear(next.getUTCFullYear() + 1);
            break;
        case 2:
            next.setUTCMonth(next.getUTCMonth() + 1);
            break;
        case 3:
            next.setUTCDate(next.getUTCDate() + 1);
            break;
        case 5:
            next.setUTCMinutes(next.getUTCMinutes() + 1);
            break;
        case 6:
            next.setUTCSeconds(next.getUTCSeconds() + 1);
            break;
        default:
            next.setUTCMilliseconds(next.getUTCMilliseconds() + 1);
    }
    return next.getTime();
}

/**
 * The range of instants a date value denotes: `2024` is the year 2024 (UTC), `2024-05-01T10:00+08:00` that
 * minute, `2024-05-01T10:00:00.000Z` that millisecond.
 * @param value - the value without its prefix
 * @throws ApiError INVALID_INPUT when it is not a valid date of the accepted forms
 */
export function toInstantRangeOf(value: string): { start: number; end: number } {
    const { parts, precision, zone } = readFields(value);
    const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0] = parts;
    const utc = new Date(0);
    utc.setUTCFullYear(year, month - 1, day);
    utc.setUTCHours(hour, minute, second, millis);
    // A day or time out of range (2023-02-30, 24:00) would roll over into another field.
    const kept = [
        utc.getUTCFullYear(),
        utc.getUTCMonth() + 1,
        utc.getUTCDate(),
        utc.getUTCHours(),
        utc.getUTCMinutes(),
    ];
    const fieldsKept = kept.every((field, index) => field === parts[index]) && utc.getUTCSeconds() === second;
    if (!fieldsKept) {
        invalid(`${value.slice(0, 40)} is not a valid date`);
    }
    const offset = zoneOffsetMs(zone);
    return { start: utc.getTime() - offset, end: nextAtPrecision(utc, precision) - offset };
}

/**
 * The instants a prefixed date value selects (http://hl7.org/fhir/R4/search.html#prefix, for instants).
 * @param prefix - the comparison
 * @param value - the value without its prefix
 * @throws ApiError INVALID_INPUT
 */
export function toSelectedRange(prefix: DatePrefix, value: string): InstantRange {
    const range = toInstantRangeOf(value);
    switch (prefix) {
        case 'eq':
            return range;
        case 'ge':
            return { start: range.start };
        case 'gt':
            return { start: range.end };
        case 'le':
            return { end: range.end };
        case 'lt':
            return { end: range.start };
    }
}

/**
 * The intersection of ranges (every date parameter must hold): the latest start and the earliest end.
 * @param ranges - ranges
 */
export function intersectRanges(ranges: readonly InstantRange[]): InstantRange {
    const starts = ranges.flatMap((range) => (range.start === undefined ? [] : [range.start]));
    const ends = ranges.flatMap((range) => (range.end === undefined ? [] : [range.end]));
    return {
        ...(starts.length > 0 ? { start: Math.max(...starts) } : {}),
        ...(ends.length > 0 ? { end: Math.min(...ends) } : {}),
    };
}
