// SPDX-License-Identifier: Apache-2.0
/** The part of qrcode-generator's ES module (copied here as `vendor/qrcode.js` by build.mjs) the portal uses. */

/** An encoded QR code. */
export interface QrCode {
    addData(data: string, mode?: 'Byte'): void;
    make(): void;
    getModuleCount(): number;
    isDark(row: number, col: number): boolean;
}

/**
 * Starts a QR code.
 * @param typeNumber - 0 chooses the smallest version that fits
 * @param errorCorrectionLevel - L, M, Q or H
 */
declare function qrcode(typeNumber: number, errorCorrectionLevel: 'L' | 'M' | 'Q' | 'H'): QrCode;
export default qrcode;
