// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway's error model: routes throw {@link ApiError}; one middleware renders it as a FHIR R4
 * OperationOutcome whose `issue[0].details.text` is the stable code and `diagnostics` the human text.
 */
import type { ErrorRequestHandler } from 'express';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Logger } from 'pino';

/** Stable codes, their HTTP status and FHIR issue type (http://hl7.org/fhir/R4/valueset-issue-type.html). */
export const ErrorCodes = {
    INVALID_INPUT: { status: 400, issueType: 'invalid' },
    /** A consent whose notice hash is not the notice the ledger renders for its grantee and terms. */
    NOTICE_MISMATCH: { status: 400, issueType: 'invalid' },
    UNAUTHENTICATED: { status: 401, issueType: 'login' },
    FORBIDDEN: { status: 403, issueType: 'forbidden' },
    /** A claim without the patient's active PAYMENT consent for that insurer naming the claimant. */
    CONSENT_REQUIRED: { status: 403, issueType: 'forbidden' },
    ACCESS_DENIED: { status: 403, issueType: 'forbidden' },
    /** A guardian signed for a patient after the guardianship ended. */
    GUARDIANSHIP_ENDED: { status: 403, issueType: 'forbidden' },
    NOT_FOUND: { status: 404, issueType: 'not-found' },
    METHOD_NOT_ALLOWED: { status: 405, issueType: 'not-supported' },
    /** A FHIR request that accepts only a format other than JSON (http://hl7.org/fhir/R4/http.html#mime-type). */
    NOT_ACCEPTABLE: { status: 406, issueType: 'not-supported' },
    CONFLICT: { status: 409, issueType: 'conflict' },
    DUPLICATE_CLAIM: { status: 409, issueType: 'duplicate' },
    PAYLOAD_TOO_LARGE: { status: 413, issueType: 'too-long' },
    UNSUPPORTED_MEDIA_TYPE: { status: 415, issueType: 'not-supported' },
    TOO_MANY_REQUESTS: { status: 429, issueType: 'throttled' },
    INTERNAL: { status: 500, issueType: 'exception' },
    INTEGRITY_FAILURE: { status: 502, issueType: 'processing' },
    PEER_UNAVAILABLE: { status: 502, issueType: 'transient' },
    LEDGER_UNAVAILABLE: { status: 503, issueType: 'transient' },
} as const;

/** One of the stable API error codes. */
export type ErrorCode = keyof typeof ErrorCodes;

/** An error a route throws; rendered as an OperationOutcome. */
export class ApiError extends Error {
    readonly code: ErrorCode;
    /** Extra fields for the response body beside the outcome (e.g. `accessId`, `reason` of a denial). */
    readonly extra: Readonly<Record<string, unknown>>;

    /**
     * @param code - stable code
     * @param message - diagnostics for people; ids only, never personal data
     * @param options - `cause`, and `extra` fields for the response
     */
    constructor(
        code: ErrorCode,
        message: string,
        options: { cause?: unknown; extra?: Readonly<Record<string, unknown>> } = {},
    ) {
        super(message, { cause: options.cause });
        this.name = 'ApiError';
        this.code = code;
        this.extra = options.extra ?? {};
    }

    /** The HTTP status of this error's code. */
    get status(): number {
        return ErrorCodes[this.code].status;
    }
}

/**
 * Builds a FHIR OperationOutcome for an error.
 * @param code - stable code
 * @param diagnostics - text for people
 * @param requestId - the request's id, for support
 */
export function newOperationOutcome(code: ErrorCode, diagnostics: string, requestId?: string): OperationOutcome {
    return {
        resourceType: 'OperationOutcome',
        ...(requestId ? { id: requestId } : {}),
        issue: [
            {
                severity: 'error',
                code: ErrorCodes[code].issueType,
                details: { text: code },
                diagnostics,
            },
        ],
    };
}

interface BodyParserError {
    readonly type: string;
    readonly status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
    return typeof error === 'object' && error !== null && 'type' in error && 'status' in error;
}

/**
 * Converts anything thrown into an {@link ApiError}; unexpected errors become INTERNAL.
 * @param error - what was thrown
 */
export function toApiError(error: unknown): ApiError {
    if (error instanceof ApiError) {
        return error;
    }
    if (isBodyParserError(error)) {
        if (error.type === 'entity.too.large') {
            return new ApiError('PAYLOAD_TOO_LARGE', 'Request body is too large', { cause: error });
        }
        if (error.type === 'entity.parse.failed') {
            return new ApiError('INVALID_INPUT', 'Request body is not valid JSON', { cause: error });
        }
        if (error.status === 415) {
            return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type', { cause: error });
        }
        if (error.status >= 400 && error.status < 500) {
            return new ApiError('INVALID_INPUT', 'Request body cannot be read', { cause: error });
        }
    }
    return new ApiError('INTERNAL', 'Unexpected error', { cause: error });
}

/**
 * The one error middleware: logs unexpected errors once and renders every error as an OperationOutcome.
 * @param logger - the request logger's parent
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
    return (error: unknown, req, res, next) => {
        if (res.headersSent) {
            next(error);
            return;
        }
        const apiError = toApiError(error);
        const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
        if (apiError.code === 'INTERNAL') {
            logger.error({ err: error, requestId, method: req.method, path: req.path }, 'unexpected error');
        }
        res.status(apiError.status)
            .type('application/fhir+json')
            .json({ ...newOperationOutcome(apiError.code, apiError.message, requestId), ...apiError.extra });
    };
}
