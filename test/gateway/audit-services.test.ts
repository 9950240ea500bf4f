// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { toAuditCsv, toCsvField } from '../../gateway/src/audit/csv';
import { Systems, toAuditEvent } from '../../gateway/src/audit/fhir-audit-event';
import {
    assertBucketCount,
    planEventQuery,
    toHourRange,
    toTimeRange,
    type EventFilters,
} from '../../gateway/src/audit/queries';
import { toAuditStats, toBucketStart } from '../../gateway/src/audit/statistics';
import {
    fromAccessRequested,
    fromRowKey,
    toRangeKey,
    toRowKey,
    toViewRow,
    type CountedRow,
} from '../../gateway/src/audit/view-rows';
import type { AccessEvent, LedgerContracts, Page, PageRequest } from '../../gateway/src/ledger/contracts';

const PATIENT = `pt${'a'.repeat(52)}`;

function newEvent(fields: Partial<AccessEvent> = {}): AccessEvent {
    return {
        accessId: 'tx1',
        requester: 'HospitalBMSP',
        custodian: 'HospitalAMSP',
        recordId: 'r-1',
        patientId: PATIENT,
        category: 'lab',
        purpose: 'TREATMENT',
        decision: 'GRANTED',
        reason: 'CONSENT',
        consentId: 'c-1',
        justification: null,
        requestedAt: '2030-01-02T03:04:05.678Z',
        expiresAt: '2030-01-02T03:09:05.678Z',
        delivery: null,
        review: null,
        ...fields,
    };
}

describe('audit statistics', () => {
    const starts: [string, 'hour' | 'day', string][] = [
        ['2030-01-02T03:04:05.678Z', 'hour', '2030-01-02T03:00:00.000Z'],
        ['2030-01-02T03:04:05.678Z', 'day', '2030-01-02T00:00:00.000Z'],
        ['2030-01-02T00:00:00.000Z', 'hour', '2030-01-02T00:00:00.000Z'],
        ['2030-01-02T23:59:59.999Z', 'hour', '2030-01-02T23:00:00.000Z'],
        ['2030-01-02T23:59:59.999Z', 'day', '2030-01-02T00:00:00.000Z'],
        ['2030-12-31T23:59:59.999Z', 'day', '2030-12-31T00:00:00.000Z'],
    ];
    for (const [iso, bucket, start] of starts) {
        it(`puts ${iso} in the ${bucket} starting ${start}`, () => {
            assert.equal(toBucketStart(iso, bucket), start);
        });
    }

    const counted = (events: readonly AccessEvent[]): CountedRow[] =>
        events.map((event) => ({ row: toViewRow(event), count: 1 }));

    it('counts per bucket and in total, by requester, custodian (unknown when none), purpose, decision and reason', () => {
        const events = [
            newEvent({ requestedAt: '2030-01-02T03:04:05.000Z' }),
            newEvent({ requestedAt: '2030-01-02T03:59:59.999Z', decision: 'DENIED', reason: 'NO_CONSENT' }),
            newEvent({ requestedAt: '2030-01-02T04:00:00.000Z', requester: 'InsurerMSP', purpose: 'PAYMENT' }),
            newEvent({ requestedAt: '2030-01-02T04:30:00.000Z', custodian: null, decision: 'DENIED' }),
        ];
        const { totals, buckets } = toAuditStats(counted(events), 'hour');
        assert.deepEqual(totals, {
            total: 4,
            byOrganization: { HospitalBMSP: 3, InsurerMSP: 1 },
            byCustodian: { HospitalAMSP: 3, unknown: 1 },
            byPurpose: { TREATMENT: 3, PAYMENT: 1 },
            byDecision: { GRANTED: 2, DENIED: 2 },
            byReason: { CONSENT: 3, NO_CONSENT: 1 },
        });
        assert.deepEqual(
            buckets.map((bucket) => [bucket.start, bucket.total]),
            [
                ['2030-01-02T03:00:00.000Z', 2],
                ['2030-01-02T04:00:00.000Z', 2],
            ],
        );
        assert.deepEqual(
            toAuditStats(counted(events), 'day').buckets.map((bucket) => bucket.total),
            [4],
        );
        assert.deepEqual(toAuditStats([], 'day'), {
            totals: { total: 0, byOrganization: {}, byCustodian: {}, byPurpose: {}, byDecision: {}, byReason: {} },
            buckets: [],
        });
    });

    it('adds the counts of a row, as the view stores them', () => {
        const row = toViewRow(newEvent());
        const { totals } = toAuditStats([{ row, count: 7 }], 'day');
        assert.equal(totals.total, 7);
        assert.deepEqual(totals.byDecision, { GRANTED: 7 });
    });
});

describe('audit view rows', () => {
    it('keys a row by hour or day first, then requester, custodian, purpose, decision, reason', () => {
        const row = toViewRow(newEvent());
        assert.equal(toRowKey('h', row), 'h|2030-01-02T03|HospitalBMSP|HospitalAMSP|TREATMENT|GRANTED|CONSENT');
        assert.equal(toRowKey('d', row), 'd|2030-01-02|HospitalBMSP|HospitalAMSP|TREATMENT|GRANTED|CONSENT');
        assert.deepEqual(fromRowKey(toRowKey('h', row)), { ...row, start: '2030-01-02T03:00:00.000Z' });
        assert.equal(fromRowKey(toRowKey('d', row)).start, '2030-01-02T00:00:00.000Z');
        const missing = toViewRow(newEvent({ custodian: null, decision: 'DENIED', reason: 'RECORD_NOT_FOUND' }));
        assert.equal(toRowKey('h', missing), 'h|2030-01-02T03|HospitalBMSP|-|TREATMENT|DENIED|RECORD_NOT_FOUND');
        assert.equal(fromRowKey(toRowKey('h', missing)).custodian, null);
    });

    it('orders keys by time so that a range of hours is one key range', () => {
        const key = toRowKey('h', toViewRow(newEvent({ requestedAt: '2030-01-02T03:59:59.999Z' })));
        assert.ok(toRangeKey('h', '2030-01-02T03:00:00.000Z') <= key);
        assert.ok(key < toRangeKey('h', '2030-01-02T04:00:00.000Z'));
        assert.ok(toRangeKey('h', '2030-01-02T02:00:00.000Z') < key);
    });

    it('reads an AccessRequested payload in the chaincode form only', () => {
        const event = newEvent({ accessId: 'tx-9' });
        const payload = {
            accessId: 'tx-9',
            requester: event.requester,
            custodian: event.custodian,
            recordId: event.recordId,
            patientId: event.patientId,
            purpose: event.purpose,
            decision: event.decision,
            reason: event.reason,
            requestedAt: event.requestedAt,
        };
        assert.deepEqual(fromAccessRequested(payload, 'tx-9'), toViewRow(event));
        const incomplete: [string, Record<string, unknown>][] = [
            ['without requestedAt (written before it joined the payload)', { ...payload, requestedAt: undefined }],
            ['with another transaction id', { ...payload, accessId: 'tx-8' }],
            ['with an unknown reason', { ...payload, reason: 'BECAUSE' }],
            ['with a time in another form', { ...payload, requestedAt: '2030-01-02T03:04:05Z' }],
            ['with a requester that is no MSP id', { ...payload, requester: 'a|b' }],
        ];
        for (const [what, fields] of incomplete) {
            assert.equal(fromAccessRequested(fields, 'tx-9'), undefined, what);
        }
    });
});

describe('audit CSV', () => {
    const fields: [string | null, string][] = [
        [null, ''],
        ['', ''],
        ['plain', 'plain'],
        ['a,b', '"a,b"'],
        ['say "hi"', '"say ""hi"""'],
        ['two\r\nlines', '"two\r\nlines"'],
        ['line\nfeed', '"line\nfeed"'],
        ['=SUM(A1)', "'=SUM(A1)"],
        ['+1', "'+1"],
        ['-1', "'-1"],
        ['@cmd', "'@cmd"],
        ['\tTAB', "'\tTAB"],
        ['=a,b', `"'=a,b"`],
        ['a=b', 'a=b'],
    ];
    for (const [value, expected] of fields) {
        it(`writes ${JSON.stringify(value)} as ${JSON.stringify(expected)}`, () => {
            assert.equal(toCsvField(value), expected);
        });
    }

    it('writes a header row and one row per event, CRLF line ends, delivery and review flattened', () => {
        const delivered = newEvent({
            delivery: {
                status: 'DELIVERED',
                reason: null,
                contentHash: 'h',
                at: '2030-01-02T03:05:00.000Z',
                txId: 'd',
            },
        });
        const lines = toAuditCsv([delivered]).split('\r\n');
        assert.equal(lines.length, 3);
        assert.equal(lines[2], '');
        assert.equal(
            lines[0],
            'accessId,requestedAt,requester,custodian,recordId,patientId,category,purpose,decision,reason,' +
                'consentId,consentSigner,justification,expiresAt,deliveryStatus,deliveredAt,reviewVerdict,reviewedAt',
        );
        assert.equal(
            lines[1],
            `tx1,2030-01-02T03:04:05.678Z,HospitalBMSP,HospitalAMSP,r-1,${PATIENT},lab,TREATMENT,GRANTED,CONSENT,` +
                'c-1,,,2030-01-02T03:09:05.678Z,DELIVERED,2030-01-02T03:05:00.000Z,,',
        );
    });
});

describe('audit events as FHIR AuditEvents', () => {
    it('maps a denied access as a consent decision: outcome 4, CONSENT_DENY, the purpose as ActReason', () => {
        const event = newEvent({ decision: 'DENIED', reason: 'NO_CONSENT', expiresAt: null, consentId: null });
        const resource = toAuditEvent(event, 'healthchain');
        assert.equal(resource.resourceType, 'AuditEvent');
        assert.equal(resource.id, 'tx1');
        assert.deepEqual(resource.type, {
            system: 'http://dicom.nema.org/resources/ontology/DCM',
            code: '110113',
            display: 'Security Alert',
        });
        assert.deepEqual(
            resource.subtype?.map((coding) => coding.code),
            ['AuthZ-Consent', 'read'],
        );
        assert.equal(resource.action, 'E');
        assert.equal(resource.recorded, event.requestedAt);
        assert.equal(resource.outcome, '4');
        assert.equal(resource.outcomeDesc, 'CONSENT_DENY: DENIED NO_CONSENT');
        assert.deepEqual(
            resource.agent.map((agent) => [agent.who?.identifier?.value, agent.requestor]),
            [
                ['HospitalBMSP', true],
                ['HospitalAMSP', false],
            ],
        );
        assert.deepEqual(resource.source.observer.identifier, { system: Systems.ledger, value: 'healthchain' });
        assert.deepEqual(
            resource.entity?.map((entity) => entity.what?.identifier),
            [
                { system: Systems.record, value: 'r-1' },
                { system: Systems.patient, value: PATIENT },
            ],
        );
        assert.deepEqual((resource.entity ?? []).map((entity) => entity.detail)[0], [
            { type: 'decision', valueString: 'DENIED' },
            { type: 'reason', valueString: 'NO_CONSENT' },
            { type: 'category', valueString: 'lab' },
        ]);
    });

    const outcomes: [AccessEvent['decision'], AccessEvent['purpose'], string, string][] = [
        ['GRANTED', 'PAYMENT', '0', 'HPAYMT'],
        ['GRANTED_EMERGENCY', 'EMERGENCY', '0', 'ETREAT'],
        ['DENIED', 'RESEARCH', '4', 'HRESCH'],
        ['DENIED', 'OVERSIGHT', '4', 'HCOMPL'],
    ];
    for (const [decision, purpose, outcome, actReason] of outcomes) {
        it(`maps ${decision} for ${purpose} to outcome ${outcome} and ActReason ${actReason}`, () => {
            const resource = toAuditEvent(newEvent({ decision, purpose }), 'healthchain');
            assert.equal(resource.outcome, outcome);
            assert.equal(resource.purposeOfEvent?.[0]?.coding?.[0]?.code, actReason);
        });
    }

    it('names the consent a decision rests on, with CONSENT_PERMIT or CONSENT_DENY and who signed it', () => {
        const granted = toAuditEvent(newEvent({ consentSigner: 'g-guardian' }), 'healthchain');
        const expired = toAuditEvent(newEvent({ decision: 'DENIED', reason: 'CONSENT_EXPIRED' }), 'healthchain');
        for (const [resource, decision, signer] of [
            [granted, 'CONSENT_PERMIT', [{ type: 'signer', valueString: 'g-guardian' }]],
            [expired, 'CONSENT_DENY', []],
        ] as const) {
            const consent = resource.entity?.[2];
            assert.deepEqual(consent?.what?.identifier, { system: Systems.consent, value: 'c-1' });
            assert.deepEqual(consent.detail, [{ type: 'decision', valueString: decision }, ...signer]);
        }
    });

    it('leaves out the custodian and the patient of a request for a record that does not exist', () => {
        const event = newEvent({
            custodian: null,
            patientId: null,
            category: null,
            decision: 'DENIED',
            consentId: null,
        });
        const resource = toAuditEvent(event, 'healthchain');
        assert.equal(resource.agent.length, 1);
        assert.equal(resource.entity?.length, 1);
    });
});

/** A stand-in for the ledger facade that names the listing it was asked for. */
function recordingContracts(calls: string[]): LedgerContracts {
    const empty =
        (name: string) =>
        (...args: unknown[]): Promise<Page<AccessEvent>> => {
            calls.push([name, ...args.slice(0, -1)].join(' '));
            return Promise.resolve({ items: [], bookmark: '', fetchedRecordsCount: 0 });
        };
    const fake = {
        listAccessByPatient: empty('patient'),
        listAccessByRequester: empty('requester'),
        listAccessByCustodian: empty('custodian'),
        listAccessByTime: empty('time'),
    };
    return fake as unknown as LedgerContracts;
}

describe('audit query planning', () => {
    const now = new Date('2030-01-02T00:00:00.000Z');
    const page: PageRequest = { pageSize: 10, bookmark: '' };
    const plans: [string, EventFilters, string, boolean][] = [
        ['no filter: the time index', {}, 'time 1970-01-01T00:00:00.000Z 2030-01-03T00:00:00.000Z', false],
        [
            'a time range: the time index, no residual',
            { from: '2030-01-01T00:00:00.000Z' },
            'time 2030-01-01T00:00:00.000Z 2030-01-03T00:00:00.000Z',
            false,
        ],
        ['a patient: its index', { patientId: PATIENT }, `patient ${PATIENT}`, false],
        [
            'a patient and a requester: the patient index',
            { patientId: PATIENT, requester: 'HospitalBMSP' },
            `patient ${PATIENT}`,
            true,
        ],
        ['a requester: its index', { requester: 'HospitalBMSP' }, 'requester HospitalBMSP', false],
        [
            'a requester and a custodian: the requester index',
            { requester: 'HospitalBMSP', custodian: 'HospitalAMSP' },
            'requester HospitalBMSP',
            true,
        ],
        [
            'a custodian and a decision',
            { custodian: 'HospitalAMSP', decision: 'DENIED' },
            'custodian HospitalAMSP',
            true,
        ],
        [
            'a purpose: the time index filtered',
            { purpose: 'EMERGENCY' },
            'time 1970-01-01T00:00:00.000Z 2030-01-03T00:00:00.000Z',
            true,
        ],
        [
            'a patient in a time range',
            { patientId: PATIENT, to: '2030-01-01T00:00:00.000Z' },
            `patient ${PATIENT}`,
            true,
        ],
    ];
    for (const [name, filters, listing, residual] of plans) {
        it(`plans ${name}`, async () => {
            const calls: string[] = [];
            const plan = planEventQuery(recordingContracts(calls), filters, now);
            await plan.list(page);
            assert.deepEqual(calls, [listing]);
            assert.equal(plan.residual !== undefined, residual);
        });
    }

    it('filters on every field the listing does not serve', () => {
        const plan = planEventQuery(
            recordingContracts([]),
            { patientId: PATIENT, decision: 'DENIED', to: '2030-01-02T03:04:05.678Z' },
            now,
        );
        assert.ok(plan.residual);
        assert.equal(plan.residual(newEvent({ decision: 'DENIED', requestedAt: '2030-01-02T03:04:05.677Z' })), true);
        assert.equal(plan.residual(newEvent({ decision: 'DENIED' })), false);
        assert.equal(plan.residual(newEvent({ requestedAt: '2030-01-01T00:00:00.000Z' })), false);
    });

    it('counts statistics over whole hours: the 24 ending with the current one by default', () => {
        const clock = new Date('2030-01-02T03:04:05.678Z');
        assert.deepEqual(toHourRange({}, clock), { from: '2030-01-01T04:00:00.000Z', to: '2030-01-02T04:00:00.000Z' });
        assert.deepEqual(toHourRange({ from: '2030-01-01T10:30:00.000Z', to: '2030-01-01T12:00:00.000Z' }, clock), {
            from: '2030-01-01T10:00:00.000Z',
            to: '2030-01-01T12:00:00.000Z',
        });
        assert.throws(() => toHourRange({ from: '2030-01-01T10:30:00.000Z', to: '2030-01-01T10:00:00.000Z' }, clock), {
            code: 'INVALID_INPUT',
        });
        assertBucketCount({ from: '2030-01-01T00:00:00.000Z', to: '2030-02-11T16:00:00.000Z' }, 'hour');
        assert.throws(
            () => {
                assertBucketCount({ from: '2030-01-01T00:00:00.000Z', to: '2030-02-11T17:00:00.000Z' }, 'hour');
            },
            { code: 'INVALID_INPUT' },
        );
        assertBucketCount({ from: '2030-01-01T00:00:00.000Z', to: '2031-01-01T00:00:00.000Z' }, 'day');
    });

    it('defaults an export range to the day before now and refuses an empty one', () => {
        assert.deepEqual(toTimeRange({}, now), { from: '2030-01-01T00:00:00.000Z', to: '2030-01-02T00:00:00.000Z' });
        assert.deepEqual(toTimeRange({ to: '2030-01-05T00:00:00.000Z' }, now), {
            from: '2030-01-04T00:00:00.000Z',
            to: '2030-01-05T00:00:00.000Z',
        });
        assert.throws(() => toTimeRange({ from: '2030-01-02T00:00:00.000Z' }, now), { code: 'INVALID_INPUT' });
        assert.throws(
            () =>
                planEventQuery(
                    recordingContracts([]),
                    { from: '2030-01-02T00:00:00.000Z', to: '2030-01-01T00:00:00.000Z' },
                    now,
                ),
            { code: 'INVALID_INPUT' },
        );
    });
});
