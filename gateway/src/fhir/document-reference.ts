// SPDX-License-Identifier: Apache-2.0
/**
 * `DocumentReference`: the ledger's record index (docs/design.md "Record index entry") as FHIR R4
 * DocumentReference resources (http://hl7.org/fhir/R4/documentreference.html), one per entry, for staff, as
 * `GET /records?patientId=` and `GET /records/{recordId}` serve them (the chaincode answers a patient's index to
 * the commission and active hospitals, one entry as its rules allow, and shows a sensitive category the caller
 * may not know as `restricted`).
 *
 * The index holds no content, so neither does a DocumentReference: its one `content.attachment` says only that
 * the record is FHIR JSON, fetched from its custodian under a ledger grant (`POST /records/{recordId}/fetch`).
 * `Attachment.hash` is by definition the base64 SHA-1 of the attachment's data; the ledger's `contentHash` is a
 * salted SHA-256 (SHA-256(salt ‖ canonical content), docs/design.md) that only the custodian's salt makes
 * checkable, so it is an `identifier` of system `urn:healthchain:content-hash` instead. Status `current`, or
 * `superseded` once a newer version is anchored; a newer version `replaces` the one it supersedes.
 */
import type { DocumentReference } from '@medplum/fhirtypes';
import { ApiError } from '../errors';
import type { RecordEntry } from '../ledger/contracts';
import { fillPage, type Lister } from '../paging';
import { readId, readPatientId } from '../validation';
import { toLedgerUrn, type FhirContext, type FhirResourceHandler } from './resource-handler';
import {
    describeReference,
    singleValue,
    toReferencedId,
    type ParsedSearch,
    type ReferenceTarget,
} from './search-params';
import {
    isFhirId,
    Systems,
    toCategoryCoding,
    toOrganizationReference,
    toPatientReference,
    toSecurityLabels,
    toServedReference,
} from './terminology';

const PATIENT: ReferenceTarget = { type: 'Patient', system: Systems.patient, read: readPatientId };

/**
 * A record index entry as a FHIR R4 DocumentReference (see the module comment).
 * @param entry - the entry as the ledger showed it to the caller
 */
export function toDocumentReference(entry: RecordEntry): DocumentReference {
    const labels = toSecurityLabels(entry.category);
    return {
        resourceType: 'DocumentReference',
        ...(isFhirId(entry.recordId) ? { id: entry.recordId } : {}),
        meta: { lastUpdated: entry.createdAt },
        masterIdentifier: { system: Systems.record, value: entry.recordId },
        identifier: [
            { system: Systems.contentHash, value: entry.contentHash },
            { system: Systems.tx, value: entry.txId },
        ],
        status: entry.supersededBy === null ? 'current' : 'superseded',
        category: [{ coding: [toCategoryCoding(entry.category)] }],
        subject: toPatientReference(entry.patientId),
        date: entry.createdAt,
        custodian: toOrganizationReference(entry.custodian),
        ...(entry.supersedes === null
            ? {}
            : {
                  relatesTo: [
                      {
                          code: 'replaces' as const,
                          target: toServedReference('DocumentReference', Systems.record, entry.supersedes),
                      },
                  ],
              }),
        ...(labels.length > 0 ? { securityLabel: labels.map((label) => ({ coding: [label] })) } : {}),
        content: [{ attachment: { contentType: 'application/fhir+json' } }],
    };
}

/** The DocumentReference resource: staff search and read of the record index. */
export const documentReferenceHandler: FhirResourceHandler<DocumentReference> = {
    type: 'DocumentReference',
    documentation:
        'The record index, one DocumentReference per entry, without content, as GET /records: any staff token. ' +
        'A patient’s index answers the commission and active hospitals (elsewhere 403), in record id order; one ' +
        'entry answers as the ledger’s rules allow. Sensitive categories may show as restricted.',
    roles: [],
    searchParams: [
        {
            name: 'patient',
            type: 'reference',
            definition: 'http://hl7.org/fhir/SearchParameter/clinical-patient',
            documentation: `${describeReference(PATIENT, 'The pseudonymous patient the record is about')} Required.`,
            modifiers: ['identifier'],
        },
    ],
    async search(context: FhirContext, search: ParsedSearch, paging) {
        const patient = singleValue(search, 'patient');
        if (patient === undefined) {
            throw new ApiError('INVALID_INPUT', 'patient is required');
        }
        const patientId = toReferencedId('patient', patient, PATIENT);
        const list: Lister<RecordEntry> = (page) => context.contracts.listRecordsByPatient(patientId, page);
        const body = await fillPage(list, paging, () => true);
        return { resources: body.items.map(toDocumentReference), nextCursor: body.nextCursor };
    },
    async read(context: FhirContext, id: string) {
        return toDocumentReference(await context.contracts.readRecord(readId(id, 'id')));
    },
    urnOf(resource: DocumentReference) {
        return toLedgerUrn(Systems.record, resource.masterIdentifier?.value ?? '');
    },
};
