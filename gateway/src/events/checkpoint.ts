// SPDX-License-Identifier: Apache-2.0
/**
 * The event listener's checkpoint: the block number and transaction id of the last chaincode event it
 * processed, kept in a file of the gateway's data folder and replaced atomically (write a temporary file,
 * fsync, rename), as fabric-gateway's file checkpointer does.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';

/** Where the listener stands. */
export interface Checkpoint {
    /** Block of the last processed event. */
    readonly blockNumber: bigint;
    /** Transaction id of the last processed event in that block. */
    readonly transactionId: string;
}

interface CheckpointFile {
    readonly blockNumber: string;
    readonly transactionId: string;
}

/**
 * Reads a checkpoint file.
 * @param file - its path
 * @returns the checkpoint, or undefined when there is none yet
 * @throws Error when the file exists but is not a checkpoint
 */
export function readCheckpoint(file: string): Checkpoint | undefined {
    let text: string;
    try {
        text = readFileSync(file, 'utf8');
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            return undefined;
        }
        throw error;
    }
    const parsed = JSON.parse(text) as Partial<CheckpointFile>;
    if (typeof parsed.blockNumber !== 'string' || !/^[0-9]{1,20}$/.test(parsed.blockNumber)) {
        throw new Error(`${file} is not an event checkpoint`);
    }
    if (typeof parsed.transactionId !== 'string') {
        throw new Error(`${file} is not an event checkpoint`);
    }
    return { blockNumber: BigInt(parsed.blockNumber), transactionId: parsed.transactionId };
}

function toFileText(checkpoint: Checkpoint): string {
    const content: CheckpointFile = {
        blockNumber: checkpoint.blockNumber.toString(),
        transactionId: checkpoint.transactionId,
    };
    return JSON.stringify(content) + '\n';
}

/**
 * Writes a checkpoint file atomically.
 * @param file - its path
 * @param checkpoint - where the listener stands
 */
export function writeCheckpoint(file: string, checkpoint: Checkpoint): void {
    const temp = `${file}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
        writeSync(fd, toFileText(checkpoint));
        fsyncSync(fd);
    } finally {
        closeSync(fd);
    }
    renameSync(temp, file);
}

/**
 * Writes a checkpoint file atomically, as {@link writeCheckpoint} does, with the file system's work (the
 * fsync above all) on libuv's threads instead of the caller's event loop.
 * @param file - its path
 * @param checkpoint - where the listener stands
 */
export async function writeCheckpointAsync(file: string, checkpoint: Checkpoint): Promise<void> {
    const temp = `${file}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
        await handle.writeFile(toFileText(checkpoint));
        await handle.sync();
    } finally {
        await handle.close();
    }
    await rename(temp, file);
}
