// SPDX-License-Identifier: Apache-2.0
/**
 * Content negotiation of the FHIR view (http://hl7.org/fhir/R4/http.html#mime-type): it speaks JSON only.
 * `_format` (`json` or a JSON media type) and the `Accept` header may ask for it; a request that accepts only
 * another format (XML, Turtle, HTML) is refused with 406 NOT_ACCEPTABLE. Answers are
 * `application/fhir+json; charset=utf-8`, errors included, and every error is a valid OperationOutcome.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ApiError, toApiError } from '../errors';
import { FORMAT_PARAM } from './search-params';

/** The FHIR JSON media type (http://hl7.org/fhir/R4/http.html#mime-type). */
export const FHIR_JSON = 'application/fhir+json';

/** Media types of JSON a FHIR client may ask for (the last one DSTU2's). */
const JSON_MEDIA_TYPES = [FHIR_JSON, 'application/json', 'application/json+fhir'];
/** `_format` values meaning JSON: the short form and the media types. */
const JSON_FORMATS: ReadonlySet<string> = new Set(['json', ...JSON_MEDIA_TYPES]);
/** The FHIR version a media type's `fhirVersion` parameter may name (R4: `4.0`). */
const FHIR_VERSION_PARAM = '4.0';

function notAcceptable(what: string): never {
    throw new ApiError('NOT_ACCEPTABLE', `${what}: this server answers FHIR JSON only (${FHIR_JSON})`);
}

/**
 * Whether a `_format` value, e.g. `application/fhir+json; fhirVersion=4.0`, asks for FHIR R4 JSON.
 * @param value - the parameter's value
 */
export function isJsonFormat(value: string): boolean {
    const [given = '', ...parameters] = value.split(';').map((part) => part.trim());
    // An unescaped `+` in a query string arrives as a space (`application/fhir json`).
    const type = given.replace(/ /g, '+');
    const versionOk = parameters.every((parameter) => {
        const [name = '', version] = parameter.split('=').map((part) => part.trim());
        return name.toLowerCase() !== 'fhirversion' || version === FHIR_VERSION_PARAM;
    });
    return JSON_FORMATS.has(type.toLowerCase()) && versionOk;
}

/**
 * Middleware for every FHIR route: refuses a request whose `_format` or `Accept` asks for anything but JSON.
 * @throws ApiError NOT_ACCEPTABLE, INVALID_INPUT (`_format` given twice)
 */
export function negotiateFormat(): RequestHandler {
    return (req, _res, next) => {
        const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
        const formats = query.getAll(FORMAT_PARAM);
        if (formats.length > 1) {
            throw new ApiError('INVALID_INPUT', `${FORMAT_PARAM} may be given once`);
        }
        const [format] = formats;
        if (format !== undefined && !isJsonFormat(format)) {
            notAcceptable(`${FORMAT_PARAM}=${format.slice(0, 40)}`);
        }
        // Without an Accept header anything is acceptable; `*/*` and `application/*` accept JSON.
        if (format === undefined && req.get('accept') !== undefined && req.accepts(JSON_MEDIA_TYPES) === false) {
            notAcceptable('Accept');
        }
        next();
    };
}

/**
 * Sends a FHIR resource as `application/fhir+json; charset=utf-8`.
 * @param res - the response
 * @param resource - the resource
 */
export function sendFhir(res: Response, resource: object): void {
    res.type(FHIR_JSON).json(resource);
}

function toText(value: unknown): string {
    return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Error middleware of the FHIR routes: an OperationOutcome may carry no fields of its own, so the fields the
 * JSON API puts beside it (`ledgerCode`, …) move into `diagnostics`; the gateway's one error middleware then
 * renders the outcome, with the stable code in `issue[0].details.text` as everywhere.
 */
export function fhirErrorMiddleware(): ErrorRequestHandler {
    return (error: unknown, _req, _res, next) => {
        const apiError = toApiError(error);
        const extras = Object.entries(apiError.extra);
        if (extras.length === 0) {
            next(apiError);
            return;
        }
        const detail = extras.map(([name, value]) => `${name} ${toText(value)}`).join(', ');
        next(new ApiError(apiError.code, `${apiError.message} (${detail})`, { cause: apiError }));
    };
}
