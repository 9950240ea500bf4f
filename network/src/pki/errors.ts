// SPDX-License-Identifier: Apache-2.0
/** Errors of the PKI tool; each names the file it is about. */

/** A file of a region's material is missing. */
export class MissingMaterialError extends Error {
    /**
     * @param file - absolute path of the missing file
     */
    constructor(readonly file: string) {
        super(`Missing crypto material: ${file} (run the PKI tool to issue it)`);
        this.name = MissingMaterialError.name;
    }
}

/** Stored material does not fit together (half a key pair, a certificate of another CA), so nothing is issued over it. */
export class InconsistentMaterialError extends Error {
    /**
     * @param file - absolute path of the file that does not fit
     * @param detail - what is wrong and how to resolve it
     * @param options - the underlying error as `cause`, if any
     */
    constructor(
        readonly file: string,
        detail: string,
        options?: ErrorOptions,
    ) {
        super(`Inconsistent crypto material: ${file} ${detail}`, options);
        this.name = InconsistentMaterialError.name;
    }
}
