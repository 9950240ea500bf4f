// SPDX-License-Identifier: Apache-2.0
/**
 * The requester's directory of organisations: `organization:readOrganization` answers kept in memory while
 * the chaincode event listener follows the ledger, so a fetch does not read the custodian's entry from the
 * ledger every time. An entry is dropped as soon as an organisation event names its organisation
 * (registered, updated, status changed, certificate approved), and every entry is dropped whenever the event
 * stream is not open, since changes could then go unseen; while the stream is down every read goes to the
 * ledger. A read that an event overtook is not kept.
 *
 * What a fetch takes from it is where the custodian is and which certificate it must present. A stale entry
 * can only make the call fail (another address, a certificate the custodian no longer presents), never let
 * unverified content through: the content is checked against the ledger's hash before it is used.
 */
import type { Organization } from '../ledger/contracts';

/** Reads one organisation from the ledger. */
export type OrganizationReader = (mspId: string) => Promise<Organization>;

/** Organisation entries, kept while the ledger's events say they are current. */
export class OrganizationDirectory {
    readonly #read: OrganizationReader;
    readonly #entries = new Map<string, Organization>();
    #live = false;
    /** Counts invalidations, so that a read overtaken by one is not kept. */
    #generation = 0;

    /**
     * @param read - reads an organisation from the ledger
     */
    constructor(read: OrganizationReader) {
        this.#read = read;
    }

    /** How many entries are kept. */
    get size(): number {
        return this.#entries.size;
    }

    /**
     * An organisation's entry: from memory when the event stream is open and no event has named it since it
     * was read, else from the ledger.
     * @param mspId - the organisation
     * @throws what the reader throws (NOT_FOUND, LEDGER_UNAVAILABLE)
     */
    async readOrganization(mspId: string): Promise<Organization> {
        const kept = this.#live ? this.#entries.get(mspId) : undefined;
        if (kept !== undefined) {
            return kept;
        }
        const generation = this.#generation;
        const org = await this.#read(mspId);
        if (this.#live && generation === this.#generation) {
            this.#entries.set(mspId, org);
        }
        return org;
    }

    /**
     * Forgets an organisation: an event says its entry changed.
     * @param mspId - the organisation
     */
    forget(mspId: string): void {
        this.#generation += 1;
        this.#entries.delete(mspId);
    }

    /**
     * Tells whether the event stream is open. Closing it forgets every entry.
     * @param live - open or not
     */
    setLive(live: boolean): void {
        if (!live) {
            this.#generation += 1;
            this.#entries.clear();
        }
        this.#live = live;
    }
}
