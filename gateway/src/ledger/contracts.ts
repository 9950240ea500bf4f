// SPDX-License-Identifier: Apache-2.0
/**
 * A typed facade over the {@link Ledger}: one method per chaincode transaction the gateway uses. Arguments
 * are JSON-encoded as the contracts expect (every argument a string), results parsed into the state shapes
 * of `chaincode/src/model/state.ts` (re-exported here, so the gateway and the chaincode cannot drift),
 * failures converted to {@link ApiError}s by `toLedgerApiError`, and a submit whose reads went stale
 * (`MVCC_READ_CONFLICT`, `PHANTOM_READ_CONFLICT`) retried a few times before it is reported as `CONFLICT`.
 */
import type {
    AccessEvent,
    Amount,
    Claim,
    Consent,
    LedgerConfig,
    Organization,
    Patient,
    RecordEntry,
} from '../../../chaincode/src/model/state';
import type { Category, ClaimDecision, OrgType, Purpose, Verdict } from '../../../chaincode/src/model/vocabulary';
import { ApiError } from '../errors';
import { CommitError, toLedgerApiError, type CommitResult, type Ledger } from './ledger';

export type { AccessEvent, Amount, Claim, Consent, LedgerConfig, Organization, Patient, RecordEntry };
export type { Category, ClaimDecision, OrgType, Purpose, Verdict };

/** Contract names of the chaincode (each contract is constructed with its name). */
export const ContractNames = {
    organization: 'organization',
    patient: 'patient',
    record: 'record',
    consent: 'consent',
    access: 'access',
    audit: 'audit',
    claim: 'claim',
} as const;

/** A committed write: the chaincode's result with the transaction id and block number. */
export interface Submitted<T> {
    readonly value: T;
    readonly txId: string;
    readonly blockNumber: bigint;
}

/**
 * The ledger fields every write returns over the API (`blockNumber` as a JSON number).
 * @param submitted - a committed write
 */
export function toTxFields(submitted: Submitted<unknown>): { txId: string; blockNumber: number } {
    return { txId: submitted.txId, blockNumber: Number(submitted.blockNumber) };
}

/** One page of a chaincode listing. */
export interface Page<T> {
    readonly items: readonly T[];
    /** Pass back for the next page; empty when there is none. */
    readonly bookmark: string;
    readonly fetchedRecordsCount: number;
}

/** Which page to read: size 1–500 and the previous page's bookmark ('' for the first). */
export interface PageRequest {
    readonly pageSize: number;
    readonly bookmark: string;
}

/** A patient-signed envelope, passed to the chaincode unchanged (it verifies the signature itself). */
export interface SignedEnvelope {
    readonly payload: Readonly<Record<string, unknown>>;
    readonly signature: string;
}

/** What an organisation says about itself when it registers or updates. */
export interface OrganizationProfileInput {
    readonly type: OrgType;
    readonly name: string;
    readonly p2pUrl: string;
    readonly tlsCertPem: string;
}

/** A record anchor. */
export interface AnchorInput {
    readonly recordId: string;
    readonly patientId: string;
    readonly category: Category;
    readonly contentHash: string;
    readonly supersedes?: string;
}

/** An access request. */
export interface AccessInput {
    readonly recordId: string;
    readonly purpose: Purpose;
    /** Required with EMERGENCY, refused otherwise. */
    readonly justification?: string;
}

/** A claim submission. */
export interface ClaimInput {
    readonly patientId: string;
    readonly insurer: string;
    readonly recordIds: readonly string[];
    readonly amount: Amount;
}

/** Options of {@link LedgerContracts}. */
export interface LedgerContractsOptions {
    /** Transaction timestamps come from this clock (the ledger's default, the wall clock, otherwise). */
    readonly clock?: () => Date;
    /** Attempts of a submit that fails with a read conflict; 3 by default. */
    readonly attempts?: number;
    /** Told the outcome of every submit (`ok` or the API error code), e.g. to count it in metrics. */
    readonly onSubmit?: (fn: string, outcome: string) => void;
}

const RETRIED_COMMIT_CODES: ReadonlySet<string> = new Set(['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT']);

function parseResult(bytes: Uint8Array): unknown {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
}

function pageArgs(page: PageRequest): string[] {
    return [String(page.pageSize), page.bookmark];
}

/** The chaincode's transactions, typed. Every method throws {@link ApiError}s. */
export class LedgerContracts {
    readonly #ledger: Ledger;
    readonly #clock: (() => Date) | undefined;
    readonly #attempts: number;
    readonly #onSubmit: (fn: string, outcome: string) => void;

    /**
     * @param ledger - the ledger connection, under this organisation's identity
     * @param options - clock and retry attempts
     */
    constructor(ledger: Ledger, options: LedgerContractsOptions = {}) {
        this.#ledger = ledger;
        this.#clock = options.clock;
        this.#attempts = Math.max(1, options.attempts ?? 3);
        this.#onSubmit = options.onSubmit ?? ((): void => undefined);
    }

    /** The MSP id this facade transacts as. */
    get mspId(): string {
        return this.#ledger.mspId;
    }

    async #evaluate<T>(contract: string, fn: string, args: readonly string[]): Promise<T> {
        try {
            const bytes = await this.#ledger.evaluate(contract, fn, { arguments: args, timestamp: this.#clock?.() });
            return parseResult(bytes) as T;
        } catch (error) {
            throw toLedgerApiError(error);
        }
    }

    async #submitOnce(contract: string, fn: string, args: readonly string[]): Promise<CommitResult> {
        return this.#ledger.submit(contract, fn, { arguments: args, timestamp: this.#clock?.() });
    }

    async #submit<T>(contract: string, fn: string, args: readonly string[]): Promise<Submitted<T>> {
        try {
            const submitted = await this.#submitWithRetry<T>(contract, fn, args);
            this.#onSubmit(fn, 'ok');
            return submitted;
        } catch (error) {
            this.#onSubmit(fn, error instanceof ApiError ? error.code : 'INTERNAL');
            throw error;
        }
    }

    async #submitWithRetry<T>(contract: string, fn: string, args: readonly string[]): Promise<Submitted<T>> {
        for (let attempt = 1; ; attempt++) {
            try {
                const result = await this.#submitOnce(contract, fn, args);
                return { value: parseResult(result.result) as T, txId: result.txId, blockNumber: result.blockNumber };
            } catch (error) {
                const stale = error instanceof CommitError && RETRIED_COMMIT_CODES.has(error.code);
                if (!stale) {
                    throw toLedgerApiError(error);
                }
                if (attempt >= this.#attempts) {
                    throw new ApiError('CONFLICT', `${contract}:${fn} kept conflicting with concurrent writes`, {
                        cause: error,
                    });
                }
            }
        }
    }

    // ---- organization ----

    /** Names the commission, once (the commission's gateway or the region launcher). */
    bootstrap(commissionMspId: string): Promise<Submitted<LedgerConfig>> {
        return this.#submit(ContractNames.organization, 'bootstrap', [commissionMspId]);
    }

    /** The configuration written at bootstrap. @throws NOT_FOUND before bootstrap */
    readConfig(): Promise<LedgerConfig> {
        return this.#evaluate(ContractNames.organization, 'readConfig', []);
    }

    /** Registers the caller's organisation (pending; the commission is active at once). */
    registerOrganization(profile: OrganizationProfileInput): Promise<Submitted<Organization>> {
        return this.#submit(ContractNames.organization, 'registerOrganization', [JSON.stringify(profile)]);
    }

    /** Updates the caller's name, p2p URL and TLS certificate. */
    updateOrganization(profile: OrganizationProfileInput): Promise<Submitted<Organization>> {
        return this.#submit(ContractNames.organization, 'updateOrganization', [JSON.stringify(profile)]);
    }

    /** Approves a pending organisation (commission only). */
    approveOrganization(mspId: string): Promise<Submitted<Organization>> {
        return this.#submit(ContractNames.organization, 'approveOrganization', [mspId]);
    }

    /** Suspends an active organisation (commission only). */
    suspendOrganization(mspId: string): Promise<Submitted<Organization>> {
        return this.#submit(ContractNames.organization, 'suspendOrganization', [mspId]);
    }

    /** Reinstates a suspended organisation (commission only). */
    reinstateOrganization(mspId: string): Promise<Submitted<Organization>> {
        return this.#submit(ContractNames.organization, 'reinstateOrganization', [mspId]);
    }

    /** One organisation. @throws NOT_FOUND */
    readOrganization(mspId: string): Promise<Organization> {
        return this.#evaluate(ContractNames.organization, 'readOrganization', [mspId]);
    }

    /** Every organisation, in MSP id order. */
    listOrganizations(): Promise<Organization[]> {
        return this.#evaluate(ContractNames.organization, 'listOrganizations', []);
    }

    // ---- patient ----

    /** Registers a patient from a `patient.register` envelope (the chaincode checks the signature). */
    registerPatient(signed: SignedEnvelope): Promise<Submitted<Patient>> {
        return this.#submit(ContractNames.patient, 'registerPatient', [JSON.stringify(signed)]);
    }

    /** One patient (pseudonymous id and public key). @throws NOT_FOUND */
    readPatient(patientId: string): Promise<Patient> {
        return this.#evaluate(ContractNames.patient, 'readPatient', [patientId]);
    }

    // ---- record ----

    /** Anchors a record held by this organisation (idempotent for identical fields). */
    anchorRecord(input: AnchorInput): Promise<Submitted<RecordEntry>> {
        const fn = input.supersedes === undefined ? 'anchorRecord' : 'supersedeRecord';
        return this.#submit(ContractNames.record, fn, [JSON.stringify(input)]);
    }

    /** One index entry. @throws NOT_FOUND */
    readRecord(recordId: string): Promise<RecordEntry> {
        return this.#evaluate(ContractNames.record, 'readRecord', [recordId]);
    }

    /** A patient's index entries region-wide. */
    listRecordsByPatient(patientId: string, page: PageRequest): Promise<Page<RecordEntry>> {
        return this.#evaluate(ContractNames.record, 'listRecordsByPatient', [patientId, ...pageArgs(page)]);
    }

    // ---- consent ----

    /** Records a patient-signed `consent.grant` envelope. */
    grantConsent(signed: SignedEnvelope): Promise<Submitted<Consent>> {
        return this.#submit(ContractNames.consent, 'grantConsent', [JSON.stringify(signed)]);
    }

    /** Records a patient-signed `consent.revoke` envelope. */
    revokeConsent(signed: SignedEnvelope): Promise<Submitted<Consent>> {
        return this.#submit(ContractNames.consent, 'revokeConsent', [JSON.stringify(signed)]);
    }

    /** One consent. @throws NOT_FOUND */
    readConsent(consentId: string): Promise<Consent> {
        return this.#evaluate(ContractNames.consent, 'readConsent', [consentId]);
    }

    /** A patient's consents, by grantee then id. */
    listConsentsByPatient(patientId: string, page: PageRequest): Promise<Page<Consent>> {
        return this.#evaluate(ContractNames.consent, 'listConsentsByPatient', [patientId, ...pageArgs(page)]);
    }

    /** The consents naming an organisation, by patient then id. */
    listConsentsByGrantee(grantee: string, page: PageRequest): Promise<Page<Consent>> {
        return this.#evaluate(ContractNames.consent, 'listConsentsByGrantee', [grantee, ...pageArgs(page)]);
    }

    // ---- access ----

    /** Requests access to a record; the decision (granted or denied) is written and returned. */
    requestAccess(input: AccessInput): Promise<Submitted<AccessEvent>> {
        return this.#submit(ContractNames.access, 'requestAccess', [JSON.stringify(input)]);
    }

    /** The custodian records that it serves a grant (or the recorded refusal comes back). */
    recordDelivery(input: { accessId: string; contentHash: string }): Promise<Submitted<AccessEvent>> {
        return this.#submit(ContractNames.access, 'recordDelivery', [JSON.stringify(input)]);
    }

    /** The commission's verdict on a break-the-glass access. */
    reviewEmergency(input: { accessId: string; verdict: Verdict; note: string }): Promise<Submitted<AccessEvent>> {
        return this.#submit(ContractNames.access, 'reviewEmergency', [JSON.stringify(input)]);
    }

    /** One access event. @throws NOT_FOUND */
    readAccess(accessId: string): Promise<AccessEvent> {
        return this.#evaluate(ContractNames.access, 'readAccess', [accessId]);
    }

    // ---- audit ----

    /** Every access event about a patient, oldest first. */
    listAccessByPatient(patientId: string, page: PageRequest): Promise<Page<AccessEvent>> {
        return this.#evaluate(ContractNames.audit, 'listAccessByPatient', [patientId, ...pageArgs(page)]);
    }

    /** Every request an organisation made (that organisation or the commission). */
    listAccessByRequester(requester: string, page: PageRequest): Promise<Page<AccessEvent>> {
        return this.#evaluate(ContractNames.audit, 'listAccessByRequester', [requester, ...pageArgs(page)]);
    }

    /** Every request for an organisation's records (that organisation or the commission). */
    listAccessByCustodian(custodian: string, page: PageRequest): Promise<Page<AccessEvent>> {
        return this.#evaluate(ContractNames.audit, 'listAccessByCustodian', [custodian, ...pageArgs(page)]);
    }

    /** Every access event requested in `[from, to)` (ISO `toISOString` form), commission only. */
    listAccessByTime(from: string, to: string, page: PageRequest): Promise<Page<AccessEvent>> {
        return this.#evaluate(ContractNames.audit, 'listAccessByTime', [from, to, ...pageArgs(page)]);
    }

    /** Break-the-glass accesses awaiting review, commission only. */
    listPendingEmergencies(page: PageRequest): Promise<Page<AccessEvent>> {
        return this.#evaluate(ContractNames.audit, 'listPendingEmergencies', pageArgs(page));
    }

    // ---- claim ----

    /** Submits a claim (this organisation a hospital). @throws DUPLICATE_CLAIM */
    submitClaim(input: ClaimInput): Promise<Submitted<Claim>> {
        return this.#submit(ContractNames.claim, 'submitClaim', [JSON.stringify(input)]);
    }

    /** The insurer decides a submitted claim. */
    decideClaim(input: { claimId: string; decision: ClaimDecision; reason: string }): Promise<Submitted<Claim>> {
        return this.#submit(ContractNames.claim, 'decideClaim', [JSON.stringify(input)]);
    }

    /** One claim. @throws NOT_FOUND */
    readClaim(claimId: string): Promise<Claim> {
        return this.#evaluate(ContractNames.claim, 'readClaim', [claimId]);
    }

    /** The claims addressed to an insurer. */
    listClaimsByInsurer(insurer: string, page: PageRequest): Promise<Page<Claim>> {
        return this.#evaluate(ContractNames.claim, 'listClaimsByInsurer', [insurer, ...pageArgs(page)]);
    }

    /** The claims a hospital filed. */
    listClaimsByClaimant(claimant: string, page: PageRequest): Promise<Page<Claim>> {
        return this.#evaluate(ContractNames.claim, 'listClaimsByClaimant', [claimant, ...pageArgs(page)]);
    }
}
