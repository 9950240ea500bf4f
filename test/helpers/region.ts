// SPDX-License-Identifier: Apache-2.0
/**
 * The region gateway tests run against, in process: one embedded ledger hosting the real chaincode and a whole
 * gateway per organisation (`./test-gateway.ts`: two hospitals, an insurer, the commission), each with a token
 * for every staff role, its own TLS CA and certificate, its own clock and a ledger connection that counts the
 * chaincode calls. Organisations register as `main.ts` does (`registerSelf`; the commission's gateway first,
 * which bootstraps the ledger) and the commission approves them; a clinic registers and is left pending.
 * With `p2p`, every gateway also runs its custody part (record store, outbox, event listener) and serves its
 * p2p port over real mutual TLS. Everything listens on 127.0.0.1 with ports chosen by the system, lives in one
 * temporary folder, and is stopped and removed by `close`, which `useTestRegion` calls in `after`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { contracts as chaincodeContracts } from '../../chaincode/src';
import type { CustodyRoutes } from '../../gateway/src/app';
import type { AuditView } from '../../gateway/src/audit/audit-view';
import { createToken, StaffRoles, type StaffRole } from '../../gateway/src/auth/tokens';
import type { GatewayConfig } from '../../gateway/src/config';
import type { Custody } from '../../gateway/src/custody';
import type { CustodyDb } from '../../gateway/src/custody/db';
import { LedgerContracts } from '../../gateway/src/ledger/contracts';
import type { SelfRegistration } from '../../gateway/src/ledger/register-self';
import { requestDelivery, type PeerResponse } from '../../gateway/src/p2p/client';
import type { EmbeddedLedger } from '../../network/src/embedded';
import type { IssuedCertificate } from '../../network/src/pki/ca';
import { TEST_CHANNEL } from '../chaincode/helpers/patients';
import { newTempDir, newTestLedger, type TestLedger } from './ledger';
import { newTestOrg, newTestTls } from './pki';
import {
    Orgs,
    startExtraApi,
    startGateway,
    type ExtraApi,
    type GatewaySetting,
    type GatewaySlot,
    type OrgName,
    type RunningGateway,
    type TestGateway,
} from './test-gateway';

export { Orgs, type ExtraApi, type OrgName, type TestGateway } from './test-gateway';

/** An organisation registered on the ledger but left pending; it has no gateway. */
export const PENDING_MSP = 'ClinicMSP';

/** Options of a {@link TestRegion}. */
export interface TestRegionOptions {
    /** Run every gateway's custody part and serve its p2p port over mutual TLS (default: neither). */
    readonly p2p?: boolean;
    /** Custody routes to mount in a gateway without a custody part (a stand-in fetcher, say), per organisation. */
    readonly custody?: Partial<Record<OrgName, CustodyRoutes>>;
    /** The body limit of every route but `POST /records` (default 64 KiB, as in production). */
    readonly jsonBytes?: number;
    /** How far a grant's time may be from the custodian's clock (default 2 minutes, as in production). */
    readonly grantMaxSkewMs?: number;
    /** How far a proposal's time may be from the ledger's clock (default: the embedded ledger's minute). */
    readonly ledgerMaxClockSkewMs?: number;
}

/** The order gateways start in: the commission's first, since its registration bootstraps the ledger. */
const START_ORDER = ['commission', 'hospitalA', 'hospitalB', 'insurer'] as const satisfies readonly OrgName[];

/** What exists once the region has started. */
interface Started {
    readonly setting: GatewaySetting;
    readonly slots: ReadonlyMap<OrgName, GatewaySlot>;
}

/** A region of gateways on one embedded ledger; see the module's comment. */
export class TestRegion {
    readonly #options: TestRegionOptions;
    readonly #running = new Map<OrgName, RunningGateway>();
    readonly #gateways = {} as Record<OrgName, TestGateway>;
    readonly #extraApis: (() => Promise<void>)[] = [];
    #temp: ReturnType<typeof newTempDir> | undefined;
    #ledger: TestLedger | undefined;
    #started: Started | undefined;
    /** Log lines the gateways wrote. */
    readonly logs: string[] = [];

    /**
     * A region not yet started: {@link start} starts it, {@link close} stops it.
     * @param options - p2p, custody routes, limits and clock tolerances
     */
    constructor(options: TestRegionOptions = {}) {
        this.#options = options;
    }

    /** The ledger (closing it takes the ledger down under the running gateways). */
    get ledger(): EmbeddedLedger {
        return this.#state.setting.ledger;
    }

    /** The running gateways by organisation; a restart replaces its organisation's entry. */
    get gateways(): Readonly<Record<OrgName, TestGateway>> {
        this.#assertStarted();
        return this.#gateways;
    }

    /** Every region TLS CA certificate. */
    get regionCaPems(): readonly string[] {
        return this.#state.setting.regionCaPems;
    }

    get #state(): Started {
        return this.#assertStarted();
    }

    #assertStarted(): Started {
        if (this.#started === undefined) {
            throw new Error('the test region is not started');
        }
        return this.#started;
    }

    /** Opens the ledger, starts the gateways, registers and approves the organisations. */
    async start(): Promise<void> {
        this.#temp = newTempDir('healthchain-gateways-');
        this.#ledger = await newTestLedger({
            contracts: chaincodeContracts,
            mspIds: [...Object.values(Orgs).map((org) => org.mspId), PENDING_MSP],
            channel: TEST_CHANNEL,
            chaincode: 'healthchain',
            ...(this.#options.ledgerMaxClockSkewMs === undefined
                ? {}
                : { maxClockSkewMs: this.#options.ledgerMaxClockSkewMs }),
        });
        const slots = await newSlots(this.#temp.dir);
        const caFiles = Object.fromEntries([...slots.values()].map((slot) => [Orgs[slot.name].mspId, caFileOf(slot)]));
        const logs = this.logs;
        this.#started = {
            slots,
            setting: {
                ledger: this.#ledger.ledger,
                caFiles,
                regionCaPems: [...slots.values()].map((slot) => slot.tlsCa.certPem),
                logSink: new Writable({
                    write(chunk: Buffer, _encoding, done): void {
                        logs.push(chunk.toString('utf8'));
                        done();
                    },
                }),
                p2p: this.#options.p2p === true,
                custodyRoutes: this.#options.custody ?? {},
                jsonBytes: this.#options.jsonBytes ?? 64 * 1024,
                grantMaxSkewMs: this.#options.grantMaxSkewMs ?? 120_000,
            },
        };
        for (const name of START_ORDER) {
            const slot = this.#slot(name);
            await this.#startGateway(slot, (await newTestTls(Orgs[name].mspId)).gateway);
        }
        for (const name of ['hospitalA', 'hospitalB', 'insurer'] as const) {
            await this.#gateways.commission.contracts.approveOrganization(Orgs[name].mspId);
        }
        await this.#registerPending();
    }

    #slot(name: OrgName): GatewaySlot {
        const slot = this.#state.slots.get(name);
        if (slot === undefined) {
            throw new Error(`no gateway ${name}`);
        }
        return slot;
    }

    async #startGateway(slot: GatewaySlot, tls: IssuedCertificate): Promise<SelfRegistration> {
        const running = await startGateway(slot, this.#state.setting, tls);
        this.#running.set(slot.name, running);
        this.#gateways[slot.name] = running.gateway;
        return running.registration;
    }

    async #registerPending(): Promise<void> {
        const identity = await (await newTestOrg(PENDING_MSP)).identity('gateway');
        const contracts = new LedgerContracts(this.ledger.connect(identity));
        await contracts.registerOrganization({
            type: 'hospital',
            name: 'a clinic',
            p2pUrl: 'https://127.0.0.1:1',
            tlsCertPem: identity.certPem,
        });
    }

    /** The chain's height now. */
    async height(): Promise<bigint> {
        return (await this.ledger.info()).height;
    }

    /** The commission's audit view and the database holding it. */
    get audit(): { readonly view: AuditView; readonly db: CustodyDb } {
        const audit = this.gateways.commission.audit;
        if (audit === undefined) {
            throw new Error('the commission keeps no audit view');
        }
        return audit;
    }

    /** Resolves once the commission's audit view has counted every block committed so far. */
    async viewCaughtUp(): Promise<void> {
        await this.audit.view.waitForHeight(await this.height());
    }

    /**
     * A gateway's custody part.
     * @param name - the gateway
     * @throws Error when the region does not run p2p
     */
    custody(name: OrgName): Custody {
        const custody = this.#running.get(name)?.custody;
        if (custody === undefined) {
            throw new Error(`${name} has no custody part: start the region with p2p`);
        }
        return custody;
    }

    /**
     * Sets a gateway's clock: the wall clock plus an offset (its API, custody and transaction timestamps).
     * @param name - the gateway
     * @param offsetMs - milliseconds added to the wall clock
     */
    setClockOffset(name: OrgName, offsetMs: number): void {
        this.#slot(name).clockOffsetMs = offsetMs;
    }

    /**
     * Stops a gateway's p2p port: the custodian goes down, its API stays.
     * @param name - the gateway
     */
    async stopP2p(name: OrgName): Promise<void> {
        await this.#running.get(name)?.stopP2p();
    }

    /**
     * Stops a gateway and starts it again, on the same ports and data, with another TLS certificate; it then
     * registers itself as `main.ts` does.
     * @param name - the gateway
     * @param tls - the certificate and key it now runs with
     * @returns what `registerSelf` reported
     */
    async restart(name: OrgName, tls: IssuedCertificate): Promise<SelfRegistration> {
        await this.#running.get(name)?.stop();
        this.#running.delete(name);
        return this.#startGateway(this.#slot(name), tls);
    }

    /**
     * Starts another API server of an organisation over the same ledger, its configuration changed.
     * @param name - the organisation
     * @param change - fields of the configuration to replace
     */
    async startApi(name: OrgName, change: Partial<GatewayConfig>): Promise<ExtraApi> {
        const { api, stop } = await startExtraApi(this.#slot(name), this.#state.setting, change);
        this.#extraApis.push(stop);
        return api;
    }

    /**
     * Calls a custodian's p2p port directly, presenting a chosen TLS certificate.
     * @param custodian - whose p2p port
     * @param as - the certificate and key presented
     * @param recordId - the record
     * @param accessId - the grant
     */
    callP2p(custodian: OrgName, as: IssuedCertificate, recordId: string, accessId: string): Promise<PeerResponse> {
        const peer = this.gateways[custodian];
        return requestDelivery(
            {
                certPem: as.certPem,
                keyPem: as.keyPem,
                caPems: this.regionCaPems,
                timeoutMs: 10_000,
                maxResponseBytes: 1 << 24,
            },
            { p2pUrl: peer.p2pUrl, tlsCertPem: peer.tls.certPem },
            recordId,
            accessId,
        );
    }

    /** Stops every server and custody part, closes the ledger and removes the folder, whatever `start` reached. */
    async close(): Promise<void> {
        for (const stop of this.#extraApis) {
            await stop();
        }
        for (const running of this.#running.values()) {
            await running.stop();
        }
        this.#running.clear();
        await this.#ledger?.close();
        this.#temp?.remove();
    }
}

async function newSlots(root: string): Promise<Map<OrgName, GatewaySlot>> {
    const slots = new Map<OrgName, GatewaySlot>();
    for (const name of Object.keys(Orgs) as OrgName[]) {
        const { mspId } = Orgs[name];
        const dir = join(root, name);
        mkdirSync(dir, { recursive: true });
        const tlsCa = (await newTestTls(mspId)).ca;
        const tokensFile = join(dir, 'tokens.json');
        const tokens = Object.fromEntries(
            StaffRoles.map((role) => [role, createToken(tokensFile, role, `test ${role}`).token]),
        ) as Record<StaffRole, string>;
        const slot: GatewaySlot = { name, dir, tlsCa, tokens, clockOffsetMs: 0, apiPort: 0, p2pPort: 0 };
        writeFileSync(caFileOf(slot), tlsCa.certPem);
        slots.set(name, slot);
    }
    return slots;
}

function caFileOf(slot: GatewaySlot): string {
    return join(slot.dir, 'tlsca.pem');
}

/**
 * Starts a region and opens it.
 * @param options - p2p, custody routes, limits and clock tolerances
 * @returns the started region; the caller closes it
 */
export async function newTestRegion(options: TestRegionOptions = {}): Promise<TestRegion> {
    const region = new TestRegion(options);
    try {
        await region.start();
    } catch (error) {
        await region.close();
        throw error;
    }
    return region;
}

/**
 * Registers `before` and `after` hooks in the calling `describe` that start a region and close it.
 * @param options - p2p, custody routes, limits and clock tolerances
 * @returns the region, started from the suite's first hook on
 */
export function useTestRegion(options: TestRegionOptions = {}): TestRegion {
    const region = new TestRegion(options);
    before(async () => {
        await region.start();
    });
    after(async () => {
        await region.close();
    });
    return region;
}
