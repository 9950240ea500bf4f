// SPDX-License-Identifier: Apache-2.0
/**
 * Writes Fabric's MSP and TLS folder layouts. Files are written once and never replaced: a file that
 * is already there is kept as it is, so re-running a tool never rotates a key under a running node.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IssuedCertificate } from './ca';
import { InconsistentMaterialError } from './errors';

/** What happened to one file: written now, or already there and kept. */
export interface FileOutcome {
    readonly path: string;
    readonly outcome: 'made' | 'kept';
}

/** Receives each file outcome as it happens. */
export type FileListener = (outcome: FileOutcome) => void;

/** Content of an MSP folder. */
export interface MspContent {
    /** File name under `cacerts/` (cryptogen: `ca.<domain>-cert.pem`); NodeOUs point at it. */
    readonly caCertFile: string;
    readonly caCertPem: string;
    /** File name under `tlscacerts/` (cryptogen: `tlsca.<domain>-cert.pem`). */
    readonly tlsCaCertFile: string;
    readonly tlsCaCertPem: string;
    /** The signing identity (`signcerts/cert.pem`, `keystore/priv_sk`); absent for an organisation MSP. */
    readonly identity?: IssuedCertificate;
}

/** Content of a node's `tls/` folder (cryptogen names). */
export interface TlsContent {
    /** Written as `ca.crt`. */
    readonly tlsCaCertPem: string;
    /** Written as `server.crt` and `server.key`. */
    readonly server?: IssuedCertificate;
    /** Written as `client.crt` and `client.key`. */
    readonly client?: IssuedCertificate;
}

/** Mode of folders that hold private keys. */
export const KEY_DIR_MODE = 0o700;
/** Mode of private key files. */
export const KEY_FILE_MODE = 0o600;
const DIR_MODE = 0o755;
const FILE_MODE = 0o644;

/** Where an MSP folder keeps its signing certificate and key (relative to the MSP folder). */
export const MSP_SIGN_CERT = join('signcerts', 'cert.pem');
/** See {@link MSP_SIGN_CERT}. */
export const MSP_KEY = join('keystore', 'priv_sk');

/**
 * Creates a folder (and its parents) if missing, and gives a folder holding keys mode 0700.
 * @param dir - the folder
 * @param mode - its mode when it holds keys ({@link KEY_DIR_MODE}); parents get 0755
 */
export function ensureDir(dir: string, mode: number = DIR_MODE): void {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    if (mode !== DIR_MODE) {
        chmodSync(dir, mode);
    }
}

/**
 * Writes a file unless it exists. Its folder is created; a key file's folder gets mode 0700.
 * @param path - the file
 * @param content - text to write
 * @param mode - file mode; {@link KEY_FILE_MODE} marks a private key
 * @returns whether the file was made or kept
 */
export function writeFileOnce(path: string, content: string, mode: number = FILE_MODE): FileOutcome {
    ensureDir(dirname(path), mode === KEY_FILE_MODE ? KEY_DIR_MODE : DIR_MODE);
    try {
        writeFileSync(path, content, { flag: 'wx', mode });
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
            return { path, outcome: 'kept' };
        }
        throw error;
    }
    chmodSync(path, mode); // `writeFileSync` applies the process umask; set the mode exactly
    return { path, outcome: 'made' };
}

/**
 * Writes a copy of a certificate unless it exists, and checks that a kept copy is the same certificate.
 * @throws InconsistentMaterialError when another certificate is already there (the folder belongs to another CA)
 */
function writeCertCopy(path: string, certPem: string): FileOutcome {
    const result = writeFileOnce(path, certPem);
    if (result.outcome === 'kept' && readFileSync(path, 'utf8').trim() !== certPem.trim()) {
        throw new InconsistentMaterialError(
            path,
            "holds another certificate than the organisation's CA; remove it to rewrite it",
        );
    }
    return result;
}

/**
 * The NodeOUs `config.yaml`: roles come from the OU of certificates issued by the signing CA.
 * @param caCertFile - file name under `cacerts/`
 */
export function toNodeOusConfig(caCertFile: string): string {
    const ou = (kind: string, value: string): string =>
        `  ${kind}OUIdentifier:\n    Certificate: cacerts/${caCertFile}\n    OrganizationalUnitIdentifier: ${value}\n`;
    return `NodeOUs:\n  Enable: true\n${ou('Client', 'client')}${ou('Peer', 'peer')}${ou('Admin', 'admin')}${ou('Orderer', 'orderer')}`;
}

/**
 * Writes an MSP folder: `cacerts/`, `tlscacerts/`, `config.yaml`, and for an identity `signcerts/cert.pem`
 * and `keystore/priv_sk` (0600, in a 0700 folder). Existing files are kept.
 * @param dir - the MSP folder
 * @param content - certificates and the optional identity
 * @returns one outcome per file
 * @throws InconsistentMaterialError when a kept CA certificate copy differs from `content`
 */
export function writeMsp(dir: string, content: MspContent): FileOutcome[] {
    const outcomes = [
        writeCertCopy(join(dir, 'cacerts', content.caCertFile), content.caCertPem),
        writeCertCopy(join(dir, 'tlscacerts', content.tlsCaCertFile), content.tlsCaCertPem),
        writeFileOnce(join(dir, 'config.yaml'), toNodeOusConfig(content.caCertFile)),
    ];
    if (content.identity) {
        outcomes.push(writeFileOnce(join(dir, MSP_SIGN_CERT), content.identity.certPem));
        outcomes.push(writeFileOnce(join(dir, MSP_KEY), content.identity.keyPem, KEY_FILE_MODE));
    }
    return outcomes;
}

/**
 * Writes a `tls/` folder (mode 0700): `ca.crt`, and `server.crt`/`server.key` and/or `client.crt`/`client.key`.
 * Existing files are kept.
 * @param dir - the `tls` folder
 * @param content - the TLS CA certificate and the key pairs
 * @returns one outcome per file
 * @throws InconsistentMaterialError when a kept `ca.crt` differs from `content`
 */
export function writeTls(dir: string, content: TlsContent): FileOutcome[] {
    ensureDir(dir, KEY_DIR_MODE);
    const outcomes = [writeCertCopy(join(dir, 'ca.crt'), content.tlsCaCertPem)];
    for (const [name, pair] of [
        ['server', content.server],
        ['client', content.client],
    ] as const) {
        if (pair) {
            outcomes.push(writeFileOnce(join(dir, `${name}.crt`), pair.certPem));
            outcomes.push(writeFileOnce(join(dir, `${name}.key`), pair.keyPem, KEY_FILE_MODE));
        }
    }
    return outcomes;
}
