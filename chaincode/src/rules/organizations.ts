// SPDX-License-Identifier: Apache-2.0
/** Organisation status transitions: `pending` → `active` ⇄ `suspended`, each by the commission. */
import { ChaincodeError, ErrorCodes } from '../errors';
import type { OrgStatus } from '../protocol/vocabulary';

/** Governance acts of the commission. */
export const GovernanceActions = {
    approve: { from: 'pending', to: 'active' },
    suspend: { from: 'active', to: 'suspended' },
    reinstate: { from: 'suspended', to: 'active' },
} as const satisfies Record<string, { from: OrgStatus; to: OrgStatus }>;

/** One of the keys of {@link GovernanceActions}. */
export type GovernanceAction = keyof typeof GovernanceActions;

/**
 * The status after a governance act.
 * @param action - approve, suspend or reinstate
 * @param current - the organisation's status
 * @returns the new status
 * @throws CONFLICT when the act does not apply to the current status
 */
export function nextOrgStatus(action: GovernanceAction, current: OrgStatus): OrgStatus {
    const transition = GovernanceActions[action];
    if (current !== transition.from) {
        throw new ChaincodeError(ErrorCodes.CONFLICT, `cannot ${action} an organisation that is ${current}`);
    }
    return transition.to;
}
