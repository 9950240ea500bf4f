// SPDX-License-Identifier: Apache-2.0
/**
 * Fabric transaction proposals: built and signed by a client, parsed and checked by the ledger.
 *
 * The wire format is Fabric's own (`protos/peer/proposal.proto`), so the chaincode shim decodes the
 * creator, timestamp and transient data exactly as it does on a peer, and the transaction id is derived as
 * Fabric derives it: hex(SHA-256(nonce ‖ creator)).
 */
import { createHash, randomBytes } from 'node:crypto';
// The message modules themselves rather than the package's index, which loads every Fabric service definition,
// gRPC included, into each gateway that only builds proposals.
import * as common from '@hyperledger/fabric-protos/lib/common/common_pb';
import * as msp from '@hyperledger/fabric-protos/lib/msp/identities_pb';
import * as chaincodePb from '@hyperledger/fabric-protos/lib/peer/chaincode_pb';
import * as proposalPb from '@hyperledger/fabric-protos/lib/peer/proposal_pb';
import type { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { EndorseError } from '../ledger';
import { MessageWriter } from './protobuf';

/** A client identity: MSP id plus its X.509 certificate in PEM. */
export interface Identity {
    readonly mspId: string;
    readonly credentials: Uint8Array;
}

/**
 * Signs a proposal's bytes (hashing them with SHA-256 as it signs), returning an ASN.1 DER ECDSA signature in
 * low-S form.
 */
export type Signer = (message: Uint8Array) => Promise<Uint8Array>;

/** What a caller asks the chaincode to run. */
export interface ProposalRequest {
    readonly channel: string;
    readonly chaincode: string;
    /** `contract:function`, as fabric-contract-api expects its first argument. */
    readonly fn: string;
    readonly args: readonly string[];
    readonly transientData?: Readonly<Record<string, Uint8Array>>;
    /** Transaction timestamp; the submitter's clock by default, as on Fabric. */
    readonly timestamp?: Date;
}

/** A signed proposal ready to send, with its transaction id. */
export interface SignedProposalBytes {
    readonly txId: string;
    readonly bytes: Uint8Array;
}

/** What the ledger reads out of a proposal it received. */
export interface ParsedProposal {
    readonly txId: string;
    readonly channel: string;
    readonly chaincode: string;
    readonly creator: Identity;
    readonly timestamp: Date;
    readonly proposalBytes: Uint8Array;
    readonly signature: Uint8Array;
    readonly args: readonly Uint8Array[];
    /** The decoded SignedProposal message, handed to the chaincode shim as a peer would. */
    readonly signedProposal: proposalPb.SignedProposal;
}

/**
 * Derives a transaction id as Fabric does.
 * @param nonce - random nonce of the signature header
 * @param creator - serialized identity bytes
 */
export function newTxId(nonce: Uint8Array, creator: Uint8Array): string {
    return createHash('sha256').update(nonce).update(creator).digest('hex');
}

/** Bytes of a proposal's nonce, as Fabric's clients make them. */
const NONCE_BYTES = 24;
/** Nonces drawn from the system's random source at a time. */
const NONCES_PER_DRAW = 256;
let nonces: Buffer = Buffer.alloc(0);
let nextNonce = 0;

/** A fresh random nonce (drawn in batches: one call to the random source costs more than the bytes). */
function newNonce(): Uint8Array {
    if (nextNonce + NONCE_BYTES > nonces.length) {
        // A new buffer rather than a refill, so that nonces handed out earlier never change.
        nonces = randomBytes(NONCE_BYTES * NONCES_PER_DRAW);
        nextNonce = 0;
    }
    const nonce = nonces.subarray(nextNonce, nextNonce + NONCE_BYTES);
    nextNonce += NONCE_BYTES;
    return nonce;
}

/** Serialized identities by identity object: a client signs every call as the same one. */
const serializedIdentities = new WeakMap<Identity, Uint8Array>();

/**
 * Serializes an identity as Fabric's `msp.SerializedIdentity` (MSP id 1, certificate 2).
 * @param identity - MSP id and PEM certificate
 */
export function serializeIdentity(identity: Identity): Uint8Array {
    let serialized = serializedIdentities.get(identity);
    if (serialized === undefined) {
        serialized = new MessageWriter().string(1, identity.mspId).bytes(2, identity.credentials).finish();
        serializedIdentities.set(identity, serialized);
    }
    return serialized;
}

/** A `google.protobuf.Timestamp` (seconds 1, nanos 2). */
function newTimestamp(date: Date): MessageWriter {
    const millis = date.getTime();
    return new MessageWriter().varint(1, Math.floor(millis / 1000)).varint(2, (millis % 1000) * 1_000_000);
}

/** A `protos.ChaincodeID` naming the chaincode (name 2). */
function newChaincodeId(chaincode: string): MessageWriter {
    return new MessageWriter().string(2, chaincode);
}

/**
 * A `common.ChannelHeader`: type 1, timestamp 3, channel id 4, transaction id 5, and as extension 7 a
 * `protos.ChaincodeHeaderExtension` naming the chaincode (2); version 2 and epoch 6 stay 0.
 */
function newChannelHeader(request: ProposalRequest, txId: string): Uint8Array {
    const extension = new MessageWriter().message(2, newChaincodeId(request.chaincode)).finish();
    return new MessageWriter()
        .varint(1, common.HeaderType.ENDORSER_TRANSACTION)
        .message(3, newTimestamp(request.timestamp ?? new Date()))
        .string(4, request.channel)
        .string(5, txId)
        .bytes(7, extension)
        .finish();
}

/**
 * A `protos.ChaincodeProposalPayload`: as input 1 a `protos.ChaincodeInvocationSpec` holding (1) a
 * `protos.ChaincodeSpec` of type NODE (1) with the chaincode id (2) and a `protos.ChaincodeInput` (3) of the
 * arguments (1); the transient map 2.
 */
function newProposalPayload(request: ProposalRequest): Uint8Array {
    const input = new MessageWriter().repeatedBytes(
        1,
        [request.fn, ...request.args].map((arg) => Buffer.from(arg, 'utf8')),
    );
    const spec = new MessageWriter()
        .varint(1, chaincodePb.ChaincodeSpec.Type.NODE)
        .message(2, newChaincodeId(request.chaincode))
        .message(3, input);
    const invocation = new MessageWriter().message(1, spec).finish();
    return new MessageWriter()
        .bytes(1, invocation)
        .stringToBytesMap(2, request.transientData ?? {})
        .finish();
}

/**
 * Builds and signs a proposal: a `protos.SignedProposal` (proposal bytes 1, signature 2) over a
 * `protos.Proposal` (header 1, payload 2) whose `common.Header` holds the channel header (1) and a
 * `common.SignatureHeader` (2) of creator (1) and nonce (2).
 * @param request - what to invoke
 * @param identity - the caller
 * @param signer - signs the proposal bytes
 */
export async function newSignedProposal(
    request: ProposalRequest,
    identity: Identity,
    signer: Signer,
): Promise<SignedProposalBytes> {
    const creator = serializeIdentity(identity);
    const nonce = newNonce();
    const txId = newTxId(nonce, creator);
    const header = new MessageWriter()
        .bytes(1, newChannelHeader(request, txId))
        .bytes(2, new MessageWriter().bytes(1, creator).bytes(2, nonce).finish())
        .finish();
    const proposalBytes = new MessageWriter().bytes(1, header).bytes(2, newProposalPayload(request)).finish();
    const signature = await signer(proposalBytes);
    return { txId, bytes: new MessageWriter().bytes(1, proposalBytes).bytes(2, signature).finish() };
}

function decode<T>(what: string, fn: () => T): T {
    try {
        return fn();
    } catch (cause) {
        throw new EndorseError('BAD_PROPOSAL', `Malformed proposal: cannot decode ${what}`, { cause });
    }
}

function toDate(timestamp: Timestamp | undefined): Date {
    if (!timestamp) {
        throw new EndorseError('BAD_PROPOSAL', 'Malformed proposal: no timestamp');
    }
    return new Date(timestamp.getSeconds() * 1000 + Math.floor(timestamp.getNanos() / 1_000_000));
}

function readArgs(payload: Uint8Array): Uint8Array[] {
    const proposalPayload = decode('payload', () => proposalPb.ChaincodeProposalPayload.deserializeBinary(payload));
    const invocation = decode('invocation', () =>
        chaincodePb.ChaincodeInvocationSpec.deserializeBinary(proposalPayload.getInput_asU8()),
    );
    return invocation.getChaincodeSpec()?.getInput()?.getArgsList_asU8() ?? [];
}

/**
 * Decodes a signed proposal and checks its internal consistency (header type, transaction id).
 * The signature and the creator's certificate are checked by the MSP, not here.
 * @param bytes - a serialized `SignedProposal`
 * @throws EndorseError BAD_PROPOSAL when malformed, BAD_TXID when the id is not derived from nonce and creator
 */
export function parseSignedProposal(bytes: Uint8Array): ParsedProposal {
    const signedProposal = decode('signed proposal', () => proposalPb.SignedProposal.deserializeBinary(bytes));
    const proposalBytes = signedProposal.getProposalBytes_asU8();
    const proposal = decode('proposal', () => proposalPb.Proposal.deserializeBinary(proposalBytes));
    const header = decode('header', () => common.Header.deserializeBinary(proposal.getHeader_asU8()));
    const channelHeader = decode('channel header', () =>
        common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()),
    );
    const signatureHeader = decode('signature header', () =>
        common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()),
    );
    const creatorBytes = signatureHeader.getCreator_asU8();
    const creator = decode('creator', () => msp.SerializedIdentity.deserializeBinary(creatorBytes));
    const extension = decode('header extension', () =>
        proposalPb.ChaincodeHeaderExtension.deserializeBinary(channelHeader.getExtension_asU8()),
    );
    if (channelHeader.getType() !== (common.HeaderType.ENDORSER_TRANSACTION as number)) {
        throw new EndorseError('BAD_PROPOSAL', 'Proposal is not an endorser transaction');
    }
    const txId = channelHeader.getTxId();
    if (
        signatureHeader.getNonce_asU8().length === 0 ||
        txId !== newTxId(signatureHeader.getNonce_asU8(), creatorBytes)
    ) {
        throw new EndorseError('BAD_TXID', 'Transaction id is not derived from the nonce and creator', { txId });
    }
    return {
        txId,
        channel: channelHeader.getChannelId(),
        chaincode: extension.getChaincodeId()?.getName() ?? '',
        creator: { mspId: creator.getMspid(), credentials: creator.getIdBytes_asU8() },
        timestamp: toDate(channelHeader.getTimestamp()),
        proposalBytes,
        signature: signedProposal.getSignature_asU8(),
        args: readArgs(proposal.getPayload_asU8()),
        signedProposal,
    };
}
