// SPDX-License-Identifier: Apache-2.0
/**
 * Fabric's block hashing, for checking a chain read through `qscc`: a block's hash is the SHA-256 of the
 * ASN.1 DER encoding of its header `SEQUENCE { INTEGER number, OCTET STRING previous_hash, OCTET STRING
 * data_hash }` (Fabric `protoutil.BlockHeaderBytes`), and `data_hash` is the SHA-256 of the block's
 * envelopes concatenated (`protoutil.BlockDataHash`).
 */
import { createHash } from 'node:crypto';
import { common } from '@hyperledger/fabric-protos';
import type { ChainVerification } from '../../../network/src/ledger';

/** The fields of a block that the chain check needs. */
export interface BlockSummary {
    readonly number: bigint;
    readonly previousHash: Uint8Array;
    readonly dataHash: Uint8Array;
    /** SHA-256 of the concatenated envelopes, computed here. */
    readonly computedDataHash: Uint8Array;
}

function derLength(length: number): Buffer {
    if (length < 0x80) {
        return Buffer.from([length]);
    }
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) {
        bytes.unshift(rest % 256);
    }
    return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derTlv(tag: number, content: Uint8Array): Buffer {
    return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

/** DER INTEGER of a non-negative number: minimal big-endian bytes, a leading zero when the top bit is set. */
function derUnsigned(value: bigint): Buffer {
    let hex = value.toString(16);
    if (hex.length % 2 === 1) {
        hex = `0${hex}`;
    }
    let bytes = Buffer.from(hex, 'hex');
    if ((bytes[0] ?? 0) >= 0x80) {
        bytes = Buffer.concat([Buffer.from([0]), bytes]);
    }
    return derTlv(0x02, bytes);
}

/**
 * The hash Fabric gives a block header.
 * @param header - number, previous hash, data hash
 * @returns SHA-256 of the header's DER encoding
 */
export function toBlockHeaderHash(header: Pick<BlockSummary, 'number' | 'previousHash' | 'dataHash'>): Buffer {
    const der = derTlv(
        0x30,
        Buffer.concat([derUnsigned(header.number), derTlv(0x04, header.previousHash), derTlv(0x04, header.dataHash)]),
    );
    return createHash('sha256').update(der).digest();
}

/**
 * Reads the fields of a serialised `common.Block`.
 * @param bytes - what `qscc GetBlockByNumber` returns
 * @throws Error when the block has no header
 */
export function toBlockSummary(bytes: Uint8Array): BlockSummary {
    const block = common.Block.deserializeBinary(bytes);
    const header = block.getHeader();
    if (!header) {
        throw new Error('block without header');
    }
    const data = block.getData()?.getDataList_asU8() ?? [];
    return {
        number: BigInt(header.getNumber()),
        previousHash: header.getPreviousHash_asU8(),
        dataHash: header.getDataHash_asU8(),
        computedDataHash: createHash('sha256').update(Buffer.concat(data)).digest(),
    };
}

/**
 * Reads the height and current block hash of a serialised `common.BlockchainInfo`.
 * @param bytes - what `qscc GetChainInfo` returns
 */
export function toChainInfo(bytes: Uint8Array): { height: bigint; currentHash: string } {
    const info = common.BlockchainInfo.deserializeBinary(bytes);
    return {
        height: BigInt(info.getHeight()),
        currentHash: Buffer.from(info.getCurrentblockhash_asU8()).toString('hex'),
    };
}

function describeBlock(block: BlockSummary, expected: bigint, previous: BlockSummary | undefined): string | undefined {
    if (block.number !== expected) {
        return `block ${expected} carries number ${block.number}`;
    }
    if (!Buffer.from(block.dataHash).equals(block.computedDataHash)) {
        return `block ${expected}: data hash does not match its transactions`;
    }
    if (previous && !Buffer.from(block.previousHash).equals(toBlockHeaderHash(previous))) {
        return `block ${expected}: previous hash does not match block ${previous.number}`;
    }
    return undefined;
}

/**
 * Checks a chain block by block: numbers in sequence, each data hash over its envelopes, each previous hash
 * the hash of the previous header, and the last header's hash the chain's current hash.
 * @param height - how many blocks
 * @param currentHash - hex hash of the last header, from the chain info
 * @param readBlock - reads one block
 */
export async function verifyBlocks(
    height: bigint,
    currentHash: string,
    readBlock: (number: bigint) => Promise<BlockSummary>,
): Promise<ChainVerification> {
    let previous: BlockSummary | undefined;
    for (let n = 0n; n < height; n++) {
        const block = await readBlock(n);
        const reason = describeBlock(block, n, previous);
        if (reason !== undefined) {
            return { ok: false, height: Number(height), checked: Number(n), firstBadBlock: Number(n), reason };
        }
        previous = block;
    }
    if (previous && toBlockHeaderHash(previous).toString('hex') !== currentHash) {
        const last = Number(height) - 1;
        const reason = 'the last header does not hash to the current block hash';
        return { ok: false, height: Number(height), checked: last, firstBadBlock: last, reason };
    }
    return { ok: true, height: Number(height), checked: Number(height) };
}
