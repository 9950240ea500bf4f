// SPDX-License-Identifier: Apache-2.0
/**
 * A hospital gateway with its HL7 intake, in process: an embedded ledger with the real chaincode (Hospital A,
 * Hospital B, the commission, all active), Hospital A's custody part and HL7 intake on a data folder of its
 * own, its API served over HTTP on 127.0.0.1 port 0 and its MLLP listener on port 0. The intake can be closed
 * and opened again on the same folder (a restart), and its clock moved (pending expiry).
 */
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { contracts as chaincodeContracts } from '../../../chaincode/src';
import { createApp, type AppDeps } from '../../../gateway/src/app';
import { createToken, StaffRoles, TokenStore, type StaffRole } from '../../../gateway/src/auth/tokens';
import type { GatewayConfig, Hl7Config } from '../../../gateway/src/config';
import { newCustody, type Custody } from '../../../gateway/src/custody';
import { newHl7Intake, type Hl7Intake } from '../../../gateway/src/hl7/service';
import type { MessageMeta, MessageStatus } from '../../../gateway/src/hl7/store';
import { LedgerContracts } from '../../../gateway/src/ledger/contracts';
import { newLogger } from '../../../gateway/src/logging';
import { newMetrics } from '../../../gateway/src/metrics';
import { newTestPatient, registerPayload, signPayload, type TestPatient } from '../../chaincode/helpers/patients';
import { newTempDir, newTestLedger, type TestLedger } from '../../helpers/ledger';
import { newTestOrg } from '../../helpers/pki';

const HOSPITAL_A = 'HospitalAMSP';
const MSP_IDS = [HOSPITAL_A, 'HospitalBMSP', 'CommissionMSP'] as const;

/** Hospital A's gateway with its intake, running. */
export interface Hl7Gateway {
    readonly config: GatewayConfig;
    readonly url: string;
    readonly mllpUrl: string;
    readonly intake: Hl7Intake;
    readonly custody: Custody;
    readonly contracts: LedgerContracts;
    readonly tokens: Readonly<Record<StaffRole, string>>;
    /** Resolves with a message's state once it reaches one of the statuses. */
    waitFor(controlId: string, statuses: readonly MessageStatus[]): Promise<MessageMeta>;
}

/** The test region around it. */
export interface Hl7Region {
    readonly ledger: TestLedger;
    readonly dataDir: string;
    /** Hospital B's ledger facade (to read what Hospital A anchored). */
    readonly hospitalB: LedgerContracts;
    /** Milliseconds added to the wall clock for Hospital A's gateway. */
    clockOffsetMs: number;
    gateway(): Hl7Gateway;
    /** Opens Hospital A's gateway (again) on the same data folder. */
    open(hl7?: Partial<Hl7Config>): Promise<Hl7Gateway>;
    /** Closes Hospital A's gateway; its folder stays. */
    closeGateway(): Promise<void>;
    /** Registers a patient at Hospital A over its API, with local identifiers. */
    register(identifiers: readonly { system: string; value: string }[], patient?: TestPatient): Promise<TestPatient>;
    close(): Promise<void>;
}

function newConfig(dir: string, hl7: Partial<Hl7Config>): GatewayConfig {
    const file = (leaf: string): string => join(dir, leaf);
    for (const leaf of ['tls.crt', 'tls.key', 'tlsca.pem']) {
        writeFileSync(file(leaf), 'not used by these tests\n');
    }
    const config: GatewayConfig = {
        org: { mspId: HOSPITAL_A, type: 'hospital', name: 'Hospital A' },
        channel: 'healthchain',
        chaincode: 'healthchain',
        dataDir: file('data'),
        tokensFile: file('tokens.json'),
        storeKeyFile: file('store.key'),
        api: { host: '127.0.0.1', port: 0 },
        p2p: { host: '127.0.0.1', port: 0 },
        tls: { certFile: file('tls.crt'), keyFile: file('tls.key'), caFile: file('tlsca.pem') },
        regionTlsCaFiles: { [HOSPITAL_A]: file('tlsca.pem') },
        identity: { certFile: file('id.crt'), keyFile: file('id.key') },
        ledger: { kind: 'embedded', url: 'https://127.0.0.1:1', tlsCaFile: file('tlsca.pem') },
        limits: { recordBytes: 5 * 1024 * 1024, jsonBytes: 64 * 1024 },
        ledgerTimeoutMs: 10_000,
        grantMaxSkewMs: 120_000,
        rateLimit: { windowMs: 60_000, max: 10_000 },
        logLevel: 'info',
        hl7: {
            enabled: true,
            host: '127.0.0.1',
            port: 0,
            tls: false,
            facility: HOSPITAL_A,
            defaultCharset: 'ASCII',
            timezone: '+08:00',
            maxMessageBytes: 1024 * 1024,
            pending: { maxAgeDays: 30, maxMessages: 1000 },
            ...hl7,
        },
    };
    return Object.freeze(config);
}

async function setUpLedger(ledger: TestLedger): Promise<Record<(typeof MSP_IDS)[number], LedgerContracts>> {
    const facades = {} as Record<(typeof MSP_IDS)[number], LedgerContracts>;
    for (const [index, mspId] of MSP_IDS.entries()) {
        const org = ledger.orgs[index];
        if (org === undefined) {
            throw new Error('missing organisation');
        }
        facades[mspId] = new LedgerContracts(ledger.ledger.connect(await org.identity('gateway')));
    }
    await facades.CommissionMSP.bootstrap('CommissionMSP');
    for (const mspId of MSP_IDS) {
        const tlsCertPem = (await (await newTestOrg(mspId)).identity('gateway')).certPem;
        const type = mspId === 'CommissionMSP' ? 'commission' : 'hospital';
        await facades[mspId].registerOrganization({
            type,
            name: mspId,
            p2pUrl: `https://${mspId}.test:7402`,
            tlsCertPem,
        });
    }
    await facades.CommissionMSP.approveOrganization(HOSPITAL_A);
    await facades.CommissionMSP.approveOrganization('HospitalBMSP');
    return facades;
}

/**
 * Opens the region and Hospital A's gateway.
 * @param hl7 - intake settings for this test
 */
export async function newHl7Region(hl7: Partial<Hl7Config> = {}): Promise<Hl7Region> {
    const ledger = await newTestLedger({
        contracts: chaincodeContracts,
        mspIds: [...MSP_IDS],
        channel: 'healthchain',
        chaincode: 'healthchain',
    });
    const facades = await setUpLedger(ledger);
    const temp = newTempDir('healthchain-hl7-');
    mkdirSync(join(temp.dir, 'data'), { recursive: true });
    const tokens = Object.fromEntries(
        StaffRoles.map((role) => [role, createToken(join(temp.dir, 'tokens.json'), role, `test ${role}`).token]),
    ) as Record<StaffRole, string>;
    const sink = new Writable({
        write(_chunk: Buffer, _encoding, done): void {
            done();
        },
    });
    let current: { gateway: Hl7Gateway; server: Server } | undefined;
    const region: Hl7Region = {
        ledger,
        dataDir: temp.dir,
        hospitalB: facades.HospitalBMSP,
        clockOffsetMs: 0,
        gateway: () => {
            if (current === undefined) {
                throw new Error('the gateway is not open');
            }
            return current.gateway;
        },
        open: async (settings = hl7) => {
            const config = newConfig(temp.dir, settings);
            const contracts = facades.HospitalAMSP;
            const base = {
                ledger: ledger.ledger.connect(await (ledger.orgs[0] ?? fail()).identity('gateway')),
                contracts,
                tokens: new TokenStore(config.tokensFile),
                logger: newLogger({ level: 'warn', org: HOSPITAL_A }, sink),
                metrics: newMetrics(),
                clock: () => new Date(Date.now() + region.clockOffsetMs),
                retry: { initialMs: 20, maxMs: 200 },
            };
            const custody = await newCustody(config, base);
            const intake = newHl7Intake(config, { ...base, custody });
            const deps: AppDeps = { ...base, custody, hl7: intake };
            const server = createServer(createApp(config, deps));
            server.listen(0, '127.0.0.1');
            await once(server, 'listening');
            await intake.start();
            const gateway: Hl7Gateway = {
                config,
                url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
                mllpUrl: intake.url ?? '',
                intake,
                custody,
                contracts,
                tokens,
                waitFor: (controlId, statuses) => waitForMessage(intake, controlId, statuses),
            };
            current = { gateway, server };
            return gateway;
        },
        closeGateway: async () => {
            if (current === undefined) {
                return;
            }
            const { gateway, server } = current;
            current = undefined;
            server.closeAllConnections();
            await new Promise<void>((resolve) => {
                server.close(() => {
                    resolve();
                });
            });
            await gateway.intake.close();
            await gateway.custody.close();
        },
        register: async (identifiers, patient = newTestPatient()) => {
            const gateway = region.gateway();
            const payload = registerPayload(patient, new Date().toISOString());
            const response = await fetch(`${gateway.url}/patients`, {
                method: 'POST',
                headers: { authorization: `Bearer ${gateway.tokens.clinician}`, 'content-type': 'application/json' },
                body: JSON.stringify({ payload, signature: signPayload(payload, patient.privateKey), identifiers }),
            });
            if (response.status !== 201) {
                throw new Error(`registration failed: ${response.status} ${await response.text()}`);
            }
            return patient;
        },
        close: async () => {
            await region.closeGateway();
            await ledger.close();
            temp.remove();
        },
    };
    await region.open(hl7);
    return region;
}

function fail(): never {
    throw new Error('missing organisation');
}

/**
 * Resolves with a message's state once it reaches one of the statuses: it listens for the intake's events
 * and also reads the store, so a state reached before the call is found too.
 * @param intake - the intake
 * @param controlId - MSH-10 of the message (unique in these tests)
 * @param statuses - what to wait for
 */
export async function waitForMessage(
    intake: Hl7Intake,
    controlId: string,
    statuses: readonly MessageStatus[],
): Promise<MessageMeta> {
    const reached = (meta: MessageMeta): boolean => meta.controlId === controlId && statuses.includes(meta.status);
    let listener: ((meta: MessageMeta) => void) | undefined;
    const event = new Promise<MessageMeta>((resolve) => {
        listener = (meta: MessageMeta): void => {
            if (reached(meta)) {
                resolve(meta);
            }
        };
        intake.events.on('message', listener);
    });
    try {
        for await (const value of intake.store.messages.values()) {
            const meta = JSON.parse(Buffer.from(value).toString('utf8')) as MessageMeta;
            if (reached(meta)) {
                return meta;
            }
        }
        return await event;
    } finally {
        if (listener !== undefined) {
            intake.events.off('message', listener);
        }
    }
}
