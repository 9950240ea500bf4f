// SPDX-License-Identifier: Apache-2.0
/**
 * Chaincode packages for Fabric 2.5 lifecycle: a chaincode-as-a-service package per organisation (its
 * `connection.json` names that organisation's chaincode server) and a Node package of `chaincode/` (compiled
 * `dist/`, `package.json`, lockfile) for peers that build chaincode themselves. A package id is
 * `<label>:<hex SHA-256 of the package file>`, as the peer computes it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The chaincode folder of this repository. */
export const CHAINCODE_DIR = join(__dirname, '..', '..', '..', '..', 'chaincode');
/** The package label: chaincode name and version. */
export const DEFAULT_LABEL = 'healthchain_1.0';

/**
 * The id the peer gives an installed package.
 * @param label - the package label
 * @param file - the package file
 */
export function toPackageId(label: string, file: string): string {
    return `${label}:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
}

async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
    const dir = mkdtempSync(join(tmpdir(), 'healthchain-package-'));
    try {
        return await use(dir);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Writes a chaincode-as-a-service package: `metadata.json` (`type: ccaas`) and `code.tar.gz` holding
 * `connection.json`.
 * @param file - the package to write
 * @param options - label and the chaincode server's `host:port`
 * @returns the package id
 */
export async function writeCcaasPackage(
    file: string,
    options: { readonly label: string; readonly address: string },
): Promise<string> {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    await withTempDir(async (dir) => {
        // Loopback only: plain gRPC between peer and chaincode server. Across hosts, set tls_required and
        // give the server a certificate (fabric-chaincode-node server --chaincode-tls-*).
        const connection = { address: options.address, dial_timeout: '10s', tls_required: false };
        writeFileSync(join(dir, 'connection.json'), JSON.stringify(connection));
        writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ type: 'ccaas', label: options.label }));
        await run('tar', ['-czf', join(dir, 'code.tar.gz'), '-C', dir, 'connection.json']);
        await run('tar', ['-czf', file, '-C', dir, 'metadata.json', 'code.tar.gz']);
    });
    return toPackageId(options.label, file);
}

/**
 * Writes a Node chaincode package of `chaincode/` with `peer lifecycle chaincode package --lang node`: the
 * compiled `dist/`, `package.json` and `package-lock.json` (the peer's Node builder runs `npm ci
 * --production` and `npm start`; it does not compile TypeScript). Build `chaincode/dist` first.
 * @param options - the peer binary, a config folder holding a core.yaml, the package file and label
 * @returns the package id
 */
export async function writeNodePackage(options: {
    readonly peerBin: string;
    readonly fabricConfigDir: string;
    readonly file: string;
    readonly label: string;
    readonly chaincodeDir?: string;
}): Promise<string> {
    const source = options.chaincodeDir ?? CHAINCODE_DIR;
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    await withTempDir(async (dir) => {
        const staged = join(dir, 'chaincode');
        mkdirSync(staged);
        for (const name of ['package.json', 'package-lock.json']) {
            cpSync(join(source, name), join(staged, name));
        }
        cpSync(join(source, 'dist'), join(staged, 'dist'), { recursive: true });
        await run(
            options.peerBin,
            [
                'lifecycle',
                'chaincode',
                'package',
                options.file,
                '--path',
                staged,
                '--lang',
                'node',
                '--label',
                options.label,
            ],
            { env: { ...process.env, FABRIC_CFG_PATH: options.fabricConfigDir } },
        );
    });
    return toPackageId(options.label, options.file);
}
