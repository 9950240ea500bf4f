// SPDX-License-Identifier: Apache-2.0
/**
 * The custodian's side of the peer-to-peer exchange (docs/design.md "Delivery"): `POST /p2p/records/{recordId}`
 * `{accessId}`. Served over HTTPS that already required a client certificate chaining to a region TLS CA;
 * here the certificate must also chain to the requester organisation's own TLS CA and be exactly the one it
 * registered on the ledger. The grant must name this organisation as custodian and this record, be granted and
 * undelivered. The delivery transaction, at this gateway's clock, re-checks the grant — its timestamp within
 * `grantMaxSkewMs` of that clock included — and records any refusal. Content leaves only after
 * `recordDelivery` has committed. Fails closed: if the ledger cannot be reached, nothing is served.
 */
import type { TLSSocket } from 'node:tls';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { ApiError, errorMiddleware } from '../errors';
import type { AccessEvent, LedgerContracts, Organization } from '../ledger/contracts';
import { readObject } from '../validation';
import { jsonBody } from '../validation';
import { readLedgerId } from '../custody/fhir';
import { timeFetchStep, type Metrics } from '../metrics';
import { RecordIntegrityError, type RecordStore, type StoredRecord } from '../custody/record-store';
import { isIssuedBy, isPinnedCertificate, toCertificateFingerprint } from './certificates';

/** What the p2p app needs. */
export interface P2pDeps {
    /** This organisation's MSP id. */
    readonly mspId: string;
    /** Largest distance between a grant's timestamp and this gateway's clock (checked by the delivery). */
    readonly grantMaxSkewMs: number;
    /** Each member organisation's TLS CA certificate (PEM), by MSP id. */
    readonly tlsCaPems: Readonly<Record<string, string>>;
    readonly contracts: Pick<LedgerContracts, 'readAccess' | 'readOrganization' | 'recordDelivery'>;
    readonly store: RecordStore;
    readonly clock: () => Date;
    readonly logger: Logger;
    /** Where the delivery's steps are timed (`healthchain_fetch_step_seconds`, side `custodian`). */
    readonly metrics?: Metrics;
}

/** Largest p2p request body: `{accessId}`. */
const P2P_BODY_BYTES = 1024;

/** A connection's client certificate, worked out once per TLS connection (it cannot change on one). */
interface Presented {
    readonly der: Buffer;
    readonly fingerprint: string;
    /** The members whose own TLS CA issued it. */
    readonly issuers: readonly string[];
}

/** What the app remembers of the connections it serves: their client certificates. */
type PresentedCache = WeakMap<object, Presented>;

function readPresented(req: Request, tlsCaPems: Readonly<Record<string, string>>, cache: PresentedCache): Presented {
    const socket = req.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate !== 'function' || socket.authorized !== true) {
        throw new ApiError('UNAUTHENTICATED', 'A client certificate from a region TLS CA is required');
    }
    const known = cache.get(req.socket);
    if (known !== undefined) {
        return known;
    }
    const raw = socket.getPeerCertificate().raw as Buffer | undefined;
    if (!raw || raw.length === 0) {
        throw new ApiError('UNAUTHENTICATED', 'A client certificate from a region TLS CA is required');
    }
    const issuers = Object.entries(tlsCaPems)
        .filter(([, caPem]) => isIssuedBy(raw, caPem))
        .map(([mspId]) => mspId);
    const presented = { der: raw, fingerprint: toCertificateFingerprint(raw), issuers };
    cache.set(req.socket, presented);
    return presented;
}

function assertGrantFor(event: AccessEvent, mspId: string, recordId: string): void {
    if (event.custodian !== mspId || event.recordId !== recordId) {
        throw new ApiError('FORBIDDEN', `access ${event.accessId} is not a grant for this record at this custodian`);
    }
    if (event.decision === 'DENIED') {
        throw new ApiError('ACCESS_DENIED', `access ${event.accessId} was denied`, {
            extra: { reason: event.reason, accessId: event.accessId },
        });
    }
    if (event.delivery !== null) {
        throw new ApiError('CONFLICT', `access ${event.accessId} was already used`, {
            extra: { accessId: event.accessId },
        });
    }
}

function refuse(event: AccessEvent, reason: string, message: string): never {
    throw new ApiError('ACCESS_DENIED', message, { extra: { reason, accessId: event.accessId } });
}

async function readHeldRecord(store: RecordStore, recordId: string, logger: Logger): Promise<StoredRecord> {
    try {
        const record = await store.get(recordId);
        if (record === undefined) {
            throw new ApiError('NOT_FOUND', `record ${recordId} is not held here`);
        }
        return record;
    } catch (error) {
        if (error instanceof RecordIntegrityError) {
            logger.error({ recordId }, 'a stored record failed its integrity check');
            throw new ApiError('INTERNAL', 'The record cannot be served', { cause: error });
        }
        throw error;
    }
}

/**
 * Reads the access event and the requester's entry. The requester is most likely the member whose TLS CA
 * issued the client certificate, so that member's entry is read together with the event; when the event names
 * another requester, its entry is read after.
 */
async function readEventAndRequester(
    deps: P2pDeps,
    accessId: string,
    presented: Presented,
): Promise<{ event: AccessEvent; requester: Organization }> {
    const { contracts, metrics } = deps;
    const readRequester = (mspId: string): Promise<Organization> =>
        timeFetchStep(metrics, 'custodian', 'read-requester', () => contracts.readOrganization(mspId));
    const likely = presented.issuers.length === 1 ? presented.issuers[0] : undefined;
    const [event, likelyRequester] = await Promise.all([
        timeFetchStep(metrics, 'custodian', 'read-access', () => contracts.readAccess(accessId)),
        // A guess: when it fails or is wrong, the event's requester is read below and its failure reported.
        likely === undefined ? undefined : readRequester(likely).catch(() => undefined),
    ]);
    const requester =
        likelyRequester !== undefined && event.requester === likely
            ? likelyRequester
            : await readRequester(event.requester);
    return { event, requester };
}

/**
 * Handles one delivery request.
 * @param deps - ledger, store, clock
 * @param presentedCache - the client certificates of the connections served
 * @param req - the request
 * @param res - the response
 */
async function deliver(deps: P2pDeps, presentedCache: PresentedCache, req: Request, res: Response): Promise<void> {
    const presented = readPresented(req, deps.tlsCaPems, presentedCache);
    const recordId = readLedgerId(req.params.recordId, 'recordId');
    const body = readObject(req.body, 'body', ['accessId']);
    const accessId = readLedgerId(body.accessId, 'accessId');
    const { event, requester } = await readEventAndRequester(deps, accessId, presented);
    const isRequesters =
        presented.fingerprint === requester.tlsCertSha256 &&
        isPinnedCertificate(presented.der, requester.tlsCertPem) &&
        presented.issuers.includes(event.requester);
    if (!isRequesters) {
        deps.logger.warn({ accessId, requester: event.requester }, 'p2p certificate is not the requester’s');
        throw new ApiError('FORBIDDEN', 'The client certificate is not the one the requester registered');
    }
    assertGrantFor(event, deps.mspId, recordId);
    // Clock skew, revocations and suspensions are refused by the delivery transaction itself, at this
    // gateway's clock, so the refusal is on the ledger (invariant 4).
    const { contracts, metrics } = deps;
    const record = await timeFetchStep(metrics, 'custodian', 'read-store', () =>
        readHeldRecord(deps.store, recordId, deps.logger),
    );
    const delivered = await timeFetchStep(metrics, 'custodian', 'record-delivery', () =>
        contracts.recordDelivery({ accessId, contentHash: record.contentHash, maxSkewMs: deps.grantMaxSkewMs }),
    );
    const delivery = delivered.value.delivery;
    if (delivery?.status !== 'DELIVERED') {
        refuse(event, delivery?.reason ?? 'REFUSED', `the ledger refused delivery of access ${accessId}`);
    }
    deps.logger.info({ accessId, recordId, requester: event.requester, txId: delivered.txId }, 'record delivered');
    const { resource, salt, contentHash } = record;
    res.json({ recordId, resource, salt, contentHash, deliveryTxId: delivered.txId });
}

/**
 * Builds the p2p app (served by `main.ts` over HTTPS with `requestCert` and `rejectUnauthorized`).
 * @param deps - ledger, store, clock, logger
 * @returns an express app; it does not listen
 */
export function newP2pApp(deps: P2pDeps): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    const presentedCache: PresentedCache = new WeakMap();
    app.post('/p2p/records/:recordId', ...jsonBody(P2P_BODY_BYTES), async (req, res) => {
        await deliver(deps, presentedCache, req, res);
    });
    app.use((req) => {
        throw new ApiError('NOT_FOUND', `No route ${req.method} ${req.path.slice(0, 100)}`);
    });
    app.use(errorMiddleware(deps.logger));
    return app;
}
