// SPDX-License-Identifier: Apache-2.0
/**
 * Hosts fabric-contract-api contracts as a Fabric peer's chaincode process runs them: each transaction runs
 * in fabric-shim's own `ChaincodeFromContract`, through fabric-shim's own `ChaincodeStub`, built from the
 * signed proposal as the shim's message handler builds it. This module stands where that handler stands: the
 * stub's calls — getState, putState, getStateByRange, the iterators' next and close, getHistoryForKey, … —
 * are answered from a {@link TxSimulator} with the same values and errors a LevelDB-backed peer gives, in the
 * same order (one call at a time per transaction, as the shim's queue sends them). Only the round trip of each
 * call as a serialized `ChaincodeMessage` over a stream is left out: with the peer in the same thread it
 * encoded, queued and decoded every state call twice, and cost more than the contracts themselves.
 */
import { ledger, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { JSONSerializer } from 'fabric-contract-api';
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract';
import ChaincodeStub from 'fabric-shim/lib/stub';
import { HistoryQueryIterator, StateQueryIterator } from 'fabric-shim/lib/iterators';
import { getLogger as getShimLogger } from 'fabric-shim/lib/logger';
import { getLogger as getContractApiLogger } from 'fabric-contract-api/lib/logger';
import type { LibraryLogger } from 'fabric-shim/lib/logger';
import type { RangePage, StateAccess } from './simulator';
import { cacheCertificateParsing } from './certificate-cache';

/** What the chaincode answered for one transaction. */
export interface ChaincodeResult {
    readonly status: number;
    readonly message: string;
    readonly payload: Uint8Array;
    readonly event: { readonly name: string; readonly payload: Uint8Array } | undefined;
}

/** What a LevelDB-backed peer without private data or key-level endorsement refuses, as it words it. */
export const UNSUPPORTED = {
    richQuery: 'ExecuteQuery not supported for leveldb (rich queries need CouchDB)',
    stateMetadata: 'state metadata (key-level endorsement) is not supported by the embedded ledger',
    privateData: 'private data collections are not supported by the embedded ledger',
    invokeChaincode: 'chaincode-to-chaincode invocation is not supported by the embedded ledger',
} as const;

/** fabric-shim's `Shim.error` status, which the shim's handler also answers when a chaincode returns nothing. */
const ERROR_STATUS = 500;

/** The module loggers of fabric-shim 2.5 and fabric-contract-api 2.5 that run on every transaction. */
const SHIM_LOGGERS = [
    'lib/chaincode.js',
    'lib/handler.js',
    'lib/iterators.js',
    'lib/stub.js',
    'contracts-spi/chaincodefromcontract.js',
    'contracts-spi/datamarshall.js',
];
const CONTRACT_API_LOGGERS = ['./lib/contract.js', './lib/jsontransactionserializer.js'];

/** winston's levels below `error`, which fabric-shim's loggers call on every transaction. */
const QUIETER_LEVELS = ['warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

/** Does nothing: stands for a log method whose level the configured level leaves out. */
function skip(): void {
    // The configured level does not print this level.
}

/**
 * Quiets one library logger for a level (see {@link quietLibraryLoggers}).
 * @param logger - a fabric-shim or fabric-contract-api logger
 * @param level - the value of `CORE_CHAINCODE_LOGGING_LEVEL`
 */
export function quietLogger(logger: LibraryLogger, level: string | undefined): void {
    if (level?.toUpperCase() === 'CRITICAL') {
        logger.silent = true;
        return;
    }
    for (const method of QUIETER_LEVELS) {
        if (!logger.isLevelEnabled(method)) {
            logger[method] = skip;
        }
    }
}

/**
 * fabric-shim's winston loggers format every message (timestamp, metadata, colours, the arguments
 * stringified) before any level check, and only the transport drops what the level leaves out: the debug
 * lines of every transaction cost the endorser more than a tenth of its time. So a method whose level is not
 * printed is replaced by one that does nothing, and at `CRITICAL` — a level winston never prints — the
 * loggers are made silent; what the level prints is logged as on a peer. The level is read once, as the shim
 * itself reads it when it loads.
 * @param level - the value of `CORE_CHAINCODE_LOGGING_LEVEL`, the variable fabric-shim itself reads
 */
function quietLibraryLoggers(level: string | undefined): void {
    for (const name of SHIM_LOGGERS) {
        quietLogger(getShimLogger(name), level);
    }
    for (const name of CONTRACT_API_LOGGERS) {
        quietLogger(getContractApiLogger(name), level);
    }
}

/** The contract classes a chaincode package exports as `contracts`. */
export type ContractClass = new () => object;

function toQueryResponse(id: string, page: RangePage, namespace: string, paginated: boolean): peer.QueryResponse {
    const response = new peer.QueryResponse();
    response.setId(id);
    response.setHasMore(page.hasMore);
    response.setResultsList(
        page.entries.map((entry) => {
            const kv = new ledger.queryresult.KV();
            kv.setNamespace(namespace);
            kv.setKey(entry.key);
            kv.setValue(entry.value);
            const result = new peer.QueryResultBytes();
            result.setResultbytes(kv.serializeBinary());
            return result;
        }),
    );
    if (paginated) {
        const metadata = new peer.QueryResponseMetadata();
        metadata.setFetchedRecordsCount(page.entries.length);
        metadata.setBookmark(page.bookmark);
        response.setMetadata(metadata.serializeBinary());
    }
    return response;
}

function toHistoryResponse(modifications: Awaited<ReturnType<StateAccess['getHistory']>>): peer.QueryResponse {
    const response = new peer.QueryResponse();
    response.setId('history');
    response.setHasMore(false);
    response.setResultsList(
        modifications.map((modification) => {
            const entry = new ledger.queryresult.KeyModification();
            entry.setTxId(modification.txId);
            entry.setValue(modification.value);
            entry.setIsDelete(modification.isDelete);
            const timestamp = new Timestamp();
            timestamp.setSeconds(Math.floor(modification.timestamp / 1000));
            timestamp.setNanos((modification.timestamp % 1000) * 1_000_000);
            entry.setTimestamp(timestamp);
            const result = new peer.QueryResultBytes();
            result.setResultbytes(entry.serializeBinary());
            return result;
        }),
    );
    return response;
}

/** A range query's first page, as the shim's handler hands it to the stub. */
interface RangeResult {
    readonly iterator: StateQueryIterator;
    readonly metadata?: { readonly bookmark: string; readonly fetchedRecordsCount: number };
}

/**
 * The peer's side of one transaction: the methods fabric-shim's `ChaincodeStub` and iterators call on their
 * handler (`handleGetState`, …), with the arguments and results the shim's own handler has. Calls are answered
 * one at a time, in the order made, as the shim's message queue sends them to a peer.
 */
class TransactionPeer {
    #tail: Promise<unknown> = Promise.resolve();

    constructor(
        private readonly simulator: StateAccess,
        private readonly namespace: string,
        private readonly channel: string,
        private readonly txId: string,
    ) {}

    #serial<T>(call: () => Promise<T>): Promise<T> {
        const result = this.#tail.then(call);
        this.#tail = result.catch(() => undefined);
        return result;
    }

    handleGetState(collection: string, key: string): Promise<Buffer> {
        return this.#serial(async () => {
            assertPublic(collection);
            return Buffer.from(await this.simulator.getState(assertKey(key)));
        });
    }

    handlePutState(collection: string, key: string, value: Uint8Array): Promise<Buffer> {
        return this.#serial(async () => {
            assertPublic(collection);
            await this.simulator.putState(assertKey(key), Uint8Array.from(value));
            return Buffer.alloc(0);
        });
    }

    handleDeleteState(collection: string, key: string): Promise<Buffer> {
        return this.#serial(async () => {
            assertPublic(collection);
            await this.simulator.deleteState(assertKey(key));
            return Buffer.alloc(0);
        });
    }

    handleGetStateByRange(
        collection: string,
        startKey: string,
        endKey: string,
        _channel: string,
        _txId: string,
        metadataBytes?: Uint8Array,
    ): Promise<RangeResult> {
        return this.#serial(async () => {
            assertPublic(collection);
            const metadata = metadataBytes ? peer.QueryMetadata.deserializeBinary(metadataBytes) : undefined;
            const { id, page } = await this.simulator.openRange(
                startKey,
                endKey,
                metadata?.getPagesize(),
                metadata?.getBookmark(),
            );
            const response = toQueryResponse(id, page, this.namespace, metadata !== undefined);
            const iterator = new StateQueryIterator(this, this.channel, this.txId, response);
            return metadata === undefined
                ? { iterator }
                : { iterator, metadata: { bookmark: page.bookmark, fetchedRecordsCount: page.entries.length } };
        });
    }

    handleQueryStateNext(id: string): Promise<peer.QueryResponse> {
        return this.#serial(async () => toQueryResponse(id, await this.simulator.nextRange(id), this.namespace, false));
    }

    handleQueryStateClose(id: string): Promise<peer.QueryResponse> {
        return this.#serial(async () => {
            await this.simulator.closeRange(id);
            return toQueryResponse(id, { entries: [], hasMore: false, bookmark: '' }, this.namespace, false);
        });
    }

    handleGetHistoryForKey(key: string): Promise<HistoryQueryIterator> {
        return this.#serial(async () => {
            const response = toHistoryResponse(await this.simulator.getHistory(assertKey(key)));
            return new HistoryQueryIterator(this, this.channel, this.txId, response);
        });
    }

    handleGetQueryResult(): Promise<never> {
        return this.#refuse(UNSUPPORTED.richQuery);
    }

    handleGetStateMetadata(): Promise<never> {
        return this.#refuse(UNSUPPORTED.stateMetadata);
    }

    handlePutStateMetadata(): Promise<never> {
        return this.#refuse(UNSUPPORTED.stateMetadata);
    }

    handleGetPrivateDataHash(): Promise<never> {
        return this.#refuse(UNSUPPORTED.privateData);
    }

    handlePurgeState(): Promise<never> {
        return this.#refuse(UNSUPPORTED.privateData);
    }

    handleInvokeChaincode(): Promise<never> {
        return this.#refuse(UNSUPPORTED.invokeChaincode);
    }

    #refuse(message: string): Promise<never> {
        return this.#serial(() => Promise.reject(new Error(message)));
    }
}

/** What `ChaincodeFromContract.Invoke` resolves to: fabric-shim's `ChaincodeResponse`. */
interface ShimResponse {
    readonly status?: number;
    readonly message?: string;
    readonly payload?: Uint8Array;
}

/** Runs transactions of one chaincode through the real fabric-shim. */
export class ChaincodeHost {
    readonly #chaincode: ChaincodeFromContract;
    readonly #namespace: string;
    readonly #running = new Set<string>();

    /**
     * @param contracts - the chaincode's contract classes
     * @param namespace - the chaincode name (its state namespace)
     *
     * fabric-shim and fabric-contract-api log as they do on a peer, at the level named by the standard
     * `CORE_CHAINCODE_LOGGING_LEVEL` environment variable, read when they are first loaded.
     */
    constructor(contracts: readonly ContractClass[], namespace: string) {
        this.#namespace = namespace;
        quietLibraryLoggers(process.env.CORE_CHAINCODE_LOGGING_LEVEL);
        cacheCertificateParsing();
        const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
        this.#chaincode = new ChaincodeFromContract([...contracts], serializers, {}, namespace, '1');
    }

    /**
     * Invokes the chaincode for one transaction, as the shim's handler does for a TRANSACTION message: a stub
     * over the arguments and the signed proposal, `Invoke`, and a response without a status taken as an error.
     * @param txId - transaction id
     * @param channel - channel id
     * @param args - the proposal's arguments (`contract:function` first)
     * @param signedProposal - the proposal, from which the stub reads creator, timestamp and transient data
     * @param simulator - answers the chaincode's state calls
     * @throws Error when a transaction with this id is already running, or the stub cannot be built
     */
    async invoke(
        txId: string,
        channel: string,
        args: readonly Uint8Array[],
        signedProposal: peer.SignedProposal,
        simulator: StateAccess,
    ): Promise<ChaincodeResult> {
        const key = channel + txId;
        if (this.#running.has(key)) {
            throw new Error(`transaction ${txId} is already executing`);
        }
        const input = new peer.ChaincodeInput();
        input.setArgsList([...args]);
        const handler = new TransactionPeer(simulator, this.#namespace, channel, txId);
        let stub: ChaincodeStub;
        try {
            stub = new ChaincodeStub(handler, channel, txId, input, signedProposal);
        } catch (error) {
            throw new Error(String(error), { cause: error });
        }
        this.#running.add(key);
        try {
            const response = (await this.#chaincode.Invoke(stub)) as ShimResponse | undefined;
            const event = stub.chaincodeEvent;
            return {
                ...toResult(response),
                event: event ? { name: event.getEventName(), payload: event.getPayload_asU8() } : undefined,
            };
        } finally {
            this.#running.delete(key);
        }
    }

    /** Nothing to release: the chaincode runs in this thread. Kept so hosts can be closed alike. */
    close(): void {
        // No stream or process to stop.
    }
}

function toResult(response: ShimResponse | undefined): Omit<ChaincodeResult, 'event'> {
    if (!response?.status) {
        return {
            status: ERROR_STATUS,
            message: 'Calling chaincode Invoke() has not called success or error.',
            payload: new Uint8Array(),
        };
    }
    return {
        status: response.status,
        message: response.message ?? '',
        payload: response.payload ? Uint8Array.from(response.payload) : new Uint8Array(),
    };
}

function assertPublic(collection: string): void {
    if (collection !== '') {
        throw new Error('private data collections are not supported by the embedded ledger');
    }
}

function assertKey(key: string): string {
    if (key === '') {
        throw new Error('key must not be an empty string');
    }
    return key;
}
