// SPDX-License-Identifier: Apache-2.0
/**
 * `AuditEvent`: the ledger's access events (docs/design.md "Access event") as consent decisions
 * (`gateway/src/audit/fhir-audit-event.ts`), for the commission's auditors, as `GET /audit/events` serves
 * them. A search reads the same chaincode listings as that route, planned the same way
 * (`gateway/src/audit/queries.ts`: the patient's index when `patient` is given, else the time index), and fills
 * its pages with the filters the listing does not serve (`gateway/src/paging.ts`).
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { ApiError } from '../errors';
import type { AccessEvent, Purpose } from '../ledger/contracts';
import { FILTERED_SCAN_PAGE_SIZE, fillPage } from '../paging';
import { readId, readMspId, readPatientId } from '../validation';
import { Purposes } from '../../../chaincode/src/protocol/vocabulary';
import { toAuditEvent, toAuditOutcome } from '../audit/fhir-audit-event';
import { planEventQuery, type EventFilters } from '../audit/queries';
import { intersectRanges, toSelectedRange, type InstantRange } from './date-search';
import { toLedgerUrn, type FhirContext, type FhirResourceHandler } from './resource-handler';
import {
    DATE_PREFIX_DOCUMENTATION,
    describeReference,
    singleValue,
    toReferencedId,
    toToken,
    type ParsedSearch,
    type ReferenceTarget,
} from './search-params';
import { ActReasons, CodeSystems, Systems } from './terminology';

const PATIENT: ReferenceTarget = { type: 'Patient', system: Systems.patient, read: readPatientId };
const AGENT: ReferenceTarget = { type: 'Organization', system: Systems.msp, read: readMspId };
/** The systems of AuditEvent.outcome's codes: R4's, and its successor in HL7 terminology. */
const OUTCOME_SYSTEMS = [
    'http://hl7.org/fhir/audit-event-outcome',
    'http://terminology.hl7.org/CodeSystem/audit-event-outcome',
];
const OUTCOME_CODES = ['0', '4', '8', '12'];
/** The latest instant a ledger timestamp can show (`YYYY` has four digits). */
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

function invalid(message: string): never {
    throw new ApiError('INVALID_INPUT', message);
}

/** The search's filters on what the listing returns. */
interface AuditSearch {
    readonly patientId?: string;
    readonly agent?: string;
    readonly range: InstantRange;
    readonly outcome?: string;
    readonly purpose?: Purpose;
}

function readOutcome(search: ParsedSearch): string | undefined {
    const given = singleValue(search, 'outcome');
    if (given === undefined) {
        return undefined;
    }
    const { system, code } = toToken(given.value);
    if ((system !== undefined && !OUTCOME_SYSTEMS.includes(system)) || !OUTCOME_CODES.includes(code)) {
        invalid(`outcome takes one of ${OUTCOME_CODES.join(', ')} (${OUTCOME_SYSTEMS[0] ?? ''})`);
    }
    return code;
}

/**
 * The purpose a `purpose` token names: an ActReason code (`TREAT`…) or the ledger's own (`TREATMENT`…), with
 * or without its system.
 */
function readPurpose(search: ParsedSearch): Purpose | undefined {
    const given = singleValue(search, 'purpose');
    if (given === undefined) {
        return undefined;
    }
    const { system, code } = toToken(given.value);
    const byActReason = Purposes.find((purpose) => ActReasons[purpose].code === code);
    const byLedger = Purposes.find((purpose) => purpose === code);
    const found = system === CodeSystems.actReason ? byActReason : system === Systems.purpose ? byLedger : undefined;
    const purpose = system === undefined ? (byActReason ?? byLedger) : found;
    if (purpose === undefined) {
        invalid(`purpose takes an ActReason code (${CodeSystems.actReason}) or one of ${Purposes.join(', ')}`);
    }
    return purpose;
}

function readAuditSearch(search: ParsedSearch): AuditSearch {
    const patient = singleValue(search, 'patient');
    const agent = singleValue(search, 'agent');
    const dates = (search.get('date') ?? []).map((given) => toSelectedRange(given.prefix ?? 'eq', given.value));
    return {
        ...(patient === undefined ? {} : { patientId: toReferencedId('patient', patient, PATIENT) }),
        ...(agent === undefined ? {} : { agent: toReferencedId('agent', agent, AGENT) }),
        range: intersectRanges(dates),
        outcome: readOutcome(search),
        purpose: readPurpose(search),
    };
}

/**
 * The search's time range as the listing's `from`/`to`, or null when it selects no instant a ledger timestamp
 * can have.
 */
function toTimeFilters(range: InstantRange): Pick<EventFilters, 'from' | 'to'> | null {
    const start = range.start ?? 0;
    const end = range.end ?? LAST_INSTANT + 1;
    if (start >= end || start > LAST_INSTANT || end <= 0) {
        return null;
    }
    return {
        ...(start > 0 ? { from: new Date(start).toISOString() } : {}),
        ...(end <= LAST_INSTANT ? { to: new Date(end).toISOString() } : {}),
    };
}

/** The filters no listing serves: `agent` (requester or custodian), `outcome`, `purpose`. */
function toExtraFilter(search: AuditSearch): ((event: AccessEvent) => boolean) | undefined {
    const { agent, outcome, purpose } = search;
    if (agent === undefined && outcome === undefined && purpose === undefined) {
        return undefined;
    }
    return (event) =>
        (agent === undefined || event.requester === agent || event.custodian === agent) &&
        (outcome === undefined || toAuditOutcome(event) === outcome) &&
        (purpose === undefined || event.purpose === purpose);
}

/** The AuditEvent resource: the commission auditor's search and read of access events. */
export const auditEventHandler: FhirResourceHandler<AuditEvent> = {
    type: 'AuditEvent',
    documentation:
        'Access events: every request for a record and the ledger’s decision, as a consent decision audit ' +
        '(DICOM 110113, outcome 0 permit / 4 deny, outcomeDesc CONSENT_PERMIT or CONSENT_DENY). An auditor token ' +
        'at the commission’s gateway, as GET /audit/events. Oldest first.',
    roles: ['auditor'],
    orgTypes: ['commission'],
    searchParams: [
        {
            name: 'patient',
            type: 'reference',
            definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-patient',
            documentation: describeReference(PATIENT, 'The pseudonymous patient the record belongs to'),
            modifiers: ['identifier'],
        },
        {
            name: 'date',
            type: 'date',
            definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-date',
            documentation: `When the request was made (recorded). ${DATE_PREFIX_DOCUMENTATION} At most twice (a range).`,
            maxRepeats: 2,
        },
        {
            name: 'agent',
            type: 'reference',
            definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-agent',
            documentation: describeReference(AGENT, 'An organisation that requested or holds the record (MSP id)'),
            modifiers: ['identifier'],
        },
        {
            name: 'outcome',
            type: 'token',
            definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-outcome',
            documentation: '0 (permitted) or 4 (denied); 8 and 12 are valid and match nothing.',
        },
        {
            name: 'purpose',
            type: 'token',
            documentation:
                `The purpose of use: an ActReason code (${CodeSystems.actReason}: TREAT, HPAYMT, HCOMPL, HRESCH, ` +
                `ETREAT) or the ledger's own (${Systems.purpose}: TREATMENT, PAYMENT, OVERSIGHT, RESEARCH, EMERGENCY).`,
        },
    ],
    async search(context: FhirContext, search: ParsedSearch, paging) {
        const audit = readAuditSearch(search);
        const time = toTimeFilters(audit.range);
        if (time === null) {
            return { resources: [], nextCursor: null };
        }
        const plan = planEventQuery(context.contracts, { patientId: audit.patientId, ...time }, context.now);
        const extra = toExtraFilter(audit);
        const filtered = plan.residual !== undefined || extra !== undefined;
        const keep = (event: AccessEvent): boolean => (plan.residual?.(event) ?? true) && (extra?.(event) ?? true);
        const scanPageSize = filtered ? Math.max(paging.limit, FILTERED_SCAN_PAGE_SIZE) : paging.limit;
        const body = await fillPage(plan.list, paging, keep, scanPageSize);
        return {
            resources: body.items.map((event) => toAuditEvent(event, context.config.channel)),
            nextCursor: body.nextCursor,
        };
    },
    async read(context: FhirContext, id: string) {
        const event = await context.contracts.readAccess(readId(id, 'id'));
        return toAuditEvent(event, context.config.channel);
    },
    urnOf(resource: AuditEvent) {
        return toLedgerUrn(Systems.access, resource.id ?? '');
    },
};
