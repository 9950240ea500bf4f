// SPDX-License-Identifier: Apache-2.0
/**
 * Chain verification: re-reads every stored block and checks its number, its link to the previous block,
 * the hash of its transactions, and every transaction's signed proposal (transaction id derivation and
 * the creator's signature against the organisations' CAs at the transaction's time).
 */
import { dataHash, decodeBlock, headerHash, type Block } from './block';
import type { Msp } from './msp';
import { parseSignedProposal } from './proposal';
import { genesisPreviousHash, type LedgerStore } from './store';
import type { ChainVerification } from '../ledger';

function checkTransactions(block: Block, msp: Msp): string | undefined {
    for (const tx of block.data) {
        try {
            const proposal = parseSignedProposal(Buffer.from(tx.proposal, 'base64'));
            if (proposal.txId !== tx.txId || proposal.creator.mspId !== tx.creator) {
                return `transaction ${tx.txId} does not match its proposal`;
            }
            msp.verify(proposal.creator, proposal.proposalBytes, proposal.signature, proposal.timestamp);
        } catch (error) {
            return `transaction ${tx.txId}: ${error instanceof Error ? error.message : String(error)}`;
        }
    }
    return undefined;
}

function checkBlock(block: Block, number: number, previousHash: string, msp: Msp): string | undefined {
    if (block.header.number !== number) {
        return `block number ${block.header.number} where ${number} was expected`;
    }
    if (block.header.previousHash !== previousHash) {
        return 'previous hash does not match the previous block';
    }
    if (block.header.dataHash !== dataHash(block.data)) {
        return 'data hash does not match the transactions';
    }
    return checkTransactions(block, msp);
}

/**
 * Re-checks the whole chain.
 * @param store - the ledger store
 * @param msp - the organisations' CAs
 * @returns `ok` with the number of blocks checked, or the first bad block and why
 */
export async function verifyChain(store: LedgerStore, msp: Msp): Promise<ChainVerification> {
    const { height, currentHash } = store.head;
    let previousHash = genesisPreviousHash;
    for (let number = 0; number < height; number++) {
        const bytes = await store.getBlock(number);
        let reason: string | undefined;
        try {
            const block = bytes ? decodeBlock(bytes) : undefined;
            reason = block ? checkBlock(block, number, previousHash, msp) : 'block is missing';
            previousHash = block ? headerHash(block.header) : previousHash;
        } catch (error) {
            reason = `block cannot be decoded: ${error instanceof Error ? error.message : String(error)}`;
        }
        if (reason) {
            return { ok: false, height, checked: number, firstBadBlock: number, reason };
        }
    }
    if (previousHash !== currentHash) {
        return { ok: false, height, checked: height, firstBadBlock: height - 1, reason: 'chain head hash mismatch' };
    }
    return { ok: true, height, checked: height };
}
