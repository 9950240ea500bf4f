// SPDX-License-Identifier: Apache-2.0
/**
 * A region for p2p tests: one in-process embedded ledger with the real chaincode, and the custody parts of
 * two hospitals and an insurer, each with its own TLS CA and certificate, its p2p app served over real
 * mutual TLS on 127.0.0.1 and its record routes on plain HTTP (the API's own TLS is main.ts's concern).
 * Organisations register with their real p2p URLs and TLS certificates and are approved by the commission.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import pino from 'pino';
import { contracts as chaincodeContracts } from '../../../chaincode/src';
import { createToken, TokenStore, type StaffRole } from '../../../gateway/src/auth/tokens';
import type { GatewayConfig, OrganizationType } from '../../../gateway/src/config';
import { newCustody, type Custody } from '../../../gateway/src/custody';
import { ApiError, errorMiddleware } from '../../../gateway/src/errors';
import { LedgerContracts, type SignedEnvelope } from '../../../gateway/src/ledger/contracts';
import { requestDelivery, type PeerResponse } from '../../../gateway/src/p2p/client';
import { jsonBody } from '../../../gateway/src/validation';
import { EmbeddedLedger } from '../../../network/src/embedded';
import {
    newCertificateAuthority,
    type CertificateAuthority,
    type IssuedCertificate,
} from '../../../network/src/pki/ca';
import { grantPayload, newTestPatient, registerPayload, type TestPatient } from '../../chaincode/helpers/patients';
import { newTempDir } from '../../helpers/ledger';
import { newTestOrg } from '../../helpers/pki';

const logger = pino({ level: 'silent' });

/** The organisations of the test region. */
export const Orgs = {
    hospitalA: { mspId: 'P2pHospitalAMSP', type: 'hospital' },
    hospitalB: { mspId: 'P2pHospitalBMSP', type: 'hospital' },
    insurer: { mspId: 'P2pInsurerMSP', type: 'insurer' },
    commission: { mspId: 'P2pCommissionMSP', type: 'commission' },
} as const satisfies Record<string, { mspId: string; type: OrganizationType }>;

/** A gateway's short name. */
export type GatewayName = 'hospitalA' | 'hospitalB' | 'insurer';

/** One organisation's gateway (custody part only). */
export interface TestGateway {
    readonly mspId: string;
    readonly tlsCa: CertificateAuthority;
    readonly tls: IssuedCertificate;
    readonly contracts: LedgerContracts;
    readonly custody: Custody;
    p2pUrl: string;
    apiUrl: string;
    /** Bearer token of the role that fetches here (clinician at hospitals, claims at the insurer). */
    readonly token: string;
    /** Creates another staff token at this gateway. */
    readonly newToken: (role: StaffRole) => string;
    /** Added to the wall clock to make this gateway's clock. */
    clockOffsetMs: number;
    /** Stops the p2p server (the custodian goes down). */
    stopP2p: () => Promise<void>;
}

/** A gateway's answer: status and JSON body. */
export interface ApiResponse {
    readonly status: number;
    readonly body: Record<string, unknown>;
}

/**
 * The stable code of an OperationOutcome body.
 * @param body - a response body
 */
export function codeOf(body: Record<string, unknown>): unknown {
    const issue = (body.issue as { details?: { text?: string } }[] | undefined)?.[0];
    return issue?.details?.text;
}

/**
 * Calls a custodian's p2p port directly, presenting a chosen TLS certificate.
 * @param region - the region
 * @param custodian - whose p2p port
 * @param as - the certificate and key to present
 * @param recordId - the record
 * @param accessId - the grant
 */
export function callP2p(
    region: P2pRegion,
    custodian: GatewayName,
    as: IssuedCertificate,
    recordId: string,
    accessId: string,
): Promise<PeerResponse> {
    const peer = region.gateways[custodian];
    return requestDelivery(
        {
            certPem: as.certPem,
            keyPem: as.keyPem,
            caPems: region.regionCaPems,
            timeoutMs: 10_000,
            maxResponseBytes: 1 << 24,
        },
        { p2pUrl: peer.p2pUrl, tlsCertPem: peer.tls.certPem },
        recordId,
        accessId,
    );
}

function toEnvelope(text: string): SignedEnvelope {
    return JSON.parse(text) as SignedEnvelope;
}

/** The region. */
export interface P2pRegion {
    readonly ledger: EmbeddedLedger;
    readonly gateways: Readonly<Record<GatewayName, TestGateway>>;
    readonly commission: LedgerContracts;
    /** Every region TLS CA certificate. */
    readonly regionCaPems: readonly string[];
    readonly patient: TestPatient;
    /** Registers a patient (through hospital A) and grants hospital B TREATMENT on `lab` at any custodian. */
    newConsentingPatient(): Promise<TestPatient>;
    /** Calls a gateway's API. */
    call(name: GatewayName, method: string, path: string, body?: unknown, token?: string): Promise<ApiResponse>;
    close(): Promise<void>;
}

function listen(server: Server, closers: (() => Promise<void>)[]): Promise<number> {
    closers.push(
        () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => {
                    resolve();
                });
            }),
    );
    return new Promise((resolve) => {
        server.listen(0, '127.0.0.1', () => {
            resolve((server.address() as AddressInfo).port);
        });
    });
}

function newApiApp(config: GatewayConfig, custody: Custody): express.Express {
    const app = express();
    app.post('/records', ...jsonBody(config.limits.recordBytes));
    app.use(...jsonBody(config.limits.jsonBytes));
    app.use(custody.router);
    app.use((req) => {
        throw new ApiError('NOT_FOUND', `No route ${req.method} ${req.path}`);
    });
    app.use(errorMiddleware(logger));
    return app;
}

interface OrgMaterial {
    readonly tlsCa: CertificateAuthority;
    readonly tls: IssuedCertificate;
    readonly dir: string;
}

function newConfig(name: GatewayName, material: OrgMaterial, caFiles: Record<string, string>): GatewayConfig {
    const { dir } = material;
    writeFileSync(join(dir, 'tls.crt'), material.tls.certPem);
    writeFileSync(join(dir, 'tls.key'), material.tls.keyPem, { mode: 0o600 });
    const org = Orgs[name];
    return {
        org: { mspId: org.mspId, type: org.type, name },
        channel: 'healthchain',
        chaincode: 'healthchain',
        dataDir: join(dir, 'data'),
        tokensFile: join(dir, 'tokens.json'),
        storeKeyFile: join(dir, 'store.key'),
        api: { host: '127.0.0.1', port: 0 },
        p2p: { host: '127.0.0.1', port: 0 },
        tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: caFiles[org.mspId] ?? '' },
        regionTlsCaFiles: caFiles,
        identity: { certFile: join(dir, 'unused.crt'), keyFile: join(dir, 'unused.key') },
        ledger: { kind: 'embedded', url: 'https://127.0.0.1:1', tlsCaFile: join(dir, 'unused-ca.crt') },
        limits: { recordBytes: 5 * 1024 * 1024, jsonBytes: 64 * 1024 },
        ledgerTimeoutMs: 10_000,
        // Below the embedded ledger's one-minute bound on proposal timestamps, so a skew can be shown.
        grantMaxSkewMs: 30_000,
        rateLimit: { windowMs: 60_000, max: 10_000 },
        logLevel: 'silent',
    };
}

async function newMaterial(mspId: string, root: string): Promise<OrgMaterial> {
    const tlsCa = await newCertificateAuthority({ commonName: `tlsca.${mspId}`, organization: mspId, kind: 'tlsca' });
    const tls = await tlsCa.issue({ commonName: `gateway.${mspId}`, ou: 'client', kind: 'tls-both' });
    const dir = join(root, mspId);
    mkdirSync(dir, { recursive: true });
    return { tlsCa, tls, dir };
}

async function startGateway(
    name: GatewayName,
    ledger: EmbeddedLedger,
    material: OrgMaterial,
    caFiles: Record<string, string>,
    closers: (() => Promise<void>)[],
): Promise<TestGateway> {
    const config = newConfig(name, material, caFiles);
    const identity = await (await newTestOrg(config.org.mspId)).identity('gateway');
    const client = ledger.connect(identity);
    // Transactions are stamped with this gateway's clock, as in a real gateway.
    const contracts = new LedgerContracts(client, { clock: () => new Date(Date.now() + gateway.clockOffsetMs) });
    const { token } = createToken(config.tokensFile, name === 'insurer' ? 'claims' : 'clinician');
    const gateway: TestGateway = {
        mspId: config.org.mspId,
        tlsCa: material.tlsCa,
        tls: material.tls,
        contracts,
        custody: await newCustody(config, {
            ledger: client,
            contracts,
            tokens: new TokenStore(config.tokensFile),
            logger,
            clock: () => new Date(Date.now() + gateway.clockOffsetMs),
            retry: { initialMs: 5, maxMs: 50 },
        }),
        p2pUrl: '',
        apiUrl: '',
        token,
        newToken: (role) => createToken(config.tokensFile, role).token,
        clockOffsetMs: 0,
        stopP2p: () => Promise.resolve(),
    };
    closers.push(() => gateway.custody.close());
    const caPems = Object.values(caFiles).map((file) => readFileSync(file, 'utf8'));
    const p2pServer = createHttpsServer(
        {
            cert: material.tls.certPem,
            key: material.tls.keyPem,
            ca: caPems,
            requestCert: true,
            rejectUnauthorized: true,
        },
        gateway.custody.p2pApp,
    );
    const p2pPort = await listen(p2pServer, closers);
    const apiPort = await listen(createHttpServer(newApiApp(config, gateway.custody)), closers);
    const stopP2p = (): Promise<void> =>
        new Promise<void>((resolve) => {
            p2pServer.closeAllConnections();
            p2pServer.close(() => {
                resolve();
            });
        });
    gateway.p2pUrl = `https://127.0.0.1:${p2pPort}`;
    gateway.apiUrl = `http://127.0.0.1:${apiPort}`;
    gateway.stopP2p = stopP2p;
    return gateway;
}

async function register(gateway: TestGateway, type: OrganizationType, commission: LedgerContracts): Promise<void> {
    await gateway.contracts.registerOrganization({
        type,
        name: `${gateway.mspId} gateway`,
        p2pUrl: gateway.p2pUrl,
        tlsCertPem: gateway.tls.certPem,
    });
    await commission.approveOrganization(gateway.mspId);
}

async function newLedger(): Promise<EmbeddedLedger> {
    const orgs = await Promise.all(Object.values(Orgs).map((org) => newTestOrg(org.mspId)));
    return EmbeddedLedger.open({
        channel: 'healthchain',
        chaincode: 'healthchain',
        contracts: chaincodeContracts,
        msps: orgs.map((org) => ({ mspId: org.mspId, rootCertsPem: [org.caCertPem] })),
        store: { kind: 'memory' },
    });
}

async function bootstrap(ledger: EmbeddedLedger, material: OrgMaterial): Promise<LedgerContracts> {
    const mspId = Orgs.commission.mspId;
    const identity = await (await newTestOrg(mspId)).identity('gateway');
    const commission = new LedgerContracts(ledger.connect(identity));
    await commission.bootstrap(mspId);
    await commission.registerOrganization({
        type: 'commission',
        name: 'commission',
        p2pUrl: 'https://127.0.0.1:1',
        tlsCertPem: material.tls.certPem,
    });
    return commission;
}

/** Opens the region: ledger, three gateways' custody parts, registrations, a consenting patient. */
export async function newP2pRegion(): Promise<P2pRegion> {
    const temp = newTempDir('p2p-region-');
    const closers: (() => Promise<void>)[] = [];
    const materials = new Map<string, OrgMaterial>();
    const caFiles: Record<string, string> = {};
    for (const { mspId } of Object.values(Orgs)) {
        const material = await newMaterial(mspId, temp.dir);
        materials.set(mspId, material);
        caFiles[mspId] = join(material.dir, 'tlsca.crt');
        writeFileSync(caFiles[mspId], material.tlsCa.certPem);
    }
    const materialOf = (mspId: string): OrgMaterial => materials.get(mspId) as OrgMaterial;
    const ledger = await newLedger();
    const commission = await bootstrap(ledger, materialOf(Orgs.commission.mspId));
    const gateways = {} as Record<GatewayName, TestGateway>;
    for (const name of ['hospitalA', 'hospitalB', 'insurer'] as const) {
        const gateway = await startGateway(name, ledger, materialOf(Orgs[name].mspId), caFiles, closers);
        gateways[name] = gateway;
        await register(gateway, Orgs[name].type, commission);
        await gateway.custody.start();
    }
    const hospitalA = gateways.hospitalA.contracts;
    const newConsentingPatient = async (): Promise<TestPatient> => {
        const patient = newTestPatient();
        const now = Date.now();
        await hospitalA.registerPatient(
            toEnvelope(patient.signed(registerPayload(patient, new Date(now).toISOString()))),
        );
        const payload = grantPayload(patient, {
            consentId: `consent-${patient.patientId.slice(2, 14)}`,
            grantee: Orgs.hospitalB.mspId,
            purposes: ['TREATMENT'],
            categories: ['lab'],
            notBefore: new Date(now - 3_600_000).toISOString(),
            notAfter: new Date(now + 86_400_000).toISOString(),
            issuedAt: new Date(now).toISOString(),
        });
        await hospitalA.grantConsent(toEnvelope(patient.signed(payload)));
        return patient;
    };
    return {
        ledger,
        gateways,
        commission,
        regionCaPems: Object.values(caFiles).map((file) => readFileSync(file, 'utf8')),
        patient: await newConsentingPatient(),
        newConsentingPatient,
        call: async (name, method, path, body, token) => {
            const gateway = gateways[name];
            const response = await fetch(`${gateway.apiUrl}${path}`, {
                method,
                headers: { authorization: `Bearer ${token ?? gateway.token}`, 'content-type': 'application/json' },
                ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            });
            return { status: response.status, body: (await response.json()) as Record<string, unknown> };
        },
        close: async (): Promise<void> => {
            for (const close of closers.reverse()) {
                await close();
            }
            await ledger.close();
            temp.remove();
        },
    };
}
