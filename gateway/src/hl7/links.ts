// SPDX-License-Identifier: Apache-2.0
/**
 * Patient links (docs/design.md "HL7 v2 intake"): the hospital's own identifiers of a patient (PID-3, an
 * assigning authority and a value, e.g. the medical record number or the 电子健康卡 number), each linked to the
 * pseudonymous `patientId` when the hospital registers the patient. Links stay in the hospital's own store,
 * under HMAC keys; they never reach the ledger. `ADT^A40` merges move them.
 */
import { ApiError } from '../errors';
import type { PatientIdentifier } from './mapping/datatypes';
import type { Hl7Store, StoreOperation } from './store';

/** Longest chain of merges followed. */
const MAX_MERGES = 8;

/** A local identifier as `POST /patients` gives it: `system` is PID-3.4 (the assigning authority), `value` PID-3.1. */
export interface LocalIdentifier {
    readonly system: string;
    readonly value: string;
}

/** Who the identifiers of a message name. */
export type LinkResolution =
    | { readonly kind: 'linked'; readonly patientId: string }
    | { readonly kind: 'unlinked'; readonly keys: readonly string[] }
    | { readonly kind: 'ambiguous' };

/** The links of one gateway. */
export class PatientLinks {
    readonly #store: Hl7Store;

    /** @param store - the intake's store */
    constructor(store: Hl7Store) {
        this.#store = store;
    }

    /**
     * The identifier keys of identifiers.
     * @param identifiers - system and value each
     */
    keysOf(identifiers: readonly LocalIdentifier[]): string[] {
        return [...new Set(identifiers.map((id) => this.#store.identifierKey(id.system, id.value)))];
    }

    /**
     * Checks that identifiers may be linked to a patient: none is linked to another one.
     * @param patientId - the patient
     * @param identifiers - the identifiers
     * @throws ApiError CONFLICT when one is linked to another patient
     */
    async assertLinkable(patientId: string, identifiers: readonly LocalIdentifier[]): Promise<void> {
        for (const key of this.keysOf(identifiers)) {
            const linked = await this.#store.readText(this.#store.links, key);
            if (linked !== undefined && linked !== patientId) {
                throw new ApiError('CONFLICT', 'An identifier is already linked to another patient at this hospital');
            }
        }
    }

    /**
     * The writes that link identifiers to a patient.
     * @param patientId - the patient
     * @param identifiers - the identifiers
     */
    linkOperations(patientId: string, identifiers: readonly LocalIdentifier[]): StoreOperation[] {
        return this.keysOf(identifiers).map((key) => this.#store.putText(this.#store.links, key, patientId));
    }

    /**
     * Who PID-3's identifiers name.
     * @param identifiers - PID-3
     */
    async resolve(identifiers: readonly PatientIdentifier[]): Promise<LinkResolution> {
        const keys = this.keysOf(identifiers);
        const found = new Set<string>();
        for (const key of keys) {
            const patientId = await this.#linkOf(key);
            if (patientId !== undefined) {
                found.add(patientId);
            }
        }
        const [patientId, other] = [...found];
        if (patientId === undefined) {
            return { kind: 'unlinked', keys };
        }
        return other === undefined ? { kind: 'linked', patientId } : { kind: 'ambiguous' };
    }

    /** The patient a key is linked to, following merges (a prior identifier means the one it was merged into). */
    async #linkOf(key: string): Promise<string | undefined> {
        let current = key;
        for (let step = 0; step < MAX_MERGES; step++) {
            const patientId = await this.#store.readText(this.#store.links, current);
            const next = patientId === undefined ? await this.#store.readText(this.#store.merged, current) : undefined;
            if (next === undefined) {
                return patientId;
            }
            current = next;
        }
        return undefined;
    }

    /**
     * An `ADT^A40` merge: the prior identifiers (MRG-1) now mean the surviving ones (PID-3). A patient linked by
     * a prior identifier is linked by the surviving ones too, and the prior links go; the prior identifier is
     * remembered as merged, so a message that still names it (one sent before the merge, or by a system not told
     * yet) finds the surviving patient.
     * @param surviving - PID-3
     * @param prior - MRG-1
     * @returns the writes, the surviving keys (to wake what waits on them) and the prior keys (what waits on
     *   them moves), or `conflict` when the two sides are linked to different patients
     */
    async merge(
        surviving: readonly PatientIdentifier[],
        prior: readonly PatientIdentifier[],
    ): Promise<
        { operations: StoreOperation[]; patientId?: string; priorKeys: string[]; survivingKeys: string[] } | 'conflict'
    > {
        const survivor = await this.resolve(surviving);
        const merged = await this.resolve(prior);
        if (survivor.kind === 'ambiguous' || merged.kind === 'ambiguous') {
            return 'conflict';
        }
        if (survivor.kind === 'linked' && merged.kind === 'linked' && survivor.patientId !== merged.patientId) {
            return 'conflict';
        }
        const priorKeys = this.keysOf(prior);
        const survivingKeys = this.keysOf(surviving);
        const patientId =
            survivor.kind === 'linked' ? survivor.patientId : merged.kind === 'linked' ? merged.patientId : undefined;
        const [into] = survivingKeys;
        const operations = priorKeys
            .filter((key) => !survivingKeys.includes(key))
            .flatMap((key) => [
                this.#store.del(this.#store.links, key),
                this.#store.putText(this.#store.merged, key, into ?? ''),
            ]);
        if (patientId !== undefined) {
            operations.push(...survivingKeys.map((key) => this.#store.putText(this.#store.links, key, patientId)));
        }
        return { operations, ...(patientId === undefined ? {} : { patientId }), priorKeys, survivingKeys };
    }
}
