// SPDX-License-Identifier: Apache-2.0
/**
 * The {@link Ledger} for `ledger.kind: 'fabric'`: Fabric's Gateway service on this organisation's peer,
 * through `@hyperledger/fabric-gateway`. A gRPC connection with the peer's TLS CA (and the host name its
 * certificate carries), the organisation's signing identity, a deadline on every call; submit waits for the
 * commit status and reports an invalid transaction with Fabric's validation code; chaincode events resume
 * from a block; chain info and chain verification read blocks through the `qscc` system chaincode.
 * Failures become the ledger interface's `LedgerError`s with the same codes the embedded ledger raises
 * (`fabric-errors.ts`); this module knows the interface (`network/src/ledger`) only, not the embedded ledger.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway, type Network } from '@hyperledger/fabric-gateway';
import { peer } from '@hyperledger/fabric-protos';
import type { GatewayConfig } from '../config';
import { toBlockSummary, toChainInfo, verifyBlocks } from './fabric-chain';
import { toFabricLedgerError } from './fabric-errors';
import {
    CommitError,
    type CallOptions,
    type ChainInfo,
    type ChainVerification,
    type ChaincodeEvent,
    type CloseableAsyncIterable,
    type CommitResult,
    type Ledger,
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
    /** Deadline of each evaluate, endorse, submit and commit-status call. */
    readonly timeoutMs: number;
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

/** A ledger client over one peer's Gateway service. */
export class FabricLedger implements Ledger {
    readonly mspId: string;
    readonly #client: grpc.Client;
    readonly #gateway: Gateway;
    readonly #network: Network;
    readonly #connection: FabricConnection;

    /**
     * Connects lazily: no call reaches the peer until the ledger is used.
     * @param connection - peer, TLS, identity, channel, chaincode and deadline
     */
    constructor(connection: FabricConnection) {
        this.mspId = connection.mspId;
        this.#connection = connection;
        this.#client = new grpc.Client(
            connection.peerEndpoint,
            grpc.credentials.createSsl(Buffer.from(connection.tlsCaPem)),
            { 'grpc.ssl_target_name_override': connection.peerHostAlias },
        );
        const deadline = (): { deadline: number } => ({ deadline: Date.now() + connection.timeoutMs });
        this.#gateway = connect({
            client: this.#client,
            identity: { mspId: connection.mspId, credentials: Buffer.from(connection.certPem) },
            signer: signers.newPrivateKeySigner(createPrivateKey(connection.keyPem)),
            hash: hash.sha256,
            evaluateOptions: deadline,
            endorseOptions: deadline,
            submitOptions: deadline,
            commitStatusOptions: deadline,
        });
        this.#network = this.#gateway.getNetwork(connection.channel);
    }

    async submit(contract: string, fn: string, options?: CallOptions): Promise<CommitResult> {
        const what = `submit ${contract}:${fn}`;
        const target = this.#network.getContract(this.#connection.chaincode, contract);
        let submitted;
        let status;
        try {
            submitted = await target.submitAsync(fn, toArguments(options));
            status = await submitted.getStatus();
        } catch (error) {
            throw toFabricLedgerError(error, what);
        }
        if (!status.successful) {
            const code = toValidationCodeName(status.code);
            throw new CommitError(code, `Transaction ${status.transactionId} was invalidated: ${code}`, {
                txId: status.transactionId,
            });
        }
        return { txId: status.transactionId, blockNumber: status.blockNumber, result: submitted.getResult() };
    }

    async evaluate(contract: string, fn: string, options?: CallOptions): Promise<Uint8Array> {
        try {
            const target = this.#network.getContract(this.#connection.chaincode, contract);
            return await target.evaluate(fn, toArguments(options));
        } catch (error) {
            throw toFabricLedgerError(error, `evaluate ${contract}:${fn}`);
        }
    }

    async chaincodeEvents(options?: { readonly startBlock?: bigint }): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        try {
            const events = await this.#network.getChaincodeEvents(this.#connection.chaincode, {
                startBlock: options?.startBlock ?? 0n,
            });
            return toEventIterable(events);
        } catch (error) {
            throw toFabricLedgerError(error, 'chaincode events');
        }
    }

    async #query(fn: string, args: string[]): Promise<Uint8Array> {
        try {
            return await this.#network.getContract(SYSTEM_QUERIES).evaluateTransaction(fn, ...args);
        } catch (error) {
            throw toFabricLedgerError(error, `qscc ${fn}`);
        }
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
    return new FabricLedger({
        peerEndpoint: config.ledger.peerEndpoint,
        peerHostAlias: config.ledger.peerHostAlias,
        tlsCaPem: readFileSync(config.ledger.tlsCaFile, 'utf8'),
        mspId: config.org.mspId,
        certPem: readFileSync(config.identity.certFile, 'utf8'),
        keyPem: readFileSync(config.identity.keyFile, 'utf8'),
        channel: config.channel,
        chaincode: config.chaincode,
        timeoutMs: config.ledgerTimeoutMs,
    });
}
