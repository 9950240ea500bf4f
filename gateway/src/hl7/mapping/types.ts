// SPDX-License-Identifier: Apache-2.0
/** What the mappers produce from one HL7 v2 message, and what they need to know. */
import type { Patient } from '@medplum/fhirtypes';
import type { Category } from '../../../../chaincode/src/protocol/vocabulary';
import type { SensitivityRule } from '../category-rules';
import type { V2Header } from '../header';
import type { V2Message } from '../message';
import type { PatientIdentifier } from './datatypes';

/** A FHIR resource as plain JSON. */
export type FhirJson = Readonly<Record<string, unknown>>;

/** One record to publish: stored at this hospital, anchored on the ledger. */
export interface MappedRecord {
    /**
     * What the record is about at this hospital (`encounter:<visit>`, `report:<filler order>`,
     * `document:<document number>`): a later message about the same thing makes a new version of it.
     */
    readonly key: string;
    readonly category: Category;
    /** The resource, without its subject (the patient is linked when the message is processed). */
    readonly resource: FhirJson;
}

/** A message mapped. */
export interface MappedMessage {
    /** PID-3: the identifiers the patient is linked by. */
    readonly identifiers: readonly PatientIdentifier[];
    /** The patient's demographics (ADT), kept at this hospital only, never published. */
    readonly patient?: Patient;
    readonly records: readonly MappedRecord[];
    /** `ADT^A40`: the prior identifiers (MRG-1) merged into `identifiers`. */
    readonly merge?: { readonly prior: readonly PatientIdentifier[] };
}

/** The hospital's mapping settings. */
export interface MappingOptions {
    readonly rules: readonly SensitivityRule[];
    /** UTC offset of times sent without one, e.g. `+08:00`. */
    readonly timezone: string;
}

/** What a mapper is given. */
export interface MappingInput {
    readonly message: V2Message;
    readonly header: V2Header;
    readonly options: MappingOptions;
}
