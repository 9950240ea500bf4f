// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import fc from 'fast-check';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import {
    newSignedProposal,
    parseSignedProposal,
    type Identity,
    type ProposalRequest,
} from '../../../network/src/embedded/proposal';
import { MessageWriter } from '../../../network/src/embedded/protobuf';

/** The signed proposal google-protobuf's message objects build for the same request, nonce and signature. */
function referenceProposal(
    request: ProposalRequest,
    identity: Identity,
    nonce: Uint8Array,
    signature: Uint8Array,
): Buffer {
    const creator = new msp.SerializedIdentity();
    creator.setMspid(identity.mspId);
    creator.setIdBytes(identity.credentials);
    const creatorBytes = creator.serializeBinary();

    const chaincodeId = new peer.ChaincodeID();
    chaincodeId.setName(request.chaincode);
    const extension = new peer.ChaincodeHeaderExtension();
    extension.setChaincodeId(chaincodeId);
    const timestamp = new Timestamp();
    const millis = (request.timestamp ?? new Date(0)).getTime();
    timestamp.setSeconds(Math.floor(millis / 1000));
    timestamp.setNanos((millis % 1000) * 1_000_000);
    const channelHeader = new common.ChannelHeader();
    channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
    channelHeader.setTimestamp(timestamp);
    channelHeader.setChannelId(request.channel);
    channelHeader.setTxId(createHash('sha256').update(nonce).update(creatorBytes).digest('hex'));
    channelHeader.setEpoch(0);
    channelHeader.setExtension$(extension.serializeBinary());

    const signatureHeader = new common.SignatureHeader();
    signatureHeader.setCreator(creatorBytes);
    signatureHeader.setNonce(nonce);
    const header = new common.Header();
    header.setChannelHeader(channelHeader.serializeBinary());
    header.setSignatureHeader(signatureHeader.serializeBinary());

    const input = new peer.ChaincodeInput();
    input.setArgsList([request.fn, ...request.args].map((arg) => Buffer.from(arg, 'utf8')));
    const spec = new peer.ChaincodeSpec();
    spec.setType(peer.ChaincodeSpec.Type.NODE);
    spec.setChaincodeId(chaincodeId);
    spec.setInput(input);
    const invocation = new peer.ChaincodeInvocationSpec();
    invocation.setChaincodeSpec(spec);
    const payload = new peer.ChaincodeProposalPayload();
    payload.setInput(invocation.serializeBinary());
    for (const [key, value] of Object.entries(request.transientData ?? {})) {
        payload.getTransientmapMap().set(key, value);
    }

    const proposal = new peer.Proposal();
    proposal.setHeader(header.serializeBinary());
    proposal.setPayload(payload.serializeBinary());
    const signed = new peer.SignedProposal();
    signed.setProposalBytes(proposal.serializeBinary());
    signed.setSignature(signature);
    return Buffer.from(signed.serializeBinary());
}

const requestArb: fc.Arbitrary<ProposalRequest> = fc.record({
    channel: fc.string({ maxLength: 20 }),
    chaincode: fc.string({ maxLength: 20 }),
    fn: fc.string({ maxLength: 30 }),
    args: fc.array(fc.string({ unit: 'grapheme', maxLength: 300 }), { maxLength: 6 }),
    // google-protobuf's map keeps its entries in a plain object, where a `__proto__` key is lost; that key is
    // checked on its own below.
    transientData: fc.dictionary(
        fc.string({ maxLength: 10 }).filter((key) => key !== '__proto__'),
        fc.uint8Array({ maxLength: 40 }),
        { maxKeys: 4 },
    ),
    timestamp: fc.date({ min: new Date(0), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }),
});

describe('proposal encoding', () => {
    it('writes the bytes google-protobuf writes for the same proposal', async () => {
        const signature = Buffer.from('30440220', 'hex');
        await fc.assert(
            fc.asyncProperty(
                requestArb,
                fc.string({ maxLength: 12 }),
                fc.uint8Array({ maxLength: 900 }),
                async (request, mspId, cert) => {
                    const identity: Identity = { mspId, credentials: cert };
                    const { txId, bytes } = await newSignedProposal(request, identity, () =>
                        Promise.resolve(signature),
                    );
                    const parsed = parseSignedProposal(bytes);
                    assert.equal(parsed.txId, txId);
                    const nonce = common.SignatureHeader.deserializeBinary(
                        common.Header.deserializeBinary(
                            peer.Proposal.deserializeBinary(parsed.proposalBytes).getHeader_asU8(),
                        ).getSignatureHeader_asU8(),
                    ).getNonce_asU8();
                    assert.deepEqual(Buffer.from(bytes), referenceProposal(request, identity, nonce, signature));
                },
            ),
            { numRuns: 300 },
        );
    });

    it('writes a transient key named __proto__ like any other key', async () => {
        const value = Uint8Array.from([1, 2, 3]);
        const encode = async (transientData: Record<string, Uint8Array>): Promise<Buffer> =>
            Buffer.from(
                parseSignedProposal(
                    (
                        await newSignedProposal(
                            { channel: 'ch', chaincode: 'cc', fn: 'f', args: [], transientData },
                            { mspId: 'Org1MSP', credentials: Buffer.from('certificate') },
                            () => Promise.resolve(Buffer.from([0])),
                        )
                    ).bytes,
                ).proposalBytes,
            );
        const ownProto = JSON.parse('{"__proto__": 0}') as Record<string, Uint8Array>;
        ownProto['__proto__'] = value;
        assert.deepEqual(Object.keys(ownProto), ['__proto__']);
        const withProto = await encode(ownProto);
        const entry = (key: string): Buffer => Buffer.from(new MessageWriter().string(1, key).bytes(2, value).finish());
        assert.ok(withProto.includes(entry('__proto__')));
        assert.equal((await encode({ __proto_x: value })).length, withProto.length);
        assert.ok(!withProto.includes(entry('__proto_x')));
    });

    it('signs the proposal bytes, and gives each proposal a fresh nonce and its Fabric transaction id', async () => {
        const signed: Uint8Array[] = [];
        const request = { channel: 'ch', chaincode: 'cc', fn: 'kv:put', args: ['a', 'b'] };
        const identity = { mspId: 'Org1MSP', credentials: Buffer.from('certificate') };
        const txIds = new Set<string>();
        for (let i = 0; i < 600; i++) {
            const { txId, bytes } = await newSignedProposal(request, identity, (message) => {
                signed.push(message);
                return Promise.resolve(Buffer.from([i % 256]));
            });
            const parsed = parseSignedProposal(bytes);
            assert.deepEqual(Buffer.from(parsed.proposalBytes), Buffer.from(signed[i] ?? []));
            assert.deepEqual([...parsed.signature], [i % 256]);
            assert.deepEqual(parsed.creator, {
                mspId: 'Org1MSP',
                credentials: new Uint8Array(Buffer.from('certificate')),
            });
            txIds.add(txId);
        }
        assert.equal(txIds.size, 600);
    });
});

describe('protobuf message writer', () => {
    it('writes varints as google-protobuf does, and refuses what it cannot encode exactly', () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (value) => {
                const timestamp = new Timestamp();
                timestamp.setSeconds(value);
                assert.deepEqual(
                    Buffer.from(new MessageWriter().varint(1, value).finish()),
                    Buffer.from(timestamp.serializeBinary()),
                );
            }),
        );
        for (const bad of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
            assert.throws(() => new MessageWriter().varint(1, bad), RangeError);
        }
    });
});
