// SPDX-License-Identifier: Apache-2.0
/**
 * The requester's side of a record fetch (`POST /records/{recordId}/fetch`): ask the ledger for access first
 * (the decision is written either way, a request for a record that does not exist included; a grant comes
 * with the record's index entry), then ask the custodian the grant names over pinned mutual TLS (its
 * address and certificate from the organisation directory); recompute `SHA-256(salt ‖ JCS(resource))` against
 * the ledger's index entry before anything is returned.
 */
import type { Logger } from 'pino';
import { Purposes, type Purpose } from '../../../chaincode/src/protocol/vocabulary';
import type { FetchResult, RecordFetcher } from '../app';
import { ApiError, type ErrorCode } from '../errors';
import type { OrganizationDirectory } from '../events/directory';
import type { AccessEvent, LedgerContracts } from '../ledger/contracts';
import { timeFetchStep, type Metrics } from '../metrics';
import { isContentHash, SALT_HEX_PATTERN } from '../custody/content-hash';
import { readLedgerId } from '../custody/fhir';
import { retry } from '../retry';
import { PeerUnreachableError, type P2pClient, type PeerResponse } from './client';

/** What the fetcher needs. */
export interface FetcherDeps {
    readonly contracts: Pick<LedgerContracts, 'readRecord' | 'requestAccess'>;
    /** Where custodians are and which certificate each must present. */
    readonly directory: Pick<OrganizationDirectory, 'readOrganization'>;
    /** Calls custodians over pinned mutual TLS. */
    readonly p2p: Pick<P2pClient, 'requestDelivery'>;
    readonly logger: Logger;
    readonly metrics?: Metrics;
}

interface Delivered {
    readonly resource: unknown;
    readonly salt: string;
    readonly deliveryTxId: string;
}

function readPurpose(value: unknown): Purpose {
    if (typeof value !== 'string' || !(Purposes as readonly string[]).includes(value)) {
        throw new ApiError('INVALID_INPUT', `purpose must be one of ${Purposes.join(', ')}`);
    }
    return value as Purpose;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function outcomeCode(body: unknown): string | undefined {
    if (!isObject(body) || !Array.isArray(body.issue)) {
        return undefined;
    }
    const issue: unknown = body.issue[0];
    const details = isObject(issue) ? issue.details : undefined;
    return isObject(details) && typeof details.text === 'string' ? details.text : undefined;
}

/** Turns a custodian's refusal into this gateway's error; content never reaches here. */
function toPeerRefusal(status: number, body: unknown, accessId: string): ApiError {
    const peerCode = outcomeCode(body);
    if (peerCode === 'ACCESS_DENIED' && isObject(body)) {
        const reason = typeof body.reason === 'string' ? body.reason : 'REFUSED';
        return new ApiError('ACCESS_DENIED', 'The custodian refused the delivery', { extra: { reason, accessId } });
    }
    const code: ErrorCode = 'PEER_UNAVAILABLE';
    return new ApiError(code, `The custodian answered ${status} ${peerCode ?? ''}`.trim(), {
        extra: { accessId, peerStatus: status, ...(peerCode ? { peerCode } : {}) },
    });
}

/** A recorded denial as the API's error: 404 for a record that does not exist, else 403. */
function toDenial(event: AccessEvent): ApiError {
    const extra = { reason: event.reason, accessId: event.accessId };
    if (event.reason === 'RECORD_NOT_FOUND') {
        return new ApiError('NOT_FOUND', `No record ${event.recordId} is anchored (the request is recorded)`, {
            extra,
        });
    }
    return new ApiError('ACCESS_DENIED', `Access to record ${event.recordId} was denied`, { extra });
}

function readDelivered(body: unknown, recordId: string, accessId: string): Delivered {
    const ok =
        isObject(body) &&
        body.recordId === recordId &&
        typeof body.salt === 'string' &&
        SALT_HEX_PATTERN.test(body.salt) &&
        typeof body.deliveryTxId === 'string' &&
        isObject(body.resource);
    if (!ok) {
        throw new ApiError('INTEGRITY_FAILURE', 'The custodian sent a malformed delivery', { extra: { accessId } });
    }
    return { resource: body.resource, salt: body.salt as string, deliveryTxId: body.deliveryTxId as string };
}

/** How often, and how far apart, a custodian that does not know the grant yet is asked. */
const NOT_FOUND_ATTEMPTS = 5;
const NOT_FOUND_DELAY_MS = 100;

/** The custodian answered NOT_FOUND: its ledger peer may not have committed the grant yet. */
class GrantNotYetAtCustodian extends Error {
    readonly response: PeerResponse;

    constructor(response: PeerResponse) {
        super('The custodian does not know the grant yet');
        this.name = 'GrantNotYetAtCustodian';
        this.response = response;
    }
}

function isGrantNotYetAtCustodian(error: unknown): boolean {
    return error instanceof GrantNotYetAtCustodian;
}

/** Fetches records from their custodians after the ledger grants access. */
export class CustodyFetcher implements RecordFetcher {
    readonly #deps: FetcherDeps;

    /**
     * @param deps - ledger facade, p2p TLS material, logger, metrics
     */
    constructor(deps: FetcherDeps) {
        this.#deps = deps;
    }

    /**
     * Fetches and verifies one record.
     * @param input - record id, purpose and (EMERGENCY only) justification
     * @throws ApiError INVALID_INPUT, NOT_FOUND, ACCESS_DENIED (extra `reason`, `accessId`), INTEGRITY_FAILURE,
     *   PEER_UNAVAILABLE, LEDGER_UNAVAILABLE
     */
    async fetch(input: { recordId: string; purpose: string; justification?: string }): Promise<FetchResult> {
        const recordId = readLedgerId(input.recordId, 'recordId');
        const purpose = readPurpose(input.purpose);
        if ((input.justification !== undefined) !== (purpose === 'EMERGENCY')) {
            throw new ApiError('INVALID_INPUT', 'justification is required with EMERGENCY and only with EMERGENCY');
        }
        const { contracts, metrics } = this.#deps;
        const justification = input.justification === undefined ? {} : { justification: input.justification };
        const access = await timeFetchStep(metrics, 'requester', 'request-access', () =>
            contracts.requestAccess({ recordId, purpose, ...justification }),
        );
        const event = access.value;
        metrics?.accessDecisions.inc({ purpose, decision: event.decision });
        if (event.decision === 'DENIED') {
            throw toDenial(event);
        }
        // A grant carries the record's index entry, read in the transaction that decided. A chaincode older
        // than that field returns none: the entry is then read while the custodian is asked. Nothing is
        // returned before the hash check, which needs both.
        const granted = event.record?.recordId === recordId ? event.record : undefined;
        const [entry, delivered] = await Promise.all([
            granted ?? timeFetchStep(metrics, 'requester', 'read-record', () => contracts.readRecord(recordId)),
            this.#fromCustodian(event),
        ]);
        const matches = await timeFetchStep(metrics, 'requester', 'hash-check', () =>
            isContentHash(delivered.salt, delivered.resource, entry.contentHash),
        );
        if (!matches) {
            this.#deps.logger.error({ recordId, accessId: event.accessId }, 'delivered content fails its hash');
            throw new ApiError('INTEGRITY_FAILURE', 'The custodian sent content that does not match the ledger', {
                extra: { accessId: event.accessId, deliveryTxId: delivered.deliveryTxId },
            });
        }
        return { entry, resource: delivered.resource, accessId: event.accessId, deliveryTxId: delivered.deliveryTxId };
    }

    async #fromCustodian(event: AccessEvent): Promise<Delivered> {
        const { directory, metrics } = this.#deps;
        const { accessId, recordId } = event;
        if (event.custodian === null) {
            throw new ApiError('INTERNAL', `The grant ${accessId} names no custodian`);
        }
        const custodianId = event.custodian;
        const custodian = await timeFetchStep(metrics, 'requester', 'read-custodian', () =>
            directory.readOrganization(custodianId),
        );
        try {
            // On Fabric each member's peer commits a block on its own: the custodian's may not have the grant
            // yet, and then answers NOT_FOUND and writes nothing. Asked again a little later, it has.
            const response = await retry(
                async () => {
                    const answer = await timeFetchStep(metrics, 'requester', 'p2p', () =>
                        this.#deps.p2p.requestDelivery(custodian, recordId, accessId),
                    );
                    if (answer.status === 404 && outcomeCode(answer.body) === 'NOT_FOUND') {
                        throw new GrantNotYetAtCustodian(answer);
                    }
                    return answer;
                },
                { attempts: NOT_FOUND_ATTEMPTS, delayMs: NOT_FOUND_DELAY_MS, retriable: isGrantNotYetAtCustodian },
            ).catch((error: unknown) => {
                if (error instanceof GrantNotYetAtCustodian) {
                    return error.response;
                }
                throw error;
            });
            if (response.status !== 200) {
                throw toPeerRefusal(response.status, response.body, accessId);
            }
            return readDelivered(response.body, recordId, accessId);
        } catch (error) {
            if (error instanceof PeerUnreachableError) {
                this.#deps.logger.warn({ accessId, custodian: custodianId, reason: error.message }, 'p2p failed');
                throw new ApiError('PEER_UNAVAILABLE', error.message, { cause: error, extra: { accessId } });
            }
            throw error;
        }
    }
}
