// SPDX-License-Identifier: Apache-2.0
/**
 * The embedded client's proposal {@link Signer}: the ledger interface's native low-S signature
 * (`network/src/ledger/signer.ts`) over the proposal bytes.
 */
import type { KeyObject } from 'node:crypto';
import { signLowS } from '../ledger/signer';
import type { Signer } from './proposal';

/**
 * A signer that signs the proposal bytes with Node's crypto.
 * @param privateKey - an ECDSA P-256 private key
 * @returns a {@link Signer}
 */
export function newNativeSigner(privateKey: KeyObject): Signer {
    return (message) => Promise.resolve(signLowS(privateKey, message));
}
