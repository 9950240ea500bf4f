// SPDX-License-Identifier: Apache-2.0
/**
 * What the event listener remembers: each organisation's last known status and the consents recently
 * revoked. Small and bounded; informational only (the gateway reports its own organisation's status in
 * `/health`), never a reason to serve or refuse: the ledger decides that.
 */

/** Most revoked consent ids remembered (oldest forgotten first; the ledger still checks them). */
const MAX_REVOKED = 10_000;

/** Organisation statuses and revoked consents, from chaincode events. */
export class EventCache {
    readonly #orgStatus = new Map<string, string>();
    readonly #revoked = new Set<string>();

    /**
     * Whether an organisation is active, as far as events told.
     * @param mspId - the organisation
     * @returns undefined when nothing is known about it
     */
    isOrgActive(mspId: string): boolean | undefined {
        const status = this.#orgStatus.get(mspId);
        return status === undefined ? undefined : status === 'active';
    }

    /**
     * An organisation's last known status (`pending`, `active`, `suspended`).
     * @param mspId - the organisation
     * @returns undefined when nothing is known about it
     */
    orgStatus(mspId: string): string | undefined {
        return this.#orgStatus.get(mspId);
    }

    /**
     * Whether a consent is known to be revoked.
     * @param consentId - the consent
     */
    isConsentRevoked(consentId: string): boolean {
        return this.#revoked.has(consentId);
    }

    /**
     * Records an organisation's status.
     * @param mspId - the organisation
     * @param status - `pending`, `active` or `suspended`
     */
    setOrgStatus(mspId: string, status: string): void {
        this.#orgStatus.set(mspId, status);
    }

    /**
     * Applies one chaincode event.
     * @param eventName - the event's name
     * @param payload - its parsed payload
     */
    apply(eventName: string, payload: Readonly<Record<string, unknown>>): void {
        const { mspId, status, consentId } = payload;
        if (
            (eventName === 'OrganizationStatusChanged' || eventName === 'OrganizationRegistered') &&
            typeof mspId === 'string' &&
            typeof status === 'string'
        ) {
            this.setOrgStatus(mspId, status);
        } else if (eventName === 'ConsentRevoked' && typeof consentId === 'string') {
            this.#revoked.add(consentId);
            if (this.#revoked.size > MAX_REVOKED) {
                const oldest = this.#revoked.values().next();
                if (oldest.done !== true) {
                    this.#revoked.delete(oldest.value);
                }
            }
        }
    }
}
