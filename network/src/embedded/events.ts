// SPDX-License-Identifier: Apache-2.0
/** Chaincode event streams that replay committed blocks from a given number, then follow new ones. */
import type { Block } from './block';
import type { ChaincodeEvent, CloseableAsyncIterable } from '../ledger';

/** What an event stream needs from the ledger. */
export interface BlockSource {
    readonly height: () => number;
    readonly readBlock: (number: number) => Promise<Block>;
    /** Resolves once the height grows past `height`, or the source closes. */
    readonly waitForHeight: (height: number) => Promise<void>;
    readonly closed: () => boolean;
}

/**
 * The events of one block's valid transactions.
 * @param block - a committed block
 * @param chaincodeName - the chaincode whose events these are
 */
export function blockEvents(block: Block, chaincodeName: string): ChaincodeEvent[] {
    return block.data
        .filter((tx) => tx.validationCode === 'VALID' && tx.event !== null)
        .map((tx) => ({
            blockNumber: BigInt(block.header.number),
            transactionId: tx.txId,
            chaincodeName,
            eventName: tx.event?.name ?? '',
            payload: Buffer.from(tx.event?.payload ?? '', 'base64'),
        }));
}

/**
 * A closeable stream of chaincode events from `startBlock` on.
 * @param source - the ledger's blocks
 * @param chaincodeName - chaincode name for the events
 * @param startBlock - first block to read
 */
export function newEventStream(
    source: BlockSource,
    chaincodeName: string,
    startBlock: number,
): CloseableAsyncIterable<ChaincodeEvent> {
    const state = { closed: false };
    let wake: () => void = () => undefined;
    async function* generate(): AsyncGenerator<ChaincodeEvent> {
        let next = startBlock;
        while (!state.closed && !source.closed()) {
            if (next >= source.height()) {
                // One promise per wait, which close() settles too. Racing the height against a single promise that
                // lives as long as the stream would add a reaction to it per block, all kept until the stream closes.
                await new Promise<void>((resolve, reject) => {
                    wake = resolve;
                    source.waitForHeight(next).then(resolve, reject);
                });
                continue;
            }
            const block = await source.readBlock(next);
            yield* blockEvents(block, chaincodeName);
            next += 1;
        }
    }
    const iterator = generate();
    return {
        [Symbol.asyncIterator]: () => iterator,
        close: (): void => {
            state.closed = true;
            wake();
        },
    };
}
