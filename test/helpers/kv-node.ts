// SPDX-License-Identifier: Apache-2.0
/**
 * A ledger node hosting the key-value test contract as its own process (`test/fixtures/kv-node.ts`), for tests
 * that kill or freeze the node: its configuration (a fresh TLS CA, the node's server certificate, a client
 * certificate for the transport, one test organisation) in a temporary folder, and the process itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RemoteLedgerTls } from '../../network/src/embedded/remote';
import { newCertificateAuthority } from '../../network/src/pki/ca';
import type { KvNodeConfig } from '../fixtures/kv-node';
import { newTestOrg } from './pki';

/** The kv node script, compiled. */
const KV_NODE = join(__dirname, '..', 'fixtures', 'kv-node.js');

/** The channel and chaincode a kv node serves. */
export const KV_BINDING = { channel: 'testchannel', chaincode: 'testcc' } as const;

/** A kv node's configuration file and what a client needs to reach it. */
export interface KvNodeSetup {
    readonly configFile: string;
    /** TLS material of a transport to the node. */
    readonly clientTls: RemoteLedgerTls;
}

/**
 * Writes a kv node's configuration (mode 0600: it holds the node's TLS key) into a folder.
 * @param dir - the folder; the node's ledger goes in `dir/ledger`
 * @param mspId - the one organisation the node accepts proposals from (issued by {@link newTestOrg})
 */
export async function writeKvNodeConfig(dir: string, mspId = 'Org1MSP'): Promise<KvNodeSetup> {
    const ca = await newCertificateAuthority({ commonName: 'tlsca.kv.test', organization: mspId, kind: 'tlsca' });
    const server = await ca.issue({ commonName: 'orderer0.kv.test', ou: 'orderer', kind: 'tls-server' });
    const client = await ca.issue({ commonName: 'gateway.kv.test', ou: 'client', kind: 'tls-client' });
    const org = await newTestOrg(mspId);
    const config: KvNodeConfig = {
        ...KV_BINDING,
        dataDir: join(dir, 'ledger'),
        msps: [{ mspId: org.mspId, rootCertsPem: [org.caCertPem] }],
        tls: { ...server, clientCaPems: [ca.certPem] },
        ledger: { maxBlockTransactions: 10 },
    };
    const configFile = join(dir, 'node.json');
    writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
    return { configFile, clientTls: { caPem: ca.certPem, ...client } };
}

function readJsonLine(line: string): { event?: unknown; url?: unknown } | undefined {
    if (!line.startsWith('{')) {
        return undefined;
    }
    try {
        return JSON.parse(line) as { event?: unknown; url?: unknown };
    } catch {
        return undefined;
    }
}

/**
 * Starts a kv node process and resolves with its URL once it prints its ready line.
 * @param configFile - its configuration ({@link writeKvNodeConfig})
 * @param children - the process is added here, for the caller to stop
 * @throws Error quoting its standard error when it exits before it is ready
 */
export function startKvNode(
    configFile: string,
    children: ChildProcess[],
): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, [KV_NODE, configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4_000);
    });
    return new Promise((resolve, reject) => {
        const onExit = (code: number | null, signal: string | null): void => {
            reject(new Error(`kv node exited (${code ?? signal ?? '?'}) before it was ready: ${stderr}`));
        };
        child.once('exit', onExit);
        child.once('error', reject);
        // fabric-shim's own log lines share stdout; the ready line is the JSON one.
        createInterface({ input: child.stdout }).on('line', (line) => {
            const message = readJsonLine(line);
            if (message?.event === 'ready' && typeof message.url === 'string') {
                child.off('exit', onExit);
                resolve({ child, url: message.url });
            }
        });
    });
}

/**
 * Resolves once a process has exited, however it ended.
 * @param child - the process
 */
export async function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
    if (child.exitCode !== null || child.signalCode !== null) {
        return { code: child.exitCode, signal: child.signalCode };
    }
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    return { code, signal };
}
