// SPDX-License-Identifier: Apache-2.0
/**
 * The message types the intake takes and their mappers (docs/design.md "HL7 v2 intake"). Anything else is
 * refused (`AR`, HL7 error 200 or 201) before it is stored.
 */
import type { V2Header } from '../header';
import { mapAdtMerge, mapAdtVisit } from './adt';
import { MappingError } from './mapping-error';
import { mapMdm } from './mdm';
import { mapOru } from './oru';
import type { MappedMessage, MappingInput } from './types';

export type { FhirJson, MappedMessage, MappedRecord, MappingOptions } from './types';
export { MappingError } from './mapping-error';
export { toFhirJson } from './fhir-json';

const MAPPERS: Readonly<Record<string, Readonly<Record<string, (input: MappingInput) => MappedMessage>>>> = {
    ADT: { A01: mapAdtVisit, A04: mapAdtVisit, A08: mapAdtVisit, A03: mapAdtVisit, A40: mapAdtMerge },
    ORU: { R01: mapOru },
    MDM: { T02: mapMdm },
};

/** Why a message type is not taken, or undefined when it is. */
export function unsupportedType(header: V2Header): { code: '200' | '201'; text: string } | undefined {
    const events = MAPPERS[header.messageCode];
    if (events === undefined) {
        return { code: '200', text: `message type ${header.messageCode} is not supported` };
    }
    if (events[header.triggerEvent] === undefined) {
        return { code: '201', text: `${header.messageCode}^${header.triggerEvent} is not supported` };
    }
    return undefined;
}

/**
 * Maps a message to FHIR.
 * @param input - the parsed message, its header and the hospital's options
 * @throws MappingError when the content cannot be mapped, or the type is not supported
 */
export function mapMessage(input: MappingInput): MappedMessage {
    const mapper = MAPPERS[input.header.messageCode]?.[input.header.triggerEvent];
    if (mapper === undefined) {
        throw new MappingError('200', 'message type not supported', 'MSH^1^9');
    }
    return mapper(input);
}
