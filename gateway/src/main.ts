// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway process: reads its configuration (`HEALTHCHAIN_GATEWAY_CONFIG`), connects to the ledger,
 * serves the API over HTTPS and the peer-to-peer port over mutual TLS, makes sure the ledger knows this
 * organisation's p2p URL and TLS certificate, then prints ONE JSON line on stdout:
 * `{"event":"ready","org":…,"apiUrl":…,"p2pUrl":…,"hl7Url":…}` (`hl7Url` at a hospital whose MLLP listener
 * runs). Logs are JSON lines on stderr. SIGTERM or SIGINT closes the servers, the HL7 intake, the audit view
 * (at the commission), the custody part (outbox, event listener, record store) and the ledger, and exits 0.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { createApp, type AppDeps } from './app';
import { AuditView } from './audit/audit-view';
import { TokenStore } from './auth/tokens';
import { loadGatewayConfig, type GatewayConfig } from './config';
import { newCustody, type Custody } from './custody';
import { newHl7Intake, type Hl7Intake } from './hl7/service';
import { ApiError } from './errors';
import { LedgerContracts } from './ledger/contracts';
import { newEmbeddedLedger } from './ledger/embedded';
import type { Ledger } from '../../network/src/ledger';
import { registerSelf } from './ledger/register-self';
import { newLogger } from './logging';
import { newMetrics } from './metrics';
import { retry } from './retry';
import { appServerClasses } from './server-classes';

export { registerSelf } from './ledger/register-self';

/** A running gateway. */
export interface RunningGateway {
    readonly apiUrl: string;
    readonly p2pUrl: string;
    /** The MLLP listener of a hospital's HL7 intake, when it runs. */
    readonly hl7Url?: string;
    /** Closes the servers, the custody part and the ledger. */
    close(): Promise<void>;
}

/** How long the gateway keeps trying to reach the ledger at start. */
const REGISTER_ATTEMPTS = 60;
const REGISTER_RETRY_MS = 500;
/** How long the p2p port keeps an idle connection open. */
const P2P_KEEP_ALIVE_MS = 30_000;

/**
 * The ledger the configuration names. Fabric's client (gRPC, fabric-gateway) is loaded only for a Fabric
 * ledger: it takes about a third of a second of a core to load, at every start of every gateway.
 */
async function newLedger(config: GatewayConfig): Promise<Ledger> {
    if (config.ledger.kind === 'embedded') {
        return newEmbeddedLedger(config);
    }
    const { newFabricLedger } = await import('./ledger/fabric.js');
    return newFabricLedger(config);
}

function toUrl(server: Server, host: string): string {
    const { port } = server.address() as AddressInfo;
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `https://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

async function listen(server: Server, host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
}

async function closeServer(server: Server): Promise<void> {
    if (!server.listening) {
        return;
    }
    const closed = new Promise<void>((resolve) =>
        server.close(() => {
            resolve();
        }),
    );
    server.closeAllConnections();
    await closed;
}

async function registerWithRetry(deps: AppDeps, config: GatewayConfig, p2pUrl: string): Promise<void> {
    const profile = {
        type: config.org.type,
        name: config.org.name,
        ...(config.org.contact === undefined ? {} : { contact: config.org.contact }),
        p2pUrl,
        tlsCertPem: readFileSync(config.tls.certFile, 'utf8'),
    };
    await retry(() => registerSelf(deps.contracts, profile, deps.logger), {
        attempts: REGISTER_ATTEMPTS,
        delayMs: REGISTER_RETRY_MS,
        retriable: (error) => error instanceof ApiError && error.code === 'LEDGER_UNAVAILABLE',
    });
}

/**
 * The commission's audit view, in the gateway's own database, fed by the chaincode events.
 * @param custody - the custody part (its database)
 * @param deps - ledger, contracts, logger
 */
async function openAuditView(
    custody: Custody,
    deps: Pick<AppDeps, 'ledger' | 'contracts' | 'logger'>,
): Promise<AuditView> {
    return AuditView.open({
        db: custody.db.auditView,
        ledger: deps.ledger,
        readAccess: (accessId) => deps.contracts.readAccess(accessId),
        logger: deps.logger.child({ component: 'audit-view' }),
    });
}

/** The parts of a gateway that keep state beside the ledger connection. */
interface GatewayParts {
    readonly custody: Custody;
    /** The commission's audit view. */
    readonly auditView: AuditView | undefined;
    /** A hospital's HL7 v2 intake, when configured. */
    readonly hl7: Hl7Intake | undefined;
}

/**
 * Opens the custody part, then the audit view (at the commission) and the HL7 intake (at a hospital); closes
 * what was opened, and the ledger, when one of them fails.
 * @param config - the gateway's configuration
 * @param base - ledger, contracts, logger and the rest of the shared dependencies
 */
async function openParts(config: GatewayConfig, base: Omit<AppDeps, 'custody'>): Promise<GatewayParts> {
    let custody: Custody;
    try {
        custody = await newCustody(config, base);
    } catch (error) {
        base.ledger.close();
        throw error;
    }
    let auditView: AuditView | undefined;
    try {
        auditView = config.org.type === 'commission' ? await openAuditView(custody, base) : undefined;
        const hl7 = config.hl7 === undefined ? undefined : newHl7Intake(config, { ...base, custody });
        return { custody, auditView, hl7 };
    } catch (error) {
        await auditView?.close();
        await custody.close();
        base.ledger.close();
        throw error;
    }
}

/**
 * Starts a gateway: ledger, API, p2p port, self-registration.
 * @param config - the validated configuration
 * @param logger - where logs go (stderr in the process)
 * @returns the URLs and a close function
 * @throws Error when a port cannot be bound or the ledger cannot be reached to register
 */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
    const ledger = await newLedger(config);
    const metrics = newMetrics({ defaults: true });
    const contracts = new LedgerContracts(ledger, {
        onSubmit: (fn, outcome) => {
            metrics.ledgerSubmits.inc({ fn, outcome });
        },
    });
    const base = {
        ledger,
        contracts,
        tokens: new TokenStore(config.tokensFile),
        logger,
        metrics,
        clock: (): Date => new Date(),
    };
    const { custody, auditView, hl7 } = await openParts(config, base);
    const deps: AppDeps = { ...base, custody, auditView, ...(hl7 === undefined ? {} : { hl7 }) };
    const tls = {
        cert: readFileSync(config.tls.certFile),
        key: readFileSync(config.tls.keyFile),
        minVersion: 'TLSv1.2' as const,
    };
    const app = createApp(config, deps);
    const api = createServer({ ...tls, ...appServerClasses(app) }, app);
    const p2p = createServer(
        {
            ...tls,
            ...appServerClasses(custody.p2pApp),
            requestCert: true,
            rejectUnauthorized: true,
            ca: Object.values(config.regionTlsCaFiles).map((file) => readFileSync(file)),
        },
        custody.p2pApp,
    );
    // Requesters keep connections to this port alive between fetches and drop them after 20 s idle
    // (p2p/agents.ts); the server keeps them longer, so that it is the client that closes an idle one.
    p2p.keepAliveTimeout = P2P_KEEP_ALIVE_MS;
    p2p.headersTimeout = P2P_KEEP_ALIVE_MS + 5_000;
    // The p2p app reads a connection's client certificate once (p2p/server.ts): a TLS 1.2 renegotiation must
    // not be able to change it under a kept-alive connection.
    p2p.on('secureConnection', (socket) => {
        socket.disableRenegotiation();
    });
    const close = async (): Promise<void> => {
        await Promise.all([closeServer(api), closeServer(p2p)]);
        await hl7?.close();
        await auditView?.close();
        await custody.close();
        ledger.close();
    };
    try {
        await listen(api, config.api.host, config.api.port);
        await listen(p2p, config.p2p.host, config.p2p.port);
        const p2pUrl = toUrl(p2p, config.p2p.host);
        await registerWithRetry(deps, config, p2pUrl);
        await custody.start();
        auditView?.start();
        await hl7?.start();
        const hl7Url = hl7?.url;
        return { apiUrl: toUrl(api, config.api.host), p2pUrl, ...(hl7Url === undefined ? {} : { hl7Url }), close };
    } catch (error) {
        await close();
        throw error;
    }
}

async function main(): Promise<void> {
    let config: GatewayConfig;
    try {
        config = loadGatewayConfig();
    } catch (error) {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    }
    const logger = newLogger({ level: config.logLevel, org: config.org.mspId }, pino.destination(2));
    const gateway = await startGateway(config, logger);
    let stopping = false;
    const stop = (signal: string): void => {
        if (stopping) {
            return;
        }
        stopping = true;
        logger.info({ signal }, 'stopping');
        gateway.close().then(
            () => process.exit(0),
            (error: unknown) => {
                logger.error({ err: error }, 'unclean stop');
                process.exit(1);
            },
        );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const ready = {
        event: 'ready',
        org: config.org.mspId,
        apiUrl: gateway.apiUrl,
        p2pUrl: gateway.p2pUrl,
        ...(gateway.hl7Url === undefined ? {} : { hl7Url: gateway.hl7Url }),
    };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
}

if (require.main === module) {
    main().catch((error: unknown) => {
        process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    });
}
