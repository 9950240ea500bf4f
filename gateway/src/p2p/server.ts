// SPDX-License-Identifier: Apache-2.0
/**
 * The custodian's side of the peer-to-peer exchange (docs/design.md "Delivery"): `POST /p2p/records/{recordId}`
 * `{accessId}`. Served over HTTPS that already required a client certificate chaining to a region TLS CA.
 * The gateway works out, once per connection, which member's own TLS CA issued that certificate and its
 * SHA-256, and hands them with the record asked for to the delivery transaction, which checks them against
 * the grant and the requester's pinned certificate on the ledger: the grant must be that member's, for this
 * record, at this custodian, granted and undelivered, and the certificate exactly the one the requester
 * registered — otherwise the transaction is rejected and writes nothing. At this gateway's clock it also
 * re-checks the grant — its timestamp within `grantMaxSkewMs` of that clock included — and records any
 * refusal. Content leaves only after `recordDelivery` has committed. Fails closed: if the ledger cannot be
 * reached, nothing is served.
 */
import type { TLSSocket } from 'node:tls';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { ApiError, errorMiddleware } from '../errors';
import type { AccessEvent, LedgerContracts, Submitted } from '../ledger/contracts';
import { readObject } from '../validation';
import { jsonBody } from '../validation';
import { readLedgerId } from '../custody/fhir';
import { timeFetchStep, type Metrics } from '../metrics';
import { RecordIntegrityError, type RecordStore, type StoredRecord } from '../custody/record-store';
import { isIssuedBy, toCertificateFingerprint } from './certificates';

/** What the p2p app needs. */
export interface P2pDeps {
    /** This organisation's MSP id. */
    readonly mspId: string;
    /** Largest distance between a grant's timestamp and this gateway's clock (checked by the delivery). */
    readonly grantMaxSkewMs: number;
    /** Each member organisation's TLS CA certificate (PEM), by MSP id. */
    readonly tlsCaPems: Readonly<Record<string, string>>;
    readonly contracts: Pick<LedgerContracts, 'recordDelivery'>;
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

function refuse(accessId: string, reason: string, message: string): never {
    throw new ApiError('ACCESS_DENIED', message, { extra: { reason, accessId } });
}

function readHeldRecord(store: RecordStore, recordId: string, logger: Logger): StoredRecord {
    try {
        const record = store.get(recordId);
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

/** The one member whose own TLS CA issued the client certificate: the only one it can ask for. */
function askerOf(presented: Presented): string {
    const [asker, ...others] = presented.issuers;
    if (asker === undefined || others.length > 0) {
        throw new ApiError('FORBIDDEN', 'The client certificate is not issued by exactly one member’s TLS CA');
    }
    return asker;
}

/**
 * Submits the delivery, saying who asked. A rejection (FORBIDDEN: another member, another record, a
 * certificate other than the requester's pinned one; ACCESS_DENIED; CONFLICT) wrote nothing.
 */
async function submitDelivery(
    deps: P2pDeps,
    request: { accessId: string; recordId: string; asker: string; presented: Presented; record: StoredRecord },
): Promise<Submitted<AccessEvent>> {
    const { accessId, recordId, asker, presented, record } = request;
    try {
        return await deps.contracts.recordDelivery({
            accessId,
            contentHash: record.contentHash,
            maxSkewMs: deps.grantMaxSkewMs,
            recordId,
            requester: asker,
            requesterCertSha256: presented.fingerprint,
        });
    } catch (error) {
        if (error instanceof ApiError && error.code === 'FORBIDDEN') {
            deps.logger.warn(
                { accessId, asker },
                'p2p delivery rejected: not the grant’s requester, record or certificate',
            );
        }
        throw error;
    }
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
    const asker = askerOf(presented);
    const recordId = readLedgerId(req.params.recordId, 'recordId');
    const body = readObject(req.body, 'body', ['accessId']);
    const accessId = readLedgerId(body.accessId, 'accessId');
    const { metrics } = deps;
    const record = await timeFetchStep(metrics, 'custodian', 'read-store', () =>
        readHeldRecord(deps.store, recordId, deps.logger),
    );
    // Who asked is checked by the delivery transaction itself, against the grant and the pinned certificate
    // as committed; clock skew, revocations and suspensions are refused by it too, at this gateway's clock,
    // so every refusal is on the ledger (invariant 4).
    const delivered = await timeFetchStep(metrics, 'custodian', 'record-delivery', () =>
        submitDelivery(deps, { accessId, recordId, asker, presented, record }),
    );
    const delivery = delivered.value.delivery;
    if (delivery?.status !== 'DELIVERED') {
        refuse(accessId, delivery?.reason ?? 'REFUSED', `the ledger refused delivery of access ${accessId}`);
    }
    // The delivery is on the ledger; the line is for debugging.
    deps.logger.debug({ accessId, recordId, requester: asker, txId: delivered.txId }, 'record delivered');
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
