// SPDX-License-Identifier: Apache-2.0
/**
 * The core under `LedgerContracts`: one chaincode transaction evaluated or submitted through the
 * {@link Ledger}, its JSON result parsed, failures converted to {@link ApiError}s by `toLedgerApiError`, and a
 * submit whose reads went stale (`MVCC_READ_CONFLICT`, `PHANTOM_READ_CONFLICT`) retried a few times before it
 * is reported as `CONFLICT`.
 */
import { ApiError } from '../errors';
import { retry } from '../retry';
import type { LedgerContractsOptions, Submitted } from './contract-types';
import { CommitError, type CommitResult, type Ledger } from '../../../network/src/ledger';
import { toLedgerApiError } from './ledger';

/**
 * What the contract calls need of a {@link Ledger}: evaluate, submit and the identity they run as. A caller
 * with a narrower ledger than the full interface, such as the region launcher's commission client, can use
 * the facade too.
 */
export type ContractLedger = Pick<Ledger, 'mspId' | 'evaluate' | 'submit'>;

const RETRIED_COMMIT_CODES: ReadonlySet<string> = new Set(['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT']);

/** Whether a submit failed only because its reads went stale, so that submitting it again may commit. */
function isStale(error: unknown): boolean {
    return error instanceof CommitError && RETRIED_COMMIT_CODES.has(error.code);
}

function parseResult(bytes: Uint8Array): unknown {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
}

/** Evaluates and submits transactions of any contract. Every method throws {@link ApiError}s. */
export class ContractCalls {
    readonly #ledger: ContractLedger;
    readonly #clock: (() => Date) | undefined;
    readonly #attempts: number;
    readonly #onSubmit: (fn: string, outcome: string) => void;

    /**
     * @param ledger - the ledger connection, under this organisation's identity
     * @param options - clock and retry attempts
     */
    constructor(ledger: ContractLedger, options: LedgerContractsOptions = {}) {
        this.#ledger = ledger;
        this.#clock = options.clock;
        this.#attempts = Math.max(1, options.attempts ?? 3);
        this.#onSubmit = options.onSubmit ?? ((): void => undefined);
    }

    /** The MSP id these calls transact as. */
    get mspId(): string {
        return this.#ledger.mspId;
    }

    /** Evaluates a transaction and parses its JSON result. */
    async evaluate<T>(contract: string, fn: string, args: readonly string[]): Promise<T> {
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

    /** Submits a transaction (retrying read conflicts), reports the outcome, parses its JSON result. */
    async submit<T>(contract: string, fn: string, args: readonly string[]): Promise<Submitted<T>> {
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
        try {
            // A stale read is submitted again at once, with fresh reads: no pause, as the ledger is answering.
            const result = await retry(() => this.#submitOnce(contract, fn, args), {
                attempts: this.#attempts,
                retriable: isStale,
            });
            return { value: parseResult(result.result) as T, txId: result.txId, blockNumber: result.blockNumber };
        } catch (error) {
            if (isStale(error)) {
                throw new ApiError('CONFLICT', `${contract}:${fn} kept conflicting with concurrent writes`, {
                    cause: error,
                });
            }
            throw toLedgerApiError(error);
        }
    }
}
