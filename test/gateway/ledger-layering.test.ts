// SPDX-License-Identifier: Apache-2.0
/**
 * The layering of `gateway/src/ledger/` (docs/design.md "The parts"): the gateway's ledger interface
 * (`ledger.ts`, `ledger-errors.ts`) depends on neither implementation nor `network/`; the Fabric client
 * (`fabric*.ts`) depends on the interface only, never on the embedded adapter or `network/`; the embedded
 * adapter (`embedded.ts`) never on the Fabric client; and the code built on the interface (the contracts
 * facade and its helpers) on no implementation. Imports are read with the TypeScript compiler's own
 * pre-processor (static imports, `import type`, re-exports, `import()`, `require`) and followed through
 * relative paths, so a dependency through a third module counts too.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const REPO = resolve(__dirname, '..', '..', '..');
const LEDGER_DIR = join(REPO, 'gateway', 'src', 'ledger');

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

const isNetwork = (path: string): boolean => path.startsWith('network/');
const isEmbedded = (path: string): boolean => path === 'gateway/src/ledger/embedded.ts';
const isFabric = (path: string): boolean => /^gateway\/src\/ledger\/fabric[^/]*\.ts$/.test(path);
const isInterface = (path: string): boolean =>
    path === 'gateway/src/ledger/ledger.ts' || path === 'gateway/src/ledger/ledger-errors.ts';

/** What a file of `gateway/src/ledger/` may not reach, by its role. */
function forbiddenFor(path: string): { readonly what: string; readonly test: (target: string) => boolean }[] {
    const network = { what: 'network/', test: isNetwork };
    const embedded = { what: 'the embedded adapter', test: isEmbedded };
    const fabric = { what: 'the Fabric client', test: isFabric };
    if (isEmbedded(path)) {
        return [fabric];
    }
    if (isFabric(path)) {
        return [network, embedded];
    }
    // The interface, and everything built on it.
    return [network, embedded, fabric];
}

function ledgerFiles(): string[] {
    return readdirSync(LEDGER_DIR)
        .filter((name) => name.endsWith('.ts'))
        .map((name) => join(LEDGER_DIR, name))
        .sort();
}

describe('the layering of the gateway ledger modules', () => {
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
            'gateway/src/ledger/ledger.ts',
            'gateway/src/ledger/ledger-errors.ts',
            'gateway/src/ledger/embedded.ts',
            'gateway/src/ledger/fabric.ts',
            'gateway/src/ledger/fabric-chain.ts',
            'gateway/src/ledger/fabric-errors.ts',
            'gateway/src/ledger/contracts.ts',
        ]) {
            assert.ok(paths.includes(expected), `${expected} is missing`);
        }
    });

    it('the embedded adapter reaches the embedded ledger, and the Fabric client the interface', () => {
        const embedded = [...reachable(join(LEDGER_DIR, 'embedded.ts')).keys()].map(repoPath);
        assert.ok(embedded.includes('network/src/embedded/index.ts'), 'the check follows the adapter into network/');
        const fabric = [...reachable(join(LEDGER_DIR, 'fabric.ts')).keys()].map(repoPath);
        assert.ok(fabric.includes('gateway/src/ledger/ledger.ts'), 'the Fabric client implements the interface');
    });

    for (const file of ledgerFiles()) {
        const path = repoPath(file);
        const role = isInterface(path)
            ? 'the interface module'
            : isEmbedded(path) || isFabric(path)
              ? 'the implementation'
              : 'the module';
        it(`${role} ${path} reaches nothing it must not`, () => {
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
