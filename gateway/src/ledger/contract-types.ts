// SPDX-License-Identifier: Apache-2.0
/**
 * The shapes `LedgerContracts` takes and returns: the chaincode's state shapes from
 * `chaincode/src/protocol/state.ts` (re-exported, so the gateway and the chaincode cannot drift), a committed
 * write, a page of a listing, the inputs of the writes, and the facade's options. `contracts.ts` re-exports
 * every name here.
 */
import type { Amount, RecordEntry } from '../../../chaincode/src/protocol/state';
import type { Category, ClaimDecision, OrgType, Purpose, Verdict } from '../../../chaincode/src/protocol/vocabulary';
import type { Explanation } from '../../../chaincode/src/ledger/explain';

export type {
    AccessEvent,
    AccessRequestResult,
    Amount,
    Claim,
    Consent,
    Guardianship,
    LedgerConfig,
    Organization,
    Patient,
    RecordEntry,
} from '../../../chaincode/src/protocol/state';
export type { Category, ClaimDecision, Explanation, OrgType, Purpose, Verdict };

/** A committed write: the chaincode's result with the transaction id and block number. */
export interface Submitted<T> {
    readonly value: T;
    readonly txId: string;
    readonly blockNumber: bigint;
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
    /** The privacy office's contact, shown in consent notices. */
    readonly contact?: string;
}

/** A record anchor. */
export interface AnchorInput {
    readonly recordId: string;
    readonly patientId: string;
    readonly category: Category;
    readonly contentHash: string;
    readonly supersedes?: string;
}

/** One entry's outcome of `record:anchorRecords` (chaincode/src/ledger/anchoring.ts). */
export type AnchorBatchResult =
    | { readonly recordId: string; readonly status: 'anchored' | 'existing'; readonly entry: RecordEntry }
    | {
          readonly recordId: string | null;
          readonly status: 'refused';
          /** The chaincode's error code for this entry (`CONFLICT`, `NOT_FOUND`, …). */
          readonly code: string;
          readonly detail: string;
      };

/** An access request. */
export interface AccessInput {
    readonly recordId: string;
    readonly purpose: Purpose;
    /** Required with EMERGENCY, refused otherwise. */
    readonly justification?: string;
}

/** Which requester and purpose a dry run of the access decision answers for; every one when absent. */
export interface ExplainSelectionInput {
    readonly requester?: string;
    readonly purpose?: Purpose;
}

/** A dry run of the access decision on one record. */
export interface ExplainInput extends ExplainSelectionInput {
    readonly recordId: string;
}

/** A guardian's registration: the guardian's signed request, and the patient's approval or the attestation. */
export interface GuardianInput {
    readonly guardian: SignedEnvelope;
    readonly approval?: SignedEnvelope;
    readonly attestation?: { readonly reason: 'minor-under-14'; readonly birthYear?: number };
}

/** A claim submission. */
export interface ClaimInput {
    readonly patientId: string;
    readonly insurer: string;
    /** The claimant's own identifier of the billed service (visit or encounter number). */
    readonly serviceId: string;
    readonly recordIds: readonly string[];
    readonly amount: Amount;
}

/** Options of `LedgerContracts`. */
export interface LedgerContractsOptions {
    /** Transaction timestamps come from this clock (the ledger's default, the wall clock, otherwise). */
    readonly clock?: () => Date;
    /** Attempts of a submit that fails with a read conflict; 3 by default. */
    readonly attempts?: number;
    /** Told the outcome of every submit (`ok` or the API error code), e.g. to count it in metrics. */
    readonly onSubmit?: (fn: string, outcome: string) => void;
}
