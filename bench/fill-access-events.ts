// SPDX-License-Identifier: Apache-2.0
/**
 * Access events in exactly the state layout `access:requestAccess` writes, for the audit benchmark
 * (`bench/access-audit.ts`), made two ways: by real transactions on an embedded ledger with a small region
 * (two hospitals, an insurer, the commission), and by a bulk filler that writes millions of synthetic events
 * straight into the ledger's store, each event's writes built with the chaincode's own key builders, state
 * shape and canonical encoder, and Fabric's composite-key format. The benchmark checks the bulk layout byte
 * for byte against the write sets of the real transactions, so a change to the chaincode's layout fails it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { toPatientId } from '../chaincode/src/crypto/patient-key';
import { toStateBytes } from '../chaincode/src/model/canonical-json';
import { accessTimeKey, Keys, type CompositeKeySpec } from '../chaincode/src/model/keys';
import type { AccessEvent } from '../chaincode/src/protocol/state';
import { OrdinaryCategories, type Category, type OrgType, type Purpose } from '../chaincode/src/protocol/vocabulary';
import { addMillis, GRANT_LIFETIME_MS } from '../chaincode/src/rules/time';
import type { EmbeddedLedger, LedgerClient } from '../network/src/embedded';
import type { CommitResult } from '../network/src/ledger';
import { decodeBlock, type Block } from '../network/src/embedded/block';
import type { LedgerStore, Version } from '../network/src/embedded/store';
import { grantPayload, newTestPatient, registerPayload, type TestPatient } from '../test/chaincode/helpers/patients';
import { newTestOrg } from '../test/helpers/pki';

/** One state write: key and value bytes. */
export interface StateWrite {
    readonly key: string;
    readonly value: Uint8Array;
}

/** An organisation of the synthetic region. */
export interface FillOrganization {
    readonly mspId: string;
    readonly type: OrgType;
}

/** What to fill: how many events, over which patients, organisations and days. */
export interface FillPlan {
    readonly events: number;
    readonly patients: number;
    /** Requesters; the hospitals among them are the custodians. */
    readonly organizations: readonly FillOrganization[];
    /** Start of the first day, milliseconds since the epoch. */
    readonly from: number;
    readonly days: number;
    /** Seeds the event generator and the synthetic ids, so a plan always makes the same events. */
    readonly seed: number;
    /** Events per store batch. */
    readonly batchEvents: number;
    /** The version recorded on every loaded key (the block number; the transaction is the event's index). */
    readonly block: number;
}

/** What a fill wrote and how long it took. */
export interface FillResult {
    readonly events: number;
    readonly keys: number;
    /** Bytes of keys and values written (before level's own encoding and compression). */
    readonly bytes: number;
    readonly ms: number;
}

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/** Records each synthetic patient has; an event names one of them. */
const RECORDS_PER_PATIENT = 4;

/** Shares of the synthetic outcomes (cumulative thresholds of one uniform draw). */
const SHARE = { recordNotFound: 0.01, emergency: 0.03, granted: 0.75 } as const;

/** The purpose each organisation type asks under in the synthetic data. */
const PURPOSE_OF: Readonly<Record<OrgType, Purpose>> = {
    hospital: 'TREATMENT',
    insurer: 'PAYMENT',
    commission: 'OVERSIGHT',
};

/** No personal data: a fixed, generic justification. */
const JUSTIFICATION = 'Patient admitted unconscious to the emergency department';

/** Fabric's composite-key namespace and separator (fabric-shim `stub.js`, `COMPOSITEKEY_NS`, `MIN_UNICODE_RUNE_VALUE`). */
const COMPOSITE_KEY_NAMESPACE = '\u0000';
const COMPOSITE_KEY_SEPARATOR = '\u0000';

/**
 * Joins a composite key as the chaincode's stub does (fabric-shim's `createCompositeKey`: namespace, then
 * the object type and each attribute, each followed by the separator). fabric-shim itself is not imported
 * here because it fixes its log level when first loaded (see {@link openRegion}); the benchmark checks
 * every joined key against the keys real transactions wrote.
 * @param spec - object type and attributes
 * @returns the state key
 * @throws Error for an empty object type or attribute, as fabric-shim does
 */
export function toStateKey(spec: CompositeKeySpec): string {
    let key = COMPOSITE_KEY_NAMESPACE;
    for (const part of [spec.objectType, ...spec.attributes]) {
        if (part.length === 0) {
            throw new Error('object type or attribute not a non-zero length string');
        }
        key += part + COMPOSITE_KEY_SEPARATOR;
    }
    return key;
}

function toIndexWrite(key: string, accessId: string): StateWrite {
    return { key, value: Buffer.from(accessId, 'utf8') };
}

/**
 * The state writes of one access event, as `requestAccess` makes them (its `writeAccessEvent`): the
 * event as canonical JSON under `access~[id]`, and index entries holding the id under the requester,
 * time, patient and custodian indexes and, for an emergency grant, the pending-review index.
 * @param event - the access event
 * @returns the writes, in the chaincode's order
 */
export function toAccessEventWrites(event: AccessEvent): StateWrite[] {
    const { accessId, requestedAt: time } = event;
    const writes: StateWrite[] = [
        { key: toStateKey(Keys.access(accessId)), value: toStateBytes(event) },
        toIndexWrite(toStateKey(Keys.accessByRequester(event.requester, time, accessId)), accessId),
        toIndexWrite(accessTimeKey(time, accessId), accessId),
    ];
    if (event.patientId !== null) {
        writes.push(toIndexWrite(toStateKey(Keys.accessByPatient(event.patientId, time, accessId)), accessId));
    }
    if (event.custodian !== null) {
        writes.push(toIndexWrite(toStateKey(Keys.accessByCustodian(event.custodian, time, accessId)), accessId));
    }
    if (event.decision === 'GRANTED_EMERGENCY') {
        writes.push(toIndexWrite(toStateKey(Keys.emergencyPending(time, accessId)), accessId));
    }
    return writes;
}

/**
 * A synthetic patient id in the ledger's form (`pt` + base32 of a SHA-256), the same for a seed and number.
 * @param seed - the plan's seed
 * @param patient - patient number
 * @returns the patient id
 */
export function syntheticPatientId(seed: number, patient: number): string {
    return toPatientId(Buffer.from(`bench-patient-${seed}-${patient}`, 'utf8'));
}

/**
 * A synthetic transaction id in Fabric's form (64 lowercase hex digits).
 * @param label - what makes it unique
 * @returns the id
 */
export function syntheticTxId(label: string): string {
    return createHash('sha256').update(label, 'utf8').digest('hex');
}

/**
 * A seeded uniform generator in [0, 1) (mulberry32): reproducible data without `Math.random`.
 * @param seed - 32-bit seed
 * @returns the generator
 */
export function newRandom(seed: number): () => number {
    let state = seed >>> 0;
    return (): number => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = Math.imul(state ^ (state >>> 15), 1 | state);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
}

interface EventDraw {
    readonly index: number;
    readonly patient: number;
    readonly record: number;
    readonly requester: FillOrganization;
    readonly custodian: string;
    readonly time: string;
    readonly roll: number;
}

type Outcome = Pick<AccessEvent, 'purpose' | 'decision' | 'reason' | 'consentId' | 'justification'>;

const RECORD_NOT_FOUND = {
    decision: 'DENIED',
    reason: 'RECORD_NOT_FOUND',
    consentId: null,
    justification: null,
} as const;

function newOutcome(draw: EventDraw): Outcome {
    const purpose = PURPOSE_OF[draw.requester.type];
    if (draw.requester.type === 'hospital' && draw.roll < SHARE.emergency) {
        const emergency = { purpose: 'EMERGENCY', justification: JUSTIFICATION, consentId: null } as const;
        return { ...emergency, decision: 'GRANTED_EMERGENCY', reason: 'EMERGENCY' };
    }
    if (draw.roll < SHARE.granted) {
        const consentId = `consent-${draw.patient}-${draw.requester.mspId}`;
        return { purpose, decision: 'GRANTED', reason: 'CONSENT', consentId, justification: null };
    }
    return { purpose, decision: 'DENIED', reason: 'NO_CONSENT', consentId: null, justification: null };
}

interface Subject {
    readonly recordId: string;
    readonly custodian: string | null;
    readonly patientId: string | null;
    readonly category: Category | null;
}

function newSubject(draw: EventDraw, patientIds: readonly string[]): Subject {
    if (draw.roll < SHARE.recordNotFound) {
        return { recordId: `rec-missing-${draw.index}`, custodian: null, patientId: null, category: null };
    }
    const category = OrdinaryCategories[(draw.patient * RECORDS_PER_PATIENT + draw.record) % OrdinaryCategories.length];
    return {
        recordId: `rec-${draw.patient}-${draw.record}`,
        custodian: draw.custodian,
        patientId: patientIds[draw.patient] ?? null,
        category: category ?? null,
    };
}

function newEvent(draw: EventDraw, seed: number, patientIds: readonly string[]): AccessEvent {
    const subject = newSubject(draw, patientIds);
    const outcome: Outcome =
        subject.patientId === null
            ? { ...RECORD_NOT_FOUND, purpose: PURPOSE_OF[draw.requester.type] }
            : newOutcome(draw);
    // One literal with every field, so each event has the same shape (canonical JSON sorts keys anyway).
    return {
        accessId: syntheticTxId(`bench-access-${seed}-${draw.index}`),
        requester: draw.requester.mspId,
        custodian: subject.custodian,
        recordId: subject.recordId,
        patientId: subject.patientId,
        category: subject.category,
        purpose: outcome.purpose,
        decision: outcome.decision,
        reason: outcome.reason,
        consentId: outcome.consentId,
        justification: outcome.justification,
        requestedAt: draw.time,
        expiresAt: outcome.decision === 'DENIED' ? null : addMillis(draw.time, GRANT_LIFETIME_MS),
        delivery: null,
        review: null,
    };
}

function pick<T>(items: readonly T[], random: () => number): T {
    const item = items[Math.floor(random() * items.length)];
    if (item === undefined) {
        throw new Error('cannot pick from an empty list');
    }
    return item;
}

function newDraw(plan: FillPlan, index: number, random: () => number, custodians: readonly string[]): EventDraw {
    const patient = Math.floor(random() * plan.patients);
    const record = Math.floor(random() * RECORDS_PER_PATIENT);
    const requester = pick(plan.organizations, random);
    const custodian = custodians[(patient + record) % custodians.length] ?? requester.mspId;
    const time = new Date(plan.from + Math.floor(random() * plan.days * DAY_MS)).toISOString();
    return { index, patient, record, requester, custodian, time, roll: random() };
}

/** Access events' state writes, each with the version to record, ready for the store's bulk loader. */
function toVersionedEntries(events: readonly AccessEvent[], version: Version): VersionedWrite[] {
    const entries: VersionedWrite[] = [];
    events.forEach((event, i) => {
        const eventVersion = { block: version.block, tx: version.tx + i };
        for (const write of toAccessEventWrites(event)) {
            entries.push({ key: write.key, value: write.value, version: eventVersion });
        }
    });
    return entries;
}

interface VersionedWrite extends StateWrite {
    readonly version: Version;
}

function sizeOf(entries: readonly VersionedWrite[]): { keys: number; bytes: number } {
    const bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.key) + entry.value.length, 0);
    return { keys: entries.length, bytes };
}

/**
 * Writes access events' state straight into a store, in one unsynced batch.
 * @param store - the ledger's store
 * @param events - the events
 * @param version - block and first transaction number to record; each event takes the next transaction number
 * @returns keys and bytes written
 */
export async function loadAccessEvents(
    store: LedgerStore,
    events: readonly AccessEvent[],
    version: Version,
): Promise<{ keys: number; bytes: number }> {
    const entries = toVersionedEntries(events, version);
    await store.loadStateForBenchmark(entries);
    return sizeOf(entries);
}

/**
 * Fills a store with a plan's synthetic access events and times it. Batches are pipelined: the next one
 * is generated while level writes the previous one on its own thread.
 * @param store - the ledger's store
 * @param plan - what to fill
 * @param onProgress - told the number of events written so far, before each batch and at the end
 * @param onEvents - given each batch of events (the API benchmark counts them into the audit view)
 * @returns what was written and how long it took
 */
export async function fillAccessEvents(
    store: LedgerStore,
    plan: FillPlan,
    onProgress: (events: number) => void = () => undefined,
    onEvents: (events: readonly AccessEvent[]) => void = () => undefined,
): Promise<FillResult> {
    const started = performance.now();
    const patientIds = Array.from({ length: plan.patients }, (_, n) => syntheticPatientId(plan.seed, n));
    const custodians = plan.organizations.filter((org) => org.type === 'hospital').map((org) => org.mspId);
    const random = newRandom(plan.seed);
    let keys = 0;
    let bytes = 0;
    let writing = Promise.resolve();
    for (let first = 0; first < plan.events; first += plan.batchEvents) {
        const count = Math.min(plan.batchEvents, plan.events - first);
        const events = Array.from({ length: count }, (_, i) =>
            newEvent(newDraw(plan, first + i, random, custodians), plan.seed, patientIds),
        );
        onEvents(events);
        const entries = toVersionedEntries(events, { block: plan.block, tx: first });
        await writing;
        onProgress(first);
        writing = store.loadStateForBenchmark(entries);
        const size = sizeOf(entries);
        keys += size.keys;
        bytes += size.bytes;
    }
    await writing;
    onProgress(plan.events);
    return { events: plan.events, keys, bytes, ms: performance.now() - started };
}

/** The bench region's organisations: two hospitals (the custodians), an insurer and the commission. */
export const Orgs = {
    hospitalA: { mspId: 'HospitalAMSP', type: 'hospital' },
    hospitalB: { mspId: 'HospitalBMSP', type: 'hospital' },
    insurer: { mspId: 'InsurerMSP', type: 'insurer' },
    commission: { mspId: 'CommissionMSP', type: 'commission' },
} as const satisfies Readonly<Record<string, FillOrganization>>;

/** A short organisation name. */
export type OrgName = keyof typeof Orgs;

const ORG_NAMES = Object.keys(Orgs) as OrgName[];

/** An embedded ledger on a temporary level folder with the health-chain contracts and the region registered. */
export interface Region {
    readonly ledger: EmbeddedLedger;
    readonly clients: Readonly<Record<OrgName, LedgerClient>>;
    /** The level folder. */
    readonly path: string;
    /** Closes the ledger and removes its folder. */
    close(): Promise<void>;
}

async function submit(
    region: Region,
    org: OrgName,
    contract: string,
    fn: string,
    args: readonly string[],
): Promise<CommitResult> {
    return region.clients[org].submit(contract, fn, { arguments: args });
}

async function registerOrganizations(region: Region, certificates: Readonly<Record<OrgName, string>>): Promise<void> {
    await submit(region, 'commission', 'organization', 'bootstrap', [Orgs.commission.mspId]);
    for (const name of ORG_NAMES) {
        const profile = {
            type: Orgs[name].type,
            name: `${name} organisation`,
            p2pUrl: `https://${name.toLowerCase()}.bench:7402`,
            tlsCertPem: certificates[name],
        };
        await submit(region, name, 'organization', 'registerOrganization', [JSON.stringify(profile)]);
    }
    for (const name of ['hospitalA', 'hospitalB', 'insurer'] as const) {
        await submit(region, 'commission', 'organization', 'approveOrganization', [Orgs[name].mspId]);
    }
}

/**
 * Opens an embedded ledger on a new temporary level folder and registers the region's organisations
 * (8 transactions).
 * @returns the region; close it to remove the folder
 */
export async function openRegion(): Promise<Region> {
    // fabric-shim and fabric-contract-api fix their log level from this variable when first loaded, and log
    // every transaction at INFO by default: quiet them unless the caller chose a level, then load them.
    process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
    const [{ EmbeddedLedger }, { contracts }] = await Promise.all([
        import('../network/src/embedded/ledger.js'),
        import('../chaincode/src/index.js'),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'healthchain-audit-bench-'));
    const path = join(dir, 'ledger');
    const remove = (): void => {
        rmSync(dir, { recursive: true, force: true });
    };
    try {
        const members = await Promise.all(
            ORG_NAMES.map(async (name) => {
                const org = await newTestOrg(Orgs[name].mspId);
                return { name, org, identity: await org.identity('gateway') };
            }),
        );
        const ledger = await EmbeddedLedger.open({
            channel: 'healthchain',
            chaincode: 'healthchain',
            contracts,
            msps: members.map(({ org }) => ({ mspId: org.mspId, rootCertsPem: [org.caCertPem] })),
            store: { kind: 'level', path },
        });
        const pairs = (field: (member: (typeof members)[number]) => unknown): Record<OrgName, never> =>
            Object.fromEntries(members.map((member) => [member.name, field(member)])) as Record<OrgName, never>;
        const region: Region = {
            ledger,
            clients: pairs(({ identity }) => ledger.connect(identity)),
            path,
            close: async () => {
                await ledger.close();
                remove();
            },
        };
        await registerOrganizations(
            region,
            pairs(({ identity }) => identity.certPem),
        );
        return region;
    } catch (error) {
        remove();
        throw error;
    }
}

/** A committed `requestAccess`: the event as stored, its transaction id and its committed write set. */
export interface RealEvent {
    readonly event: AccessEvent;
    readonly txId: string;
    readonly writes: readonly StateWrite[];
}

/** What the real transactions made. */
export interface RealSeed {
    readonly patientIds: readonly string[];
    readonly events: readonly RealEvent[];
    /** Every transaction submitted, the region's registration included. */
    readonly transactions: number;
    readonly ms: number;
}

/** A request of the real seed and, in the comment, the decision the chaincode reaches. */
interface RequestShape {
    readonly requester: OrgName;
    readonly purpose: Purpose;
    /** Which of the patient's records; -1 names a record that was never anchored. */
    readonly record: number;
    readonly justification?: string;
}

const SHAPES: readonly RequestShape[] = [
    { requester: 'hospitalB', purpose: 'TREATMENT', record: 0 }, // GRANTED, CONSENT
    { requester: 'hospitalB', purpose: 'TREATMENT', record: 2 }, // DENIED, SENSITIVE_CATEGORY
    { requester: 'insurer', purpose: 'PAYMENT', record: 1 }, // GRANTED, CONSENT
    { requester: 'hospitalA', purpose: 'TREATMENT', record: 1 }, // DENIED, NO_CONSENT
    { requester: 'hospitalA', purpose: 'EMERGENCY', record: 1, justification: JUSTIFICATION }, // GRANTED_EMERGENCY
    { requester: 'commission', purpose: 'OVERSIGHT', record: 0 }, // DENIED, NO_CONSENT
    { requester: 'hospitalB', purpose: 'TREATMENT', record: -1 }, // DENIED, RECORD_NOT_FOUND
    { requester: 'insurer', purpose: 'TREATMENT', record: 1 }, // DENIED, PURPOSE_NOT_PERMITTED
];

/** Each real patient's records: custodian and category. */
const REAL_RECORDS = [
    { custodian: 'hospitalA', category: 'lab' },
    { custodian: 'hospitalB', category: 'imaging' },
    { custodian: 'hospitalA', category: 'mental-health' },
] as const;

function realRecordId(patient: number, record: number): string {
    return record < 0 ? `rec-real-${patient}-missing` : `rec-real-${patient}-${record}`;
}

async function registerPatients(region: Region, patients: readonly TestPatient[]): Promise<void> {
    const now = new Date();
    const iso = now.toISOString();
    await Promise.all(
        patients.map((patient) =>
            submit(region, 'hospitalA', 'patient', 'registerPatient', [patient.signed(registerPayload(patient, iso))]),
        ),
    );
    const anchors = patients.flatMap((patient, p) =>
        REAL_RECORDS.map(({ custodian, category }, k) => {
            const recordId = realRecordId(p, k);
            const contentHash = createHash('sha256').update(recordId).digest('hex');
            const args = JSON.stringify({ recordId, patientId: patient.patientId, category, contentHash });
            return submit(region, custodian, 'record', 'anchorRecord', [args]);
        }),
    );
    await Promise.all(anchors);
    const window = { notBefore: new Date(now.getTime() - 3_600_000).toISOString(), issuedAt: iso };
    const notAfter = new Date(now.getTime() + DAY_MS).toISOString();
    const grants = patients.flatMap((patient, p) =>
        (['hospitalB', 'insurer'] as const).map((grantee) => {
            const purposes = [PURPOSE_OF[Orgs[grantee].type]];
            const fields = { ...window, notAfter, consentId: `consent-real-${p}-${grantee}`, purposes };
            const payload = grantPayload(patient, { ...fields, grantee: Orgs[grantee].mspId });
            return submit(region, 'hospitalA', 'consent', 'grantConsent', [patient.signed(payload)]);
        }),
    );
    await Promise.all(grants);
}

async function committedWrites(
    region: Region,
    blocks: Map<bigint, Block>,
    blockNumber: bigint,
    txId: string,
): Promise<StateWrite[]> {
    let block = blocks.get(blockNumber);
    if (block === undefined) {
        const bytes = await region.ledger.getBlock(blockNumber);
        assert.ok(bytes !== undefined, `block ${blockNumber} is stored`);
        block = decodeBlock(bytes);
        blocks.set(blockNumber, block);
    }
    const tx = block.data.find((candidate) => candidate.txId === txId);
    assert.ok(tx !== undefined && tx.validationCode === 'VALID', `transaction ${txId} is committed and valid`);
    return tx.rwset.writes.map(({ key, value }) => ({ key, value: Buffer.from(value ?? '', 'base64') }));
}

async function requestAll(region: Region, patientCount: number, requests: number): Promise<RealEvent[]> {
    const blocks = new Map<bigint, Block>();
    const events: RealEvent[] = [];
    for (let first = 0; first < requests; first += REQUESTS_IN_FLIGHT) {
        const indexes = Array.from({ length: Math.min(REQUESTS_IN_FLIGHT, requests - first) }, (_, i) => first + i);
        const results = await Promise.all(
            indexes.map(async (j) => {
                const shape = SHAPES[Math.floor(j / patientCount) % SHAPES.length] ?? SHAPES[0];
                assert.ok(shape !== undefined);
                const { requester, purpose, justification } = shape;
                const args = { recordId: realRecordId(j % patientCount, shape.record), purpose, justification };
                const result = await submit(region, requester, 'access', 'requestAccess', [JSON.stringify(args)]);
                // The requester is answered with a sensitive category it may not know redacted; what was written
                // is the event as the commission reads it.
                const stored = await region.clients.commission.evaluate('access', 'readAccess', {
                    arguments: [result.txId],
                });
                const event = JSON.parse(Buffer.from(stored).toString('utf8')) as AccessEvent;
                return {
                    event,
                    txId: result.txId,
                    writes: await committedWrites(region, blocks, result.blockNumber, result.txId),
                };
            }),
        );
        events.push(...results);
    }
    return events;
}

/** Requests submitted concurrently while seeding, so they share blocks as a busy ledger's do. */
const REQUESTS_IN_FLIGHT = 40;

/**
 * Registers patients with three records each (two hospitals, one record sensitive) and consents for
 * hospital B (TREATMENT) and the insurer (PAYMENT), then submits `requestAccess` transactions cycling
 * through requesters, purposes and records so every decision and most reasons occur.
 * @param region - the region
 * @param patients - patients to register
 * @param requests - `requestAccess` transactions to submit
 * @returns the patients' ids and each committed access event with its write set
 */
export async function seedRealEvents(region: Region, patients: number, requests: number): Promise<RealSeed> {
    const started = performance.now();
    const testPatients = Array.from({ length: patients }, () => newTestPatient());
    await registerPatients(region, testPatients);
    const events = await requestAll(region, patients, requests);
    return {
        patientIds: testPatients.map((patient) => patient.patientId),
        events,
        transactions: 1 + ORG_NAMES.length + 3 + patients * (1 + REAL_RECORDS.length + 2) + requests,
        ms: performance.now() - started,
    };
}
