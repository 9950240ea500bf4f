// SPDX-License-Identifier: Apache-2.0
/**
 * Fabric transaction proposals: built and signed by a client, parsed and checked by the ledger.
 *
 * The wire format is Fabric's own (`protos/peer/proposal.proto`), so the chaincode shim decodes the
 * creator, timestamp and transient data exactly as it does on a peer, and the transaction id is derived as
 * Fabric derives it: hex(SHA-256(nonce ‖ creator)).
 */
import { createHash, randomBytes } from 'node:crypto';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { EndorseError } from '../ledger';

/** A client identity: MSP id plus its X.509 certificate in PEM. */
export interface Identity {
    readonly mspId: string;
    readonly credentials: Uint8Array;
}

/**
 * Signs a proposal, returning an ASN.1 DER ECDSA signature in low-S form. It is given the SHA-256 digest of
 * the proposal bytes, which is what fabric-gateway's signers sign, and the bytes themselves, for signers that
 * hash as they sign (Node's own crypto, `signer.ts`).
 */
export type Signer = (digest: Uint8Array, message: Uint8Array) => Promise<Uint8Array>;

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
    readonly signedProposal: peer.SignedProposal;
}

/**
 * Derives a transaction id as Fabric does.
 * @param nonce - random nonce of the signature header
 * @param creator - serialized identity bytes
 */
export function newTxId(nonce: Uint8Array, creator: Uint8Array): string {
    return createHash('sha256').update(nonce).update(creator).digest('hex');
}

/**
 * Serializes an identity as Fabric's `msp.SerializedIdentity`.
 * @param identity - MSP id and PEM certificate
 */
export function serializeIdentity(identity: Identity): Uint8Array {
    const serialized = new msp.SerializedIdentity();
    serialized.setMspid(identity.mspId);
    serialized.setIdBytes(identity.credentials);
    return serialized.serializeBinary();
}

function newTimestamp(date: Date): Timestamp {
    const timestamp = new Timestamp();
    const millis = date.getTime();
    timestamp.setSeconds(Math.floor(millis / 1000));
    timestamp.setNanos((millis % 1000) * 1_000_000);
    return timestamp;
}

function newChannelHeader(request: ProposalRequest, txId: string): common.ChannelHeader {
    const chaincodeId = new peer.ChaincodeID();
    chaincodeId.setName(request.chaincode);
    const extension = new peer.ChaincodeHeaderExtension();
    extension.setChaincodeId(chaincodeId);

    const header = new common.ChannelHeader();
    header.setType(common.HeaderType.ENDORSER_TRANSACTION);
    header.setTimestamp(newTimestamp(request.timestamp ?? new Date()));
    header.setChannelId(request.channel);
    header.setTxId(txId);
    header.setEpoch(0);
    header.setExtension$(extension.serializeBinary());
    return header;
}

function newProposalPayload(request: ProposalRequest): peer.ChaincodeProposalPayload {
    const input = new peer.ChaincodeInput();
    input.setArgsList([request.fn, ...request.args].map((arg) => Buffer.from(arg, 'utf8')));
    const chaincodeId = new peer.ChaincodeID();
    chaincodeId.setName(request.chaincode);
    const spec = new peer.ChaincodeSpec();
    spec.setType(peer.ChaincodeSpec.Type.NODE);
    spec.setChaincodeId(chaincodeId);
    spec.setInput(input);
    const invocation = new peer.ChaincodeInvocationSpec();
    invocation.setChaincodeSpec(spec);

    const payload = new peer.ChaincodeProposalPayload();
    payload.setInput(invocation.serializeBinary());
    const transient = payload.getTransientmapMap();
    for (const [key, value] of Object.entries(request.transientData ?? {})) {
        transient.set(key, value);
    }
    return payload;
}

/**
 * Builds and signs a proposal.
 * @param request - what to invoke
 * @param identity - the caller
 * @param signer - signs the SHA-256 digest of the proposal bytes
 */
export async function newSignedProposal(
    request: ProposalRequest,
    identity: Identity,
    signer: Signer,
): Promise<SignedProposalBytes> {
    const creator = serializeIdentity(identity);
    const nonce = randomBytes(24);
    const txId = newTxId(nonce, creator);

    const signatureHeader = new common.SignatureHeader();
    signatureHeader.setCreator(creator);
    signatureHeader.setNonce(nonce);
    const header = new common.Header();
    header.setChannelHeader(newChannelHeader(request, txId).serializeBinary());
    header.setSignatureHeader(signatureHeader.serializeBinary());

    const proposal = new peer.Proposal();
    proposal.setHeader(header.serializeBinary());
    proposal.setPayload(newProposalPayload(request).serializeBinary());
    const proposalBytes = proposal.serializeBinary();

    const signed = new peer.SignedProposal();
    signed.setProposalBytes(proposalBytes);
    signed.setSignature(await signer(createHash('sha256').update(proposalBytes).digest(), proposalBytes));
    return { txId, bytes: signed.serializeBinary() };
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
    const proposalPayload = decode('payload', () => peer.ChaincodeProposalPayload.deserializeBinary(payload));
    const invocation = decode('invocation', () =>
        peer.ChaincodeInvocationSpec.deserializeBinary(proposalPayload.getInput_asU8()),
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
    const signedProposal = decode('signed proposal', () => peer.SignedProposal.deserializeBinary(bytes));
    const proposalBytes = signedProposal.getProposalBytes_asU8();
    const proposal = decode('proposal', () => peer.Proposal.deserializeBinary(proposalBytes));
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
        peer.ChaincodeHeaderExtension.deserializeBinary(channelHeader.getExtension_asU8()),
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
