// SPDX-License-Identifier: Apache-2.0
/**
 * Reading and writing world state as canonical JSON. Reads see committed state only, never this
 * transaction's own writes (Fabric semantics), so a transaction keeps what it wrote in memory.
 */
import type { Context } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { fromStateBytes, toStateBytes } from '../model/canonical-json';
import type { CompositeKeySpec } from '../model/keys';

/**
 * Joins a composite key with the stub, as Fabric does.
 * @param ctx - transaction context
 * @param key - object type and attributes
 * @returns the composite key
 */
export function toKey(ctx: Context, key: CompositeKeySpec): string {
    return ctx.stub.createCompositeKey(key.objectType, [...key.attributes]);
}

/**
 * Reads a value, or null when absent.
 * @param ctx - transaction context
 * @param key - the composite key
 * @returns the decoded value or null
 */
export async function readState<T>(ctx: Context, key: CompositeKeySpec): Promise<T | null> {
    const bytes = await ctx.stub.getState(toKey(ctx, key));
    return bytes.length === 0 ? null : (fromStateBytes(bytes) as T);
}

/**
 * Reads a value that must exist.
 * @param ctx - transaction context
 * @param key - the composite key
 * @param what - what it is, for the error (`record r1`)
 * @returns the decoded value
 * @throws NOT_FOUND when absent
 */
export async function readRequired<T>(ctx: Context, key: CompositeKeySpec, what: string): Promise<T> {
    const value = await readState<T>(ctx, key);
    if (value === null) {
        throw new ChaincodeError(ErrorCodes.NOT_FOUND, `${what} does not exist`);
    }
    return value;
}

/**
 * Writes a value as canonical JSON.
 * @param ctx - transaction context
 * @param key - the composite key
 * @param value - plain JSON data
 */
export async function writeState(ctx: Context, key: CompositeKeySpec, value: unknown): Promise<void> {
    await ctx.stub.putState(toKey(ctx, key), toStateBytes(value));
}

/**
 * Writes an index entry pointing at an id. The value is never empty: Fabric treats an empty write as a
 * delete.
 * @param ctx - transaction context
 * @param key - the composite key or a simple key
 * @param id - the id pointed at
 */
export async function writeIndex(ctx: Context, key: CompositeKeySpec | string, id: string): Promise<void> {
    const stateKey = typeof key === 'string' ? key : toKey(ctx, key);
    await ctx.stub.putState(stateKey, Buffer.from(id, 'utf8'));
}

/**
 * Reads the id an index entry points at, or null when absent.
 * @param ctx - transaction context
 * @param key - the composite key
 * @returns the id or null
 */
export async function readIndex(ctx: Context, key: CompositeKeySpec): Promise<string | null> {
    const bytes = await ctx.stub.getState(toKey(ctx, key));
    return bytes.length === 0 ? null : Buffer.from(bytes).toString('utf8');
}

/**
 * Deletes a key.
 * @param ctx - transaction context
 * @param key - the composite key
 */
export async function deleteState(ctx: Context, key: CompositeKeySpec): Promise<void> {
    await ctx.stub.deleteState(toKey(ctx, key));
}

/**
 * Sets the transaction's one chaincode event: its name and a canonical JSON payload of ids and
 * closed-vocabulary codes only.
 * @param ctx - transaction context
 * @param name - event name
 * @param payload - ids and codes describing what happened
 */
export function emitEvent(ctx: Context, name: string, payload: Readonly<Record<string, unknown>>): void {
    ctx.stub.setEvent(name, toStateBytes(payload));
}
