// SPDX-License-Identifier: Apache-2.0
/**
 * Patient authentication: a signed envelope `{payload, signature}` whose payload is canonicalised with
 * RFC 8785 (JCS) and signed with ECDSA P-256/SHA-256 in IEEE P1363 form, base64url (docs/design.md). Grants,
 * revocations and registrations are only shape-checked here and verified by the chaincode itself. A
 * `patient.query` is checked here first — this gateway is its audience, the route its view, the region its
 * channel, two minutes old at most and 30 seconds ahead at most, and its nonce unused — and then verified
 * again, signature included, inside the chaincode, which is what binds a dishonest member too.
 */
import { readQueryPayload } from '../../../chaincode/src/protocol/payload-readers';
import { PayloadTypes, type PayloadType } from '../../../chaincode/src/protocol/payloads';
import { checkQueryTime, QUERY_MAX_AGE_MS } from '../../../chaincode/src/protocol/payload-time';
import type { PatientView } from '../../../chaincode/src/protocol/vocabulary';
import type { SignedEnvelope } from '../ledger/contracts';
import { ApiError } from '../errors';
import { atBoundary, readObject, readEnum } from '../validation';

/** Payload types the gateway accepts in envelopes: every type of the protocol's. */
const PatientPayloadTypes: readonly PayloadType[] = Object.values(PayloadTypes);

const readQuery = atBoundary(readQueryPayload);

/**
 * Reads a signed envelope of a given payload type; the payload's other fields are left to its verifier.
 * @param body - the request body
 * @param type - the payload type the route takes
 * @throws ApiError INVALID_INPUT
 */
export function readEnvelope(body: unknown, type: PayloadType): SignedEnvelope {
    const envelope = readObject(body, 'body', ['payload', 'signature']);
    // Every key is allowed here: the payload's own verifier (chaincode or query check) names its fields.
    const payload = readObject(envelope.payload, 'payload', ['type'], Object.keys(envelope.payload ?? {}));
    if (readEnum(payload.type, 'payload.type', PatientPayloadTypes) !== type) {
        throw new ApiError('INVALID_INPUT', `payload.type must be ${type}`);
    }
    if (typeof envelope.signature !== 'string' || envelope.signature.length > 200) {
        throw new ApiError('INVALID_INPUT', 'signature must be base64url text');
    }
    return { payload, signature: envelope.signature };
}

/**
 * The nonces of patient queries seen while they could still be valid: each is accepted once. Entries expire
 * when their query does; the registry holds at most `capacity` live entries and refuses more (429) rather
 * than forget one early. Nothing is written to disk: instead, a query signed before this registry existed
 * (before the gateway started) is refused, since an earlier run may have answered it.
 */
export class NonceRegistry {
    readonly #capacity: number;
    readonly #since: number;
    /** `patientId nonce` → when the query stops being valid (ms); in insertion order. */
    readonly #seen = new Map<string, number>();

    /**
     * @param since - when the gateway started (ms): queries issued earlier are refused
     * @param capacity - most live nonces kept (default 100,000: far above any gateway's query rate × 2 min)
     */
    constructor(since: number, capacity = 100_000) {
        this.#since = since;
        this.#capacity = capacity;
    }

    /**
     * Gives a nonce back when the ledger refused its query (a forged signature, an unknown patient), so that
     * forged queries cannot fill the registry.
     * @param patientId - whose query
     * @param nonce - its nonce
     */
    release(patientId: string, nonce: string): void {
        this.#seen.delete(`${patientId} ${nonce}`);
    }

    /**
     * Accepts a nonce once.
     * @param patientId - whose query
     * @param nonce - its nonce
     * @param issuedAt - when the query was signed, ms
     * @param validUntil - when the query expires, ms
     * @param now - the gateway's clock, ms
     * @throws ApiError UNAUTHENTICATED when already used or signed before the gateway started,
     *   TOO_MANY_REQUESTS when full
     */
    claim(patientId: string, nonce: string, issuedAt: number, validUntil: number, now: number): void {
        if (issuedAt < this.#since) {
            throw new ApiError('UNAUTHENTICATED', 'The query was signed before this gateway started: sign a new one');
        }
        this.#prune(now);
        const key = `${patientId} ${nonce}`;
        if (this.#seen.has(key)) {
            throw new ApiError('UNAUTHENTICATED', 'This signed query was used already: sign a new one');
        }
        if (this.#seen.size >= this.#capacity) {
            throw new ApiError('TOO_MANY_REQUESTS', 'Too many patient queries at once: try again shortly');
        }
        this.#seen.set(key, validUntil);
    }

    #prune(now: number): void {
        for (const [key, validUntil] of this.#seen) {
            if (validUntil > now) {
                // Near insertion order is near expiry order; the rest go on a later call.
                return;
            }
            this.#seen.delete(key);
        }
    }
}

/** What a query must be bound to at this gateway. */
export interface QueryBinding {
    /** This gateway's MSP id. */
    readonly audience: string;
    /** The region's channel. */
    readonly channel: string;
    /** The route's view. */
    readonly view: PatientView;
}

/**
 * Checks a `patient.query` envelope at this gateway (the chaincode checks it again, signature included).
 * @param body - the request body
 * @param binding - audience, channel and view it must name
 * @param now - the gateway's clock
 * @param nonces - the registry of used nonces
 * @returns the envelope to pass to the chaincode, and the patient and nonce it claimed
 * @throws ApiError INVALID_INPUT (shape), UNAUTHENTICATED (audience, view, channel, time, reused nonce),
 *   TOO_MANY_REQUESTS
 */
export function checkPatientQuery(
    body: unknown,
    binding: QueryBinding,
    now: Date,
    nonces: NonceRegistry,
): { envelope: SignedEnvelope; patientId: string; nonce: string } {
    const envelope = readEnvelope(body, 'patient.query');
    const query = readQuery(envelope.payload);
    if (query.audience !== binding.audience) {
        throw new ApiError('UNAUTHENTICATED', `The query was signed for ${query.audience}, not this gateway`);
    }
    if (query.view !== binding.view) {
        throw new ApiError('UNAUTHENTICATED', `The query was signed for the view ${query.view}, not ${binding.view}`);
    }
    if (query.channel !== binding.channel) {
        throw new ApiError('UNAUTHENTICATED', 'The query was signed for another region');
    }
    if (checkQueryTime(query.issuedAt, now.getTime()) !== 'ok') {
        throw new ApiError(
            'UNAUTHENTICATED',
            'The signed query has expired (or is dated in the future): sign a new one',
        );
    }
    const issuedAt = Date.parse(query.issuedAt);
    nonces.claim(query.patientId, query.nonce, issuedAt, issuedAt + QUERY_MAX_AGE_MS, now.getTime());
    return { envelope, patientId: query.patientId, nonce: query.nonce };
}

/**
 * A ledger refusal of a patient's query (bad signature, unknown patient, a binding the chaincode refused) as
 * the 401 the patient should see; anything else unchanged.
 * @param error - what the ledger call threw
 */
export function toQueryError(error: unknown): unknown {
    return isQueryRefusal(error) ? new ApiError('UNAUTHENTICATED', error.message, { cause: error }) : error;
}

/**
 * Did the ledger refuse a patient's query itself (bad signature, unknown patient, a binding it refused)?
 * @param error - what the ledger call threw
 */
export function isQueryRefusal(error: unknown): error is ApiError {
    const ledgerCode = error instanceof ApiError ? error.extra.ledgerCode : undefined;
    return ledgerCode === 'BAD_SIGNATURE' || ledgerCode === 'UNAUTHENTICATED';
}
