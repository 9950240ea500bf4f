// SPDX-License-Identifier: Apache-2.0
/**
 * One organisation's gateway in the test region (`./region.ts`): its configuration, its ledger connection
 * under the organisation's own identity, its API (`createApp`) on plain HTTP and, when the region runs p2p,
 * its custody part with the p2p port over mutual TLS; the commission's gateway keeps its audit view (in its
 * custody database, or one of its own without p2p). All on 127.0.0.1; ports are 0 unless the gateway is
 * restarted on the ports it had.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createApp, type AppDeps, type CustodyRoutes } from '../../gateway/src/app';
import { AuditView } from '../../gateway/src/audit/audit-view';
import { TokenStore, type StaffRole } from '../../gateway/src/auth/tokens';
import type { GatewayConfig, OrganizationType } from '../../gateway/src/config';
import { newCustody, type Custody } from '../../gateway/src/custody';
import { openCustodyDb, type CustodyDb } from '../../gateway/src/custody/db';
import { LedgerContracts } from '../../gateway/src/ledger/contracts';
import { registerSelf, type SelfRegistration } from '../../gateway/src/ledger/register-self';
import { newLogger } from '../../gateway/src/logging';
import { newMetrics } from '../../gateway/src/metrics';
import { appServerClasses } from '../../gateway/src/server-classes';
import type { EmbeddedLedger } from '../../network/src/embedded';
import type { CertificateAuthority, IssuedCertificate } from '../../network/src/pki/ca';
import { TEST_CHANNEL } from '../chaincode/helpers/patients';
import { newTestOrg } from './pki';
import { ProbeLedger } from './probe-ledger';

/** The organisations of the test region. */
export const Orgs = {
    hospitalA: { mspId: 'HospitalAMSP', type: 'hospital' },
    hospitalB: { mspId: 'HospitalBMSP', type: 'hospital' },
    insurer: { mspId: 'InsurerMSP', type: 'insurer' },
    commission: { mspId: 'CommissionMSP', type: 'commission' },
} as const satisfies Record<string, { mspId: string; type: OrganizationType }>;

/** A short organisation name. */
export type OrgName = keyof typeof Orgs;

/**
 * The p2p URL a gateway without a p2p port registers: loopback port 1, where nothing listens, so a delivery
 * attempted by mistake fails at once instead of reaching anything.
 */
const NO_P2P_URL = 'https://127.0.0.1:1';

/** One organisation's running gateway. */
export interface TestGateway {
    readonly name: OrgName;
    readonly mspId: string;
    /** The API, `http://127.0.0.1:port`. */
    readonly url: string;
    /** The p2p URL registered on the ledger (nothing listens there unless the region runs p2p). */
    readonly p2pUrl: string;
    readonly config: GatewayConfig;
    /** The gateway's own facade (its identity, its clock). */
    readonly contracts: LedgerContracts;
    /** Its ledger connection, with the chaincode calls it made. */
    readonly ledger: ProbeLedger;
    /** A bearer token of each role of this organisation. */
    readonly tokens: Readonly<Record<StaffRole, string>>;
    /** The organisation's TLS CA (a region TLS CA). */
    readonly tlsCa: CertificateAuthority;
    /** The TLS certificate this gateway runs with now. */
    readonly tls: IssuedCertificate;
    /** The commission's audit view and the database holding it (other gateways keep none). */
    readonly audit?: { readonly view: AuditView; readonly db: CustodyDb };
}

/** What stays of a gateway across restarts: its folder, CA, tokens, clock and ports. */
export interface GatewaySlot {
    readonly name: OrgName;
    readonly dir: string;
    readonly tlsCa: CertificateAuthority;
    readonly tokens: Readonly<Record<StaffRole, string>>;
    clockOffsetMs: number;
    apiPort: number;
    p2pPort: number;
}

/** What every gateway of a region shares. */
export interface GatewaySetting {
    readonly ledger: EmbeddedLedger;
    /** Every region TLS CA certificate file, by MSP id. */
    readonly caFiles: Readonly<Record<string, string>>;
    readonly regionCaPems: readonly string[];
    /** Where the gateways' log lines go. */
    readonly logSink: Writable;
    /** Whether gateways run their custody part and p2p port. */
    readonly p2p: boolean;
    /** Custody routes to mount instead of a custody part, per organisation. */
    readonly custodyRoutes: Partial<Record<OrgName, CustodyRoutes>>;
    readonly jsonBytes: number;
    readonly grantMaxSkewMs: number;
}

/** An extra API server over the region's ledger (no custody part). */
export interface ExtraApi {
    readonly url: string;
    /** Its ledger connection, with the chaincode calls it made. */
    readonly ledger: ProbeLedger;
}

/** A started gateway and how to stop it. */
export interface RunningGateway {
    readonly gateway: TestGateway;
    /** What registering itself on the ledger did. */
    readonly registration: SelfRegistration;
    /** The custody part, when the region runs p2p. */
    readonly custody: Custody | undefined;
    /** Stops the p2p server only (the custodian goes down). */
    stopP2p(): Promise<void>;
    /** Stops both servers and the custody part. */
    stop(): Promise<void>;
}

function newGatewayConfig(slot: GatewaySlot, setting: GatewaySetting): GatewayConfig {
    const { mspId, type } = Orgs[slot.name];
    const file = (leaf: string): string => join(slot.dir, leaf);
    return {
        org: { mspId, type, name: `${slot.name} organisation` },
        channel: TEST_CHANNEL,
        chaincode: 'healthchain',
        dataDir: file('data'),
        tokensFile: file('tokens.json'),
        storeKeyFile: file('store.key'),
        api: { host: '127.0.0.1', port: slot.apiPort },
        p2p: { host: '127.0.0.1', port: slot.p2pPort },
        tls: { certFile: file('tls.crt'), keyFile: file('tls.key'), caFile: setting.caFiles[mspId] ?? '' },
        regionTlsCaFiles: setting.caFiles,
        identity: { certFile: file('unused-id.crt'), keyFile: file('unused-id.key') },
        ledger: { kind: 'embedded', url: 'https://127.0.0.1:1', tlsCaFile: file('unused-ledger-ca.pem') },
        limits: { recordBytes: 5 * 1024 * 1024, jsonBytes: setting.jsonBytes },
        ledgerTimeoutMs: 10_000,
        grantMaxSkewMs: setting.grantMaxSkewMs,
        rateLimit: { windowMs: 60_000, max: 10_000 },
        logLevel: 'info',
    };
}

async function listen(server: Server, port: number): Promise<number> {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
}

/** Closes a server and its connections; a server already closed is left as it is. */
async function closeServer(server: Server): Promise<void> {
    if (!server.listening) {
        return;
    }
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
}

/**
 * The dependencies of a gateway's API, custody routes aside: a new ledger connection under the organisation's
 * identity, counted, and the slot's clock for the API and for transaction timestamps (as a gateway's host clock
 * stamps them).
 */
async function newGatewayDeps(
    slot: GatewaySlot,
    setting: GatewaySetting,
    config: GatewayConfig,
): Promise<AppDeps & { readonly ledger: ProbeLedger }> {
    const identity = await (await newTestOrg(config.org.mspId)).identity('gateway');
    const ledger = new ProbeLedger(setting.ledger.connect(identity));
    const clock = (): Date => new Date(Date.now() + slot.clockOffsetMs);
    return {
        ledger,
        contracts: new LedgerContracts(ledger, { clock }),
        tokens: new TokenStore(config.tokensFile),
        logger: newLogger({ level: 'info', org: config.org.mspId }, setting.logSink),
        metrics: newMetrics(),
        clock,
    };
}

/** What a gateway runs beside its API: the custody part (with p2p) and the commission's audit view. */
interface GatewayParts {
    readonly custody: Custody | undefined;
    readonly audit: { readonly view: AuditView; readonly db: CustodyDb } | undefined;
    start(): Promise<void>;
    close(): Promise<void>;
}

/** The custody part and the audit view, opened, started and closed as `main.ts` does. */
async function openParts(config: GatewayConfig, deps: AppDeps, p2p: boolean): Promise<GatewayParts> {
    const custody = p2p ? await newCustody(config, { ...deps, retry: { initialMs: 5, maxMs: 50 } }) : undefined;
    let audit: GatewayParts['audit'];
    if (config.org.type === 'commission') {
        const db = custody?.db ?? (await openCustodyDb(config.dataDir));
        const view = await AuditView.open({
            db: db.auditView,
            ledger: deps.ledger,
            readAccess: (accessId) => deps.contracts.readAccess(accessId),
            logger: deps.logger,
            retry: { initialMs: 5, maxMs: 50 },
        });
        audit = { view, db };
    }
    return {
        custody,
        audit,
        start: async () => {
            await custody?.start();
            audit?.view.start();
        },
        close: async () => {
            await audit?.view.close();
            // The custody part closes the database it opened; a view without one closes its own.
            await (custody === undefined ? audit?.db.close() : custody.close());
        },
    };
}

/**
 * Starts a slot's gateway with a TLS certificate as `main.ts` does: its API and, with p2p, its custody part and
 * p2p port are served, then it registers itself on the ledger and the custody part's loops start.
 * @param slot - the gateway's slot; its ports are set to those bound
 * @param setting - the region's shared setting
 * @param tls - the certificate and key it runs with
 */
export async function startGateway(
    slot: GatewaySlot,
    setting: GatewaySetting,
    tls: IssuedCertificate,
): Promise<RunningGateway> {
    writeFileSync(join(slot.dir, 'tls.crt'), tls.certPem);
    writeFileSync(join(slot.dir, 'tls.key'), tls.keyPem, { mode: 0o600 });
    const config = newGatewayConfig(slot, setting);
    const base = await newGatewayDeps(slot, setting, config);
    const parts = await openParts(config, base, setting.p2p);
    const { custody, audit } = parts;
    const routes = custody ?? setting.custodyRoutes[slot.name];
    const app = createApp(config, { ...base, custody: routes, auditView: audit?.view });
    const api = createHttpServer(appServerClasses(app), app);
    const p2p =
        custody &&
        createHttpsServer(
            {
                ...appServerClasses(custody.p2pApp),
                cert: tls.certPem,
                key: tls.keyPem,
                ca: [...setting.regionCaPems],
                requestCert: true,
                rejectUnauthorized: true,
            },
            custody.p2pApp,
        );
    const stopP2p = async (): Promise<void> => {
        if (p2p !== undefined) {
            await closeServer(p2p);
        }
    };
    const stop = async (): Promise<void> => {
        await Promise.all([closeServer(api), stopP2p()]);
        await parts.close();
    };
    try {
        slot.apiPort = await listen(api, slot.apiPort);
        if (p2p !== undefined) {
            slot.p2pPort = await listen(p2p, slot.p2pPort);
        }
        const p2pUrl = p2p === undefined ? NO_P2P_URL : `https://127.0.0.1:${slot.p2pPort}`;
        const profile = { type: config.org.type, name: config.org.name, p2pUrl, tlsCertPem: tls.certPem };
        const registration = await registerSelf(base.contracts, profile, base.logger);
        await parts.start();
        const gateway: TestGateway = {
            name: slot.name,
            mspId: config.org.mspId,
            url: `http://127.0.0.1:${slot.apiPort}`,
            p2pUrl,
            config,
            contracts: base.contracts,
            ledger: base.ledger,
            tokens: slot.tokens,
            tlsCa: slot.tlsCa,
            tls,
            audit,
        };
        return { gateway, registration, custody, stopP2p, stop };
    } catch (error) {
        await stop();
        throw error;
    }
}

/**
 * Starts another API server of a slot's organisation over the same ledger, its configuration changed.
 * @param slot - the organisation's slot
 * @param setting - the region's shared setting
 * @param change - fields of the configuration to replace
 */
export async function startExtraApi(
    slot: GatewaySlot,
    setting: GatewaySetting,
    change: Partial<GatewayConfig>,
): Promise<{ readonly api: ExtraApi; readonly stop: () => Promise<void> }> {
    const config: GatewayConfig = { ...newGatewayConfig(slot, setting), ...change };
    const deps = await newGatewayDeps(slot, setting, config);
    const server = createHttpServer(createApp(config, deps));
    const port = await listen(server, 0);
    return { api: { url: `http://127.0.0.1:${port}`, ledger: deps.ledger }, stop: () => closeServer(server) };
}
