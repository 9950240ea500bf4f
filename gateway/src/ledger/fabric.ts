// SPDX-License-Identifier: Apache-2.0
/**
 * The {@link Ledger} for `ledger.kind: 'fabric'`: Fabric's Gateway service on this organisation's peer,
 * through `@hyperledger/fabric-gateway`. A gRPC connection with the peer's TLS CA (and the host name its
 * certificate carries), the organisation's signing identity, a deadline on every call; submit waits for the
 * commit status and reports an invalid transaction with Fabric's validation code; chaincode events resume
 * from a block; chain info and chain verification read blocks through the `qscc` system chaincode.
 * Failures become the ledger interface's `LedgerError`s with the same codes the embedded ledger raises
 * (`fabric-errors.ts`); this module knows the interface (`network/src/ledger`) only, not the embedded ledger.
 *
 * Deadlines: evaluate, endorse and the hand-over to ordering each get `timeoutMs` (a few seconds: the
 * caller is told `LEDGER_UNAVAILABLE` quickly when the peer, or enough endorsers, do not answer); waiting for
 * the commit status gets the longer `commitTimeoutMs`, because ordering has accepted the transaction by then
 * and it is about to commit. A {@link Liveness} probe (`qscc GetChainInfo` every `probeMs`) finds a peer
 * that stopped answering, such as a frozen process whose kernel still accepts connections: calls then fail
 * at once, and calls waiting on it (a commit wait included) are abandoned, until it answers again.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, type Gateway, type Network } from '@hyperledger/fabric-gateway';
import { peer } from '@hyperledger/fabric-protos';
import { toLedgerTimings, type GatewayConfig } from '../config';
import { toBlockSummary, toChainInfo, verifyBlocks } from './fabric-chain';
import { toFabricLedgerError } from './fabric-errors';
import {
    CommitError,
    Liveness,
    UnavailableError,
    type CallOptions,
    type ChainInfo,
    type ChainVerification,
    type ChaincodeEvent,
    type CloseableAsyncIterable,
    type CommitResult,
    type Ledger,
    signLowS,
} from '../../../network/src/ledger';

/** How to reach a peer and as whom. */
export interface FabricConnection {
    /** `host:port` of the peer's Gateway service. */
    readonly peerEndpoint: string;
    /** The name in the peer's TLS certificate. */
    readonly peerHostAlias: string;
    readonly tlsCaPem: string;
    readonly mspId: string;
    /** The signing identity: certificate and PKCS#8 private key, both PEM. */
    readonly certPem: string;
    readonly keyPem: string;
    readonly channel: string;
    readonly chaincode: string;
    /** Deadline of each evaluate, endorse and submit (hand-over to ordering) call, milliseconds. */
    readonly timeoutMs: number;
    /** Deadline of waiting for a submitted transaction's commit status, milliseconds. */
    readonly commitTimeoutMs: number;
    /** The pause between liveness probes of the peer, and each probe's deadline, milliseconds. */
    readonly probeMs: number;
}

const SYSTEM_QUERIES = 'qscc';

/** Fabric's name of a validation code (`MVCC_READ_CONFLICT`), from fabric-protos' `TxValidationCode`. */
function toValidationCodeName(code: number): string {
    const entry = Object.entries(peer.TxValidationCode).find(([, value]) => value === code);
    return entry ? entry[0] : `VALIDATION_CODE_${code}`;
}

function toArguments(options: CallOptions | undefined): {
    arguments: string[];
    transientData?: Record<string, Uint8Array>;
} {
    return {
        arguments: [...(options?.arguments ?? [])],
        ...(options?.transientData ? { transientData: { ...options.transientData } } : {}),
    };
}

/** Chaincode events, with failures of the stream turned into ledger errors. */
function toEventIterable(source: CloseableAsyncIterable<ChaincodeEvent>): CloseableAsyncIterable<ChaincodeEvent> {
    return {
        close: (): void => {
            source.close();
        },
        async *[Symbol.asyncIterator](): AsyncIterator<ChaincodeEvent> {
            try {
                for await (const event of source) {
                    yield {
                        blockNumber: event.blockNumber,
                        transactionId: event.transactionId,
                        chaincodeName: event.chaincodeName,
                        eventName: event.eventName,
                        payload: event.payload,
                    };
                }
            } catch (error) {
                throw toFabricLedgerError(error, 'chaincode events');
            }
        },
    };
}

/** gRPC call options with a deadline this long from now. */
function deadlineIn(ms: number): () => grpc.CallOptions {
    return () => ({ deadline: Date.now() + ms });
}

/** A ledger client over one peer's Gateway service. */
export class FabricLedger implements Ledger {
    readonly mspId: string;
    readonly #client: grpc.Client;
    readonly #gateway: Gateway;
    readonly #network: Network;
    readonly #connection: FabricConnection;
    readonly #liveness: Liveness;

    /**
     * Connects lazily: no call reaches the peer, and no probe runs, until the ledger is used.
     * @param connection - peer, TLS, identity, channel, chaincode, deadlines and probe interval
     */
    constructor(connection: FabricConnection) {
        this.mspId = connection.mspId;
        this.#connection = connection;
        this.#client = new grpc.Client(
            connection.peerEndpoint,
            grpc.credentials.createSsl(Buffer.from(connection.tlsCaPem)),
            { 'grpc.ssl_target_name_override': connection.peerHostAlias },
        );
        const call = deadlineIn(connection.timeoutMs);
        const signingKey = createPrivateKey(connection.keyPem);
        this.#gateway = connect({
            client: this.#client,
            identity: { mspId: connection.mspId, credentials: Buffer.from(connection.certPem) },
            // fabric-gateway's own signer does the curve arithmetic in JavaScript, about 2 ms a signature (a
            // fifth of a gateway's CPU in a Fabric bench:fetch profile); OpenSSL signs the whole message instead.
            signer: (message) => Promise.resolve(signLowS(signingKey, message)),
            hash: hash.none,
            evaluateOptions: call,
            endorseOptions: call,
            submitOptions: call,
            commitStatusOptions: deadlineIn(connection.commitTimeoutMs),
        });
        this.#network = this.#gateway.getNetwork(connection.channel);
        this.#liveness = new Liveness({
            name: `Peer ${connection.peerEndpoint}`,
            intervalMs: connection.probeMs,
            probe: (deadlineMs) => this.#probe(deadlineMs),
        });
    }

    /** Whether the liveness probe last found the peer down (it recovers by itself). */
    get isDown(): boolean {
        return this.#liveness.isDown;
    }

    /**
     * Listens to the peer's liveness.
     * @param listener - told `true` when the peer is found down, `false` when it answers again
     * @returns stops listening
     */
    onLivenessChange(listener: (down: boolean) => void): () => void {
        return this.#liveness.onChange(listener);
    }

    async submit(contract: string, fn: string, options?: CallOptions): Promise<CommitResult> {
        const what = `submit ${contract}:${fn}`;
        const target = this.#network.getContract(this.#connection.chaincode, contract);
        const proposal = target.newProposal(fn, toArguments(options));
        const txId = proposal.getTransactionId();
        const { transaction, status } = await this.#call(what, async () => {
            const endorsed = await proposal.endorse();
            const commit = await endorsed.submit();
            return { transaction: endorsed, status: await commit.getStatus() };
        }).catch((error: unknown) => {
            // A call abandoned because the peer went down knows no transaction id by itself; this one may
            // still commit, so the caller needs it.
            throw error instanceof UnavailableError && error.txId === undefined
                ? new UnavailableError(error.message, { txId, cause: error })
                : error;
        });
        if (!status.successful) {
            const code = toValidationCodeName(status.code);
            throw new CommitError(code, `Transaction ${txId} was invalidated: ${code}`, { txId });
        }
        return { txId, blockNumber: status.blockNumber, result: transaction.getResult() };
    }

    async evaluate(contract: string, fn: string, options?: CallOptions): Promise<Uint8Array> {
        const target = this.#network.getContract(this.#connection.chaincode, contract);
        return this.#call(`evaluate ${contract}:${fn}`, () => target.evaluate(fn, toArguments(options)));
    }

    async chaincodeEvents(options?: { readonly startBlock?: bigint }): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        const events = await this.#call('chaincode events', () =>
            this.#network.getChaincodeEvents(this.#connection.chaincode, {
                startBlock: options?.startBlock ?? 0n,
            }),
        );
        return toEventIterable(events);
    }

    /**
     * Runs a call to the peer: at once unavailable while the peer is known to be down, abandoned when it goes
     * down meanwhile. An answer (a refusal too) shows the peer alive; a call that found it unavailable asks
     * for a probe straight away.
     */
    async #call<T>(what: string, call: () => Promise<T>): Promise<T> {
        try {
            const value = await this.#liveness.guard(call);
            this.#liveness.noteAnswer();
            return value;
        } catch (error) {
            const failure = toFabricLedgerError(error, what);
            if (failure instanceof UnavailableError) {
                this.#liveness.probeSoon();
            } else {
                this.#liveness.noteAnswer();
            }
            throw failure;
        }
    }

    /** The probe: the peer's chain height through `qscc`; any answer, a refusal too, shows it alive. */
    async #probe(deadlineMs: number): Promise<void> {
        const proposal = this.#network
            .getContract(SYSTEM_QUERIES)
            .newProposal('GetChainInfo', { arguments: [this.#connection.channel] });
        try {
            await proposal.evaluate({ deadline: Date.now() + deadlineMs });
        } catch (error) {
            const failure = toFabricLedgerError(error, 'probe');
            if (failure instanceof UnavailableError) {
                throw failure;
            }
        }
    }

    async #query(fn: string, args: string[]): Promise<Uint8Array> {
        const system = this.#network.getContract(SYSTEM_QUERIES);
        return this.#call(`qscc ${fn}`, () => system.evaluateTransaction(fn, ...args));
    }

    async getChainInfo(): Promise<ChainInfo> {
        return toChainInfo(await this.#query('GetChainInfo', [this.#connection.channel]));
    }

    async verifyChain(): Promise<ChainVerification> {
        const info = await this.getChainInfo();
        const channel = this.#connection.channel;
        return verifyBlocks(info.height, info.currentHash, async (number) =>
            toBlockSummary(await this.#query('GetBlockByNumber', [channel, number.toString()])),
        );
    }

    close(): void {
        this.#liveness.close();
        this.#gateway.close();
        this.#client.close();
    }
}

/**
 * Connects to this organisation's peer as named in the configuration.
 * @param config - this gateway's configuration (`ledger.kind` must be `fabric`)
 * @returns the ledger under this organisation's gateway identity
 * @throws Error when the configuration names another kind of ledger or a file cannot be read
 */
export function newFabricLedger(config: GatewayConfig): Ledger {
    if (config.ledger.kind !== 'fabric') {
        throw new Error(`newFabricLedger needs ledger.kind fabric, not ${config.ledger.kind}`);
    }
    const timings = toLedgerTimings(config);
    return new FabricLedger({
        peerEndpoint: config.ledger.peerEndpoint,
        peerHostAlias: config.ledger.peerHostAlias,
        tlsCaPem: readFileSync(config.ledger.tlsCaFile, 'utf8'),
        mspId: config.org.mspId,
        certPem: readFileSync(config.identity.certFile, 'utf8'),
        keyPem: readFileSync(config.identity.keyFile, 'utf8'),
        channel: config.channel,
        chaincode: config.chaincode,
        timeoutMs: timings.ledgerTimeoutMs,
        commitTimeoutMs: timings.ledgerCommitTimeoutMs,
        probeMs: timings.ledgerProbeMs,
    });
}
