// SPDX-License-Identifier: Apache-2.0
/**
 * The record store's AES-256-GCM key: 32 bytes in a file of the organisation's own, mode 0600. Made on first
 * use with an exclusive create, so two processes starting together cannot each make a different key.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, statSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';

/** AES-256 key length in bytes. */
export const STORE_KEY_BYTES = 32;

function createKeyFile(file: string): void {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    let fd: number;
    try {
        fd = openSync(file, 'wx', 0o600);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
            return;
        }
        throw error;
    }
    try {
        writeSync(fd, randomBytes(STORE_KEY_BYTES));
        fsyncSync(fd);
    } finally {
        closeSync(fd);
    }
}

function decodeKey(bytes: Buffer, file: string): Buffer {
    if (bytes.length === STORE_KEY_BYTES) {
        return bytes;
    }
    // Also accept the key written as text (hex or base64), e.g. by an operator.
    const text = bytes.toString('utf8').trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) {
        return Buffer.from(text, 'hex');
    }
    const base64 = Buffer.from(text, 'base64');
    if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text) && base64.length === STORE_KEY_BYTES) {
        return base64;
    }
    throw new Error(`${file} does not hold a ${STORE_KEY_BYTES}-byte record store key`);
}

/**
 * Reads the record store key, creating it (mode 0600) when the file is missing.
 * @param file - absolute path of the key file
 * @returns the 32-byte key
 * @throws Error when the file is readable by others than its owner or does not hold a key
 */
export function readOrCreateStoreKey(file: string): Buffer {
    createKeyFile(file);
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
        throw new Error(`${file} must be readable by its owner only (mode 0600), not ${mode.toString(8)}`);
    }
    return decodeKey(readFileSync(file), file);
}
