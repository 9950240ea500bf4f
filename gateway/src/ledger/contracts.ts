// SPDX-License-Identifier: Apache-2.0
/**
 * A typed facade over the `Ledger` (`network/src/ledger`): one method per chaincode transaction the gateway
 * uses. Arguments are JSON-encoded as the contracts expect (every argument a string), results parsed into the
 * state shapes of `chaincode/src/protocol/state.ts` (re-exported here through `contract-types.ts`, so the
 * gateway and the chaincode cannot drift). Failures, conversion to `ApiError`s and retries of stale reads are
 * handled by `contract-calls.ts`.
 */
import { ContractCalls, type ContractLedger } from './contract-calls';
import type {
    AccessEvent,
    AccessInput,
    AccessRequestResult,
    AnchorBatchResult,
    AnchorInput,
    Claim,
    ClaimDecision,
    ClaimInput,
    Consent,
    ExplainInput,
    GuardianInput,
    Guardianship,
    ExplainSelectionInput,
    Explanation,
    LedgerConfig,
    LedgerContractsOptions,
    Organization,
    OrganizationProfileInput,
    Page,
    PageRequest,
    Patient,
    RecordEntry,
    SignedEnvelope,
    Submitted,
    Verdict,
} from './contract-types';

export type * from './contract-types';

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

/**
 * The ledger fields every write returns over the API (`blockNumber` as a JSON number).
 * @param submitted - a committed write
 */
export function toTxFields(submitted: Submitted<unknown>): { txId: string; blockNumber: number } {
    return { txId: submitted.txId, blockNumber: Number(submitted.blockNumber) };
}

function pageArgs(page: PageRequest): string[] {
    return [String(page.pageSize), page.bookmark];
}

/** The chaincode's transactions, typed. Every method throws `ApiError`s. */
export class LedgerContracts {
    readonly #calls: ContractCalls;

    /**
     * @param ledger - the ledger connection, under this organisation's identity
     * @param options - clock and retry attempts
     */
    constructor(ledger: ContractLedger, options: LedgerContractsOptions = {}) {
        this.#calls = new ContractCalls(ledger, options);
    }

    /** The MSP id this facade transacts as. */
    get mspId(): string {
        return this.#calls.mspId;
    }

    // ---- organization ----

    /** Names the commission, once (the commission's gateway or the region launcher). */
    bootstrap(commissionMspId: string): Promise<Submitted<LedgerConfig>> {
        return this.#calls.submit(ContractNames.organization, 'bootstrap', [commissionMspId]);
    }

    /** The configuration written at bootstrap. @throws NOT_FOUND before bootstrap */
    readConfig(): Promise<LedgerConfig> {
        return this.#calls.evaluate(ContractNames.organization, 'readConfig', []);
    }

    /** Registers the caller's organisation (pending; the commission is active at once). */
    registerOrganization(profile: OrganizationProfileInput): Promise<Submitted<Organization>> {
        return this.#calls.submit(ContractNames.organization, 'registerOrganization', [JSON.stringify(profile)]);
    }

    /** Updates the caller's name, p2p URL and TLS certificate. */
    updateOrganization(profile: OrganizationProfileInput): Promise<Submitted<Organization>> {
        return this.#calls.submit(ContractNames.organization, 'updateOrganization', [JSON.stringify(profile)]);
    }

    /** Approves a pending organisation (commission only). */
    approveOrganization(mspId: string): Promise<Submitted<Organization>> {
        return this.#calls.submit(ContractNames.organization, 'approveOrganization', [mspId]);
    }

    /** Suspends an active organisation (commission only). */
    suspendOrganization(mspId: string): Promise<Submitted<Organization>> {
        return this.#calls.submit(ContractNames.organization, 'suspendOrganization', [mspId]);
    }

    /** Pins an organisation's pending TLS certificate (commission only). */
    approveCertificate(mspId: string): Promise<Submitted<Organization>> {
        return this.#calls.submit(ContractNames.organization, 'approveCertificate', [mspId]);
    }

    /** Reinstates a suspended organisation (commission only). */
    reinstateOrganization(mspId: string): Promise<Submitted<Organization>> {
        return this.#calls.submit(ContractNames.organization, 'reinstateOrganization', [mspId]);
    }

    /** One organisation. @throws NOT_FOUND */
    readOrganization(mspId: string): Promise<Organization> {
        return this.#calls.evaluate(ContractNames.organization, 'readOrganization', [mspId]);
    }

    /** Every organisation, in MSP id order. */
    listOrganizations(): Promise<Organization[]> {
        return this.#calls.evaluate(ContractNames.organization, 'listOrganizations', []);
    }

    // ---- patient ----

    /** Registers a patient from a `patient.register` envelope (the chaincode checks the signature). */
    registerPatient(signed: SignedEnvelope): Promise<Submitted<Patient>> {
        return this.#calls.submit(ContractNames.patient, 'registerPatient', [JSON.stringify(signed)]);
    }

    /** One patient (pseudonymous id and public key). @throws NOT_FOUND */
    readPatient(patientId: string): Promise<Patient> {
        return this.#calls.evaluate(ContractNames.patient, 'readPatient', [patientId]);
    }

    /** Registers a guardian's key for a patient (this organisation a hospital). */
    registerGuardian(input: GuardianInput): Promise<Submitted<Guardianship>> {
        return this.#calls.submit(ContractNames.patient, 'registerGuardian', [JSON.stringify(input)]);
    }

    /** Ends a guardianship by the patient's signed `guardianship.end`. */
    endGuardianship(signed: SignedEnvelope): Promise<Submitted<Guardianship>> {
        return this.#calls.submit(ContractNames.patient, 'endGuardianship', [JSON.stringify(signed)]);
    }

    /** Ends a guardianship this hospital registered, the child having turned fourteen. */
    endGuardianshipByHospital(input: {
        patientId: string;
        guardianId: string;
        reason: 'reached-14';
    }): Promise<Submitted<Guardianship>> {
        return this.#calls.submit(ContractNames.patient, 'endGuardianshipByHospital', [JSON.stringify(input)]);
    }

    /** A patient's guardianships: every one for the commission, those it registered for a hospital. */
    listGuardians(patientId: string): Promise<Guardianship[]> {
        return this.#calls.evaluate(ContractNames.patient, 'listGuardians', [patientId]);
    }

    /** The patient's guardianships, under the patient's or a guardian's signed query (view `guardians`). */
    listGuardiansForPatient(query: SignedEnvelope): Promise<Guardianship[]> {
        return this.#calls.evaluate(ContractNames.patient, 'listGuardiansForPatient', [JSON.stringify(query)]);
    }

    // ---- record ----

    /** Anchors a record held by this organisation (idempotent for identical fields). */
    anchorRecord(input: AnchorInput): Promise<Submitted<RecordEntry>> {
        const fn = input.supersedes === undefined ? 'anchorRecord' : 'supersedeRecord';
        return this.#calls.submit(ContractNames.record, fn, [JSON.stringify(input)]);
    }

    /** Anchors up to 100 records held by this organisation in one transaction; results per entry, in order. */
    anchorRecords(inputs: readonly AnchorInput[]): Promise<Submitted<{ results: AnchorBatchResult[] }>> {
        return this.#calls.submit(ContractNames.record, 'anchorRecords', [JSON.stringify(inputs)]);
    }

    /** One index entry. @throws NOT_FOUND */
    readRecord(recordId: string): Promise<RecordEntry> {
        return this.#calls.evaluate(ContractNames.record, 'readRecord', [recordId]);
    }

    /** A patient's index entries region-wide (commission and hospitals; sensitive categories may be `restricted`). */
    listRecordsByPatient(patientId: string, page: PageRequest): Promise<Page<RecordEntry>> {
        return this.#calls.evaluate(ContractNames.record, 'listRecordsByPatient', [patientId, ...pageArgs(page)]);
    }

    /** The patient's own index, under the patient's signed query (view `records`, audience this organisation). */
    listRecordsForPatient(query: SignedEnvelope, page: PageRequest): Promise<Page<RecordEntry>> {
        const args = [JSON.stringify(query), ...pageArgs(page)];
        return this.#calls.evaluate(ContractNames.record, 'listRecordsForPatient', args);
    }

    // ---- consent ----

    /** Records a patient-signed `consent.grant` envelope. */
    grantConsent(signed: SignedEnvelope): Promise<Submitted<Consent>> {
        return this.#calls.submit(ContractNames.consent, 'grantConsent', [JSON.stringify(signed)]);
    }

    /** Records a patient-signed `consent.revoke` envelope. */
    revokeConsent(signed: SignedEnvelope): Promise<Submitted<Consent>> {
        return this.#calls.submit(ContractNames.consent, 'revokeConsent', [JSON.stringify(signed)]);
    }

    /** One consent. @throws NOT_FOUND */
    readConsent(consentId: string): Promise<Consent> {
        return this.#calls.evaluate(ContractNames.consent, 'readConsent', [consentId]);
    }

    /** The patient's own consents, under the patient's signed query (view `consents`). */
    listConsentsForPatient(query: SignedEnvelope, page: PageRequest): Promise<Page<Consent>> {
        const args = [JSON.stringify(query), ...pageArgs(page)];
        return this.#calls.evaluate(ContractNames.consent, 'listConsentsForPatient', args);
    }

    /** A patient's consents, by grantee then id: all for the commission, else those naming this organisation. */
    listConsentsByPatient(patientId: string, page: PageRequest): Promise<Page<Consent>> {
        return this.#calls.evaluate(ContractNames.consent, 'listConsentsByPatient', [patientId, ...pageArgs(page)]);
    }

    /** The consents naming an organisation, by patient then id. */
    listConsentsByGrantee(grantee: string, page: PageRequest): Promise<Page<Consent>> {
        return this.#calls.evaluate(ContractNames.consent, 'listConsentsByGrantee', [grantee, ...pageArgs(page)]);
    }

    // ---- access ----

    /**
     * Requests access to a record; the decision (granted or denied) is written and returned, with the record's
     * index entry on a grant.
     */
    requestAccess(input: AccessInput): Promise<Submitted<AccessRequestResult>> {
        return this.#calls.submit(ContractNames.access, 'requestAccess', [JSON.stringify(input)]);
    }

    /**
     * The custodian records that it serves a grant (or the recorded refusal comes back). `recordId`,
     * `requester` and `requesterCertSha256` say who asked over mutual TLS; the chaincode rejects the delivery,
     * writing nothing, unless they match the grant and the requester's pinned certificate.
     */
    recordDelivery(input: {
        accessId: string;
        contentHash: string;
        maxSkewMs?: number;
        recordId?: string;
        requester?: string;
        requesterCertSha256?: string;
    }): Promise<Submitted<AccessEvent>> {
        return this.#calls.submit(ContractNames.access, 'recordDelivery', [JSON.stringify(input)]);
    }

    /** The commission's verdict on a break-the-glass access. */
    reviewEmergency(input: { accessId: string; verdict: Verdict; note: string }): Promise<Submitted<AccessEvent>> {
        return this.#calls.submit(ContractNames.access, 'reviewEmergency', [JSON.stringify(input)]);
    }

    /**
     * A dry run of the access decision on a record: each requester (the commission: every active organisation or
     * the one named; anyone else: itself) for each purpose, and the trace of one. Writes nothing.
     * @throws FORBIDDEN (another requester; a record this organisation may not read), NOT_FOUND (the requester)
     */
    explainAccess(input: ExplainInput): Promise<Explanation> {
        return this.#calls.evaluate(ContractNames.access, 'explainAccess', [JSON.stringify(input)]);
    }

    /** The same dry run on the patient's own record, under the patient's signed query (view `explain`). */
    explainAccessForPatient(query: SignedEnvelope, selection: ExplainSelectionInput): Promise<Explanation> {
        const args = [JSON.stringify(query), JSON.stringify(selection)];
        return this.#calls.evaluate(ContractNames.access, 'explainAccessForPatient', args);
    }

    /** One access event. @throws NOT_FOUND */
    readAccess(accessId: string): Promise<AccessEvent> {
        return this.#calls.evaluate(ContractNames.access, 'readAccess', [accessId]);
    }

    // ---- audit ----

    /** The patient's own access log, under the patient's signed query (view `access-log`). */
    listAccessForPatient(query: SignedEnvelope, page: PageRequest): Promise<Page<AccessEvent>> {
        const args = [JSON.stringify(query), ...pageArgs(page)];
        return this.#calls.evaluate(ContractNames.audit, 'listAccessForPatient', args);
    }

    /** Every access event about a patient, oldest first (commission only). */
    listAccessByPatient(patientId: string, page: PageRequest): Promise<Page<AccessEvent>> {
        return this.#calls.evaluate(ContractNames.audit, 'listAccessByPatient', [patientId, ...pageArgs(page)]);
    }

    /** Every request an organisation made (that organisation or the commission). */
    listAccessByRequester(requester: string, page: PageRequest): Promise<Page<AccessEvent>> {
        return this.#calls.evaluate(ContractNames.audit, 'listAccessByRequester', [requester, ...pageArgs(page)]);
    }

    /** Every request for an organisation's records (that organisation or the commission). */
    listAccessByCustodian(custodian: string, page: PageRequest): Promise<Page<AccessEvent>> {
        return this.#calls.evaluate(ContractNames.audit, 'listAccessByCustodian', [custodian, ...pageArgs(page)]);
    }

    /** Every access event requested in `[from, to)` (ISO `toISOString` form), commission only. */
    listAccessByTime(from: string, to: string, page: PageRequest): Promise<Page<AccessEvent>> {
        return this.#calls.evaluate(ContractNames.audit, 'listAccessByTime', [from, to, ...pageArgs(page)]);
    }

    /** Break-the-glass accesses awaiting review, commission only. */
    listPendingEmergencies(page: PageRequest): Promise<Page<AccessEvent>> {
        return this.#calls.evaluate(ContractNames.audit, 'listPendingEmergencies', pageArgs(page));
    }

    // ---- claim ----

    /** Submits a claim (this organisation a hospital). @throws DUPLICATE_CLAIM */
    submitClaim(input: ClaimInput): Promise<Submitted<Claim>> {
        return this.#calls.submit(ContractNames.claim, 'submitClaim', [JSON.stringify(input)]);
    }

    /** The insurer decides a submitted claim. */
    decideClaim(input: { claimId: string; decision: ClaimDecision; reason: string }): Promise<Submitted<Claim>> {
        return this.#calls.submit(ContractNames.claim, 'decideClaim', [JSON.stringify(input)]);
    }

    /** One claim. @throws NOT_FOUND */
    readClaim(claimId: string): Promise<Claim> {
        return this.#calls.evaluate(ContractNames.claim, 'readClaim', [claimId]);
    }

    /** Every claim filed on the patient, under the patient's signed query (view `claims`). */
    listClaimsForPatient(query: SignedEnvelope, page: PageRequest): Promise<Page<Claim>> {
        const args = [JSON.stringify(query), ...pageArgs(page)];
        return this.#calls.evaluate(ContractNames.claim, 'listClaimsForPatient', args);
    }

    /** The claims addressed to an insurer. */
    listClaimsByInsurer(insurer: string, page: PageRequest): Promise<Page<Claim>> {
        return this.#calls.evaluate(ContractNames.claim, 'listClaimsByInsurer', [insurer, ...pageArgs(page)]);
    }

    /** The claims a hospital filed. */
    listClaimsByClaimant(claimant: string, page: PageRequest): Promise<Page<Claim>> {
        return this.#calls.evaluate(ContractNames.claim, 'listClaimsByClaimant', [claimant, ...pageArgs(page)]);
    }
}
