// SPDX-License-Identifier: Apache-2.0
/**
 * The embedded ledger: one endorsing, ordering and committing node that hosts the project's contracts
 * unchanged and keeps Fabric's semantics (see docs/design.md "The embedded ledger"). Used in-process by tests
 * and wrapped by the ledger node server for a region of processes.
 */
import { EventEmitter } from 'node:events';
import type { ContractClass } from './chaincode-host';
import { InProcessRunner, WorkerRunner, type ChaincodeRunner, type EndorserModule } from './endorsers';
import { LedgerClient, toIdentityAndSigner, type SigningIdentity } from './client';
import { decodeBlock, newEncodedBlock, toStoredReadWriteSet, type Block, type BlockTransaction } from './block';
import { CommitError, EndorseError, UnavailableError, newChaincodeError } from '../ledger';
import { newEventStream } from './events';
import { Msp, type MspDefinition } from './msp';
import { parseSignedProposal, type ParsedProposal } from './proposal';
import { TxSimulator, type ReadWriteSet } from './simulator';
import { LedgerStore, type StoreLocation } from './store';
import type { ChainInfo, ChainVerification, ChaincodeEvent, CloseableAsyncIterable, CommitResult } from '../ledger';
import type { LedgerTransport } from './transport';
import { RecentWrites, validateBlock } from './validator';
import { verifyChain } from './verify';

/** How the ledger is set up. */
export interface EmbeddedLedgerOptions {
    readonly channel: string;
    readonly chaincode: string;
    readonly contracts: readonly ContractClass[];
    readonly msps: readonly MspDefinition[];
    readonly store: StoreLocation;
    /** A block is cut at this many transactions, or when the previous block has committed. */
    readonly maxBlockTransactions?: number;
    /**
     * How long the first transaction of an idle ledger waits for company before its block is cut. 0, the
     * default, cuts it at once (with whatever else was endorsed in the same turn of the event loop); company
     * comes anyway while a block commits, since everything queued meanwhile forms the next block.
     */
    readonly batchTimeoutMs?: number;
    /** Proposals whose timestamp is further than this from the ledger's clock are refused. */
    readonly maxClockSkewMs?: number;
    /** Longest a chaincode invocation may run. */
    readonly executeTimeoutMs?: number;
    /** The ledger's clock; the wall clock by default. */
    readonly clock?: () => Date;
    /**
     * Run the chaincode in this many endorser worker threads, which load the contracts from a module, instead
     * of in the ledger's own thread; the ledger's thread keeps every simulation, so the semantics are the same.
     */
    readonly endorsers?: EndorserModule & { readonly workers: number };
    /**
     * Where the signatures of proposals endorsed side by side are checked: on libuv's thread pool (the default),
     * so that a ledger with cores of its own checks them in parallel, or on the ledger's thread, which spends
     * less CPU in all when the machine's cores are busy anyway (a whole region on one machine). A proposal
     * endorsed alone is checked on the ledger's thread either way: the hand-off would only add its latency.
     */
    readonly signatureChecks?: 'thread-pool' | 'ledger-thread';
}

interface Endorsement {
    readonly proposal: ParsedProposal;
    readonly payload: Uint8Array;
    readonly event: { readonly name: string; readonly payload: Uint8Array } | undefined;
    readonly rwset: ReadWriteSet;
    readonly proposalBytes: Uint8Array;
}

interface Queued {
    readonly endorsement: Endorsement;
    readonly resolve: (result: { blockNumber: number; code: string }) => void;
    readonly reject: (error: Error) => void;
}

/** What the ledger reports as transactions move along. */
export interface LedgerEvents {
    /** A transaction was endorsed and queued for ordering, in this order. */
    queued: [txId: string];
    /** A block was committed. */
    committed: [blockNumber: number];
}

/** The embedded ledger node. */
export class EmbeddedLedger implements LedgerTransport {
    /** Progress events, for metrics and for tests that must order concurrent submissions. */
    readonly events = new EventEmitter<LedgerEvents>();
    readonly #options: Required<Omit<EmbeddedLedgerOptions, 'store' | 'endorsers'>>;
    readonly #store: LedgerStore;
    readonly #msp: Msp;
    readonly #runner: ChaincodeRunner;
    readonly #pending = new Set<string>();
    /**
     * Transaction ids committed recently, with their commit time: a replay is refused at endorsement from
     * memory (older ones already fail the clock-skew check); the committer re-checks against the store.
     */
    readonly #recent = new Map<string, number>();
    #queue: Queued[] = [];
    /** Cancels the cut scheduled for an idle ledger's first queued transaction. */
    #cancelCut: (() => void) | undefined;
    #committing = false;
    /** Proposals being endorsed (parsed, verified, simulated) right now. */
    #endorsing = 0;
    #closed = false;
    /** Woken whenever a batch of blocks is done committing: what `close()` waits on. */
    readonly #commitWaiters: (() => void)[] = [];
    /** Event streams waiting for the next block: woken after the block's submitters are answered. */
    readonly #blockWaiters: (() => void)[] = [];
    #blockWakeQueued = false;
    #lastBlock: Block | undefined;
    /** The keys the last blocks wrote, so validation reads the store only for what changed since a simulation. */
    readonly #recentWrites = new RecentWrites();

    private constructor(options: EmbeddedLedgerOptions, store: LedgerStore, runner: ChaincodeRunner) {
        this.#options = {
            maxBlockTransactions: 500,
            batchTimeoutMs: 0,
            signatureChecks: 'thread-pool',
            maxClockSkewMs: 60_000,
            executeTimeoutMs: 30_000,
            clock: () => new Date(),
            // An option given as `undefined` keeps its default.
            ...(Object.fromEntries(
                Object.entries(options).filter(([key, value]) => value !== undefined && key !== 'endorsers'),
            ) as Partial<Required<EmbeddedLedgerOptions>>),
            channel: options.channel,
            chaincode: options.chaincode,
            contracts: options.contracts,
            msps: options.msps,
        };
        this.#store = store;
        this.#msp = new Msp(options.msps);
        this.#runner = runner;
    }

    /**
     * Opens a ledger over a new or existing store.
     * @param options - channel, chaincode, contracts, organisations, store
     */
    static async open(options: EmbeddedLedgerOptions): Promise<EmbeddedLedger> {
        const runner = options.endorsers
            ? await WorkerRunner.start(options.endorsers, options.chaincode, options.endorsers.workers)
            : new InProcessRunner(options.contracts, options.chaincode);
        try {
            return new EmbeddedLedger(options, await LedgerStore.open(options.store), runner);
        } catch (error) {
            await runner.close();
            throw error;
        }
    }

    /** The channel this ledger serves. */
    get channel(): string {
        return this.#options.channel;
    }

    /** The chaincode name this ledger hosts. */
    get chaincode(): string {
        return this.#options.chaincode;
    }

    /** @inheritdoc */
    async evaluate(proposal: Uint8Array): Promise<Uint8Array> {
        const endorsement = await this.#endorse(proposal, false);
        return endorsement.payload;
    }

    /**
     * @inheritdoc
     * @throws EndorseError when the proposal is refused or the chaincode fails; CommitError when the
     * transaction is invalidated at commit (MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT, DUPLICATE_TXID)
     */
    async submit(proposal: Uint8Array): Promise<CommitResult> {
        const endorsement = await this.#endorse(proposal, true);
        const txId = endorsement.proposal.txId;
        try {
            const { blockNumber, code } = await new Promise<{ blockNumber: number; code: string }>(
                (resolve, reject) => {
                    this.#enqueue({ endorsement, resolve, reject });
                },
            );
            if (code !== 'VALID') {
                throw new CommitError(code, `Transaction ${txId} failed to commit with status code ${code}`, { txId });
            }
            return { txId, blockNumber: BigInt(blockNumber), result: endorsement.payload };
        } finally {
            this.#pending.delete(txId);
        }
    }

    /** @inheritdoc */
    chaincodeEvents(startBlock: bigint): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        const source = {
            height: (): number => this.#store.head.height,
            readBlock: async (number: number): Promise<Block> => this.#readBlock(number),
            waitForHeight: (height: number): Promise<void> => this.#waitForHeight(height),
            closed: (): boolean => this.#closed,
        };
        return Promise.resolve(newEventStream(source, this.#options.chaincode, Number(startBlock)));
    }

    /** @inheritdoc */
    info(): Promise<ChainInfo> {
        if (this.#closed) {
            return Promise.reject(new UnavailableError('Ledger is closed'));
        }
        const head = this.#store.head;
        return Promise.resolve({ height: BigInt(head.height), currentHash: head.currentHash });
    }

    /** @inheritdoc */
    verify(): Promise<ChainVerification> {
        if (this.#closed) {
            return Promise.reject(new UnavailableError('Ledger is closed'));
        }
        return verifyChain(this.#store, this.#msp);
    }

    /** @inheritdoc */
    getBlock(number: bigint): Promise<Uint8Array | undefined> {
        if (this.#closed) {
            return Promise.reject(new UnavailableError('Ledger is closed'));
        }
        return this.#store.getBlock(Number(number));
    }

    /**
     * A client that signs as one member and talks to this ledger in-process.
     * @param member - MSP id, certificate and private key
     */
    connect(member: SigningIdentity): LedgerClient {
        return new LedgerClient(this, {
            ...toIdentityAndSigner(member),
            channel: this.channel,
            chaincode: this.chaincode,
        });
    }

    /** The underlying store; for tests that inspect or tamper with it. */
    get store(): LedgerStore {
        return this.#store;
    }

    /** Stops accepting work, waits for the block being committed, and closes the store. */
    async close(): Promise<void> {
        if (this.#closed) {
            return;
        }
        this.#closed = true;
        this.#cancelCut?.();
        for (const queued of this.#queue.splice(0)) {
            queued.reject(new UnavailableError('Ledger closed before the transaction was ordered'));
        }
        while (this.#committing) {
            await new Promise<void>((resolve) => this.#commitWaiters.push(resolve));
        }
        this.#wakeBlockWaiters();
        await this.#runner.close();
        await this.#store.close();
    }

    #assertOpen(): void {
        if (this.#closed) {
            throw new UnavailableError('Ledger is closed');
        }
    }

    async #endorse(bytes: Uint8Array, forSubmit: boolean): Promise<Endorsement> {
        this.#assertOpen();
        this.#endorsing++;
        try {
            return await this.#endorseCounted(bytes, forSubmit);
        } finally {
            this.#endorsing--;
        }
    }

    async #endorseCounted(bytes: Uint8Array, forSubmit: boolean): Promise<Endorsement> {
        const proposal = parseSignedProposal(bytes);
        const options = { txId: proposal.txId };
        if (proposal.channel !== this.#options.channel || proposal.chaincode !== this.#options.chaincode) {
            throw new EndorseError('BAD_PROPOSAL', 'Proposal names another channel or chaincode', options);
        }
        const now = this.#options.clock();
        await this.#verifyCreator(proposal, now);
        if (Math.abs(proposal.timestamp.getTime() - now.getTime()) > this.#options.maxClockSkewMs) {
            throw new EndorseError('CLOCK_SKEW', 'Proposal timestamp is too far from the ledger clock', options);
        }
        if (forSubmit) {
            if (this.#pending.has(proposal.txId) || this.#recent.has(proposal.txId)) {
                throw new EndorseError('DUPLICATE_TXID', `Duplicate transaction id ${proposal.txId}`, options);
            }
            this.#pending.add(proposal.txId);
        }
        try {
            return await this.#simulate(proposal, bytes);
        } catch (error) {
            this.#pending.delete(proposal.txId);
            throw error;
        }
    }

    /**
     * Verifies the proposal's signature: on this thread when this is the only proposal being endorsed, where the
     * thread pool's hand-off would only add its latency to the caller's, and otherwise where `signatureChecks`
     * says.
     */
    async #verifyCreator(proposal: ParsedProposal, now: Date): Promise<void> {
        try {
            if (this.#endorsing === 1 || this.#options.signatureChecks === 'ledger-thread') {
                this.#msp.verify(proposal.creator, proposal.proposalBytes, proposal.signature, now);
                return;
            }
            await this.#msp.verifyAsync(proposal.creator, proposal.proposalBytes, proposal.signature, now);
        } catch (error) {
            if (error instanceof EndorseError && error.txId === undefined) {
                throw new EndorseError(error.code, error.message, { txId: proposal.txId, cause: error });
            }
            throw error;
        }
    }

    #rememberCommitted(txIds: readonly string[]): void {
        const now = this.#options.clock().getTime();
        for (const txId of txIds) {
            this.#recent.set(txId, now);
        }
        const horizon = now - 2 * this.#options.maxClockSkewMs;
        for (const [txId, at] of this.#recent) {
            if (at >= horizon) {
                break;
            }
            this.#recent.delete(txId);
        }
    }

    async #simulate(proposal: ParsedProposal, bytes: Uint8Array): Promise<Endorsement> {
        const simulator = new TxSimulator(this.#store);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
                reject(new EndorseError('TIMEOUT', 'Chaincode execution timed out', { txId: proposal.txId }));
            }, this.#options.executeTimeoutMs);
        });
        try {
            const invocation = this.#runner.invoke(
                {
                    txId: proposal.txId,
                    channel: proposal.channel,
                    args: proposal.args,
                    signedProposal: proposal.signedProposal,
                    proposalBytes: bytes,
                },
                simulator,
            );
            const result = await Promise.race([invocation, timeout]);
            const rwset = await simulator.finish();
            if (result.status >= 400) {
                throw newChaincodeError(result.message, proposal.txId);
            }
            return { proposal, payload: result.payload, event: result.event, rwset, proposalBytes: bytes };
        } finally {
            clearTimeout(timer);
        }
    }

    /**
     * Queues an endorsed transaction for ordering. While a block commits, transactions queue and form the next
     * block once it has committed (one block, one synced write, for all of them); on an idle ledger the first
     * one's block is cut at the next turn of the event loop (or after `batchTimeoutMs`), a full queue at once.
     */
    #enqueue(queued: Queued): void {
        this.#queue.push(queued);
        this.events.emit('queued', queued.endorsement.proposal.txId);
        if (this.#queue.length >= this.#options.maxBlockTransactions) {
            void this.#cut();
        } else if (this.#cancelCut === undefined && !this.#committing) {
            this.#cancelCut = this.#scheduleCut();
        }
    }

    #scheduleCut(): () => void {
        const cut = (): void => void this.#cut();
        if (this.#options.batchTimeoutMs > 0) {
            const timer = setTimeout(cut, this.#options.batchTimeoutMs);
            return () => {
                clearTimeout(timer);
            };
        }
        const immediate = setImmediate(cut);
        return () => {
            clearImmediate(immediate);
        };
    }

    async #cut(): Promise<void> {
        this.#cancelCut?.();
        this.#cancelCut = undefined;
        if (this.#committing) {
            return;
        }
        this.#committing = true;
        try {
            while (this.#queue.length > 0 && !this.#closed) {
                const batch = this.#queue.splice(0, this.#options.maxBlockTransactions);
                await this.#commitBatch(batch);
            }
        } finally {
            this.#committing = false;
            wakeAll(this.#commitWaiters);
        }
    }

    async #commitBatch(batch: readonly Queued[]): Promise<void> {
        const number = this.#store.head.height;
        try {
            const candidates = batch.map(({ endorsement }) => ({
                txId: endorsement.proposal.txId,
                timestamp: endorsement.proposal.timestamp.getTime(),
                rwset: endorsement.rwset,
            }));
            const validation = await validateBlock(this.#store, number, candidates, this.#recentWrites);
            const data = batch.map(({ endorsement }, i) =>
                toBlockTransaction(endorsement, validation.codes[i] ?? 'VALID'),
            );
            const { block, bytes, hash } = newEncodedBlock(number, this.#store.head.currentHash, data);
            await this.#store.commitBlock({
                number,
                hash,
                blockBytes: bytes,
                writes: validation.writes,
                transactions: data.map((tx) => ({ txId: tx.txId, validationCode: tx.validationCode })),
            });
            this.#lastBlock = block;
            this.#recentWrites.add(number, validation.writes);
            this.#rememberCommitted(data.map((tx) => tx.txId));
            this.events.emit('committed', number);
            batch.forEach((queued, i) => {
                queued.resolve({ blockNumber: number, code: validation.codes[i] ?? 'VALID' });
            });
            this.#wakeBlockWaitersSoon();
        } catch (cause) {
            const error = new UnavailableError('Ledger failed to commit a block', { cause });
            batch.forEach((queued) => {
                queued.reject(error);
            });
        }
    }

    async #readBlock(number: number): Promise<Block> {
        if (this.#lastBlock?.header.number === number) {
            return this.#lastBlock;
        }
        const bytes = await this.#store.getBlock(number);
        if (!bytes) {
            throw new Error(`Block ${number} not found`);
        }
        return decodeBlock(bytes);
    }

    #waitForHeight(height: number): Promise<void> {
        if (this.#store.head.height > height || this.#closed) {
            return Promise.resolve();
        }
        return new Promise((resolve) => this.#blockWaiters.push(resolve));
    }

    /**
     * Wakes the event streams once the submitters of the block just committed have been answered. A proposal
     * channel writes its answers in a `process.nextTick` queued while their promises settle (`channel.ts`), and
     * the streams' work (every event decoded, encoded and written for every subscriber) would otherwise run
     * before those answers leave, on every block. Called as the block's submitters are resolved, this tick runs
     * before the answers' ticks and queues the wake behind them: still in this turn of the event loop, so a
     * stream has read every committed block before anything else (closing the server, say) can happen.
     */
    #wakeBlockWaitersSoon(): void {
        if (this.#blockWakeQueued) {
            return;
        }
        this.#blockWakeQueued = true;
        process.nextTick(() => {
            process.nextTick(() => {
                this.#wakeBlockWaiters();
            });
        });
    }

    #wakeBlockWaiters(): void {
        this.#blockWakeQueued = false;
        wakeAll(this.#blockWaiters);
    }
}

/** Wakes every waiter in a list and empties it; one that waits while they are woken waits for the next wake. */
function wakeAll(waiters: (() => void)[]): void {
    for (const wake of waiters.splice(0)) {
        wake();
    }
}

function toBlockTransaction(
    endorsement: Endorsement,
    validationCode: BlockTransaction['validationCode'],
): BlockTransaction {
    const { proposal } = endorsement;
    return {
        txId: proposal.txId,
        creator: proposal.creator.mspId,
        timestamp: proposal.timestamp.toISOString(),
        proposal: Buffer.from(endorsement.proposalBytes).toString('base64'),
        result: Buffer.from(endorsement.payload).toString('base64'),
        rwset: toStoredReadWriteSet(endorsement.rwset),
        event: endorsement.event
            ? { name: endorsement.event.name, payload: Buffer.from(endorsement.event.payload).toString('base64') }
            : null,
        validationCode,
    };
}
