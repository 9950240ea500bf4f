// SPDX-License-Identifier: Apache-2.0
/**
 * Hosts fabric-contract-api contracts exactly as a Fabric peer does: the contracts run inside fabric-shim's
 * own `ChaincodeFromContract` and `ChaincodeMessageHandler`, and this module plays the peer's side of the
 * chaincode protocol (`protos/peer/chaincode_shim.proto`) over an in-process stream. Every stub call the
 * contract makes — GetState, PutState, GetStateByRange, QueryStateNext, GetHistoryForKey, … — arrives here
 * as the same ChaincodeMessage a peer would receive, and is answered from a {@link TxSimulator}.
 */
import { EventEmitter } from 'node:events';
import { ledger, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { JSONSerializer } from 'fabric-contract-api';
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract';
import { ChaincodeMessageHandler } from 'fabric-shim/lib/handler';
import { getLogger as getShimLogger } from 'fabric-shim/lib/logger';
import { getLogger as getContractApiLogger } from 'fabric-contract-api/lib/logger';
import type { LibraryLogger } from 'fabric-shim/lib/logger';
import type { RangePage, StateAccess } from './simulator';
import { cacheCertificateParsing } from './certificate-cache';

const Type = peer.ChaincodeMessage.Type;

/** What the chaincode answered for one transaction. */
export interface ChaincodeResult {
    readonly status: number;
    readonly message: string;
    readonly payload: Uint8Array;
    readonly event: { readonly name: string; readonly payload: Uint8Array } | undefined;
}

interface PendingTx {
    readonly simulator: StateAccess;
    readonly resolve: (result: ChaincodeResult) => void;
    readonly reject: (error: Error) => void;
}

/** Thrown when the chaincode asks for something a LevelDB-backed Fabric peer cannot do. */
export const UNSUPPORTED: Readonly<Record<number, string>> = {
    [Type.GET_QUERY_RESULT]: 'ExecuteQuery not supported for leveldb (rich queries need CouchDB)',
    [Type.GET_STATE_METADATA]: 'state metadata (key-level endorsement) is not supported by the embedded ledger',
    [Type.PUT_STATE_METADATA]: 'state metadata (key-level endorsement) is not supported by the embedded ledger',
    [Type.GET_PRIVATE_DATA_HASH]: 'private data collections are not supported by the embedded ledger',
    [Type.PURGE_PRIVATE_DATA]: 'private data collections are not supported by the embedded ledger',
    [Type.INVOKE_CHAINCODE]: 'chaincode-to-chaincode invocation is not supported by the embedded ledger',
};

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

class PeerStream extends EventEmitter {
    constructor(private readonly onMessage: (message: peer.ChaincodeMessage) => void) {
        super();
    }

    /** Called by the shim to send a message to the peer. */
    write(message: peer.ChaincodeMessage): void {
        this.onMessage(message);
    }

    end(): void {
        this.removeAllListeners();
    }

    /** Delivers a message to the shim, asynchronously as a network would. */
    deliver(message: peer.ChaincodeMessage): void {
        setImmediate(() => this.emit('data', message));
    }
}

function newMessage(type: number, txId: string, channel: string, payload?: Uint8Array): peer.ChaincodeMessage {
    const message = new peer.ChaincodeMessage();
    message.setType(type as peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap]);
    message.setTxid(txId);
    message.setChannelId(channel);
    if (payload) {
        message.setPayload(payload);
    }
    return message;
}

function toQueryResponse(id: string, page: RangePage, namespace: string, paginated: boolean): Uint8Array {
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
    return response.serializeBinary();
}

/** Runs transactions of one chaincode through the real fabric-shim. */
export class ChaincodeHost {
    readonly #stream: PeerStream;
    readonly #pending = new Map<string, PendingTx>();
    readonly #ready: Promise<void>;
    readonly #namespace: string;
    #markReady: () => void = () => undefined;

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
        this.#ready = new Promise((resolve) => (this.#markReady = resolve));
        this.#stream = new PeerStream((message) => {
            void this.#receive(message);
        });
        const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
        const chaincode = new ChaincodeFromContract([...contracts], serializers, {}, namespace, '1');
        const handler = new ChaincodeMessageHandler(this.#stream, chaincode);
        handler.chat(newMessage(Type.REGISTER, '', ''));
    }

    /**
     * Invokes the chaincode for one transaction.
     * @param txId - transaction id
     * @param channel - channel id
     * @param args - the proposal's arguments (`contract:function` first)
     * @param signedProposal - the proposal, from which the shim reads creator, timestamp and transient data
     * @param simulator - answers the chaincode's state calls
     */
    async invoke(
        txId: string,
        channel: string,
        args: readonly Uint8Array[],
        signedProposal: peer.SignedProposal,
        simulator: StateAccess,
    ): Promise<ChaincodeResult> {
        await this.#ready;
        const key = channel + txId;
        if (this.#pending.has(key)) {
            throw new Error(`transaction ${txId} is already executing`);
        }
        const input = new peer.ChaincodeInput();
        input.setArgsList([...args]);
        const message = newMessage(Type.TRANSACTION, txId, channel, input.serializeBinary());
        message.setProposal(signedProposal);
        return new Promise<ChaincodeResult>((resolve, reject) => {
            this.#pending.set(key, { simulator, resolve, reject });
            this.#stream.deliver(message);
        });
    }

    /** Stops talking to the shim. */
    close(): void {
        this.#stream.end();
    }

    async #receive(message: peer.ChaincodeMessage): Promise<void> {
        const type = message.getType();
        if (type === Type.REGISTER) {
            this.#stream.deliver(newMessage(Type.REGISTERED, '', ''));
            this.#stream.deliver(newMessage(Type.READY, '', ''));
            this.#markReady();
            return;
        }
        const key = message.getChannelId() + message.getTxid();
        const pending = this.#pending.get(key);
        if (!pending) {
            return;
        }
        if (type === Type.COMPLETED || type === Type.ERROR) {
            this.#pending.delete(key);
            this.#complete(message, pending);
            return;
        }
        try {
            const payload = await this.#answer(type, message.getPayload_asU8(), pending.simulator);
            this.#stream.deliver(newMessage(Type.RESPONSE, message.getTxid(), message.getChannelId(), payload));
        } catch (error) {
            const text = error instanceof Error ? error.message : String(error);
            this.#stream.deliver(
                newMessage(Type.ERROR, message.getTxid(), message.getChannelId(), Buffer.from(text, 'utf8')),
            );
        }
    }

    #complete(message: peer.ChaincodeMessage, pending: PendingTx): void {
        if (message.getType() === Type.ERROR) {
            pending.reject(new Error(Buffer.from(message.getPayload_asU8()).toString('utf8')));
            return;
        }
        const response = peer.Response.deserializeBinary(message.getPayload_asU8());
        const event = message.getChaincodeEvent();
        pending.resolve({
            status: response.getStatus(),
            message: response.getMessage(),
            payload: response.getPayload_asU8(),
            event: event ? { name: event.getEventName(), payload: event.getPayload_asU8() } : undefined,
        });
    }

    async #answer(type: number, payload: Uint8Array, simulator: StateAccess): Promise<Uint8Array> {
        switch (type) {
            case Type.GET_STATE: {
                const request = peer.GetState.deserializeBinary(payload);
                assertPublic(request.getCollection());
                return simulator.getState(assertKey(request.getKey()));
            }
            case Type.PUT_STATE: {
                const request = peer.PutState.deserializeBinary(payload);
                assertPublic(request.getCollection());
                await simulator.putState(assertKey(request.getKey()), request.getValue_asU8());
                return new Uint8Array();
            }
            case Type.DEL_STATE: {
                const request = peer.DelState.deserializeBinary(payload);
                assertPublic(request.getCollection());
                await simulator.deleteState(assertKey(request.getKey()));
                return new Uint8Array();
            }
            case Type.GET_STATE_BY_RANGE:
                return this.#openRange(peer.GetStateByRange.deserializeBinary(payload), simulator);
            case Type.QUERY_STATE_NEXT: {
                const id = peer.QueryStateNext.deserializeBinary(payload).getId();
                return toQueryResponse(id, await simulator.nextRange(id), this.#namespace, false);
            }
            case Type.QUERY_STATE_CLOSE: {
                const id = peer.QueryStateClose.deserializeBinary(payload).getId();
                await simulator.closeRange(id);
                return toQueryResponse(id, { entries: [], hasMore: false, bookmark: '' }, this.#namespace, false);
            }
            case Type.GET_HISTORY_FOR_KEY:
                return this.#history(peer.GetHistoryForKey.deserializeBinary(payload).getKey(), simulator);
            default:
                throw new Error(UNSUPPORTED[type] ?? `unsupported chaincode message type ${type}`);
        }
    }

    async #openRange(request: peer.GetStateByRange, simulator: StateAccess): Promise<Uint8Array> {
        assertPublic(request.getCollection());
        const metadataBytes = request.getMetadata_asU8();
        const metadata = metadataBytes.length > 0 ? peer.QueryMetadata.deserializeBinary(metadataBytes) : undefined;
        const { id, page } = await simulator.openRange(
            request.getStartkey(),
            request.getEndkey(),
            metadata?.getPagesize(),
            metadata?.getBookmark(),
        );
        return toQueryResponse(id, page, this.#namespace, metadata !== undefined);
    }

    async #history(key: string, simulator: StateAccess): Promise<Uint8Array> {
        const modifications = await simulator.getHistory(assertKey(key));
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
        return response.serializeBinary();
    }
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
