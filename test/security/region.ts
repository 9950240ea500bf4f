// SPDX-License-Identifier: Apache-2.0
/**
 * A region of whole gateways for attack tests: one in-process embedded ledger hosting the real chaincode and,
 * per organisation, its own TLS CA and certificate, the full API (`createApp` with the real custody part) on
 * plain HTTP and the p2p port over real mutual TLS, all on 127.0.0.1, port 0. Organisations register as
 * `main.ts` does (`registerSelf`) and the commission approves them. Each gateway has its own clock (an offset
 * from the wall clock that also stamps its transactions, as a gateway's host clock does), counts the calls it
 * makes into the chaincode, and can be restarted with another TLS certificate. Extra API servers over the same
 * ledger can be started with other limits (the rate-limit tests).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { contracts as chaincodeContracts } from '../../chaincode/src';
import { createApp, type AppDeps } from '../../gateway/src/app';
import { createToken, StaffRoles, TokenStore, type StaffRole } from '../../gateway/src/auth/tokens';
import type { GatewayConfig, OrganizationType } from '../../gateway/src/config';
import { newCustody, type Custody } from '../../gateway/src/custody';
import { LedgerContracts } from '../../gateway/src/ledger/contracts';
import type {
    CallOptions,
    ChainInfo,
    ChainVerification,
    ChaincodeEvent,
    CloseableAsyncIterable,
    CommitResult,
    Ledger,
} from '../../network/src/ledger';
import { registerSelf, type SelfRegistration } from '../../gateway/src/ledger/register-self';
import { newLogger } from '../../gateway/src/logging';
import { newMetrics } from '../../gateway/src/metrics';
import { requestDelivery, type PeerResponse } from '../../gateway/src/p2p/client';
import { EmbeddedLedger } from '../../network/src/embedded';
import { newCertificateAuthority, type CertificateAuthority, type IssuedCertificate } from '../../network/src/pki/ca';
import { newTempDir } from '../helpers/ledger';
import { newTestOrg } from '../helpers/pki';

/** The region's channel: every patient-signed payload must name it. */
export const CHANNEL = 'healthchain';

/** The organisations of the region. */
export const Orgs = {
    hospitalA: { mspId: 'SecHospitalAMSP', type: 'hospital' },
    hospitalB: { mspId: 'SecHospitalBMSP', type: 'hospital' },
    insurer: { mspId: 'SecInsurerMSP', type: 'insurer' },
    commission: { mspId: 'SecCommissionMSP', type: 'commission' },
} as const satisfies Record<string, { mspId: string; type: OrganizationType }>;

/** A gateway's short name. */
export type OrgName = keyof typeof Orgs;

/** The ledger refuses proposals further than this from its clock: room for gateways with skewed clocks. */
const LEDGER_MAX_CLOCK_SKEW_MS = 300_000;

/** The gateway's ledger connection, counting every call that reaches the chaincode. */
export class CountingLedger implements Ledger {
    readonly #inner: Ledger;
    /** `contract:fn` of every submit and evaluate, in order. */
    readonly calls: string[] = [];

    /**
     * @param inner - the real connection
     */
    constructor(inner: Ledger) {
        this.#inner = inner;
    }

    get mspId(): string {
        return this.#inner.mspId;
    }

    submit(contract: string, fn: string, options?: CallOptions): Promise<CommitResult> {
        this.calls.push(`${contract}:${fn}`);
        return this.#inner.submit(contract, fn, options);
    }

    evaluate(contract: string, fn: string, options?: CallOptions): Promise<Uint8Array> {
        this.calls.push(`${contract}:${fn}`);
        return this.#inner.evaluate(contract, fn, options);
    }

    chaincodeEvents(options?: { readonly startBlock?: bigint }): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        return this.#inner.chaincodeEvents(options);
    }

    getChainInfo(): Promise<ChainInfo> {
        return this.#inner.getChainInfo();
    }

    verifyChain(): Promise<ChainVerification> {
        return this.#inner.verifyChain();
    }

    close(): void {
        this.#inner.close();
    }
}

/** One organisation's running gateway. */
export interface SecurityGateway {
    readonly name: OrgName;
    readonly mspId: string;
    /** The API, `http://127.0.0.1:port`. */
    readonly url: string;
    /** The p2p port, `https://127.0.0.1:port`. */
    readonly p2pUrl: string;
    readonly config: GatewayConfig;
    readonly deps: AppDeps;
    readonly custody: Custody;
    /** The gateway's own facade (its identity, its clock). */
    readonly contracts: LedgerContracts;
    /** Its ledger connection, with the chaincode calls it made. */
    readonly ledger: CountingLedger;
    /** A bearer token of each role of this organisation. */
    readonly tokens: Readonly<Record<StaffRole, string>>;
    /** The organisation's TLS CA (a region TLS CA). */
    readonly tlsCa: CertificateAuthority;
    /** The TLS certificate this gateway runs with now. */
    readonly tls: IssuedCertificate;
}

/** An extra API server over the region's ledger (no custody part). */
export interface ExtraApi {
    readonly url: string;
    /** Its ledger connection, with the chaincode calls it made. */
    readonly ledger: CountingLedger;
}

/** The region. */
export interface SecurityRegion {
    readonly ledger: EmbeddedLedger;
    readonly gateways: Readonly<Record<OrgName, SecurityGateway>>;
    /** Every region TLS CA certificate. */
    readonly regionCaPems: readonly string[];
    /** Log lines the gateways wrote. */
    readonly logs: string[];
    /** The chain's height now. */
    height(): Promise<bigint>;
    /**
     * Sets a gateway's clock: the wall clock plus an offset (its API, custody and transaction timestamps).
     * @param name - the gateway
     * @param offsetMs - milliseconds added to the wall clock
     */
    setClockOffset(name: OrgName, offsetMs: number): void;
    /**
     * Stops a gateway and starts it again, on the same ports and data, with another TLS certificate; it then
     * registers itself as `main.ts` does.
     * @param name - the gateway
     * @param tls - the certificate and key it now runs with
     * @returns what `registerSelf` reported
     */
    restart(name: OrgName, tls: IssuedCertificate): Promise<SelfRegistration>;
    /**
     * Starts another API server of an organisation over the same ledger, its configuration changed.
     * @param name - the organisation
     * @param change - fields of the configuration to replace
     */
    startApi(name: OrgName, change: Partial<GatewayConfig>): Promise<ExtraApi>;
    /**
     * Calls a custodian's p2p port directly, presenting a chosen TLS certificate.
     * @param custodian - whose p2p port
     * @param as - the certificate and key presented
     * @param recordId - the record
     * @param accessId - the grant
     */
    callP2p(custodian: OrgName, as: IssuedCertificate, recordId: string, accessId: string): Promise<PeerResponse>;
    close(): Promise<void>;
}

/**
 * SHA-256 of a PEM certificate's DER, lowercase hex (the ledger's `tlsCertSha256`).
 * @param pem - the certificate
 */
export function certificateSha256(pem: string): string {
    return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

/** What stays of a gateway across restarts. */
interface Slot {
    readonly name: OrgName;
    readonly dir: string;
    readonly tlsCa: CertificateAuthority;
    readonly tokens: Readonly<Record<StaffRole, string>>;
    clockOffsetMs: number;
    apiPort: number;
    p2pPort: number;
    gateway?: SecurityGateway;
    stop?: () => Promise<void>;
}

function newConfig(slot: Slot, caFiles: Readonly<Record<string, string>>): GatewayConfig {
    const { mspId, type } = Orgs[slot.name];
    const file = (leaf: string): string => join(slot.dir, leaf);
    return {
        org: { mspId, type, name: `${slot.name} organisation` },
        channel: CHANNEL,
        chaincode: 'healthchain',
        dataDir: file('data'),
        tokensFile: file('tokens.json'),
        storeKeyFile: file('store.key'),
        api: { host: '127.0.0.1', port: slot.apiPort },
        p2p: { host: '127.0.0.1', port: slot.p2pPort },
        tls: { certFile: file('tls.crt'), keyFile: file('tls.key'), caFile: caFiles[mspId] ?? '' },
        regionTlsCaFiles: caFiles,
        identity: { certFile: file('unused-id.crt'), keyFile: file('unused-id.key') },
        ledger: { kind: 'embedded', url: 'https://127.0.0.1:1', tlsCaFile: file('unused-ledger-ca.pem') },
        limits: { recordBytes: 5 * 1024 * 1024, jsonBytes: 64 * 1024 },
        ledgerTimeoutMs: 10_000,
        grantMaxSkewMs: 120_000,
        rateLimit: { windowMs: 60_000, max: 10_000 },
        logLevel: 'info',
    };
}

async function listen(server: Server, port: number): Promise<number> {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
}

async function newLedger(): Promise<EmbeddedLedger> {
    const orgs = await Promise.all(Object.values(Orgs).map((org) => newTestOrg(org.mspId)));
    return EmbeddedLedger.open({
        channel: CHANNEL,
        chaincode: 'healthchain',
        contracts: chaincodeContracts,
        msps: orgs.map((org) => ({ mspId: org.mspId, rootCertsPem: [org.caCertPem] })),
        store: { kind: 'memory' },
        maxClockSkewMs: LEDGER_MAX_CLOCK_SKEW_MS,
    });
}

/** Opens the region: ledger, four whole gateways, registrations and approvals. */
export async function newSecurityRegion(): Promise<SecurityRegion> {
    const temp = newTempDir('security-region-');
    const logs: string[] = [];
    const sink = new Writable({
        write(chunk: Buffer, _encoding, done): void {
            logs.push(chunk.toString('utf8'));
            done();
        },
    });
    const ledger = await newLedger();
    const names = Object.keys(Orgs) as OrgName[];
    const caFiles: Record<string, string> = {};
    const slots = new Map<OrgName, Slot>();
    for (const name of names) {
        const { mspId } = Orgs[name];
        const dir = join(temp.dir, name);
        mkdirSync(dir, { recursive: true });
        const tlsCa = await newCertificateAuthority({
            commonName: `tlsca.${mspId}`,
            organization: mspId,
            kind: 'tlsca',
        });
        caFiles[mspId] = join(dir, 'tlsca.pem');
        writeFileSync(caFiles[mspId], tlsCa.certPem);
        const tokensFile = join(dir, 'tokens.json');
        const tokens = Object.fromEntries(
            StaffRoles.map((role) => [role, createToken(tokensFile, role, `test ${role}`).token]),
        ) as Record<StaffRole, string>;
        slots.set(name, { name, dir, tlsCa, tokens, clockOffsetMs: 0, apiPort: 0, p2pPort: 0 });
    }
    const regionCaPems = [...slots.values()].map((slot) => slot.tlsCa.certPem);
    const slotOf = (name: OrgName): Slot => {
        const slot = slots.get(name);
        if (slot === undefined) {
            throw new Error(`no gateway ${name}`);
        }
        return slot;
    };
    const clockOf =
        (slot: Slot): (() => Date) =>
        () =>
            new Date(Date.now() + slot.clockOffsetMs);
    const connect = async (name: OrgName): Promise<CountingLedger> => {
        const identity = await (await newTestOrg(Orgs[name].mspId)).identity('gateway');
        return new CountingLedger(ledger.connect(identity));
    };
    const logger = (name: OrgName): ReturnType<typeof newLogger> =>
        newLogger({ level: 'info', org: Orgs[name].mspId }, sink);

    const start = async (slot: Slot, tls: IssuedCertificate): Promise<SelfRegistration> => {
        writeFileSync(join(slot.dir, 'tls.crt'), tls.certPem);
        writeFileSync(join(slot.dir, 'tls.key'), tls.keyPem, { mode: 0o600 });
        const config = newConfig(slot, caFiles);
        const counting = await connect(slot.name);
        const clock = clockOf(slot);
        const contracts = new LedgerContracts(counting, { clock });
        const base = {
            ledger: counting,
            contracts,
            tokens: new TokenStore(config.tokensFile),
            logger: logger(slot.name),
            metrics: newMetrics(),
            clock,
        };
        const custody = await newCustody(config, { ...base, retry: { initialMs: 5, maxMs: 50 } });
        const deps: AppDeps = { ...base, custody };
        const api = createHttpServer(createApp(config, deps));
        const p2p = createHttpsServer(
            { cert: tls.certPem, key: tls.keyPem, ca: [...regionCaPems], requestCert: true, rejectUnauthorized: true },
            custody.p2pApp,
        );
        slot.apiPort = await listen(api, slot.apiPort);
        slot.p2pPort = await listen(p2p, slot.p2pPort);
        slot.stop = async (): Promise<void> => {
            await Promise.all([closeServer(api), closeServer(p2p)]);
            await custody.close();
        };
        const p2pUrl = `https://127.0.0.1:${slot.p2pPort}`;
        slot.gateway = {
            name: slot.name,
            mspId: Orgs[slot.name].mspId,
            url: `http://127.0.0.1:${slot.apiPort}`,
            p2pUrl,
            config,
            deps,
            custody,
            contracts,
            ledger: counting,
            tokens: slot.tokens,
            tlsCa: slot.tlsCa,
            tls,
        };
        const profile = { type: config.org.type, name: config.org.name, p2pUrl, tlsCertPem: tls.certPem };
        const outcome = await registerSelf(contracts, profile, base.logger);
        await custody.start();
        return outcome;
    };

    const extraApis: Server[] = [];
    const gateways = {} as Record<OrgName, SecurityGateway>;
    const refresh = (name: OrgName): void => {
        const gateway = slotOf(name).gateway;
        if (gateway !== undefined) {
            gateways[name] = gateway;
        }
    };
    // The commission's gateway first: it bootstraps the ledger.
    for (const name of ['commission', 'hospitalA', 'hospitalB', 'insurer'] as const) {
        const slot = slotOf(name);
        await start(
            slot,
            await slot.tlsCa.issue({ commonName: `gateway.${Orgs[name].mspId}`, ou: 'client', kind: 'tls-both' }),
        );
        refresh(name);
    }
    for (const name of ['hospitalA', 'hospitalB', 'insurer'] as const) {
        await gateways.commission.contracts.approveOrganization(Orgs[name].mspId);
    }

    return {
        ledger,
        gateways,
        regionCaPems,
        logs,
        height: async () => (await ledger.info()).height,
        setClockOffset: (name, offsetMs) => {
            slotOf(name).clockOffsetMs = offsetMs;
        },
        restart: async (name, tls) => {
            const slot = slotOf(name);
            await slot.stop?.();
            const outcome = await start(slot, tls);
            refresh(name);
            return outcome;
        },
        startApi: async (name, change) => {
            const slot = slotOf(name);
            const config: GatewayConfig = { ...newConfig(slot, caFiles), ...change };
            const counting = await connect(name);
            const clock = clockOf(slot);
            const deps: AppDeps = {
                ledger: counting,
                contracts: new LedgerContracts(counting, { clock }),
                tokens: new TokenStore(config.tokensFile),
                logger: logger(name),
                metrics: newMetrics(),
                clock,
            };
            const server = createHttpServer(createApp(config, deps));
            extraApis.push(server);
            const port = await listen(server, 0);
            return { url: `http://127.0.0.1:${port}`, ledger: counting };
        },
        callP2p: (custodian, as, recordId, accessId) => {
            const peer = gateways[custodian];
            return requestDelivery(
                {
                    certPem: as.certPem,
                    keyPem: as.keyPem,
                    caPems: regionCaPems,
                    timeoutMs: 10_000,
                    maxResponseBytes: 1 << 24,
                },
                { p2pUrl: peer.p2pUrl, tlsCertPem: peer.tls.certPem },
                recordId,
                accessId,
            );
        },
        close: async () => {
            for (const server of extraApis) {
                await closeServer(server);
            }
            for (const slot of slots.values()) {
                await slot.stop?.();
            }
            await ledger.close();
            temp.remove();
        },
    };
}

/** What a call got back. */
export interface CallResult {
    readonly status: number;
    readonly headers: Headers;
    /** Parsed JSON, or the text when the response is not JSON. */
    readonly body: unknown;
}

/** Options of one call. */
export interface HttpCallOptions {
    /** A bearer token. */
    readonly token?: string;
    /** A JSON body. */
    readonly body?: unknown;
}

/**
 * Calls an API over HTTP.
 * @param target - a gateway or an extra API server
 * @param method - HTTP method
 * @param path - path and query
 * @param options - token, body
 */
export async function call(
    target: { readonly url: string },
    method: string,
    path: string,
    options: HttpCallOptions = {},
): Promise<CallResult> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) {
        headers.authorization = `Bearer ${options.token}`;
    }
    if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
    }
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const response = await fetch(`${target.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
        parsed = JSON.parse(text);
    } catch {
        // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
}

/**
 * The stable code of an OperationOutcome response (`issue[0].details.text`).
 * @param result - the call's result
 */
export function outcomeCode(result: CallResult): string | undefined {
    return outcomeCodeOf(result.body);
}

/**
 * The stable code of an OperationOutcome body (`issue[0].details.text`).
 * @param body - a parsed response body
 */
export function outcomeCodeOf(body: unknown): string | undefined {
    if (typeof body !== 'object' || body === null) {
        return undefined;
    }
    const outcome = body as { resourceType?: string; issue?: { details?: { text?: string } }[] };
    return outcome.resourceType === 'OperationOutcome' ? outcome.issue?.[0]?.details?.text : undefined;
}

/**
 * A field of a JSON object response body.
 * @param result - the call's result
 * @param name - the field's name
 */
export function field(result: CallResult, name: string): unknown {
    const body = result.body;
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/**
 * The `items` of a list response.
 * @param result - the call's result
 */
export function itemsOf<T = Record<string, unknown>>(result: CallResult): T[] {
    const items = field(result, 'items');
    if (!Array.isArray(items)) {
        throw new Error(`not a list: ${JSON.stringify(result.body)}`);
    }
    return items as T[];
}
