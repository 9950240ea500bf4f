// SPDX-License-Identifier: Apache-2.0
/** Small SVG bar charts (no library): grouped bars per bucket and plain bars per label, with values written. */
import { setMessage } from './dom.js';
import { applyLanguage, formatNumber, hasMessage } from './i18n.js';

const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#2f6fb0', '#d9822b', '#3c9a5f', '#a23b72', '#6b5ca5', '#8c7a3f'];

function el<K extends keyof SVGElementTagNameMap>(
    tag: K,
    attrs: Readonly<Record<string, string | number>>,
): SVGElementTagNameMap[K] {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) {
        element.setAttribute(name, String(value));
    }
    return element;
}

/** A label that is a message when one exists (`decision.DENIED`), else the data as it is. */
function labelText(element: SVGTextElement, prefix: string | undefined, value: string): SVGTextElement {
    const key = prefix === undefined ? '' : `${prefix}.${value}`;
    if (hasMessage(key)) {
        return setMessage(element, key);
    }
    element.setAttribute('data-raw', '');
    element.textContent = value;
    return element;
}

function valueText(x: number, y: number, value: number): SVGTextElement {
    const text = el('text', { x, y, 'text-anchor': 'middle', class: 'value', 'data-num': value });
    text.textContent = formatNumber(value);
    return text;
}

/** One bar chart: a value per label. */
export interface Bars {
    readonly values: Readonly<Record<string, number>>;
    /** Message prefix of the labels (`decision`, `purpose`), or none for data labels (organisations). */
    readonly labelPrefix?: string;
    /** Colours by label where the label has a meaning (granted green, denied red); the palette otherwise. */
    readonly colors?: Readonly<Record<string, string>>;
}

/**
 * Bars, one per label, with their values.
 * @param bars - values and label messages
 * @param testId - the chart's test id
 */
export function barChart(bars: Bars, testId: string): SVGSVGElement {
    const entries = Object.entries(bars.values);
    const width = Math.max(240, entries.length * 90);
    const height = 180;
    const max = Math.max(1, ...entries.map(([, v]) => v));
    const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'data-testid': testId });
    entries.forEach(([name, value], i) => {
        const barHeight = (value / max) * (height - 60);
        const x = i * 90 + 20;
        svg.append(
            el('rect', {
                x,
                y: height - 30 - barHeight,
                width: 50,
                height: barHeight,
                fill: bars.colors?.[name] ?? PALETTE[i % PALETTE.length] ?? '#333',
            }),
        );
        svg.append(valueText(x + 25, height - 36 - barHeight, value));
        svg.append(
            labelText(
                el('text', { x: x + 25, y: height - 10, 'text-anchor': 'middle', class: 'label' }),
                bars.labelPrefix,
                name,
            ),
        );
    });
    return svg;
}

/** Grouped bars: per bucket (a day), one bar per series (an organisation). */
export interface GroupedBars {
    readonly buckets: readonly { readonly start: string; readonly values: Readonly<Record<string, number>> }[];
    readonly series: readonly string[];
    readonly seriesPrefix?: string;
}

/**
 * Grouped bars with a legend; bucket labels are dates in the local format.
 * @param chart - buckets and series
 * @param testId - the chart's test id
 */
export function groupedBarChart(chart: GroupedBars, testId: string): SVGSVGElement {
    const barWidth = 18;
    const groupWidth = Math.max(60, chart.series.length * barWidth + 24);
    // A left margin wide enough for a centred local date under the first group.
    const margin = 48;
    const width = Math.max(300, chart.buckets.length * groupWidth + margin + 40);
    const legendHeight = chart.series.length * 18 + 10;
    const plot = 160;
    const height = plot + 40 + legendHeight;
    const max = Math.max(1, ...chart.buckets.flatMap((b) => Object.values(b.values)));
    const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'data-testid': testId });
    chart.buckets.forEach((bucket, i) => {
        const x0 = margin + i * groupWidth;
        chart.series.forEach((name, j) => {
            const value = bucket.values[name] ?? 0;
            const barHeight = (value / max) * (plot - 30);
            const x = x0 + j * barWidth;
            svg.append(
                el('rect', {
                    x,
                    y: plot - barHeight,
                    width: barWidth - 2,
                    height: barHeight,
                    fill: PALETTE[j % PALETTE.length] ?? '#333',
                }),
            );
            if (value > 0) {
                svg.append(valueText(x + barWidth / 2, plot - barHeight - 4, value));
            }
        });
        const date = el('text', {
            x: x0 + (chart.series.length * barWidth) / 2,
            y: plot + 18,
            'text-anchor': 'middle',
            class: 'label',
            'data-date': 'day',
            datetime: bucket.start,
        });
        applyLanguage(date);
        svg.append(date);
    });
    chart.series.forEach((name, j) => {
        const y = plot + 36 + j * 18;
        svg.append(
            el('rect', { x: 20, y: y - 10, width: 12, height: 12, fill: PALETTE[j % PALETTE.length] ?? '#333' }),
        );
        svg.append(labelText(el('text', { x: 38, y, class: 'legend' }), chart.seriesPrefix, name));
    });
    return svg;
}
