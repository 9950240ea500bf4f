// SPDX-License-Identifier: Apache-2.0
/**
 * The dependency direction of the parts (docs/design.md "The parts"): clients reach the gateways over HTTP
 * only, sharing with them and the chaincode nothing but the protocol module (chaincode/src/protocol); the
 * protocol imports only its own files, so that the browser can load it as it is; the gateway reaches the
 * ledger through the ledger interface (network/src/ledger), which imports nothing of ours and no package (Node
 * built-ins only) and which the embedded ledger and the Fabric client implement without knowing each other or,
 * for the embedded ledger, the gateway; the embedded ledger hosts the chaincode without knowing its contracts; the chaincode imports
 * nothing of ours; in network/src the configuration is at the bottom and the launcher (network/src/region) at
 * the top. Every import specifier of every TypeScript source is read (a regular expression over the text) and
 * each one that crosses a line is named.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';

/** The repository (tests run from dist/test). */
const ROOT = join(__dirname, '..', '..');

/** The folders whose sources are checked. */
const SOURCE_FOLDERS = ['chaincode/src', 'clients', 'gateway/src', 'network/src'];

/** The protocol module: what the chaincode, the gateways and the clients share (docs/design.md "The parts"). */
const PROTOCOL = 'chaincode/src/protocol';

/**
 * One import. For a relative specifier both ends are repository paths without extension; for a package or
 * a Node built-in (`external`), `to` is the specifier itself.
 */
interface Edge {
    readonly from: string;
    readonly specifier: string;
    readonly to: string;
    readonly external: boolean;
}

const SPECIFIER_PATTERNS = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bimport\s+['"]([^'"]+)['"]/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/**
 * The import specifiers of a source text: static imports and re-exports (one or several lines), side-effect
 * imports, dynamic `import()` and `require()`. Comments are dropped first.
 * @param text - TypeScript source
 */
function importSpecifiers(text: string): string[] {
    const code = text.replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/^\s*\/\/.*$/gm, '');
    return SPECIFIER_PATTERNS.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1] ?? ''));
}

function sourceFiles(folder: string): string[] {
    const entries = readdirSync(join(ROOT, folder), { withFileTypes: true });
    return entries.flatMap((entry) => {
        const path = posix.join(folder, entry.name);
        if (entry.isDirectory()) {
            return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(path);
        }
        return entry.name.endsWith('.ts') ? [path] : [];
    });
}

function toRepositoryPath(fromFile: string, specifier: string): string {
    const absolute = resolve(ROOT, dirname(fromFile), specifier);
    return relative(ROOT, absolute)
        .split(/[\\/]/)
        .join('/')
        .replace(/\.(js|ts|json)$/, '');
}

function edgesOf(file: string): Edge[] {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return importSpecifiers(text).map((specifier) => {
        const external = !specifier.startsWith('.');
        const to = external ? specifier : toRepositoryPath(file, specifier);
        return { from: file.replace(/\.ts$/, ''), specifier, to, external };
    });
}

function within(path: string, folder: string): boolean {
    return path === folder || path.startsWith(`${folder}/`);
}

/** The folder of network/src a path is in (`network/src/pki`, …), if any. */
function networkFolder(path: string): string | undefined {
    const match = /^network\/src\/([^/]+)\//.exec(path);
    return match?.[1] === undefined ? undefined : `network/src/${match[1]}`;
}

/** A rule: the reason an edge is wrong, or undefined. */
type Rule = (edge: Edge) => string | undefined;

/** The rule of the protocol module: browser-safe, dependency-free, loadable as native ES modules. */
const protocolRule: Rule = ({ from, specifier, to, external }) => {
    if (!within(from, PROTOCOL)) {
        return undefined;
    }
    if (external) {
        return 'the protocol module imports no package and no Node built-in: the browser loads it as it is';
    }
    if (!within(to, PROTOCOL)) {
        return 'the protocol module imports nothing outside its own folder';
    }
    return specifier.endsWith('.js')
        ? undefined
        : 'the protocol module names its imports with .js, as the browser loads them';
};

const RULES: readonly Rule[] = [
    ({ from, to, external }) =>
        !external && within(from, 'chaincode/src') && !within(to, 'chaincode')
            ? 'the chaincode imports nothing outside chaincode/'
            : undefined,
    protocolRule,
    ({ from, to, external }) =>
        !external &&
        within(from, 'clients') &&
        ['gateway', 'network', 'chaincode'].some((part) => within(to, part)) &&
        !within(to, PROTOCOL)
            ? 'clients reach the gateways over HTTP only: of the other parts, only the protocol module'
            : undefined,
    ({ from, to }) =>
        within(from, 'network/src/embedded') &&
        (within(to, 'chaincode/src/contracts') || within(to, 'chaincode/src/rules'))
            ? 'the embedded ledger hosts the chaincode without knowing its contracts or rules'
            : undefined,
    ({ from, to, specifier }) =>
        within(from, 'network/src/ledger') && !within(to, 'network/src/ledger') && !specifier.startsWith('node:')
            ? 'the ledger interface (network/src/ledger) imports nothing of ours and no package, only Node built-ins'
            : undefined,
    ({ from, to }) =>
        within(from, 'network/src/embedded') && within(to, 'gateway')
            ? 'the embedded ledger implements the ledger interface without knowing the gateway'
            : undefined,
    ({ from, to }) =>
        /^gateway\/src\/ledger\/fabric[^/]*$/.test(from) && within(to, 'network/src/embedded')
            ? 'the Fabric client implements the ledger interface without knowing the embedded ledger'
            : undefined,
    ({ from, to }) =>
        within(from, 'gateway/src') && within(to, 'clients') ? 'the gateway imports no client code' : undefined,
    ({ from, to }) =>
        within(to, 'network/src/region') && !within(from, 'network/src/region')
            ? 'the launcher (network/src/region) is the top: nothing imports it'
            : undefined,
    ({ from, to }) =>
        within(from, 'network/src/config') && within(to, 'network') && !within(to, 'network/src/config')
            ? "the region configuration is the bottom of network/src: it imports nothing of network's"
            : undefined,
];

/** Folder pairs of network/src that import each other. */
function twoWayNetworkFolders(edges: readonly Edge[]): string[] {
    const pairs = new Set<string>();
    for (const { from, to } of edges) {
        const a = networkFolder(from);
        const b = networkFolder(to);
        if (a !== undefined && b !== undefined && a !== b) {
            pairs.add(`${a} -> ${b}`);
        }
    }
    return [...pairs].filter((pair) => {
        const [a, b] = pair.split(' -> ');
        return a !== undefined && b !== undefined && a < b && pairs.has(`${b} -> ${a}`);
    });
}

describe('layering', () => {
    const files = SOURCE_FOLDERS.flatMap(sourceFiles);
    const allEdges = files.flatMap(edgesOf);
    const edges = allEdges.filter((edge) => !edge.external);

    it('reads every kind of import specifier', () => {
        const text = [
            '// import { no } from "./commented-out";',
            "import {\n    a,\n    b,\n} from './multi-line';",
            "import type { T } from '../types';",
            "export { c } from './re-export';",
            "import './side-effect';",
            "const m = await import('./dynamic.js');",
            "const r = require('./required');",
        ].join('\n');
        assert.deepEqual(importSpecifiers(text).sort(), [
            '../types',
            './dynamic.js',
            './multi-line',
            './re-export',
            './required',
            './side-effect',
        ]);
        assert.ok(files.length > 100, `only ${files.length} sources found under ${ROOT}`);
    });

    it('has no import that crosses the layering', () => {
        const offences = allEdges.flatMap((edge) =>
            RULES.map((rule) => rule(edge))
                .filter((reason): reason is string => reason !== undefined)
                .map((reason) => `${edge.from}.ts imports '${edge.specifier}': ${reason}`),
        );
        assert.deepEqual(offences, [], `imports across the layering:\n  ${offences.join('\n  ')}`);
    });

    it('has no two folders of network/src importing each other', () => {
        const pairs = twoWayNetworkFolders(edges);
        const detail = pairs.map((pair) => {
            const [a = '', b = ''] = pair.split(' -> ');
            const culprits = edges.filter(
                (e) =>
                    (networkFolder(e.from) === a && networkFolder(e.to) === b) ||
                    (networkFolder(e.from) === b && networkFolder(e.to) === a),
            );
            return `${pair} and back:\n    ${culprits.map((e) => `${e.from}.ts imports '${e.specifier}'`).join('\n    ')}`;
        });
        assert.deepEqual(pairs, [], `two-way folder imports in network/src:\n  ${detail.join('\n  ')}`);
    });

    it('reads the protocol module, and the clients import it', () => {
        assert.ok(
            files.some((file) => within(file, PROTOCOL)),
            `no sources under ${PROTOCOL}`,
        );
        for (const client of ['clients/shared', 'clients/web']) {
            assert.ok(
                edges.some((e) => within(e.from, client) && within(e.to, PROTOCOL)),
                `${client} imports nothing of ${PROTOCOL}: is the rule still reading the right folder?`,
            );
        }
    });
});
