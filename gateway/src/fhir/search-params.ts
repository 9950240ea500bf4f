// SPDX-License-Identifier: Apache-2.0
/**
 * Search parameters (http://hl7.org/fhir/R4/search.html). Each resource declares the parameters it supports in
 * a table of {@link SearchParamSpec}s; the same table drives this parser and the CapabilityStatement
 * (`capability.ts`), so what is announced is exactly what is accepted. Anything outside the table (an unknown
 * parameter, a modifier, a prefix, a chain, a list of values, a repeat) is refused with 400 INVALID_INPUT,
 * never ignored: a search that silently dropped a filter would answer more than was asked.
 */
import { ApiError } from '../errors';
import { DatePrefixes, splitDatePrefix, type DatePrefix } from './date-search';

/** The FHIR search parameter types used here. */
export const SearchParamTypes = ['reference', 'token', 'date', 'number', 'string'] as const;
/** One of {@link SearchParamTypes}. */
export type SearchParamType = (typeof SearchParamTypes)[number];

/** One supported search parameter. */
export interface SearchParamSpec {
    readonly name: string;
    readonly type: SearchParamType;
    /** What it matches, for people (shown in the CapabilityStatement). */
    readonly documentation: string;
    /** The canonical URL of FHIR's own definition, when the parameter is FHIR's. */
    readonly definition?: string;
    /** Modifiers accepted besides none (e.g. `identifier`). */
    readonly modifiers?: readonly string[];
    /** How many times it may be given; 1 unless stated (two dates bound a range). */
    readonly maxRepeats?: number;
}

/** One value given for a parameter. */
export interface SearchValue {
    readonly modifier?: string;
    /** A date's comparison (`eq` when none was given); absent on other types. */
    readonly prefix?: DatePrefix;
    readonly value: string;
}

/** A parsed search: the values given for each parameter, in the order given. */
export type ParsedSearch = ReadonlyMap<string, readonly SearchValue[]>;

/** Parameters that choose the representation, not the result; handled before the search (`format.ts`). */
export const FORMAT_PARAM = '_format';

/** Most characters of one value: ids are at most 128, a cursor at most 8400 (`paging.ts`). */
const MAX_VALUE_LENGTH = 8400;

/** The result parameters every search takes (http://hl7.org/fhir/R4/search.html#count). */
export const PAGING_PARAMS: readonly SearchParamSpec[] = [
    {
        name: '_count',
        type: 'number',
        documentation: 'Entries per page, 1–500 (default 50); more than 500 is served as 500, as FHIR allows.',
    },
    {
        name: '_cursor',
        type: 'string',
        documentation: 'Paging only: the opaque position a `next` link carries; pass it back with the same search.',
    },
];

function invalid(message: string): never {
    throw new ApiError('INVALID_INPUT', message);
}

function assertPlainValue(name: string, value: string): void {
    if (value === '') {
        invalid(`the search parameter ${name} has no value`);
    }
    if (value.length > MAX_VALUE_LENGTH) {
        invalid(`the search parameter ${name} is too long`);
    }
    if (value.includes(',')) {
        invalid(`the search parameter ${name} takes one value: lists of values (a,b) are not supported`);
    }
    if (value.includes('\\')) {
        invalid(`the search parameter ${name}: escaped characters are not supported`);
    }
}

function readKey(key: string, specs: readonly SearchParamSpec[]): { spec: SearchParamSpec; modifier?: string } {
    const [name = '', modifier, ...rest] = key.split(':');
    const shown = name.slice(0, 40);
    if (name.includes('.') || name.startsWith('_has') || rest.length > 0) {
        invalid(`chained and reverse-chained search parameters are not supported (${shown})`);
    }
    const spec = specs.find((candidate) => candidate.name === name);
    if (spec === undefined) {
        invalid(`the search parameter ${shown} is not supported on this resource (see GET /fhir/metadata)`);
    }
    if (modifier !== undefined && !(spec.modifiers ?? []).includes(modifier)) {
        invalid(`the modifier :${modifier.slice(0, 20)} is not supported on ${name}`);
    }
    return modifier === undefined ? { spec } : { spec, modifier };
}

function readValue(spec: SearchParamSpec, modifier: string | undefined, raw: string): SearchValue {
    assertPlainValue(spec.name, raw);
    const base = modifier === undefined ? {} : { modifier };
    if (spec.type !== 'date') {
        return { ...base, value: raw };
    }
    const { prefix, value } = splitDatePrefix(raw);
    return { ...base, prefix, value };
}

/**
 * Reads a search's query against the resource's table.
 * @param query - the query parameters, `_format` already taken out
 * @param specs - the parameters the resource supports
 * @throws ApiError INVALID_INPUT for anything the table does not allow
 */
export function parseSearch(query: URLSearchParams, specs: readonly SearchParamSpec[]): ParsedSearch {
    const parsed = new Map<string, SearchValue[]>();
    for (const [key, raw] of query) {
        const { spec, modifier } = readKey(key, specs);
        const values = parsed.get(spec.name) ?? [];
        if (values.length >= (spec.maxRepeats ?? 1)) {
            invalid(`the search parameter ${spec.name} may be given at most ${spec.maxRepeats ?? 1} time(s)`);
        }
        values.push(readValue(spec, modifier, raw));
        parsed.set(spec.name, values);
    }
    return parsed;
}

/**
 * The one value of a parameter that may be given once, if given.
 * @param search - the parsed search
 * @param name - the parameter
 */
export function singleValue(search: ParsedSearch, name: string): SearchValue | undefined {
    return search.get(name)?.[0];
}

/** A token value: `[system]|code`, or a bare code that matches any system. */
export interface TokenValue {
    /** Absent: any system; '' (from `|code`): no system. */
    readonly system?: string;
    readonly code: string;
}

/**
 * Reads a token value (http://hl7.org/fhir/R4/search.html#token).
 * @param value - `code`, `system|code` or `|code`
 */
export function toToken(value: string): TokenValue {
    const bar = value.indexOf('|');
    if (bar === -1) {
        return { code: value };
    }
    return { system: value.slice(0, bar), code: value.slice(bar + 1) };
}

/** How a reference parameter names its target: by id (plain or `Type/id`), or by identifier (`:identifier`). */
export interface ReferenceTarget {
    /** The resource type the parameter points to (`Patient`, `Organization`). */
    readonly type: string;
    /** The identifier system of the target's ledger id. */
    readonly system: string;
    /** Checks the id and returns it. @throws ApiError INVALID_INPUT */
    readonly read: (value: string, path: string) => string;
}

/**
 * Reads the ledger id a reference parameter names: `id`, `Type/id`, or with `:identifier` `system|id`.
 * @param name - the parameter's name, for errors
 * @param given - its value
 * @param target - what it may point to
 * @throws ApiError INVALID_INPUT
 */
export function toReferencedId(name: string, given: SearchValue, target: ReferenceTarget): string {
    if (given.modifier === 'identifier') {
        const token = toToken(given.value);
        if (token.system !== target.system) {
            invalid(`${name}:identifier takes ${target.system}|<id>`);
        }
        return target.read(token.code, name);
    }
    const slash = given.value.indexOf('/');
    if (slash !== -1 && given.value.slice(0, slash) !== target.type) {
        invalid(`${name} refers to ${target.type} resources only`);
    }
    return target.read(given.value.slice(slash + 1), name);
}

/** Documentation of a reference parameter's accepted forms, for the CapabilityStatement. */
export function describeReference(target: Pick<ReferenceTarget, 'type' | 'system'>, what: string): string {
    return `${what}: \`<id>\`, \`${target.type}/<id>\`, or with \`:identifier\` \`${target.system}|<id>\`.`;
}

/** Documentation of the date prefixes accepted, for the CapabilityStatement. */
export const DATE_PREFIX_DOCUMENTATION = `Prefixes ${DatePrefixes.join(', ')}; a value without a zone is UTC.`;
