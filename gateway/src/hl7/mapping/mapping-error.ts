// SPDX-License-Identifier: Apache-2.0
/** The one error of the mappers: a message whose content cannot become FHIR (answered `AE`, kept as an error). */

/** A message that cannot be mapped. */
export class MappingError extends Error {
    /** HL7 table 0357 error code (101 required field missing, 102 data type error, 103 table value not found). */
    readonly errorCode: string;
    /** `SEG^sequence^field` */
    readonly location: string;

    /**
     * @param errorCode - HL7 table 0357 code
     * @param message - what is wrong, naming the field (never its value)
     * @param location - where
     */
    constructor(errorCode: string, message: string, location = '') {
        super(message);
        this.name = 'MappingError';
        this.errorCode = errorCode;
        this.location = location;
    }
}
