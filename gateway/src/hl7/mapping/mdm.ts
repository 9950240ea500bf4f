// SPDX-License-Identifier: Apache-2.0
/**
 * MDM^T02 "original document notification and content" (V2-to-FHIR "TXA[DocumentReference]"): TXA describes
 * the document (type TXA-2, activity time TXA-4, origination TXA-6, authors TXA-9, authenticators TXA-10/22,
 * unique number TXA-12, completion status TXA-17) and the OBX segments carry it, as text lines (TX, FT, ST)
 * or one encapsulated document (ED: `source^type^subtype^encoding^data`).
 */
import type { Attachment, DocumentReference } from '@medplum/fhirtypes';
import { decideCategory } from '../category-rules';
import type { V2Segment } from '../message';
import { toCodeableConcept, toCodeFacts, toDateTime, toInstant, toPersonReference, v2TableSystem } from './datatypes';
import { MappingError } from './mapping-error';
import { toFhirJson } from './fhir-json';
import { readIdentifiers, readPid } from './patient';
import type { MappedMessage, MappingInput } from './types';
import { readDepartments } from './visit';

/** TXA-2 document types (HL7 table 0270) with the LOINC document code that V2-to-FHIR maps them to. */
const DOCUMENT_TYPES: Readonly<Record<string, { loinc: string; display: string }>> = {
    DS: { loinc: '18842-5', display: 'Discharge summary' },
    HP: { loinc: '34117-2', display: 'History and physical note' },
    CN: { loinc: '11488-4', display: 'Consult note' },
    PN: { loinc: '11506-3', display: 'Progress note' },
    OP: { loinc: '11504-8', display: 'Surgical operation note' },
    PR: { loinc: '28570-0', display: 'Procedure note' },
    DI: { loinc: '18748-4', display: 'Diagnostic imaging study' },
    ED: { loinc: '34111-5', display: 'Emergency department note' },
};

const DOC_STATUSES: Readonly<Record<string, DocumentReference['docStatus']>> = {
    AU: 'final',
    LA: 'final',
    DO: 'final',
    DI: 'preliminary',
    IN: 'preliminary',
    IP: 'preliminary',
    PA: 'preliminary',
};

function toDocumentType(txa: V2Segment): DocumentReference['type'] {
    const code = txa.get(2, 1).toUpperCase();
    const known = DOCUMENT_TYPES[code];
    const concept = toCodeableConcept(txa, 2);
    if (known === undefined) {
        return concept;
    }
    return {
        coding: [
            { system: 'http://loinc.org', code: known.loinc, display: known.display },
            { system: v2TableSystem('0270'), code },
        ],
        text: concept?.text ?? known.display,
    };
}

function toContentType(type: string, subtype: string): string {
    const major = type === 'ap' || type === '' ? 'application' : type;
    return `${major}/${subtype === '' ? 'octet-stream' : subtype}`;
}

function toEncapsulated(obx: V2Segment): Attachment {
    const type = obx.get(5, 2).toLowerCase();
    const subtype = obx.get(5, 3).toLowerCase();
    const encoding = obx.get(5, 4).toUpperCase();
    const data = obx.get(5, 5);
    const where = `OBX^${obx.sequence}^5`;
    const contentType = toContentType(type, subtype);
    if (encoding === 'BASE64') {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data === '') {
            throw new MappingError('102', `${where} is not Base64 data`, where);
        }
        return { contentType, data };
    }
    if (encoding === 'HEX' && /^([0-9A-Fa-f]{2})+$/.test(data)) {
        return { contentType, data: Buffer.from(data, 'hex').toString('base64') };
    }
    if (encoding === 'A' || encoding === '') {
        return { contentType, data: Buffer.from(data, 'utf8').toString('base64') };
    }
    throw new MappingError('102', `${where} has an unsupported encoding`, where);
}

function toContent(obxs: readonly V2Segment[]): Attachment {
    const ed = obxs.find((obx) => obx.get(2).toUpperCase() === 'ED');
    if (ed !== undefined) {
        return toEncapsulated(ed);
    }
    const lines = obxs
        .filter((obx) => ['TX', 'FT', 'ST'].includes(obx.get(2).toUpperCase()))
        .flatMap((obx) => obx.repetitions(5).map((rep) => obx.get(5, 1, 0, rep)));
    if (lines.length === 0) {
        throw new MappingError('101', 'MDM^T02 has no document content in OBX-5', 'OBX^1^5');
    }
    return { contentType: 'text/plain; charset=utf-8', data: Buffer.from(lines.join('\n'), 'utf8').toString('base64') };
}

function toPeople(txa: V2Segment, field: number): NonNullable<DocumentReference['author']> {
    return txa.repetitions(field).flatMap((rep) => {
        const person = toPersonReference(txa, field, rep);
        return person === undefined ? [] : [person];
    });
}

function toDocument(txa: V2Segment, obxs: readonly V2Segment[], input: MappingInput): DocumentReference {
    const timezone = input.options.timezone;
    const number = txa.get(12, 1);
    const date = toInstant(txa.get(4), timezone, 'TXA^1^4') ?? toInstant(input.header.time, timezone, 'MSH^1^7');
    const created = toDateTime(txa.get(6), timezone, 'TXA^1^6');
    const authors = toPeople(txa, 9);
    const authenticator = toPersonReference(txa, 22) ?? toPersonReference(txa, 10);
    const docStatus = DOC_STATUSES[txa.get(17).toUpperCase()];
    const type = toDocumentType(txa);
    return {
        resourceType: 'DocumentReference',
        ...(number === '' ? {} : { masterIdentifier: { value: number } }),
        status: 'current',
        ...(docStatus === undefined ? {} : { docStatus }),
        ...(type === undefined ? {} : { type }),
        ...(date === undefined ? {} : { date }),
        ...(authors.length === 0 ? {} : { author: authors }),
        ...(authenticator === undefined ? {} : { authenticator }),
        content: [{ attachment: { ...toContent(obxs), ...(created === undefined ? {} : { creation: created }) } }],
    };
}

/**
 * MDM^T02 → one DocumentReference record.
 * @param input - message, header, options
 * @throws MappingError
 */
export function mapMdm(input: MappingInput): MappedMessage {
    const pid = readPid(input.message);
    const txa = input.message.first('TXA');
    if (txa === undefined) {
        throw new MappingError('100', 'MDM^T02 has no TXA segment', 'TXA');
    }
    const document = toDocument(txa, input.message.all('OBX'), input);
    const { category } = decideCategory(
        { base: 'document', codes: toCodeFacts(txa, 2), departments: readDepartments(input.message.first('PV1')) },
        input.options.rules,
    );
    const number = txa.get(12, 1);
    const key = number === '' ? `document:message:${input.header.controlId}` : `document:${number}`;
    return { identifiers: readIdentifiers(pid), records: [{ key, category, resource: toFhirJson(document) }] };
}
