// SPDX-License-Identifier: Apache-2.0
/** Base32 as patient ids use it: RFC 4648 §6 alphabet, lowercase, without padding. */

/** RFC 4648 §6's alphabet, lowercased. */
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * Lowercase RFC 4648 base32 without padding.
 * @param bytes - data to encode
 * @returns the encoding: 8 characters per 5 bytes, the last group cut short instead of padded
 */
export function toBase32(bytes: Uint8Array): string {
    let output = '';
    let buffer = 0;
    let bits = 0;
    for (const byte of bytes) {
        buffer = ((buffer << 8) | byte) & 0xffff;
        bits += 8;
        while (bits >= 5) {
            output += BASE32_ALPHABET.charAt((buffer >> (bits - 5)) & 31);
            bits -= 5;
        }
    }
    if (bits > 0) {
        output += BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
    }
    return output;
}
