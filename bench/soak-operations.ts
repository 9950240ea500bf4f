// SPDX-License-Identifier: Apache-2.0
/**
 * The operations `npm run soak` keeps making, each through the gateways' HTTP API as the CLI makes it and each
 * checked for the answer it must give:
 *
 * - `publishA`, `publishB`: a clinician of the first or second hospital publishes a new lab report;
 * - `fetchGranted`: the second hospital fetches a consented record of the first; the content must be what was
 *   published (the gateway has checked it against the ledger's hash);
 * - `fetchDenied`: the same on a record no consent covers; the answer must be `403 ACCESS_DENIED`, reason
 *   `NO_CONSENT` — an expected denial, not an error;
 * - `claimVerify`: the insurer verifies a claim; every supporting record must arrive and match its hash;
 * - `consentGrant`, `consentRevoke`: a patient signs a consent, later its revocation, sent to each gateway in
 *   turn (those routes are rate-limited per gateway and client address);
 * - `auditEvents`, `auditStats`: the commission lists recent or one patient's access events, and counts them.
 */
import { readNotice } from '../clients/shared/notice';
import { ApiCallError, ConnectionError, type ApiClient } from '../clients/shared/api-client';
import { newConsentGrant, newConsentRevoke } from '../clients/shared/patient-keys';
import { newRegionClient } from '../clients/shared/region-clients';
import { newLabReport } from './fetch-setup';
import { toChurnTerms, type SoakConsentPatient, type SoakWorld } from './soak-setup';

/** The kinds of operation, in the order they are reported. */
export const SoakKinds = [
    'publishA',
    'publishB',
    'fetchGranted',
    'fetchDenied',
    'claimVerify',
    'consentGrant',
    'consentRevoke',
    'auditEvents',
    'auditStats',
] as const;
/** One of {@link SoakKinds}. */
export type SoakKind = (typeof SoakKinds)[number];

/** How many of every 20 operations are of each kind (10% are consent grants and revocations). */
export const SoakMix: Readonly<Record<SoakKind, number>> = {
    publishA: 3,
    publishB: 2,
    fetchGranted: 5,
    fetchDenied: 3,
    claimVerify: 2,
    consentGrant: 1,
    consentRevoke: 1,
    auditEvents: 2,
    auditStats: 1,
};

/**
 * How an operation ended when it did not throw: as it must, with the denial it must get (`label` says which),
 * or not made because there was nothing to do (a revocation with no consent granted yet).
 */
export type SoakOutcome =
    { readonly result: 'ok' } | { readonly result: 'denied'; readonly label: string } | { readonly result: 'skipped' };

/** An answer that came back but is not the one the operation must get. */
export class SoakCheckError extends Error {
    /**
     * @param message - what differs; a short fixed text, since it labels a count
     */
    constructor(message: string) {
        super(message);
        this.name = 'SoakCheckError';
    }
}

/**
 * A short label for an unexpected failure, to count by: `<status> <code>` (and the denial's reason) for an API
 * error, `connection` when a gateway could not be reached, `check: <what>` for a wrong answer.
 * @param error - what the operation threw
 */
export function toFailureLabel(error: unknown): string {
    if (error instanceof ApiCallError) {
        const reason = (error.body as { reason?: unknown } | undefined)?.reason;
        return `${error.status} ${error.code}${typeof reason === 'string' ? ` ${reason}` : ''}`;
    }
    if (error instanceof ConnectionError) {
        return 'connection';
    }
    if (error instanceof SoakCheckError) {
        return `check: ${error.message}`;
    }
    return error instanceof Error ? error.name : 'unknown';
}

const OK: SoakOutcome = { result: 'ok' };
/** When published reports say they were issued: one second apart from here, so every content is new. */
const ISSUED_FROM_MS = Date.parse('2025-04-01T00:00:00.000Z');

interface FetchAnswer {
    readonly entry?: { readonly recordId?: unknown };
    readonly resource?: unknown;
}

interface VerifyAnswer {
    readonly verdict?: unknown;
    readonly checks?: readonly { readonly decision?: unknown; readonly reason?: unknown }[];
}

interface Granted {
    readonly patient: SoakConsentPatient;
    readonly consentId: string;
}

/** Picks the items of a list in turn. */
class Turns<T> {
    readonly #items: readonly T[];
    #next = 0;

    constructor(items: readonly T[]) {
        if (items.length === 0) {
            throw new Error('nothing to take turns over');
        }
        this.#items = items;
    }

    next(): T {
        const item = this.#items[this.#next % this.#items.length] as T;
        this.#next += 1;
        return item;
    }
}

/** Makes the soak's operations on one region. */
export class SoakOperations {
    readonly #world: SoakWorld;
    readonly #run: Readonly<Record<SoakKind, () => Promise<SoakOutcome>>>;
    readonly #fetchPatients;
    readonly #consentPatients;
    readonly #consentGateways: Turns<ApiClient>;
    /** Consents granted and not yet revoked, oldest first. */
    readonly #granted: Granted[] = [];
    #published = 0;

    /**
     * @param world - the organisations and patients set up
     */
    constructor(world: SoakWorld) {
        this.#world = world;
        const { region } = world;
        this.#fetchPatients = new Turns(world.fetchPatients);
        this.#consentPatients = new Turns(world.consentPatients);
        this.#consentGateways = new Turns(region.organizations.map((org) => newRegionClient(region, org.mspId)));
        const atCustodian = newRegionClient(region, world.custodian, 'clinician');
        const atRequester = newRegionClient(region, world.requester, 'clinician');
        const insurer = newRegionClient(region, world.insurer, 'claims');
        const auditor = newRegionClient(region, world.commission, 'auditor');
        this.#run = {
            publishA: () => this.#publish(atCustodian),
            publishB: () => this.#publish(atRequester),
            fetchGranted: () => this.#fetchGranted(atRequester),
            fetchDenied: () => this.#fetchDenied(atRequester),
            claimVerify: () => this.#verifyClaim(insurer),
            consentGrant: () => this.#grant(),
            consentRevoke: () => this.#revoke(),
            auditEvents: () => this.#listEvents(auditor),
            auditStats: () => this.#countEvents(auditor),
        };
    }

    /**
     * Makes one operation.
     * @param kind - which
     * @returns how it ended
     * @throws ApiCallError, ConnectionError or SoakCheckError when the answer is not the one it must be
     */
    run(kind: SoakKind): Promise<SoakOutcome> {
        return this.#run[kind]();
    }

    async #publish(client: ApiClient): Promise<SoakOutcome> {
        const { patientId } = this.#fetchPatients.next();
        const issued = new Date(ISSUED_FROM_MS + this.#published * 1000).toISOString();
        this.#published += 1;
        const body = { patientId, category: 'lab', resource: newLabReport(patientId, issued) };
        const published = await client.post<{ recordId?: unknown; blockNumber?: unknown }>('/records', body);
        if (typeof published.recordId !== 'string' || typeof published.blockNumber !== 'number') {
            throw new SoakCheckError('publish answered without recordId or blockNumber');
        }
        return OK;
    }

    async #fetchGranted(client: ApiClient): Promise<SoakOutcome> {
        const fixture = this.#fetchPatients.next();
        const body = { purpose: 'TREATMENT' };
        const answer = await client.post<FetchAnswer>(`/records/${fixture.grantedRecordId}/fetch`, body);
        if (answer.entry?.recordId !== fixture.grantedRecordId) {
            throw new SoakCheckError('granted fetch answered another record');
        }
        if (JSON.stringify(answer.resource) !== fixture.resourceJson) {
            throw new SoakCheckError('granted fetch answered content other than what was published');
        }
        return OK;
    }

    async #fetchDenied(client: ApiClient): Promise<SoakOutcome> {
        const fixture = this.#fetchPatients.next();
        try {
            await client.post(`/records/${fixture.deniedRecordId}/fetch`, { purpose: 'TREATMENT' });
        } catch (error) {
            const label = toFailureLabel(error);
            if (label === '403 ACCESS_DENIED NO_CONSENT') {
                return { result: 'denied', label };
            }
            throw error;
        }
        throw new SoakCheckError('a fetch no consent covers was granted');
    }

    async #verifyClaim(client: ApiClient): Promise<SoakOutcome> {
        const { claimId } = this.#fetchPatients.next();
        const answer = await client.post<VerifyAnswer>(`/claims/${claimId}/verify`, {});
        if (answer.verdict !== 'verified') {
            const check = answer.checks?.find((c) => c.decision !== 'GRANTED');
            throw new SoakCheckError(
                `claim ${String(answer.verdict)} (${String(check?.decision)} ${String(check?.reason)})`,
            );
        }
        return OK;
    }

    async #grant(): Promise<SoakOutcome> {
        const patient = this.#consentPatients.next();
        const { channel } = this.#world.region;
        const terms = toChurnTerms(this.#world, patient);
        const gateway = this.#consentGateways.next();
        // The patient signs over the notice the gateway renders from the grantee's directory entry, as the
        // portal and the CLI do.
        const { notice } = await readNotice(gateway, terms, 'zh-CN');
        const grant = newConsentGrant(patient.patient, terms, { channel, notice });
        const answer = await gateway.post<{ consentId?: unknown }>('/consents', grant);
        if (answer.consentId !== grant.payload.consentId) {
            throw new SoakCheckError('consent grant answered another consent id');
        }
        this.#granted.push({ patient, consentId: grant.payload.consentId });
        return OK;
    }

    async #revoke(): Promise<SoakOutcome> {
        const granted = this.#granted.shift();
        if (granted === undefined) {
            return { result: 'skipped' };
        }
        const { channel } = this.#world.region;
        const revoke = newConsentRevoke(granted.patient.patient, granted.consentId, channel);
        const path = `/consents/${granted.consentId}/revoke`;
        const answer = await this.#consentGateways.next().post<{ status?: unknown }>(path, revoke);
        if (answer.status !== 'revoked') {
            throw new SoakCheckError('consent revoke answered a status other than revoked');
        }
        return OK;
    }

    async #listEvents(client: ApiClient): Promise<SoakOutcome> {
        // In turn: the last minute's events region-wide (time index), and one patient's (patient index).
        const byPatient = this.#published % 2 === 0;
        const query = byPatient
            ? `patientId=${this.#fetchPatients.next().patientId}`
            : `from=${new Date(Date.now() - 60_000).toISOString()}`;
        const answer = await client.get<{ items?: unknown }>(`/audit/events?${query}&limit=50`);
        if (!Array.isArray(answer.items)) {
            throw new SoakCheckError('audit events answered without items');
        }
        return OK;
    }

    async #countEvents(client: ApiClient): Promise<SoakOutcome> {
        const answer = await client.get<{ total?: unknown }>('/audit/stats?bucket=hour');
        if (typeof answer.total !== 'number') {
            throw new SoakCheckError('audit stats answered without a total');
        }
        return OK;
    }
}
