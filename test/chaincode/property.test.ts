// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AccessEvent, Consent, RecordEntry } from '../../chaincode/src/protocol/state';
import { anchor, grant, revoke } from './helpers/acts';
import type { TestPatient } from './helpers/patients';
import { Msp, newRegion, type OrgName, type Region } from './helpers/region';

const SENSITIVE = ['mental-health', 'hiv', 'genetic', 'reproductive', 'substance-use'];
const MINUTE = 60_000;
/** Denials that rest on the consents alone (not on organisation type or status). */
const CONSENT_REASONS: readonly string[] = [
    'NO_CONSENT',
    'SENSITIVE_CATEGORY',
    'CONSENT_REVOKED',
    'CONSENT_EXPIRED',
    'CONSENT_NOT_YET_VALID',
];

type Op =
    | { kind: 'anchor'; custodian: 'hospitalA' | 'hospitalB'; category: string }
    | {
          kind: 'grant';
          grantee: OrgName;
          purposes: string[];
          categories: string[];
          custodians: string[];
          startMinutes: number;
          lengthMinutes: number;
      }
    | { kind: 'revoke'; pick: number }
    | { kind: 'request'; requester: OrgName; pick: number; purpose: string }
    | { kind: 'advance'; minutes: number };

const orgName = fc.constantFrom<OrgName>('hospitalA', 'hospitalB', 'insurer', 'commission', 'clinic');
const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
        kind: fc.constant('anchor' as const),
        custodian: fc.constantFrom('hospitalA' as const, 'hospitalB' as const),
        category: fc.constantFrom('lab', 'imaging', 'hiv', 'genetic'),
    }),
    fc.record({
        kind: fc.constant('grant' as const),
        grantee: orgName,
        purposes: fc.uniqueArray(fc.constantFrom('TREATMENT', 'PAYMENT', 'RESEARCH', 'OVERSIGHT'), {
            minLength: 1,
            maxLength: 2,
        }),
        categories: fc.uniqueArray(fc.constantFrom('*', 'lab', 'hiv'), { minLength: 1, maxLength: 2 }),
        custodians: fc.uniqueArray(fc.constantFrom('*', Msp.hospitalA, Msp.hospitalB), { minLength: 1, maxLength: 2 }),
        startMinutes: fc.integer({ min: -30, max: 20 }),
        lengthMinutes: fc.integer({ min: 1, max: 60 }),
    }),
    fc.record({ kind: fc.constant('revoke' as const), pick: fc.nat() }),
    fc.record({
        kind: fc.constant('request' as const),
        requester: orgName,
        pick: fc.nat(),
        purpose: fc.constantFrom('TREATMENT', 'PAYMENT', 'RESEARCH', 'OVERSIGHT'),
    }),
    fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 0, max: 15 }) }),
);

function coversCategory(consent: Consent, record: RecordEntry): boolean {
    return (
        consent.categories.includes(record.category) ||
        (consent.categories.includes('*') && !SENSITIVE.includes(record.category))
    );
}

function coversScope(consent: Consent, event: AccessEvent, record: RecordEntry): boolean {
    return (
        consent.grantee === event.requester &&
        consent.patientId === record.patientId &&
        consent.purposes.some((p) => p === event.purpose) &&
        (consent.custodians.includes('*') || consent.custodians.includes(record.custodian)) &&
        (consent.recordIds === null || consent.recordIds.includes(record.recordId))
    );
}

/** An independent oracle: does this consent, as it stands when the request is decided, cover it? */
function covers(consent: Consent, event: AccessEvent, record: RecordEntry): boolean {
    const now = Date.parse(event.requestedAt);
    const inWindow = Date.parse(consent.notBefore) <= now && now < Date.parse(consent.notAfter);
    return (
        consent.status === 'active' &&
        coversScope(consent, event, record) &&
        coversCategory(consent, record) &&
        inWindow
    );
}

describe('access invariants under random operations (fast-check)', () => {
    let region: Region;
    before(async () => {
        region = await newRegion();
    });
    after(async () => {
        await region.close();
    });

    interface World {
        readonly patient: TestPatient;
        readonly records: RecordEntry[];
        readonly consents: Consent[];
        readonly accessIds: string[];
    }

    async function grantStep(world: World, step: Extract<Op, { kind: 'grant' }>): Promise<void> {
        const start = region.clock.now.getTime() + step.startMinutes * MINUTE;
        const consent = await grant(region, world.patient, {
            grantee: Msp[step.grantee],
            purposes: step.purposes,
            categories: step.categories,
            custodians: step.custodians,
            notBefore: new Date(start).toISOString(),
            notAfter: new Date(start + step.lengthMinutes * MINUTE).toISOString(),
        });
        world.consents.push(consent);
    }

    async function revokeStep(world: World, pick: number): Promise<void> {
        const target = world.consents[pick % Math.max(world.consents.length, 1)];
        if (target?.status === 'active') {
            world.consents[world.consents.indexOf(target)] = await revoke(region, world.patient, target.consentId);
        }
    }

    async function requestStep(world: World, step: Extract<Op, { kind: 'request' }>): Promise<void> {
        const record = world.records[step.pick % Math.max(world.records.length, 1)];
        if (record === undefined) {
            return;
        }
        const args = JSON.stringify({ recordId: record.recordId, purpose: step.purpose });
        const event = (await region.submit(step.requester, 'access', 'requestAccess', [args])).value as AccessEvent;
        world.accessIds.push(event.accessId);
        if (event.decision === 'GRANTED') {
            const basis = world.consents.find((c) => c.consentId === event.consentId);
            assert.ok(basis !== undefined && covers(basis, event, record), `GRANTED without a covering consent`);
        } else if (CONSENT_REASONS.includes(event.reason)) {
            const covering = world.consents.some((c) => covers(c, event, record));
            assert.ok(!covering, `DENIED (${event.reason}) despite a covering consent`);
        }
    }

    async function apply(world: World, step: Op): Promise<void> {
        switch (step.kind) {
            case 'anchor':
                world.records.push(await anchor(region, step.custodian, world.patient, step.category));
                return;
            case 'grant':
                return grantStep(world, step);
            case 'revoke':
                return revokeStep(world, step.pick);
            case 'request':
                return requestStep(world, step);
            case 'advance':
                region.clock.advance(step.minutes * MINUTE);
                return;
        }
    }

    it('grants only under a consent covering the request at its time, and records each request once', async () => {
        await fc.assert(
            fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
                const patient = await region.newPatient();
                const world: World = { patient, records: [], consents: [], accessIds: [] };
                for (const step of ops) {
                    await apply(world, step);
                }
                const accessIds = world.accessIds;
                const log = (await region.evaluate('commission', 'audit', 'listAccessByPatient', [
                    patient.patientId,
                    '500',
                    '',
                ])) as {
                    items: AccessEvent[];
                };
                assert.deepEqual(log.items.map((e) => e.accessId).sort(), [...accessIds].sort());
            }),
            { numRuns: 25 },
        );
    });
});
