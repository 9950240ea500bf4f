// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run soak -- --svg <file>`: two line charts over the run, one above the other — each process's resident
 * memory, and each kind's p99 latency — per report window, as a plain SVG file (no script, no external
 * resources), so drift shows at a glance.
 */
import { SoakKinds } from './soak-operations';
import type { SoakRow } from './soak-report';
import { toShortName } from './soak-text';

/** One line of a chart: a value per window, null where there is none. */
interface Series {
    readonly name: string;
    readonly values: readonly (number | null)[];
}

const WIDTH = 900;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 64, right: 180, top: 36, bottom: 40 };
/** Distinct colours for up to ten lines (Tableau 10). */
const COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];

function escapeXml(text: string): string {
    return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
    if (!(value > 0)) {
        return 1;
    }
    const power = 10 ** Math.floor(Math.log10(value));
    return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

/** The series' lines and dots, and their legend from `legendTop` down on the right. */
function polylines(
    series: readonly Series[],
    scale: { readonly x: (i: number) => number; readonly y: (v: number) => number },
    legendTop: number,
): string[] {
    const { x, y } = scale;
    return series.flatMap((s, index) => {
        const colour = COLOURS[index % COLOURS.length] ?? '#000';
        const points = s.values.flatMap((v, i) => (v === null ? [] : [`${x(i).toFixed(1)},${y(v).toFixed(1)}`]));
        const dots = points.map((p) => {
            const [cx, cy] = p.split(',');
            return `<circle cx="${cx}" cy="${cy}" r="2.5" fill="${colour}"/>`;
        });
        const legendY = legendTop + 16 * index;
        return [
            `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.join(' ')}"/>`,
            ...dots,
            `<rect x="${WIDTH - MARGIN.right + 16}" y="${legendY - 9}" width="12" height="3" fill="${colour}"/>`,
            `<text x="${WIDTH - MARGIN.right + 34}" y="${legendY - 4}">${escapeXml(s.name)}</text>`,
        ];
    });
}

/** Where each window's end lies on the horizontal axis, and how it is labelled. */
interface TimeAxis {
    /** Each window's end, in the axis's unit. */
    readonly at: readonly number[];
    readonly max: number;
    readonly title: string;
}

function toTimeAxis(rows: readonly SoakRow[]): TimeAxis {
    const seconds = rows.map((row) => row.toSeconds);
    const inMinutes = (seconds.at(-1) ?? 0) > 600;
    const at = seconds.map((s) => (inMinutes ? s / 60 : s));
    const title = `${inMinutes ? 'minutes' : 'seconds'} since the load started (end of each report window)`;
    return { at, max: Math.max(...at, 0) || 1, title };
}

function axes(top: number, maxValue: number, time: TimeAxis, x: (i: number) => number): string[] {
    const bottom = top + PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
    const right = WIDTH - MARGIN.right;
    const ticks = [0, 0.25, 0.5, 0.75, 1].flatMap((f) => {
        const y = bottom - f * (bottom - top);
        return [
            `<line x1="${MARGIN.left}" y1="${y}" x2="${right}" y2="${y}" stroke="#ddd"/>`,
            `<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end">${+(f * maxValue).toPrecision(3)}</text>`,
        ];
    });
    const step = Math.max(1, Math.ceil(time.at.length / 15));
    const labels = time.at.flatMap((value, i) =>
        i % step === 0 || i === time.at.length - 1
            ? [`<text x="${x(i).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${+value.toFixed(1)}</text>`]
            : [],
    );
    return [
        ...ticks,
        `<line x1="${MARGIN.left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`,
        `<line x1="${MARGIN.left}" y1="${top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#333"/>`,
        ...labels,
    ];
}

function panel(offset: number, title: string, series: readonly Series[], time: TimeAxis): string[] {
    const top = offset + MARGIN.top;
    const bottom = offset + PANEL_HEIGHT - MARGIN.bottom;
    const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
    const maxValue = niceMax(Math.max(0, ...values));
    const x = (i: number): number =>
        MARGIN.left + ((time.at[i] ?? 0) / time.max) * (WIDTH - MARGIN.left - MARGIN.right);
    const y = (v: number): number => bottom - (v / maxValue) * (bottom - top);
    return [
        `<text x="${MARGIN.left}" y="${offset + 20}" font-weight="bold">${escapeXml(title)}</text>`,
        ...axes(top, maxValue, time, x),
        ...polylines(series, { x, y }, top + 8),
    ];
}

/**
 * The SVG of a run.
 * @param rows - every window, in order
 * @param title - the chart's heading
 * @returns the SVG document
 */
export function toSoakSvg(rows: readonly SoakRow[], title: string): string {
    const time = toTimeAxis(rows);
    const names = Object.keys(rows.at(-1)?.processes ?? {});
    const memory = names.map((name) => ({
        name: toShortName(name),
        values: rows.map((row) => row.processes[name]?.rssMb ?? null),
    }));
    const latency = SoakKinds.map((kind) => ({
        name: kind,
        values: rows.map((row) => row.operations[kind]?.p99Ms ?? null),
    }));
    const height = 2 * PANEL_HEIGHT + 40;
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
            `font-family="sans-serif" font-size="12">`,
        `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
        `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
        ...panel(12, 'Resident memory (MB) per process', memory, time),
        ...panel(12 + PANEL_HEIGHT, 'p99 latency (ms) per operation', latency, time),
        `<text x="${(WIDTH - MARGIN.right + MARGIN.left) / 2}" y="${height - 6}" text-anchor="middle">` +
            `${escapeXml(time.title)}</text>`,
        '</svg>',
        '',
    ].join('\n');
}
