// SPDX-License-Identifier: Apache-2.0
/**
 * Blocks: an ordered batch of transactions, each with its signed proposal, chaincode response, read-write
 * set, event and validation code, hash-chained by header. Serialized as RFC 8785 canonical JSON so the
 * bytes — and so the hashes — are the same wherever they are computed.
 */
import { createHash } from 'node:crypto';
import { toCanonicalJson } from '../../../chaincode/src/protocol/canonical-json';
import type { ReadWriteSet } from './simulator';

/** Fabric's transaction validation codes that the embedded ledger produces. */
export const ValidationCodes = ['VALID', 'MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT', 'DUPLICATE_TXID'] as const;
/** One of {@link ValidationCodes}. */
export type ValidationCode = (typeof ValidationCodes)[number];

/** A transaction as stored in a block. */
export interface BlockTransaction {
    readonly txId: string;
    /** Creator's MSP id (also inside the proposal; here for readers that do not decode it). */
    readonly creator: string;
    /** Transaction timestamp (the submitter's clock), ISO 8601. */
    readonly timestamp: string;
    /** The signed proposal, base64. */
    readonly proposal: string;
    /** The chaincode's response payload, base64. */
    readonly result: string;
    readonly rwset: StoredReadWriteSet;
    readonly event: { readonly name: string; readonly payload: string } | null;
    readonly validationCode: ValidationCode;
}

/** A read-write set in JSON form. */
export interface StoredReadWriteSet {
    readonly reads: readonly { readonly key: string; readonly version: readonly [number, number] | null }[];
    readonly ranges: readonly {
        readonly start: string;
        readonly end: string;
        readonly exhausted: boolean;
        readonly reads: readonly { readonly key: string; readonly version: readonly [number, number] | null }[];
    }[];
    readonly writes: readonly { readonly key: string; readonly value: string | null }[];
}

/** A block header: what the hash chain covers. */
export interface BlockHeader {
    readonly number: number;
    readonly previousHash: string;
    readonly dataHash: string;
}

/** A block. */
export interface Block {
    readonly header: BlockHeader;
    readonly data: readonly BlockTransaction[];
}

function sha256(text: string): string {
    return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The hash of a block's transactions.
 * @param data - the transactions
 */
export function dataHash(data: readonly BlockTransaction[]): string {
    return sha256(toCanonicalJson(data));
}

/**
 * The hash of a block header: what the next block's `previousHash` names.
 * @param header - the header
 */
export function headerHash(header: BlockHeader): string {
    return sha256(toCanonicalJson(header));
}

/**
 * Builds a block over some transactions.
 * @param number - block number
 * @param previousHash - hash of the previous block's header
 * @param data - the transactions
 */
export function newBlock(number: number, previousHash: string, data: readonly BlockTransaction[]): Block {
    return { header: { number, previousHash, dataHash: dataHash(data) }, data };
}

/** A block with its stored bytes and its header's hash. */
export interface EncodedBlock {
    readonly block: Block;
    /** {@link encodeBlock} of the block. */
    readonly bytes: Uint8Array;
    /** {@link headerHash} of its header. */
    readonly hash: string;
}

/**
 * Builds a block, its bytes and its header's hash, canonicalizing the transactions once for both the data
 * hash and the bytes, and the header once for both its hash and the bytes: a block's canonical JSON is
 * `{"data":…,"header":…}` (RFC 8785 orders the two members so), the same bytes {@link encodeBlock} gives.
 * @param number - block number
 * @param previousHash - hash of the previous block's header
 * @param data - the transactions
 */
export function newEncodedBlock(number: number, previousHash: string, data: readonly BlockTransaction[]): EncodedBlock {
    const canonicalData = toCanonicalJson(data);
    const header = { number, previousHash, dataHash: sha256(canonicalData) };
    const canonicalHeader = toCanonicalJson(header);
    const text = `{"data":${canonicalData},"header":${canonicalHeader}}`;
    return { block: { header, data }, bytes: Buffer.from(text, 'utf8'), hash: sha256(canonicalHeader) };
}

/**
 * Serializes a block as canonical JSON bytes.
 * @param block - the block
 */
export function encodeBlock(block: Block): Uint8Array {
    return Buffer.from(toCanonicalJson(block), 'utf8');
}

/**
 * Parses stored block bytes.
 * @param bytes - canonical JSON
 * @throws Error when the bytes are not a block
 */
export function decodeBlock(bytes: Uint8Array): Block {
    const block = JSON.parse(Buffer.from(bytes).toString('utf8')) as Block;
    if (typeof block.header.number !== 'number' || !Array.isArray(block.data)) {
        throw new Error('not a block');
    }
    return block;
}

/**
 * Converts a simulated read-write set to its stored form.
 * @param rwset - the simulator's output
 */
export function toStoredReadWriteSet(rwset: ReadWriteSet): StoredReadWriteSet {
    const toRead = (read: ReadWriteSet['reads'][number]): StoredReadWriteSet['reads'][number] => ({
        key: read.key,
        version: read.version ? [read.version.block, read.version.tx] : null,
    });
    return {
        reads: rwset.reads.map(toRead),
        ranges: rwset.ranges.map((range) => ({
            start: range.start,
            end: range.end,
            exhausted: range.exhausted,
            reads: range.reads.map(toRead),
        })),
        writes: rwset.writes.map((write) => ({
            key: write.key,
            value: write.value === null ? null : Buffer.from(write.value).toString('base64'),
        })),
    };
}
