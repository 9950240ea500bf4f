// SPDX-License-Identifier: Apache-2.0
/** Which organisation type may ask for which purpose (docs/design.md "Purposes"). */
import type { OrgType, Purpose } from '../protocol/vocabulary';

/** Purposes each organisation type may request; `RESEARCH` is open to all, under a consent naming it. */
export const PurposesByOrgType: Readonly<Record<OrgType, readonly Purpose[]>> = {
    hospital: ['TREATMENT', 'EMERGENCY', 'RESEARCH'],
    insurer: ['PAYMENT', 'RESEARCH'],
    commission: ['OVERSIGHT', 'RESEARCH'],
};

/**
 * May an organisation of this type request access for this purpose?
 * @param type - the requester's organisation type
 * @param purpose - the purpose asked for
 * @returns true when permitted
 */
export function isPurposePermitted(type: OrgType, purpose: Purpose): boolean {
    return PurposesByOrgType[type].includes(purpose);
}
