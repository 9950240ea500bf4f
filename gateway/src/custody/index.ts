// SPDX-License-Identifier: Apache-2.0
/**
 * Custody: everything about a record's content at this organisation — the encrypted record store, the
 * anchoring outbox, the record routes, the requester-side fetcher, the custodian-side p2p app and the
 * chaincode event listener. `main.ts` serves `p2pApp` over mutual TLS and calls `start`/`close`; `createApp`
 * mounts `router` and hands `fetcher` to the claims routes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type express from 'express';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { CustodyRoutes, RecordFetcher } from '../app';
import type { TokenStore } from '../auth/tokens';
import { toLedgerTimings, type GatewayConfig } from '../config';
import { OrganizationDirectory } from '../events/directory';
import { ChaincodeEventListener } from '../events/listener';
import type { LedgerContracts } from '../ledger/contracts';
import type { Ledger } from '../../../network/src/ledger';
import type { Metrics } from '../metrics';
import { P2pClient } from '../p2p/client';
import { CustodyFetcher } from '../p2p/fetcher';
import { newP2pApp } from '../p2p/server';
import { newRecordRoutes } from '../routes/records';
import { openCustodyDb, type CustodyDb } from './db';
import { Outbox, type OutboxRetry } from './outbox';
import { publishRecord } from './publisher';
import { RecordStore } from './record-store';
import { SealedBox } from './sealed-box';
import { readOrCreateStoreKey } from './store-key';
import { toSaltKey } from './content-hash';

/** What custody needs from the gateway. */
export interface CustodyDeps {
    readonly ledger: Ledger;
    readonly contracts: LedgerContracts;
    readonly tokens: TokenStore;
    readonly logger: Logger;
    /** The gateway's clock (record times, the grant skew check). */
    readonly clock: () => Date;
    readonly metrics?: Metrics;
    /** Backoff of the outbox and the event listener; tests shorten it. */
    readonly retry?: OutboxRetry;
}

/** The custody part of a gateway. */
export interface Custody extends CustodyRoutes {
    readonly router: Router;
    readonly fetcher: RecordFetcher;
    /** The peer-to-peer app: serve it over HTTPS with `requestCert` and `rejectUnauthorized`. */
    readonly p2pApp: express.Express;
    /** The encrypted record store. */
    readonly store: RecordStore;
    /** The anchoring outbox (emits `anchored` and `refused`). */
    readonly outbox: Outbox;
    /**
     * The gateway's level database: records and outbox, and the parts that keep their state beside them (the
     * commission's audit view; the HL7 intake, which writes with the records in one batch).
     */
    readonly db: CustodyDb;
    /** Seals other content at rest under the record store's key (the HL7 inbox's raw messages). */
    readonly box: SealedBox;
    /** This custodian's salt key (`toSaltKey`), for content hashes of records published by other paths. */
    readonly saltKey: Uint8Array;
    /** The chaincode event listener (emits `processed`). */
    readonly events: ChaincodeEventListener;
    /** Starts the outbox loop and the event listener. */
    start(): Promise<void>;
    /** Stops them and closes the record store. */
    close(): Promise<void>;
}

/** Largest p2p response accepted: a 5 MB record, its salt and hash, JSON-escaped with room to spare. */
function maxResponseBytes(config: GatewayConfig): number {
    return config.limits.recordBytes * 2 + 64 * 1024;
}

/**
 * Builds this organisation's custody part.
 * @param config - the gateway's configuration (data folder, key file, TLS files, limits)
 * @param deps - ledger, facade, tokens, logger, clock, metrics
 * @throws Error when the key file or TLS files cannot be read
 */
export async function newCustody(config: GatewayConfig, deps: CustodyDeps): Promise<Custody> {
    const logger = deps.logger.child({ component: 'custody' });
    const key = readOrCreateStoreKey(config.storeKeyFile);
    const saltKey = toSaltKey(key);
    // Every member's TLS CA, by MSP id: the trust anchors of mutual TLS, and the CA a requester's own
    // certificate must chain to.
    const tlsCaPems: Readonly<Record<string, string>> = Object.fromEntries(
        Object.entries(config.regionTlsCaFiles).map(([mspId, file]) => [mspId, readFileSync(file, 'utf8')]),
    );
    const p2p = new P2pClient({
        certPem: readFileSync(config.tls.certFile, 'utf8'),
        keyPem: readFileSync(config.tls.keyFile, 'utf8'),
        caPems: Object.values(tlsCaPems),
        timeoutMs: toLedgerTimings(config).p2pTimeoutMs,
        maxResponseBytes: maxResponseBytes(config),
    });
    const db = await openCustodyDb(config.dataDir);
    const store = new RecordStore(db.records, key);
    const outbox = new Outbox(db, deps.contracts, logger, deps.retry);
    const events = new ChaincodeEventListener({
        ledger: deps.ledger,
        contracts: deps.contracts,
        checkpointFile: join(config.dataDir, 'events.checkpoint.json'),
        logger,
        registry: deps.metrics?.registry,
        retry: deps.retry,
    });
    // The custodians' entries the fetcher reads, kept while the event stream follows the ledger.
    const directory = new OrganizationDirectory((mspId) => deps.contracts.readOrganization(mspId));
    events.on('stream', (open) => {
        directory.setLive(open);
    });
    events.on('organization', (mspId) => {
        directory.forget(mspId);
    });
    const fetcher = new CustodyFetcher({
        contracts: deps.contracts,
        directory,
        p2p,
        logger,
        metrics: deps.metrics,
    });
    const router = newRecordRoutes(config, {
        tokens: deps.tokens,
        contracts: deps.contracts,
        publish: (request) => publishRecord(store, outbox, request, saltKey, deps.clock()),
        fetcher,
    });
    const p2pApp = newP2pApp({
        mspId: config.org.mspId,
        grantMaxSkewMs: config.grantMaxSkewMs,
        tlsCaPems,
        contracts: deps.contracts,
        store,
        clock: deps.clock,
        logger,
        metrics: deps.metrics,
    });
    return {
        router,
        fetcher,
        p2pApp,
        db,
        store,
        outbox,
        box: new SealedBox(key),
        saltKey,
        events,
        orgStatus: (mspId: string): string | undefined => events.orgStatus(mspId),
        start: (): Promise<void> => {
            outbox.start();
            events.start();
            return Promise.resolve();
        },
        close: async (): Promise<void> => {
            p2p.close();
            await events.close();
            await outbox.close();
            await db.close();
        },
    };
}
