// SPDX-License-Identifier: Apache-2.0
/** A QR code as inline SVG (no data: URLs, so the page's `default-src 'self'` policy holds). */
import qrcode from './vendor/qrcode.js';

const SVG = 'http://www.w3.org/2000/svg';

/**
 * Draws text as a QR code (error correction M, smallest version that fits).
 * @param text - what the code holds
 * @param title - its accessible name
 */
export function toQrSvg(text: string, title: string): SVGSVGElement {
    const code = qrcode(0, 'M');
    code.addData(text, 'Byte');
    code.make();
    const count = code.getModuleCount();
    const quiet = 4;
    const size = count + quiet * 2;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
    svg.setAttribute('class', 'qr');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', title);
    svg.setAttribute('shape-rendering', 'crispEdges');
    const background = document.createElementNS(SVG, 'rect');
    background.setAttribute('width', String(size));
    background.setAttribute('height', String(size));
    background.setAttribute('fill', '#fff');
    svg.append(background);
    let d = '';
    for (let row = 0; row < count; row += 1) {
        for (let col = 0; col < count; col += 1) {
            if (code.isDark(row, col)) {
                d += `M${col + quiet} ${row + quiet}h1v1h-1z`;
            }
        }
    }
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    path.setAttribute('fill', '#000');
    svg.append(path);
    return svg;
}
