// SPDX-License-Identifier: Apache-2.0
/**
 * The layering of the ledger modules (docs/design.md "The parts"): the ledger interface (`network/src/ledger`)
 * imports nothing of ours; both implementations depend on it and not on each other: the embedded ledger
 * (`network/src/embedded`) never reaches `gateway/`, and the Fabric client (`gateway/src/ledger/fabric*.ts`)
 * never reaches the embedded ledger or the embedded adapter; the embedded adapter (`embedded.ts`) never the
 * Fabric client; and the gateway's code built on the interface (`ledger.ts`, the contracts facade and its
 * helpers) no implementation. Imports are read with the TypeScript compiler's own pre-processor (static
 * imports, `import type`, re-exports, `import()`, `require`) and followed through relative paths, so a
 * dependency through a third module counts too.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const REPO = resolve(__dirname, '..', '..', '..');
/** The folders whose files are checked, each by its role. */
const CHECKED_DIRS = ['network/src/ledger', 'network/src/embedded', 'gateway/src/ledger'];

/** A file's path from the repository root, with forward slashes. */
function repoPath(file: string): string {
    return relative(REPO, file).split(sep).join('/');
}

/**
 * The module specifiers a source file names.
 * @param source - TypeScript source text
 */
function importSpecifiers(source: string): string[] {
    return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** The TypeScript file a relative specifier names; undefined for a package or a data file. */
function resolveRelative(from: string, specifier: string): string | undefined {
    if (!specifier.startsWith('.')) {
        return undefined;
    }
    const base = resolve(dirname(from), specifier.replace(/\.js$/, ''));
    const found = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
    if (found === undefined) {
        // A JSON module, say: it imports nothing.
        assert.ok(existsSync(base), `${repoPath(from)} imports ${specifier}, which does not exist`);
    }
    return found;
}

/** Every repository file a file reaches through relative imports, itself excluded, with the first path to it. */
function reachable(start: string): Map<string, string[]> {
    const paths = new Map<string, string[]>();
    const queue: { file: string; path: string[] }[] = [{ file: start, path: [repoPath(start)] }];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        for (const specifier of importSpecifiers(readFileSync(next.file, 'utf8'))) {
            const target = resolveRelative(next.file, specifier);
            if (target === undefined || target === start || paths.has(target)) {
                continue;
            }
            const path = [...next.path, repoPath(target)];
            paths.set(target, path);
            queue.push({ file: target, path });
        }
    }
    return paths;
}

const isInterface = (path: string): boolean => path.startsWith('network/src/ledger/');
const isEmbeddedLedger = (path: string): boolean => path.startsWith('network/src/embedded/');
const isGateway = (path: string): boolean => path.startsWith('gateway/');
const isEmbeddedAdapter = (path: string): boolean => path === 'gateway/src/ledger/embedded.ts';
const isFabric = (path: string): boolean => /^gateway\/src\/ledger\/fabric[^/]*\.ts$/.test(path);
/** Anything of `network/` but the ledger interface. */
const isNetworkBeyondInterface = (path: string): boolean => path.startsWith('network/') && !isInterface(path);

interface Forbidden {
    readonly what: string;
    readonly test: (target: string) => boolean;
}

/** What a ledger module may not reach, by its role. */
function forbiddenFor(path: string): Forbidden[] {
    const fabric = { what: 'the Fabric client', test: isFabric };
    if (isInterface(path)) {
        return [{ what: 'anything of ours outside the interface', test: (target) => !isInterface(target) }];
    }
    if (isEmbeddedLedger(path)) {
        return [{ what: 'gateway/', test: isGateway }];
    }
    if (isEmbeddedAdapter(path)) {
        return [fabric];
    }
    const embedded = [
        { what: 'the embedded ledger', test: isEmbeddedLedger },
        { what: 'the embedded adapter', test: isEmbeddedAdapter },
    ];
    if (isFabric(path)) {
        return embedded;
    }
    // The gateway's code built on the interface.
    return [{ what: 'network/ beyond the interface', test: isNetworkBeyondInterface }, ...embedded, fabric];
}

function roleOf(path: string): string {
    if (isInterface(path)) {
        return 'the interface module';
    }
    if (isEmbeddedLedger(path)) {
        return 'the embedded ledger module';
    }
    return isEmbeddedAdapter(path) || isFabric(path) ? 'the gateway implementation' : 'the gateway module';
}

function ledgerFiles(): string[] {
    return CHECKED_DIRS.flatMap((dir) =>
        readdirSync(join(REPO, dir))
            .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
            .map((name) => join(REPO, dir, name)),
    ).sort();
}

describe('the layering of the ledger interface and its implementations', () => {
    it('reads import specifiers of every kind', () => {
        const source = [
            "import { a } from './a';",
            "import type { B } from '../b';",
            "export { c } from './c';",
            "export type * from './d';",
            "const e = import('./e');",
            "import 'node:fs';",
        ].join('\n');
        assert.deepEqual(importSpecifiers(source).sort(), ['../b', './a', './c', './d', './e', 'node:fs']);
    });

    it('finds the interface, both implementations and the code built on the interface', () => {
        const paths = ledgerFiles().map(repoPath);
        for (const expected of [
            'network/src/ledger/ledger.ts',
            'network/src/ledger/errors.ts',
            'network/src/embedded/client.ts',
            'network/src/embedded/remote.ts',
            'gateway/src/ledger/ledger.ts',
            'gateway/src/ledger/embedded.ts',
            'gateway/src/ledger/fabric.ts',
            'gateway/src/ledger/fabric-chain.ts',
            'gateway/src/ledger/fabric-errors.ts',
            'gateway/src/ledger/contracts.ts',
        ]) {
            assert.ok(paths.includes(expected), `${expected} is missing`);
        }
    });

    it('follows both implementations and the gateway into the interface, and the adapter into the embedded ledger', () => {
        const reached = (file: string): string[] => [...reachable(join(REPO, file)).keys()].map(repoPath);
        const embedded = reached('gateway/src/ledger/embedded.ts');
        assert.ok(embedded.includes('network/src/embedded/client.ts'), 'the check follows the adapter into network/');
        assert.ok(embedded.includes('network/src/embedded/proposal.ts'), 'and on through the client');
        for (const file of [
            'network/src/embedded/client.ts',
            'gateway/src/ledger/fabric.ts',
            'gateway/src/ledger/ledger.ts',
        ]) {
            assert.ok(reached(file).includes('network/src/ledger/ledger.ts'), `${file} uses the interface`);
        }
    });

    for (const file of ledgerFiles()) {
        const path = repoPath(file);
        it(`${roleOf(path)} ${path} reaches nothing it must not`, () => {
            const violations: string[] = [];
            for (const [target, via] of reachable(file)) {
                for (const rule of forbiddenFor(path)) {
                    // Reported where the path first crosses the line, not again for everything beyond.
                    if (rule.test(repoPath(target)) && !via.slice(0, -1).some(rule.test)) {
                        violations.push(`${rule.what}: ${via.join(' → ')}`);
                    }
                }
            }
            assert.deepEqual(violations, []);
        });
    }
});
