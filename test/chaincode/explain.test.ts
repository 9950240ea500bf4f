// SPDX-License-Identifier: Apache-2.0
/**
 * The dry run of the access decision (`access:explainAccess`, `access:explainAccessForPatient`): one ledger
 * state per reason code, where the explanation must name that code and a real `requestAccess` made right after
 * must reach the same decision, reason and consent; who may ask for what; nothing written.
 */
import assert from 'node:assert/strict';
import type { AccessEvent } from '../../chaincode/src/protocol/state';
import { anchor, grant, revoke, uniqueId } from './helpers/acts';
import { queryPayload, type TestPatient } from './helpers/patients';
import { expectCode, Msp, newRegion, type OrgName, type Region } from './helpers/region';

const HOUR = 3_600_000;

interface Row {
    readonly requester: string;
    readonly purpose: string;
    readonly decision: string;
    readonly reason: string;
    readonly consentId: string | null;
}

interface Step {
    readonly check: string;
    readonly result: string;
    readonly reason: string | null;
    readonly detail: Record<string, unknown>;
}

interface Explanation {
    readonly recordId: string;
    readonly at: string;
    readonly record: { recordId: string; patientId: string; custodian: string; category: string } | null;
    readonly decisions: readonly Row[];
    readonly trace: (Row & { steps: readonly Step[] }) | null;
}

/** A ledger state in which `requester` asking for `recordId` under `purpose` meets one reason code. */
interface Case {
    readonly requester: OrgName;
    readonly recordId: string;
    readonly purpose: string;
    /** Undone once the row is checked (a reinstatement). */
    readonly cleanUp?: () => Promise<void>;
}

describe('explaining an access decision (dry run)', () => {
    let region: Region;
    let patient: TestPatient;

    before(async () => {
        region = await newRegion();
    });
    beforeEach(async () => {
        patient = await region.newPatient();
    });
    after(async () => {
        await region.close();
    });

    function inHours(hours: number): string {
        return new Date(region.clock.now.getTime() + hours * HOUR).toISOString();
    }

    async function explain(org: OrgName, args: Record<string, string>): Promise<Explanation> {
        return (await region.evaluate(org, 'access', 'explainAccess', [JSON.stringify(args)])) as Explanation;
    }

    async function requestNow(kase: Case): Promise<AccessEvent> {
        const justification = kase.purpose === 'EMERGENCY' ? { justification: 'unconscious on arrival' } : {};
        const args = JSON.stringify({ recordId: kase.recordId, purpose: kase.purpose, ...justification });
        return (await region.submit(kase.requester, 'access', 'requestAccess', [args])).value as AccessEvent;
    }

    async function suspend(name: OrgName): Promise<() => Promise<void>> {
        await region.submit('commission', 'organization', 'suspendOrganization', [Msp[name]]);
        return async () => {
            await region.submit('commission', 'organization', 'reinstateOrganization', [Msp[name]]);
        };
    }

    const cases: readonly { reason: string; decision: string; when?: string; arrange: () => Promise<Case> }[] = [
        {
            reason: 'CONSENT',
            decision: 'GRANTED',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient);
                await grant(region, patient);
                return { requester: 'hospitalB', recordId: record.recordId, purpose: 'TREATMENT' };
            },
        },
        {
            reason: 'EMERGENCY',
            decision: 'GRANTED_EMERGENCY',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient);
                return { requester: 'hospitalB', recordId: record.recordId, purpose: 'EMERGENCY' };
            },
        },
        {
            reason: 'ORG_NOT_ACTIVE',
            decision: 'DENIED',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient);
                await grant(region, patient, { grantee: Msp.clinic });
                return { requester: 'clinic', recordId: record.recordId, purpose: 'TREATMENT' };
            },
        },
        {
            reason: 'PURPOSE_NOT_PERMITTED',
            decision: 'DENIED',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient);
                await grant(region, patient, { grantee: Msp.insurer });
                return { requester: 'insurer', recordId: record.recordId, purpose: 'TREATMENT' };
            },
        },
        {
            reason: 'RECORD_NOT_FOUND',
            decision: 'DENIED',
            arrange: () =>
                Promise.resolve({ requester: 'hospitalB', recordId: uniqueId('missing'), purpose: 'TREATMENT' }),
        },
        {
            reason: 'CUSTODIAN_NOT_ACTIVE',
            decision: 'DENIED',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient);
                await grant(region, patient);
                const cleanUp = await suspend('hospitalA');
                return { requester: 'hospitalB', recordId: record.recordId, purpose: 'TREATMENT', cleanUp };
            },
        },
        {
            reason: 'NO_CONSENT',
            decision: 'DENIED',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient);
                await grant(region, patient, { purposes: ['RESEARCH'] });
                return { requester: 'hospitalB', recordId: record.recordId, purpose: 'TREATMENT' };
            },
        },
        {
            reason: 'SENSITIVE_CATEGORY',
            decision: 'DENIED',
            when: 'under a * consent',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient, 'hiv');
                await grant(region, patient, { categories: ['*'] });
                return { requester: 'hospitalB', recordId: record.recordId, purpose: 'TREATMENT' };
            },
        },
        {
            reason: 'SENSITIVE_CATEGORY',
            decision: 'DENIED',
            when: 'in an emergency',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient, 'mental-health');
                return { requester: 'hospitalB', recordId: record.recordId, purpose: 'EMERGENCY' };
            },
        },
        {
            reason: 'CONSENT_REVOKED',
            decision: 'DENIED',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient);
                await revoke(region, patient, (await grant(region, patient)).consentId);
                return { requester: 'hospitalB', recordId: record.recordId, purpose: 'TREATMENT' };
            },
        },
        {
            reason: 'CONSENT_EXPIRED',
            decision: 'DENIED',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient);
                await grant(region, patient, { notBefore: inHours(-3), notAfter: inHours(-1) });
                return { requester: 'hospitalB', recordId: record.recordId, purpose: 'TREATMENT' };
            },
        },
        {
            reason: 'CONSENT_NOT_YET_VALID',
            decision: 'DENIED',
            arrange: async () => {
                const record = await anchor(region, 'hospitalA', patient);
                await grant(region, patient, { notBefore: inHours(1), notAfter: inHours(3) });
                return { requester: 'hospitalB', recordId: record.recordId, purpose: 'TREATMENT' };
            },
        },
    ];

    describe('says the reason a real request right after gets', () => {
        for (const { reason, decision, when, arrange } of cases) {
            it(`${reason} (${decision}${when === undefined ? '' : `, ${when}`})`, async () => {
                const kase = await arrange();
                try {
                    const requester = Msp[kase.requester];
                    const explained = await explain('commission', {
                        recordId: kase.recordId,
                        requester,
                        purpose: kase.purpose,
                    });
                    const trace = explained.trace;
                    assert.ok(trace !== null);
                    assert.deepEqual(explained.decisions, [
                        {
                            requester,
                            purpose: kase.purpose,
                            decision: trace.decision,
                            reason: trace.reason,
                            consentId: trace.consentId,
                        },
                    ]);
                    assert.equal(trace.reason, reason);
                    assert.equal(trace.decision, decision);
                    const failed = trace.steps.filter((step) => step.result === 'fail');
                    assert.equal(failed.length, decision === 'DENIED' ? 1 : 0, 'the first failure ends it');
                    assert.equal(failed[0]?.reason ?? reason, reason);
                    const event = await requestNow(kase);
                    assert.deepEqual(
                        { decision: event.decision, reason: event.reason, consentId: event.consentId },
                        { decision: trace.decision, reason: trace.reason, consentId: trace.consentId },
                    );
                } finally {
                    await kase.cleanUp?.();
                }
            });
        }
    });

    it('lists every active organisation for every purpose, in order, when no requester is named', async () => {
        const record = await anchor(region, 'hospitalA', patient);
        const consent = await grant(region, patient, { purposes: ['TREATMENT', 'RESEARCH'] });
        const explained = await explain('commission', { recordId: record.recordId });
        assert.equal(explained.trace, null);
        assert.deepEqual(explained.record, {
            recordId: record.recordId,
            patientId: patient.patientId,
            custodian: Msp.hospitalA,
            category: 'lab',
        });
        const active = [Msp.commission, Msp.hospitalA, Msp.hospitalB, Msp.insurer];
        const purposes = ['TREATMENT', 'PAYMENT', 'OVERSIGHT', 'RESEARCH', 'EMERGENCY'];
        assert.deepEqual(
            explained.decisions.map((row) => [row.requester, row.purpose]),
            active.flatMap((msp) => purposes.map((purpose) => [msp, purpose])),
        );
        const granted = explained.decisions.filter((row) => row.decision !== 'DENIED');
        assert.deepEqual(
            granted.map((row) => [row.requester, row.purpose, row.reason, row.consentId]),
            [
                [Msp.hospitalA, 'EMERGENCY', 'EMERGENCY', null],
                [Msp.hospitalB, 'TREATMENT', 'CONSENT', consent.consentId],
                [Msp.hospitalB, 'RESEARCH', 'CONSENT', consent.consentId],
                [Msp.hospitalB, 'EMERGENCY', 'EMERGENCY', null],
            ],
        );
        assert.equal(explained.at, region.clock.iso);
    });

    it('traces the decision order with each consent of the requester and the check it failed', async () => {
        const record = await anchor(region, 'hospitalA', patient);
        const research = await grant(region, patient, { purposes: ['RESEARCH'] });
        const elsewhere = await grant(region, patient, { custodians: [Msp.hospitalB] });
        const revoked = await grant(region, patient);
        await revoke(region, patient, revoked.consentId);
        const { trace } = await explain('commission', {
            recordId: record.recordId,
            requester: Msp.hospitalB,
            purpose: 'TREATMENT',
        });
        assert.ok(trace !== null);
        assert.deepEqual(
            trace.steps.map((step) => [step.check, step.result, step.reason]),
            [
                ['REQUESTER_ACTIVE', 'pass', null],
                ['PURPOSE_PERMITTED', 'pass', null],
                ['RECORD_EXISTS', 'pass', null],
                ['CUSTODIAN_ACTIVE', 'pass', null],
                ['CONSENT', 'fail', 'CONSENT_REVOKED'],
            ],
        );
        const consents = trace.steps[4]?.detail.consents as { consentId: string; verdict: string; failed: string }[];
        const byId = new Map(consents.map((c) => [c.consentId, [c.verdict, c.failed]]));
        assert.deepEqual(byId.get(research.consentId), ['NO_CONSENT', 'purpose']);
        assert.deepEqual(byId.get(elsewhere.consentId), ['NO_CONSENT', 'custodian']);
        assert.deepEqual(byId.get(revoked.consentId), ['CONSENT_REVOKED', 'status']);
        assert.equal(trace.consentId, revoked.consentId);
    });

    it('marks the checks after the first failure as skipped', async () => {
        const { trace } = await explain('commission', {
            recordId: uniqueId('missing'),
            requester: Msp.insurer,
            purpose: 'EMERGENCY',
        });
        assert.deepEqual(
            trace?.steps.map((step) => [step.check, step.result]),
            [
                ['REQUESTER_ACTIVE', 'pass'],
                ['PURPOSE_PERMITTED', 'fail'],
                ['RECORD_EXISTS', 'skipped'],
                ['CUSTODIAN_ACTIVE', 'skipped'],
                ['NOT_SENSITIVE', 'skipped'],
                ['JUSTIFIED', 'skipped'],
            ],
        );
    });

    it('writes nothing: no block, and the access log stays empty', async () => {
        const record = await anchor(region, 'hospitalA', patient);
        const height = (await region.ledger.info()).height;
        await explain('commission', { recordId: record.recordId });
        await explain('hospitalB', { recordId: record.recordId, purpose: 'TREATMENT' });
        assert.equal((await region.ledger.info()).height, height);
        const log = (await region.evaluate('commission', 'audit', 'listAccessByPatient', [
            patient.patientId,
            '10',
            '',
        ])) as { items: unknown[] };
        assert.deepEqual(log.items, []);
    });

    describe('who may ask', () => {
        it('answers a member about itself only, by default and by name, with the rows the commission sees', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            await grant(region, patient);
            const own = await explain('hospitalB', { recordId: record.recordId });
            const named = await explain('hospitalB', { recordId: record.recordId, requester: Msp.hospitalB });
            const audit = await explain('commission', { recordId: record.recordId, requester: Msp.hospitalB });
            assert.deepEqual(own, audit);
            assert.deepEqual(named, audit);
            assert.ok(own.decisions.every((row) => row.requester === Msp.hospitalB));
            await expectCode(
                explain('hospitalB', { recordId: record.recordId, requester: Msp.hospitalA }),
                'FORBIDDEN',
            );
            await expectCode(explain('insurer', { recordId: record.recordId, requester: Msp.hospitalB }), 'FORBIDDEN');
        });

        it('refuses an insurer a record it may not read, and answers it once a consent covers the record', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            await expectCode(explain('insurer', { recordId: record.recordId }), 'FORBIDDEN');
            await grant(region, patient, { grantee: Msp.insurer, purposes: ['PAYMENT'] });
            const own = await explain('insurer', { recordId: record.recordId, purpose: 'PAYMENT' });
            assert.equal(own.decisions[0]?.decision, 'GRANTED');
        });

        it('refuses a member a record whose sensitive category is hidden from it', async () => {
            const record = await anchor(region, 'hospitalA', patient, 'hiv');
            // A revoked consent naming `hiv` would pass the category check: its verdict would say which it is.
            await revoke(region, patient, (await grant(region, patient, { categories: ['hiv'] })).consentId);
            await expectCode(explain('hospitalB', { recordId: record.recordId }), 'FORBIDDEN');
            const custodian = await explain('hospitalA', { recordId: record.recordId, purpose: 'TREATMENT' });
            assert.equal(custodian.record?.category, 'hiv');
        });

        it('answers a missing record to anyone: every read says it is missing', async () => {
            const missing = uniqueId('missing');
            const own = await explain('insurer', { recordId: missing, purpose: 'PAYMENT' });
            assert.equal(own.record, null);
            assert.deepEqual(
                own.decisions.map((row) => row.reason),
                ['RECORD_NOT_FOUND'],
            );
        });

        it('refuses an unknown requester by name (NOT_FOUND)', async () => {
            const record = await anchor(region, 'hospitalA', patient);
            await expectCode(explain('commission', { recordId: record.recordId, requester: 'NobodyMSP' }), 'NOT_FOUND');
        });
    });

    describe("the patient's own record, through a signed query", () => {
        function query(fields: Record<string, unknown>): string {
            return patient.signed({
                ...queryPayload(patient, { audience: Msp.hospitalA, view: 'explain', issuedAt: region.clock.iso }),
                ...fields,
            });
        }

        async function explainForPatient(signed: string, selection: Record<string, string> = {}): Promise<Explanation> {
            const args = [signed, JSON.stringify(selection)];
            return (await region.evaluate('hospitalA', 'access', 'explainAccessForPatient', args)) as Explanation;
        }

        it('answers what the commission sees, the sensitive category included', async () => {
            const record = await anchor(region, 'hospitalB', patient, 'mental-health');
            await grant(region, patient, { categories: ['mental-health'], grantee: Msp.hospitalA });
            const mine = await explainForPatient(query({ recordId: record.recordId }));
            const audit = await explain('commission', { recordId: record.recordId });
            assert.deepEqual(mine, audit);
            assert.equal(mine.record?.category, 'mental-health');
            const traced = await explainForPatient(query({ recordId: record.recordId }), {
                requester: Msp.hospitalA,
                purpose: 'TREATMENT',
            });
            assert.equal(traced.trace?.decision, 'GRANTED');
        });

        it('refuses another patient’s record, a query without a record, and a query for another view', async () => {
            const other = await region.newPatient();
            const theirs = await anchor(region, 'hospitalA', other);
            await expectCode(explainForPatient(query({ recordId: theirs.recordId })), 'FORBIDDEN');
            await expectCode(explainForPatient(query({ recordId: uniqueId('missing') })), 'NOT_FOUND');
            await expectCode(explainForPatient(query({})), 'INVALID_INPUT');
            const mine = await anchor(region, 'hospitalA', patient);
            await expectCode(explainForPatient(query({ view: 'records', recordId: mine.recordId })), 'INVALID_INPUT');
            await expectCode(
                region.evaluate('hospitalB', 'access', 'explainAccessForPatient', [
                    query({ recordId: mine.recordId }),
                    '{}',
                ]),
                'UNAUTHENTICATED',
            );
        });

        it('refuses a records query carrying a record id (one signature, one record, one view)', async () => {
            const mine = await anchor(region, 'hospitalA', patient);
            const signed = patient.signed({
                ...queryPayload(patient, { audience: Msp.hospitalA, view: 'records', issuedAt: region.clock.iso }),
                recordId: mine.recordId,
            });
            await expectCode(
                region.evaluate('hospitalA', 'record', 'listRecordsForPatient', [signed, '10', '']),
                'INVALID_INPUT',
            );
        });
    });
});
