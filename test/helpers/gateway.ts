// SPDX-License-Identifier: Apache-2.0
/**
 * Gateways in tests: an in-process embedded ledger hosting the real chaincode, its organisations
 * bootstrapped, registered and approved through `LedgerClient`, and one `createApp` per organisation served
 * over plain HTTP on 127.0.0.1, port 0, each with a token for every staff role.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { contracts as chaincodeContracts } from '../../chaincode/src';
import type { LedgerClient } from '../../network/src/embedded';
import { createApp, type AppDeps, type CustodyRoutes } from '../../gateway/src/app';
import { createToken, StaffRoles, TokenStore, type StaffRole } from '../../gateway/src/auth/tokens';
import type { GatewayConfig, OrganizationType } from '../../gateway/src/config';
import { LedgerContracts } from '../../gateway/src/ledger/contracts';
import { newLogger } from '../../gateway/src/logging';
import { newMetrics } from '../../gateway/src/metrics';
import { grantPayload, newTestPatient, registerPayload, signPayload } from '../chaincode/helpers/patients';
import { newTempDir, newTestLedger, type TestLedger } from './ledger';
import { newTestOrg } from './pki';

/** The organisations of a test region. */
export const Orgs = {
    hospitalA: { mspId: 'HospitalAMSP', type: 'hospital' },
    hospitalB: { mspId: 'HospitalBMSP', type: 'hospital' },
    insurer: { mspId: 'InsurerMSP', type: 'insurer' },
    commission: { mspId: 'CommissionMSP', type: 'commission' },
} as const satisfies Record<string, { mspId: string; type: OrganizationType }>;

/** An organisation registered on the ledger but left pending; it has no gateway. */
export const PENDING_MSP = 'ClinicMSP';

/** A short organisation name. */
export type OrgName = keyof typeof Orgs;

/** One organisation's gateway under test. */
export interface TestGateway {
    readonly name: OrgName;
    readonly mspId: string;
    readonly url: string;
    readonly config: GatewayConfig;
    readonly deps: AppDeps;
    /** A bearer token of each role of this organisation. */
    readonly tokens: Readonly<Record<StaffRole, string>>;
    /**
     * The organisation's own embedded ledger client (for setting up state the API does not write); the
     * gateway itself uses the same client as its `Ledger`.
     */
    readonly client: LedgerClient;
    readonly contracts: LedgerContracts;
}

/** A region of gateways on one ledger. */
export interface TestRegion {
    readonly ledger: TestLedger;
    readonly gateways: Readonly<Record<OrgName, TestGateway>>;
    /** The pending organisation's contracts ({@link PENDING_MSP}). */
    readonly pending: LedgerContracts;
    /** Log lines the gateways wrote. */
    readonly logs: string[];
    /** The chain's height now. */
    height(): Promise<bigint>;
    close(): Promise<void>;
}

/** Options of {@link newTestRegion}. */
export interface TestRegionOptions {
    /** Custody routes per organisation (the claims tests pass a fake fetcher). */
    readonly custody?: Partial<Record<OrgName, CustodyRoutes>>;
    /** Body limits (defaults: the production ones). */
    readonly jsonBytes?: number;
}

function newConfig(name: OrgName, dir: string, jsonBytes: number): GatewayConfig {
    const { mspId, type } = Orgs[name];
    const file = (leaf: string): string => join(dir, name, leaf);
    const config: GatewayConfig = {
        org: { mspId, type, name: `${name} organisation` },
        channel: 'healthchain',
        chaincode: 'healthchain',
        dataDir: file('data'),
        tokensFile: join(dir, `${name}.tokens.json`),
        storeKeyFile: file('store.key'),
        api: { host: '127.0.0.1', port: 0 },
        p2p: { host: '127.0.0.1', port: 0 },
        tls: { certFile: file('tls.crt'), keyFile: file('tls.key'), caFile: file('tlsca.pem') },
        regionTlsCaFiles: {},
        identity: { certFile: file('id.crt'), keyFile: file('id.key') },
        ledger: { kind: 'embedded', url: 'https://127.0.0.1:1', tlsCaFile: file('ledger-ca.pem') },
        limits: { recordBytes: 5 * 1024 * 1024, jsonBytes },
        ledgerTimeoutMs: 10_000,
        grantMaxSkewMs: 120_000,
        rateLimit: { windowMs: 60_000, max: 10_000 },
        logLevel: 'info',
    };
    return Object.freeze(config);
}

async function listen(server: Server): Promise<string> {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function bootstrap(gateways: Record<OrgName, TestGateway>): Promise<void> {
    const { commission } = gateways;
    await commission.contracts.bootstrap(commission.mspId);
    for (const gateway of Object.values(gateways)) {
        const identity = await newTestOrg(gateway.mspId);
        const tlsCertPem = (await identity.identity('gateway')).certPem;
        await gateway.contracts.registerOrganization({
            type: gateway.config.org.type,
            name: gateway.config.org.name,
            p2pUrl: `https://${gateway.name.toLowerCase()}.test:7402`,
            tlsCertPem,
        });
    }
    for (const name of ['hospitalA', 'hospitalB', 'insurer'] as const) {
        await commission.contracts.approveOrganization(Orgs[name].mspId);
    }
}

async function registerPending(ledger: TestLedger): Promise<LedgerContracts> {
    const org = await newTestOrg(PENDING_MSP);
    const identity = await org.identity('gateway');
    const contracts = new LedgerContracts(ledger.ledger.connect(identity));
    await contracts.registerOrganization({
        type: 'hospital',
        name: 'a clinic',
        p2pUrl: 'https://clinic.test:7402',
        tlsCertPem: identity.certPem,
    });
    return contracts;
}

/**
 * Opens a ledger with the chaincode, registers and approves the organisations and serves a gateway for each.
 * @param options - custody routes, limits
 */
export async function newTestRegion(options: TestRegionOptions = {}): Promise<TestRegion> {
    const names = Object.keys(Orgs) as OrgName[];
    const ledger = await newTestLedger({
        contracts: chaincodeContracts,
        mspIds: [...names.map((name) => Orgs[name].mspId), PENDING_MSP],
        channel: 'healthchain',
        chaincode: 'healthchain',
    });
    const temp = newTempDir('healthchain-gateway-');
    const logs: string[] = [];
    const sink = new Writable({
        write(chunk: Buffer, _encoding, done): void {
            logs.push(chunk.toString('utf8'));
            done();
        },
    });
    const servers: Server[] = [];
    const gateways = {} as Record<OrgName, TestGateway>;
    for (const [index, name] of names.entries()) {
        const org = ledger.orgs[index];
        if (!org) {
            throw new Error('missing test organisation');
        }
        const client = ledger.ledger.connect(await org.identity('gateway'));
        const config = newConfig(name, temp.dir, options.jsonBytes ?? 64 * 1024);
        const tokens = Object.fromEntries(
            StaffRoles.map((role) => [role, createToken(config.tokensFile, role, `test ${role}`).token]),
        ) as Record<StaffRole, string>;
        const contracts = new LedgerContracts(client);
        const deps: AppDeps = {
            ledger: client,
            contracts,
            tokens: new TokenStore(config.tokensFile),
            logger: newLogger({ level: 'info', org: org.mspId }, sink),
            metrics: newMetrics(),
            clock: () => new Date(),
            custody: options.custody?.[name],
        };
        const server = createServer(createApp(config, deps));
        servers.push(server);
        const url = await listen(server);
        gateways[name] = { name, mspId: org.mspId, url, config, deps, tokens, client, contracts };
    }
    await bootstrap(gateways);
    const pending = await registerPending(ledger);
    return {
        ledger,
        gateways,
        pending,
        logs,
        height: async () => (await ledger.ledger.info()).height,
        close: async () => {
            for (const server of servers) {
                server.closeAllConnections();
                server.close();
            }
            await ledger.close();
            temp.remove();
        },
    };
}

/** What a test call got back. */
export interface CallResult {
    readonly status: number;
    readonly headers: Headers;
    /** Parsed JSON, or the text when the response is not JSON. */
    readonly body: unknown;
    readonly text: string;
}

/** Options of one call. */
export interface CallOptions {
    /** A bearer token (e.g. `gateway.tokens.admin`). */
    readonly token?: string;
    /** A JSON body (serialised here) or raw text. */
    readonly body?: unknown;
    readonly raw?: string;
    readonly contentType?: string;
}

/**
 * Registers a new patient at Hospital A who gives the insurer a PAYMENT consent naming Hospital A for
 * `billing` records, valid for a day: what a claim by Hospital A needs.
 * @param region - the region
 * @returns the patient id
 */
export async function newClaimablePatient(region: TestRegion): Promise<string> {
    const { hospitalA } = region.gateways;
    const patient = newTestPatient();
    const registration = registerPayload(patient, new Date().toISOString());
    await hospitalA.contracts.registerPatient({
        payload: registration,
        signature: signPayload(registration, patient.privateKey),
    });
    const now = Date.now();
    const consent = grantPayload(patient, {
        consentId: `pay-${randomUUID()}`,
        grantee: 'InsurerMSP',
        purposes: ['PAYMENT'],
        categories: ['billing'],
        custodians: ['HospitalAMSP'],
        notBefore: new Date(now - 60_000).toISOString(),
        notAfter: new Date(now + 86_400_000).toISOString(),
        issuedAt: new Date(now).toISOString(),
    });
    await hospitalA.contracts.grantConsent({ payload: consent, signature: signPayload(consent, patient.privateKey) });
    return patient.patientId;
}

/**
 * Calls a gateway over HTTP.
 * @param gateway - the gateway
 * @param method - HTTP method
 * @param path - path and query
 * @param options - token, body
 */
export async function call(
    gateway: TestGateway,
    method: string,
    path: string,
    options: CallOptions = {},
): Promise<CallResult> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) {
        headers.authorization = `Bearer ${options.token}`;
    }
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
        body = JSON.stringify(options.body);
    }
    if (body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
    }
    const response = await fetch(`${gateway.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
        parsed = JSON.parse(text);
    } catch {
        // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
}

/**
 * The stable code of an OperationOutcome response (`issue[0].details.text`).
 * @param result - the call's result
 */
export function outcomeCode(result: CallResult): string | undefined {
    const body = result.body as { resourceType?: string; issue?: { details?: { text?: string } }[] };
    return body.resourceType === 'OperationOutcome' ? body.issue?.[0]?.details?.text : undefined;
}
