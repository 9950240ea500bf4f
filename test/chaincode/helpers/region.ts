// SPDX-License-Identifier: Apache-2.0
/**
 * A test region on the embedded ledger with the health-chain contracts: two hospitals, an insurer, the
 * commission (all active) and a clinic left pending. A controllable clock drives both the ledger and the
 * transaction timestamps.
 */
import assert from 'node:assert/strict';
import { contracts } from '../../../chaincode/src';
import { EmbeddedLedger, type LedgerClient, type StoreLocation } from '../../../network/src/embedded';
import { EndorseError } from '../../../network/src/ledger';
import { newTestOrg } from '../../helpers/pki';
import { newTestPatient, registerPayload, type TestPatient } from './patients';

/** The region's organisations by short name. */
export const Msp = {
    hospitalA: 'HospitalAMSP',
    hospitalB: 'HospitalBMSP',
    insurer: 'InsurerMSP',
    commission: 'CommissionMSP',
    clinic: 'ClinicMSP',
} as const;

/** A short organisation name. */
export type OrgName = keyof typeof Msp;

const ORG_TYPES: Readonly<Record<OrgName, string>> = {
    hospitalA: 'hospital',
    hospitalB: 'hospital',
    insurer: 'insurer',
    commission: 'commission',
    clinic: 'hospital',
};

/** The region's clock, shared by the ledger and by every call's timestamp. */
export class TestClock {
    #now: number;

    constructor(start: string) {
        this.#now = Date.parse(start);
    }

    /** The current time. */
    get now(): Date {
        return new Date(this.#now);
    }

    /** The current time as ISO text. */
    get iso(): string {
        return this.now.toISOString();
    }

    /**
     * Moves the clock on.
     * @param ms - milliseconds
     */
    advance(ms: number): void {
        this.#now += ms;
    }
}

/** Options of one call. */
export interface CallAt {
    /** Transaction timestamp; the region clock by default. */
    readonly timestamp?: Date;
}

/** A region on an embedded ledger. */
export interface Region {
    readonly ledger: EmbeddedLedger;
    readonly clock: TestClock;
    readonly clients: Readonly<Record<OrgName, LedgerClient>>;
    /** Submits and returns the parsed JSON result with the transaction id. */
    submit(org: OrgName, contract: string, fn: string, args: readonly string[], at?: CallAt): Promise<Submitted>;
    /** Evaluates and returns the parsed JSON result. */
    evaluate(org: OrgName, contract: string, fn: string, args: readonly string[]): Promise<unknown>;
    /** Registers a new patient through hospital A. */
    newPatient(): Promise<TestPatient>;
    close(): Promise<void>;
}

/** A committed transaction's id, block and parsed result. */
export interface Submitted {
    readonly txId: string;
    readonly blockNumber: bigint;
    readonly value: unknown;
}

function parse(bytes: Uint8Array): unknown {
    const text = Buffer.from(bytes).toString('utf8');
    return text === '' ? null : (JSON.parse(text) as unknown);
}

async function connectAll(ledger: EmbeddedLedger): Promise<Record<OrgName, LedgerClient>> {
    const names = Object.keys(Msp) as OrgName[];
    const entries = await Promise.all(
        names.map(async (name) => {
            const org = await newTestOrg(Msp[name]);
            return [name, ledger.connect(await org.identity('gateway'))] as const;
        }),
    );
    return Object.fromEntries(entries) as Record<OrgName, LedgerClient>;
}

async function certificateOf(name: OrgName): Promise<string> {
    return (await (await newTestOrg(Msp[name])).identity('gateway')).certPem;
}

async function setUp(region: Region): Promise<void> {
    await region.submit('commission', 'organization', 'bootstrap', [Msp.commission]);
    for (const name of Object.keys(Msp) as OrgName[]) {
        const profile = {
            type: ORG_TYPES[name],
            name: `${name} organisation`,
            p2pUrl: `https://${name.toLowerCase()}.test:7402`,
            tlsCertPem: await certificateOf(name),
        };
        await region.submit(name, 'organization', 'registerOrganization', [JSON.stringify(profile)]);
    }
    for (const name of ['hospitalA', 'hospitalB', 'insurer'] as const) {
        await region.submit('commission', 'organization', 'approveOrganization', [Msp[name]]);
    }
}

/**
 * Opens a region and registers its organisations.
 * @param start - ISO start time of the clock; now (whole seconds) by default, since the test
 *   certificates are valid from now on
 * @param store - where the ledger keeps its data; in memory by default
 */
export async function newRegion(
    start = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
    store: StoreLocation = { kind: 'memory' },
): Promise<Region> {
    const clock = new TestClock(start);
    const orgs = await Promise.all(Object.values(Msp).map((mspId) => newTestOrg(mspId)));
    const ledger = await EmbeddedLedger.open({
        channel: 'healthchain',
        chaincode: 'healthchain',
        contracts,
        msps: orgs.map((org) => ({ mspId: org.mspId, rootCertsPem: [org.caCertPem] })),
        store,
        clock: () => clock.now,
    });
    const clients = await connectAll(ledger);
    const region: Region = {
        ledger,
        clock,
        clients,
        submit: async (org, contract, fn, args, at = {}) => {
            const result = await clients[org].submit(contract, fn, {
                arguments: args,
                timestamp: at.timestamp ?? clock.now,
            });
            return { txId: result.txId, blockNumber: result.blockNumber, value: parse(result.result) };
        },
        evaluate: async (org, contract, fn, args) =>
            parse(await clients[org].evaluate(contract, fn, { arguments: args, timestamp: clock.now })),
        newPatient: async () => {
            const patient = newTestPatient();
            await region.submit('hospitalA', 'patient', 'registerPatient', [
                patient.signed(registerPayload(patient, clock.iso)),
            ]);
            return patient;
        },
        close: () => ledger.close(),
    };
    await setUp(region);
    return region;
}

/**
 * Expects a ledger call to fail in the chaincode with a code.
 * @param call - the pending call
 * @param code - the expected `CODE`
 */
export async function expectCode(call: Promise<unknown>, code: string): Promise<void> {
    await assert.rejects(call, (error: unknown) => {
        assert.ok(error instanceof EndorseError, `expected an EndorseError, got ${String(error)}`);
        assert.equal(error.code, code, error.message);
        return true;
    });
}
