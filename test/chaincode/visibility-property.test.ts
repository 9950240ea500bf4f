// SPDX-License-Identifier: Apache-2.0
/**
 * docs/security.md 3.1 as a property: after any sequence of anchors, consents, revocations, clock advances and
 * access requests, every member reading through its own ledger identity gets exactly what an independent model
 * says it is entitled to. The model below is plain TypeScript written from the rule as documented; it imports
 * nothing from the chaincode's rules.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AccessEvent, Consent, RecordEntry } from '../../chaincode/src/protocol/state';
import { anchor, grant, revoke, uniqueId } from './helpers/acts';
import type { TestPatient } from './helpers/patients';
import { expectCode, Msp, newRegion, type Region } from './helpers/region';

const MINUTE = 60_000;
const SENSITIVE: readonly string[] = ['mental-health', 'hiv', 'genetic', 'reproductive', 'substance-use'];
const RESTRICTED = 'restricted';
/** Longer than any consent generated here lasts: after it, no consent is in its window. */
const LAPSE_MINUTES = 60;

type Member = 'hospitalA' | 'hospitalB' | 'insurer' | 'commission';
type Hospital = 'hospitalA' | 'hospitalB';
type Read =
    | 'listRecordsByPatient'
    | 'readRecord'
    | 'listConsentsByPatient'
    | 'readConsent'
    | 'listAccessByPatient'
    | 'readAccess'
    | 'listOwnAccess';

type Op =
    | { kind: 'anchor'; custodian: Hospital; category: string }
    | {
          kind: 'grant';
          grantee: Member;
          purposes: string[];
          categories: string[];
          custodians: string[];
          recordPick: number | null;
          startMinutes: number;
          lengthMinutes: number;
      }
    | { kind: 'revoke'; pick: number }
    | { kind: 'advance'; minutes: number }
    | { kind: 'request'; requester: Member; pick: number; missing: boolean; purpose: string }
    | { kind: 'read'; member: Member; read: Read; pick: number };

const member = fc.constantFrom<Member>('hospitalA', 'hospitalB', 'insurer', 'commission');
const anchorOp = fc.record({
    kind: fc.constant('anchor' as const),
    custodian: fc.constantFrom<Hospital>('hospitalA', 'hospitalB'),
    category: fc.constantFrom('lab', 'imaging', 'hiv', 'mental-health', 'genetic'),
});
const grantOp = fc.record({
    kind: fc.constant('grant' as const),
    // The commission sees everything anyway: consents to the others are the interesting ones.
    grantee: fc.constantFrom<Member>('insurer', 'insurer', 'hospitalB', 'hospitalB', 'hospitalA', 'commission'),
    purposes: fc.uniqueArray(fc.constantFrom('TREATMENT', 'PAYMENT', 'RESEARCH', 'OVERSIGHT'), {
        minLength: 1,
        maxLength: 2,
    }),
    categories: fc.uniqueArray(fc.constantFrom('*', 'lab', 'hiv', 'mental-health'), { minLength: 1, maxLength: 2 }),
    custodians: fc.uniqueArray(fc.constantFrom('*', Msp.hospitalA, Msp.hospitalB), { minLength: 1, maxLength: 2 }),
    recordPick: fc.option(fc.nat(), { freq: 3 }),
    // Mostly consents live when granted, some not yet valid or already over; advances expire others.
    startMinutes: fc.integer({ min: -20, max: 5 }),
    lengthMinutes: fc.integer({ min: 1, max: 45 }),
});
const requestOp = fc.record({
    kind: fc.constant('request' as const),
    requester: member,
    pick: fc.nat(),
    missing: fc.boolean(),
    purpose: fc.constantFrom('TREATMENT', 'PAYMENT', 'RESEARCH', 'OVERSIGHT'),
});
const readOp = fc.record({
    kind: fc.constant('read' as const),
    member,
    read: fc.constantFrom<Read>(
        'listRecordsByPatient',
        'readRecord',
        'listConsentsByPatient',
        'readConsent',
        'listAccessByPatient',
        'readAccess',
        'listOwnAccess',
    ),
    pick: fc.nat(),
});
const op: fc.Arbitrary<Op> = fc.oneof(
    { arbitrary: anchorOp, weight: 3 },
    { arbitrary: grantOp, weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('revoke' as const), pick: fc.nat() }), weight: 1 },
    {
        arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 15 }) }),
        weight: 1,
    },
    { arbitrary: requestOp, weight: 2 },
    { arbitrary: readOp, weight: 3 },
);

interface ModelRecord {
    readonly entry: RecordEntry;
    readonly custodian: Hospital;
}

interface ModelConsent {
    readonly consentId: string;
    readonly grantee: Member;
    readonly categories: readonly string[];
    readonly custodians: readonly string[];
    readonly recordIds: readonly string[] | null;
    readonly notBefore: number;
    readonly notAfter: number;
    revoked: boolean;
}

interface ModelEvent {
    readonly accessId: string;
    readonly requester: Member;
    readonly record: ModelRecord | null;
}

/** What the patient has on the ledger, and who is entitled to what — decided here, independently. */
class Model {
    readonly records: ModelRecord[] = [];
    readonly consents: ModelConsent[] = [];
    readonly events: ModelEvent[] = [];

    /** The consents naming a member that are active and in their `[notBefore, notAfter)` window now. */
    liveConsents(who: Member, now: number): ModelConsent[] {
        return this.consents.filter((c) => c.grantee === who && !c.revoked && c.notBefore <= now && now < c.notAfter);
    }

    /** The category a member is entitled to see: the real one, or `restricted` for a sensitive one it may not. */
    categoryFor(who: Member, record: ModelRecord, now: number): string {
        const category = record.entry.category;
        if (!SENSITIVE.includes(category) || who === 'commission' || who === record.custodian) {
            return category;
        }
        return this.liveConsents(who, now).some((c) => c.categories.includes(category)) ? category : RESTRICTED;
    }

    /** May the member list the patient's index? The commission and hospitals. */
    static mayList(who: Member): boolean {
        return who !== 'insurer';
    }

    /** May the member read one entry? As listing, or (an insurer) under a live consent covering the record. */
    mayRead(who: Member, record: ModelRecord, now: number): boolean {
        if (Model.mayList(who)) {
            return true;
        }
        const { category, recordId } = record.entry;
        return this.liveConsents(who, now).some(
            (c) =>
                (c.categories.includes(category) || (c.categories.includes('*') && !SENSITIVE.includes(category))) &&
                (c.custodians.includes('*') || c.custodians.includes(Msp[record.custodian])) &&
                (c.recordIds === null || c.recordIds.includes(recordId)),
        );
    }

    /** The consents a member may see: all for the commission, else those naming it. */
    consentsFor(who: Member): ModelConsent[] {
        return who === 'commission' ? this.consents : this.consents.filter((c) => c.grantee === who);
    }

    /** May the member read an access event? The commission, its requester, its custodian. */
    static mayReadEvent(who: Member, event: ModelEvent): boolean {
        return who === 'commission' || who === event.requester || who === event.record?.custodian;
    }

    /** The category a member should be shown on an access event. */
    eventCategoryFor(who: Member, event: ModelEvent, now: number): string | null {
        return event.record === null ? null : this.categoryFor(who, event.record, now);
    }
}

type GrantStep = Extract<Op, { kind: 'grant' }>;

function grantTo(grantee: Member, categories: string[], fields: Partial<GrantStep> = {}): GrantStep {
    const terms = { purposes: ['TREATMENT'], custodians: ['*'], recordPick: null, startMinutes: 0, lengthMinutes: 30 };
    return { kind: 'grant', grantee, categories, ...terms, ...fields };
}

function readsBy(who: Member): Op[] {
    return (['listRecordsByPatient', 'readRecord', 'readAccess', 'listOwnAccess'] as const).map((read) => ({
        kind: 'read',
        member: who,
        read,
        pick: 0,
    }));
}

/** Sequences run first on every run, so each rule is met at least once whatever the random draw. */
const EXAMPLES: Op[][] = [
    // An insurer's consent opens one custodian's records, then one record only; a `*` never opens `hiv`.
    [
        { kind: 'anchor', custodian: 'hospitalA', category: 'lab' },
        { kind: 'anchor', custodian: 'hospitalB', category: 'lab' },
        { kind: 'anchor', custodian: 'hospitalB', category: 'hiv' },
        grantTo('insurer', ['lab'], { purposes: ['PAYMENT'], custodians: [Msp.hospitalB] }),
        ...readsBy('insurer'),
        grantTo('insurer', ['*'], { purposes: ['PAYMENT'], recordPick: 1 }),
        grantTo('hospitalA', ['*']),
        { kind: 'request', requester: 'hospitalA', pick: 2, missing: false, purpose: 'TREATMENT' },
        { kind: 'request', requester: 'insurer', pick: 0, missing: true, purpose: 'PAYMENT' },
    ],
    // Naming a category opens it; revocation, the end of the window and a window not yet begun close it.
    [
        { kind: 'anchor', custodian: 'hospitalA', category: 'hiv' },
        { kind: 'anchor', custodian: 'hospitalA', category: 'mental-health' },
        grantTo('hospitalB', ['*']),
        { kind: 'request', requester: 'hospitalB', pick: 0, missing: false, purpose: 'TREATMENT' },
        grantTo('hospitalB', ['hiv']),
        ...readsBy('hospitalB'),
        { kind: 'revoke', pick: 1 },
        grantTo('hospitalB', ['mental-health'], { lengthMinutes: 5 }),
        grantTo('insurer', ['hiv'], { purposes: ['PAYMENT'], startMinutes: 2 }),
        ...readsBy('hospitalB'),
        ...readsBy('insurer'),
        { kind: 'advance', minutes: 5 },
        ...readsBy('hospitalB'),
        ...readsBy('insurer'),
    ],
];

function pick<T>(items: readonly T[], index: number): T | undefined {
    return items.length === 0 ? undefined : items[index % items.length];
}

function sortedIds(ids: Iterable<string>): string[] {
    return [...ids].sort();
}

interface Page<T> {
    items: T[];
    bookmark: string;
}

describe('who sees what, under random operations (fast-check)', () => {
    let region: Region;
    before(async () => {
        region = await newRegion();
    });
    after(async () => {
        await region.close();
    });

    async function listAll<T>(who: Member, contract: string, fn: string, args: readonly string[]): Promise<T[]> {
        const items: T[] = [];
        let bookmark = '';
        do {
            const page = (await region.evaluate(who, contract, fn, [...args, '200', bookmark])) as Page<T>;
            items.push(...page.items);
            bookmark = page.bookmark;
        } while (bookmark !== '');
        return items;
    }

    interface World {
        readonly patient: TestPatient;
        readonly model: Model;
    }

    async function grantStep(world: World, step: Extract<Op, { kind: 'grant' }>): Promise<void> {
        const start = region.clock.now.getTime() + step.startMinutes * MINUTE;
        const end = start + step.lengthMinutes * MINUTE;
        const target = step.recordPick === null ? undefined : pick(world.model.records, step.recordPick);
        const recordIds = target === undefined ? null : [target.entry.recordId];
        const consent = await grant(region, world.patient, {
            grantee: Msp[step.grantee],
            purposes: step.purposes,
            categories: step.categories,
            custodians: step.custodians,
            ...(recordIds === null ? {} : { recordIds }),
            notBefore: new Date(start).toISOString(),
            notAfter: new Date(end).toISOString(),
        });
        world.model.consents.push({
            consentId: consent.consentId,
            grantee: step.grantee,
            categories: step.categories,
            custodians: step.custodians,
            recordIds,
            notBefore: start,
            notAfter: end,
            revoked: false,
        });
    }

    async function revokeStep(world: World, index: number): Promise<void> {
        const target = pick(world.model.consents, index);
        if (target !== undefined && !target.revoked) {
            await revoke(region, world.patient, target.consentId);
            target.revoked = true;
        }
    }

    async function requestStep(world: World, step: Extract<Op, { kind: 'request' }>): Promise<void> {
        const record = step.missing ? null : (pick(world.model.records, step.pick) ?? null);
        const recordId = record?.entry.recordId ?? uniqueId('missing');
        const args = JSON.stringify({ recordId, purpose: step.purpose });
        const shown = (await region.submit(step.requester, 'access', 'requestAccess', [args])).value as AccessEvent;
        const event: ModelEvent = { accessId: shown.accessId, requester: step.requester, record };
        world.model.events.push(event);
        const expected = world.model.eventCategoryFor(step.requester, event, region.clock.now.getTime());
        assert.equal(shown.category, expected, `requestAccess by ${step.requester} showed ${String(shown.category)}`);
    }

    async function listRecords(world: World, who: Member, now: number): Promise<void> {
        const args = [world.patient.patientId, '500', ''];
        if (!Model.mayList(who)) {
            await expectCode(region.evaluate(who, 'record', 'listRecordsByPatient', args), 'FORBIDDEN');
            return;
        }
        const items = await listAll<RecordEntry>(who, 'record', 'listRecordsByPatient', [world.patient.patientId]);
        const expected = new Map(
            world.model.records.map((r) => [r.entry.recordId, world.model.categoryFor(who, r, now)]),
        );
        assert.deepEqual(sortedIds(items.map((e) => e.recordId)), sortedIds(expected.keys()));
        for (const item of items) {
            assert.equal(item.category, expected.get(item.recordId), `${who} listed ${item.recordId}`);
        }
    }

    async function readRecord(world: World, who: Member, index: number, now: number): Promise<void> {
        const record = pick(world.model.records, index);
        if (record === undefined) {
            return;
        }
        const call = region.evaluate(who, 'record', 'readRecord', [record.entry.recordId]);
        if (!world.model.mayRead(who, record, now)) {
            await expectCode(call, 'FORBIDDEN');
            return;
        }
        const entry = (await call) as RecordEntry;
        assert.deepEqual(entry, { ...record.entry, category: world.model.categoryFor(who, record, now) });
    }

    async function listConsents(world: World, who: Member): Promise<void> {
        const items = await listAll<Consent>(who, 'consent', 'listConsentsByPatient', [world.patient.patientId]);
        const expected = world.model.consentsFor(who);
        assert.deepEqual(sortedIds(items.map((c) => c.consentId)), sortedIds(expected.map((c) => c.consentId)));
        if (who !== 'commission') {
            assert.ok(items.every((c) => c.grantee === Msp[who]));
        }
        for (const item of items) {
            const model = expected.find((c) => c.consentId === item.consentId);
            assert.equal(item.status, model?.revoked === true ? 'revoked' : 'active');
        }
    }

    async function readConsent(world: World, who: Member, index: number): Promise<void> {
        const consent = pick(world.model.consents, index);
        if (consent === undefined) {
            return;
        }
        const call = region.evaluate(who, 'consent', 'readConsent', [consent.consentId]);
        if (who !== 'commission' && who !== consent.grantee) {
            await expectCode(call, 'FORBIDDEN');
            return;
        }
        const read = (await call) as Consent;
        assert.deepEqual([read.consentId, read.grantee], [consent.consentId, Msp[consent.grantee]]);
    }

    async function listAccess(world: World, who: Member): Promise<void> {
        const args = [world.patient.patientId];
        if (who !== 'commission') {
            await expectCode(region.evaluate(who, 'audit', 'listAccessByPatient', [...args, '500', '']), 'FORBIDDEN');
            return;
        }
        const items = await listAll<AccessEvent>(who, 'audit', 'listAccessByPatient', args);
        const expected = world.model.events.filter((e) => e.record !== null).map((e) => e.accessId);
        assert.deepEqual(sortedIds(items.map((e) => e.accessId)), sortedIds(expected));
    }

    async function readAccess(world: World, who: Member, index: number, now: number): Promise<void> {
        const event = pick(world.model.events, index);
        if (event === undefined) {
            return;
        }
        const call = region.evaluate(who, 'access', 'readAccess', [event.accessId]);
        if (!Model.mayReadEvent(who, event)) {
            await expectCode(call, 'FORBIDDEN');
            return;
        }
        const read = (await call) as AccessEvent;
        assert.equal(read.accessId, event.accessId);
        assert.equal(read.category, world.model.eventCategoryFor(who, event, now), `${who} read ${event.accessId}`);
    }

    /** The member's own requests and custody lists: this patient's events in them, each with its shown category. */
    async function listOwnAccess(world: World, who: Member, now: number): Promise<void> {
        const byId = new Map(world.model.events.map((e) => [e.accessId, e]));
        for (const fn of ['listAccessByRequester', 'listAccessByCustodian']) {
            const items = await listAll<AccessEvent>(who, 'audit', fn, [Msp[who]]);
            const mine = items.filter((e) => byId.has(e.accessId));
            const expected = world.model.events.filter((e) =>
                fn === 'listAccessByRequester' ? e.requester === who : e.record?.custodian === who,
            );
            assert.deepEqual(sortedIds(mine.map((e) => e.accessId)), sortedIds(expected.map((e) => e.accessId)));
            for (const item of mine) {
                const event = byId.get(item.accessId);
                assert.ok(event !== undefined);
                assert.equal(item.category, world.model.eventCategoryFor(who, event, now), `${who} ${fn}`);
            }
        }
    }

    async function readStep(world: World, step: Extract<Op, { kind: 'read' }>): Promise<void> {
        const now = region.clock.now.getTime();
        switch (step.read) {
            case 'listRecordsByPatient':
                return listRecords(world, step.member, now);
            case 'readRecord':
                return readRecord(world, step.member, step.pick, now);
            case 'listConsentsByPatient':
                return listConsents(world, step.member);
            case 'readConsent':
                return readConsent(world, step.member, step.pick);
            case 'listAccessByPatient':
                return listAccess(world, step.member);
            case 'readAccess':
                return readAccess(world, step.member, step.pick, now);
            case 'listOwnAccess':
                return listOwnAccess(world, step.member, now);
        }
    }

    async function apply(world: World, step: Op): Promise<void> {
        switch (step.kind) {
            case 'anchor': {
                const entry = await anchor(region, step.custodian, world.patient, step.category);
                world.model.records.push({ entry, custodian: step.custodian });
                return;
            }
            case 'grant':
                return grantStep(world, step);
            case 'revoke':
                return revokeStep(world, step.pick);
            case 'advance':
                region.clock.advance(step.minutes * MINUTE);
                return;
            case 'request':
                return requestStep(world, step);
            case 'read':
                return readStep(world, step);
        }
    }

    async function readEverything(world: World): Promise<void> {
        for (const who of ['hospitalA', 'hospitalB', 'insurer', 'commission'] as const) {
            const now = region.clock.now.getTime();
            await listRecords(world, who, now);
            await listConsents(world, who);
            await listAccess(world, who);
            await listOwnAccess(world, who, now);
            for (let index = 0; index < world.model.records.length; index += 1) {
                await readRecord(world, who, index, now);
            }
            for (let index = 0; index < world.model.consents.length; index += 1) {
                await readConsent(world, who, index);
            }
            for (let index = 0; index < world.model.events.length; index += 1) {
                await readAccess(world, who, index, now);
            }
        }
    }

    it('shows each member only what it is entitled to: sensitive categories, consents, access events', async () => {
        await fc.assert(
            fc.asyncProperty(fc.array(op, { minLength: 6, maxLength: 15 }), async (ops) => {
                const world: World = { patient: await region.newPatient(), model: new Model() };
                for (const step of ops) {
                    await apply(world, step);
                }
                // Finally every member makes every read, now and once every consent has lapsed.
                await readEverything(world);
                region.clock.advance(LAPSE_MINUTES * MINUTE);
                await readEverything(world);
            }),
            { numRuns: 25, examples: EXAMPLES.map((ops) => [ops] as [Op[]]) },
        );
    });
});
