// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { ChaincodeError } from '../../chaincode/src/errors';
import type { AccessEvent, Organization } from '../../chaincode/src/protocol/state';
import type { Category, Purpose } from '../../chaincode/src/protocol/vocabulary';
import { decideAccess, traceAccess, type AccessFacts } from '../../chaincode/src/rules/access';
import { assertClaimRecords, decideClaimStatus } from '../../chaincode/src/rules/claims';
import type { ConsentTerms } from '../../chaincode/src/rules/consent';
import { checkDelivery, type DeliveryFacts } from '../../chaincode/src/rules/delivery';
import { nextOrgStatus } from '../../chaincode/src/rules/organizations';
import { isPurposePermitted } from '../../chaincode/src/rules/purposes';
import { checkIssuedAt } from '../../chaincode/src/protocol/payload-time';
import { checkWindow } from '../../chaincode/src/rules/time';

const NOW = Date.parse('2030-06-01T12:00:00.000Z');
const PATIENT = `pt${'a'.repeat(52)}`;

function consent(overrides: Partial<ConsentTerms> = {}): ConsentTerms {
    return {
        consentId: 'c1',
        patientId: PATIENT,
        grantee: 'HospitalBMSP',
        purposes: ['TREATMENT'],
        categories: ['*'],
        custodians: ['*'],
        recordIds: null,
        notBefore: '2030-01-01T00:00:00.000Z',
        notAfter: '2031-01-01T00:00:00.000Z',
        status: 'active',
        ...overrides,
    };
}

function facts(overrides: Partial<AccessFacts> = {}, category: Category = 'lab'): AccessFacts {
    const requester: Pick<Organization, 'mspId' | 'type' | 'status'> = {
        mspId: 'HospitalBMSP',
        type: 'hospital',
        status: 'active',
    };
    return {
        requester,
        purpose: 'TREATMENT',
        justification: null,
        record: { recordId: 'r1', patientId: PATIENT, custodian: 'HospitalAMSP', category },
        custodian: { status: 'active' },
        consents: [consent()],
        now: NOW,
        ...overrides,
    };
}

const insurer = { mspId: 'HospitalBMSP', type: 'insurer', status: 'active' } as const;
const hospital = { mspId: 'HospitalBMSP', type: 'hospital', status: 'active' } as const;

describe('access decision (rules)', () => {
    const table: { name: string; facts: AccessFacts; decision: string; reason: string; consentId?: string | null }[] = [
        {
            name: 'grants under a covering wildcard consent',
            facts: facts(),
            decision: 'GRANTED',
            reason: 'CONSENT',
            consentId: 'c1',
        },
        {
            name: 'denies a suspended requester first, even with a consent',
            facts: facts({ requester: { ...hospital, status: 'suspended' } }),
            decision: 'DENIED',
            reason: 'ORG_NOT_ACTIVE',
        },
        {
            name: 'denies a pending requester',
            facts: facts({ requester: { ...hospital, status: 'pending' } }),
            decision: 'DENIED',
            reason: 'ORG_NOT_ACTIVE',
        },
        {
            name: 'denies a purpose the organisation type may not use (insurer TREATMENT)',
            facts: facts({ requester: insurer }),
            decision: 'DENIED',
            reason: 'PURPOSE_NOT_PERMITTED',
        },
        {
            name: 'denies EMERGENCY by an insurer',
            facts: facts({ requester: insurer, purpose: 'EMERGENCY', justification: 'x' }),
            decision: 'DENIED',
            reason: 'PURPOSE_NOT_PERMITTED',
        },
        {
            name: 'denies OVERSIGHT by a hospital',
            facts: facts({ purpose: 'OVERSIGHT' }),
            decision: 'DENIED',
            reason: 'PURPOSE_NOT_PERMITTED',
        },
        {
            name: 'denies a missing record',
            facts: facts({ record: null, custodian: null }),
            decision: 'DENIED',
            reason: 'RECORD_NOT_FOUND',
        },
        {
            name: 'denies when the custodian is suspended',
            facts: facts({ custodian: { status: 'suspended' } }),
            decision: 'DENIED',
            reason: 'CUSTODIAN_NOT_ACTIVE',
        },
        {
            name: 'denies with no consent at all',
            facts: facts({ consents: [] }),
            decision: 'DENIED',
            reason: 'NO_CONSENT',
            consentId: null,
        },
        {
            name: 'denies a consent to another grantee',
            facts: facts({ consents: [consent({ grantee: 'HospitalAMSP' })] }),
            decision: 'DENIED',
            reason: 'NO_CONSENT',
        },
        {
            name: 'denies a consent of another patient',
            facts: facts({ consents: [consent({ patientId: `pt${'b'.repeat(52)}` })] }),
            decision: 'DENIED',
            reason: 'NO_CONSENT',
        },
        {
            name: 'denies a consent not naming the purpose',
            facts: facts({ consents: [consent({ purposes: ['RESEARCH'] })] }),
            decision: 'DENIED',
            reason: 'NO_CONSENT',
        },
        {
            name: 'denies a consent naming other categories',
            facts: facts({ consents: [consent({ categories: ['imaging'] })] }),
            decision: 'DENIED',
            reason: 'NO_CONSENT',
        },
        {
            name: 'grants a consent naming the category',
            facts: facts({ consents: [consent({ categories: ['imaging', 'lab'] })] }),
            decision: 'GRANTED',
            reason: 'CONSENT',
        },
        {
            name: 'denies a sensitive category under a wildcard consent',
            facts: facts({}, 'hiv'),
            decision: 'DENIED',
            reason: 'SENSITIVE_CATEGORY',
            consentId: 'c1',
        },
        {
            name: 'grants a sensitive category a consent names',
            facts: facts({ consents: [consent({ categories: ['*', 'hiv'] })] }, 'hiv'),
            decision: 'GRANTED',
            reason: 'CONSENT',
        },
        {
            name: 'denies a consent limited to other custodians',
            facts: facts({ consents: [consent({ custodians: ['HospitalCMSP'] })] }),
            decision: 'DENIED',
            reason: 'NO_CONSENT',
        },
        {
            name: 'grants a consent naming the custodian',
            facts: facts({ consents: [consent({ custodians: ['HospitalAMSP'] })] }),
            decision: 'GRANTED',
            reason: 'CONSENT',
        },
        {
            name: 'denies a consent listing other records',
            facts: facts({ consents: [consent({ recordIds: ['r2'] })] }),
            decision: 'DENIED',
            reason: 'NO_CONSENT',
        },
        {
            name: 'grants a consent listing the record',
            facts: facts({ consents: [consent({ recordIds: ['r2', 'r1'] })] }),
            decision: 'GRANTED',
            reason: 'CONSENT',
        },
        {
            name: 'denies a revoked consent',
            facts: facts({ consents: [consent({ status: 'revoked' })] }),
            decision: 'DENIED',
            reason: 'CONSENT_REVOKED',
            consentId: 'c1',
        },
        {
            name: 'denies before notBefore',
            facts: facts({ consents: [consent({ notBefore: '2030-06-01T12:00:00.001Z' })] }),
            decision: 'DENIED',
            reason: 'CONSENT_NOT_YET_VALID',
        },
        {
            name: 'grants exactly at notBefore',
            facts: facts({ consents: [consent({ notBefore: '2030-06-01T12:00:00.000Z' })] }),
            decision: 'GRANTED',
            reason: 'CONSENT',
        },
        {
            name: 'denies exactly at notAfter',
            facts: facts({ consents: [consent({ notAfter: '2030-06-01T12:00:00.000Z' })] }),
            decision: 'DENIED',
            reason: 'CONSENT_EXPIRED',
        },
        {
            name: 'grants a millisecond before notAfter',
            facts: facts({ consents: [consent({ notAfter: '2030-06-01T12:00:00.001Z' })] }),
            decision: 'GRANTED',
            reason: 'CONSENT',
        },
        {
            name: 'prefers a covering consent over a revoked one',
            facts: facts({ consents: [consent({ status: 'revoked' }), consent({ consentId: 'c2' })] }),
            decision: 'GRANTED',
            reason: 'CONSENT',
            consentId: 'c2',
        },
        {
            name: 'reports the closest failure: expired beats revoked and out of scope',
            facts: facts({
                consents: [
                    consent({ consentId: 'c0', purposes: ['RESEARCH'] }),
                    consent({ status: 'revoked' }),
                    consent({ consentId: 'c2', notAfter: '2030-02-01T00:00:00.000Z' }),
                ],
            }),
            decision: 'DENIED',
            reason: 'CONSENT_EXPIRED',
            consentId: 'c2',
        },
        {
            name: 'grants EMERGENCY by a hospital with a justification on an ordinary record',
            facts: facts({ purpose: 'EMERGENCY', justification: 'unconscious in ER', consents: [] }),
            decision: 'GRANTED_EMERGENCY',
            reason: 'EMERGENCY',
            consentId: null,
        },
        {
            name: 'denies EMERGENCY without a justification',
            facts: facts({ purpose: 'EMERGENCY', justification: null }),
            decision: 'DENIED',
            reason: 'NO_CONSENT',
        },
        {
            name: 'denies EMERGENCY on a sensitive record even with a consent naming it',
            facts: facts(
                { purpose: 'EMERGENCY', justification: 'x', consents: [consent({ categories: ['mental-health'] })] },
                'mental-health',
            ),
            decision: 'DENIED',
            reason: 'SENSITIVE_CATEGORY',
        },
        {
            name: 'denies EMERGENCY when the custodian is suspended',
            facts: facts({ purpose: 'EMERGENCY', justification: 'x', custodian: { status: 'suspended' } }),
            decision: 'DENIED',
            reason: 'CUSTODIAN_NOT_ACTIVE',
        },
        {
            name: 'grants PAYMENT to an insurer under a payment consent',
            facts: facts({ requester: insurer, purpose: 'PAYMENT', consents: [consent({ purposes: ['PAYMENT'] })] }),
            decision: 'GRANTED',
            reason: 'CONSENT',
        },
        {
            name: 'grants RESEARCH to a commission under a research consent',
            facts: facts({
                requester: { mspId: 'HospitalBMSP', type: 'commission', status: 'active' },
                purpose: 'RESEARCH',
                consents: [consent({ purposes: ['RESEARCH'] })],
            }),
            decision: 'GRANTED',
            reason: 'CONSENT',
        },
    ];
    for (const row of table) {
        it(row.name, () => {
            const outcome = decideAccess(row.facts);
            assert.equal(outcome.decision, row.decision);
            assert.equal(outcome.reason, row.reason);
            if (row.consentId !== undefined) {
                assert.equal(outcome.consentId, row.consentId);
            }
        });
    }
    it('traces every row in order: the checks pass up to the one failure that gives the reason, then are skipped', () => {
        for (const row of table) {
            const { steps, ...outcome } = traceAccess(row.facts);
            assert.deepEqual(outcome, decideAccess(row.facts), row.name);
            const results = steps.map((step) => step.result);
            const failed = results.indexOf('fail');
            const ran = failed === -1 ? results : results.slice(0, failed);
            assert.ok(
                ran.every((result) => result === 'pass'),
                row.name,
            );
            if (row.decision === 'DENIED') {
                assert.equal(steps[failed]?.reason, row.reason, row.name);
                assert.ok(
                    results.slice(failed + 1).every((result) => result === 'skipped'),
                    row.name,
                );
            } else {
                assert.equal(failed, -1, row.name);
            }
            const last = steps.at(-1)?.check;
            assert.equal(last, row.facts.purpose === 'EMERGENCY' ? 'JUSTIFIED' : 'CONSENT', row.name);
        }
    });
});

describe('purposes per organisation type', () => {
    const allowed: Record<string, Purpose[]> = {
        hospital: ['TREATMENT', 'EMERGENCY', 'RESEARCH'],
        insurer: ['PAYMENT', 'RESEARCH'],
        commission: ['OVERSIGHT', 'RESEARCH'],
    };
    const purposes: Purpose[] = ['TREATMENT', 'PAYMENT', 'OVERSIGHT', 'RESEARCH', 'EMERGENCY'];
    for (const type of ['hospital', 'insurer', 'commission'] as const) {
        it(`permits exactly ${allowed[type]?.join(', ') ?? ''} to a ${type}`, () => {
            const permitted = purposes.filter((purpose) => isPurposePermitted(type, purpose));
            assert.deepEqual(permitted.sort(), [...(allowed[type] ?? [])].sort());
        });
    }
});

const PINNED = 'b'.repeat(64);
const presenter = { recordId: 'rec-1', requester: 'HospitalBMSP', requesterCertSha256: PINNED } as const;

function deliveryFacts(overrides: Partial<DeliveryFacts> = {}, event: Partial<AccessEvent> = {}): DeliveryFacts {
    return {
        caller: 'HospitalAMSP',
        event: {
            custodian: 'HospitalAMSP',
            recordId: 'rec-1',
            requester: 'HospitalBMSP',
            decision: 'GRANTED',
            requestedAt: '2030-06-01T11:58:00.000Z',
            expiresAt: '2030-06-01T12:03:00.000Z',
            delivery: null,
            ...event,
        },
        consent: consent(),
        requester: { status: 'active', tlsCertSha256: PINNED },
        presenter,
        now: NOW,
        maxSkewMs: 120_000,
        ...overrides,
    };
}

describe('delivery check (rules)', () => {
    const delivered = { status: 'DELIVERED', reason: null, contentHash: 'h', at: 'x', txId: 't' } as const;
    const table: { name: string; facts: DeliveryFacts; expected: object }[] = [
        { name: 'delivers a fresh grant under a valid consent', facts: deliveryFacts(), expected: { kind: 'deliver' } },
        {
            name: 'rejects a caller that is not the custodian',
            facts: deliveryFacts({ caller: 'HospitalBMSP' }),
            expected: { kind: 'reject', code: 'FORBIDDEN' },
        },
        {
            name: 'rejects a grant asked for under another record',
            facts: deliveryFacts({ presenter: { ...presenter, recordId: 'rec-2' } }),
            expected: { kind: 'reject', code: 'FORBIDDEN' },
        },
        {
            name: 'rejects a grant presented by an organisation other than its requester',
            facts: deliveryFacts({ presenter: { ...presenter, requester: 'InsurerMSP' } }),
            expected: { kind: 'reject', code: 'FORBIDDEN' },
        },
        {
            name: 'rejects a certificate other than the requester’s pinned one',
            facts: deliveryFacts({ presenter: { ...presenter, requesterCertSha256: 'c'.repeat(64) } }),
            expected: { kind: 'reject', code: 'FORBIDDEN' },
        },
        {
            name: 'rejects a certificate when the requester is no longer registered',
            facts: deliveryFacts({ requester: null }),
            expected: { kind: 'reject', code: 'FORBIDDEN' },
        },
        {
            name: 'delivers when the custodian’s gateway says nothing of who asked',
            facts: deliveryFacts({ presenter: { recordId: null, requester: null, requesterCertSha256: null } }),
            expected: { kind: 'deliver' },
        },
        {
            name: 'rejects a denied access',
            facts: deliveryFacts({}, { decision: 'DENIED', expiresAt: null }),
            expected: { kind: 'reject', code: 'ACCESS_DENIED' },
        },
        {
            name: 'rejects a second delivery',
            facts: deliveryFacts({}, { delivery: delivered }),
            expected: { kind: 'reject', code: 'CONFLICT' },
        },
        {
            name: 'refuses a grant timestamped after the delivery',
            facts: deliveryFacts({}, { requestedAt: '2030-06-01T12:00:00.001Z' }),
            expected: { kind: 'refuse', reason: 'GRANT_IN_FUTURE' },
        },
        {
            name: 'refuses a grant timestamped further ahead than the custodian tolerates (clock skew)',
            facts: deliveryFacts({}, { requestedAt: '2030-06-01T12:02:00.001Z' }),
            expected: { kind: 'refuse', reason: 'GRANT_CLOCK_SKEW' },
        },
        {
            name: 'refuses a grant timestamped further back than the custodian tolerates (clock skew)',
            facts: deliveryFacts({ maxSkewMs: 60_000 }),
            expected: { kind: 'refuse', reason: 'GRANT_CLOCK_SKEW' },
        },
        {
            name: 'refuses at the expiry instant',
            facts: deliveryFacts({}, { expiresAt: '2030-06-01T12:00:00.000Z' }),
            expected: { kind: 'refuse', reason: 'GRANT_EXPIRED' },
        },
        {
            name: 'refuses when the requester was suspended since',
            facts: deliveryFacts({ requester: { status: 'suspended', tlsCertSha256: PINNED } }),
            expected: { kind: 'refuse', reason: 'ORG_NOT_ACTIVE' },
        },
        {
            name: 'refuses when the consent was revoked since the grant',
            facts: deliveryFacts({ consent: consent({ status: 'revoked' }) }),
            expected: { kind: 'refuse', reason: 'CONSENT_REVOKED' },
        },
        {
            name: 'refuses when the consent window ended since the grant',
            facts: deliveryFacts({ consent: consent({ notAfter: '2030-06-01T11:59:00.000Z' }) }),
            expected: { kind: 'refuse', reason: 'CONSENT_EXPIRED' },
        },
        {
            name: 'refuses when the consent is not yet valid at the custodian clock',
            facts: deliveryFacts({ consent: consent({ notBefore: '2030-06-01T12:00:01.000Z' }) }),
            expected: { kind: 'refuse', reason: 'CONSENT_NOT_YET_VALID' },
        },
        {
            name: 'delivers an emergency grant without a consent',
            facts: deliveryFacts({ consent: null }, { decision: 'GRANTED_EMERGENCY' }),
            expected: { kind: 'deliver' },
        },
    ];
    for (const row of table) {
        it(row.name, () => {
            const outcome = checkDelivery(row.facts);
            for (const [key, value] of Object.entries(row.expected)) {
                assert.equal((outcome as Record<string, unknown>)[key], value);
            }
        });
    }
});

describe('claim rules', () => {
    const record = { recordId: 'r1', patientId: PATIENT, custodian: 'HospitalAMSP', category: 'billing' as const };
    function codeOf(fn: () => void): string {
        try {
            fn();
        } catch (error) {
            assert.ok(error instanceof ChaincodeError);
            return error.code;
        }
        return 'OK';
    }
    it('accepts own records of the patient with no open claim', () => {
        assert.equal(
            codeOf(() => {
                assertClaimRecords('HospitalAMSP', PATIENT, [{ recordId: 'r1', record, backingClaimId: null }]);
            }),
            'OK',
        );
    });
    it('refuses a record already backing a claim', () => {
        const rows = [{ recordId: 'r1', record, backingClaimId: 'claim0' }];
        assert.equal(
            codeOf(() => {
                assertClaimRecords('HospitalAMSP', PATIENT, rows);
            }),
            'DUPLICATE_CLAIM',
        );
    });
    it('refuses another custodian’s record', () => {
        const rows = [{ recordId: 'r1', record, backingClaimId: null }];
        assert.equal(
            codeOf(() => {
                assertClaimRecords('HospitalBMSP', PATIENT, rows);
            }),
            'FORBIDDEN',
        );
    });
    it('refuses a record of another patient', () => {
        const rows = [{ recordId: 'r1', record, backingClaimId: null }];
        assert.equal(
            codeOf(() => {
                assertClaimRecords('HospitalAMSP', `pt${'c'.repeat(52)}`, rows);
            }),
            'INVALID_INPUT',
        );
    });
    it('refuses a missing record', () => {
        const rows = [{ recordId: 'r1', record: null, backingClaimId: null }];
        assert.equal(
            codeOf(() => {
                assertClaimRecords('HospitalAMSP', PATIENT, rows);
            }),
            'NOT_FOUND',
        );
    });
    it('decides a submitted claim once', () => {
        assert.equal(decideClaimStatus('submitted', 'approved'), 'approved');
        assert.equal(
            codeOf(() => decideClaimStatus('rejected', 'approved')),
            'CONFLICT',
        );
    });
});

describe('organisation status transitions', () => {
    it('follows pending → active ⇄ suspended', () => {
        assert.equal(nextOrgStatus('approve', 'pending'), 'active');
        assert.equal(nextOrgStatus('suspend', 'active'), 'suspended');
        assert.equal(nextOrgStatus('reinstate', 'suspended'), 'active');
    });
    it('refuses transitions from the wrong status', () => {
        assert.throws(() => nextOrgStatus('approve', 'active'), { code: 'CONFLICT' });
        assert.throws(() => nextOrgStatus('reinstate', 'active'), { code: 'CONFLICT' });
        assert.throws(() => nextOrgStatus('suspend', 'pending'), { code: 'CONFLICT' });
    });
});

describe('time rules', () => {
    it('bounds issuedAt to 5 minutes ahead and 24 hours behind', () => {
        assert.equal(checkIssuedAt('2030-06-01T12:05:00.000Z', NOW), 'ok');
        assert.equal(checkIssuedAt('2030-06-01T12:05:00.001Z', NOW), 'future');
        assert.equal(checkIssuedAt('2030-05-31T12:00:00.000Z', NOW), 'ok');
        assert.equal(checkIssuedAt('2030-05-31T11:59:59.999Z', NOW), 'stale');
    });
    it('treats a window as [notBefore, notAfter)', () => {
        const window = { notBefore: '2030-06-01T12:00:00.000Z', notAfter: '2030-06-01T13:00:00.000Z' };
        assert.equal(checkWindow(window, NOW - 1), 'before');
        assert.equal(checkWindow(window, NOW), 'inside');
        assert.equal(checkWindow(window, Date.parse(window.notAfter)), 'after');
    });
});
