// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LedgerClient, toIdentityAndSigner } from '../../../network/src/embedded';
import { UnavailableError } from '../../../network/src/ledger';
import { RemoteLedgerTransport, type RemoteLedgerTls } from '../../../network/src/embedded/remote';
import { newCertificateAuthority } from '../../../network/src/pki/ca';
import type { KvNodeConfig } from '../../fixtures/kv-node';
import { newTempDir } from '../../helpers/ledger';
import { newTestOrg, type TestIdentity } from '../../helpers/pki';

const KV_NODE = join(__dirname, '..', '..', 'fixtures', 'kv-node.js');
const binding = { channel: 'testchannel', chaincode: 'testcc' } as const;

/** Acknowledged commits to wait for before the kill. */
const ACKNOWLEDGED_BEFORE_KILL = 300;
/** Submits kept in flight. */
const IN_FLIGHT = 24;

interface Acknowledged {
    readonly i: number;
    readonly txId: string;
    readonly blockNumber: bigint;
}

/** Starts a kv node process and resolves with its URL once it prints its ready line. */
function startNode(configFile: string, children: ChildProcess[]): Promise<{ child: ChildProcess; url: string }> {
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

async function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
    if (child.exitCode !== null || child.signalCode !== null) {
        return { code: child.exitCode, signal: child.signalCode };
    }
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    return { code, signal };
}

/** Runs `task` over `items` with at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
        for (let index = next++; index < items.length; index = next++) {
            await task(items[index] as T);
        }
    };
    await Promise.all(Array.from({ length: limit }, worker));
}

describe('ledger node killed with SIGKILL under load', () => {
    const children: ChildProcess[] = [];
    const transports: RemoteLedgerTransport[] = [];
    let temp: ReturnType<typeof newTempDir>;
    let alice: TestIdentity;
    let clientTls: RemoteLedgerTls;
    let configFile: string;

    function connect(url: string): LedgerClient {
        const transport = new RemoteLedgerTransport({ url, tls: clientTls, timeoutMs: 20_000 });
        transports.push(transport);
        return new LedgerClient(transport, { ...toIdentityAndSigner(alice), ...binding });
    }

    before(async () => {
        alice = await (await newTestOrg('Org1MSP')).identity('alice');
    });

    beforeEach(async () => {
        temp = newTempDir('healthchain-crash-');
        const ca = await newCertificateAuthority({
            commonName: 'tlsca.crash.test',
            organization: 'Org1MSP',
            kind: 'tlsca',
        });
        const server = await ca.issue({ commonName: 'orderer0.crash.test', ou: 'orderer', kind: 'tls-server' });
        const client = await ca.issue({ commonName: 'gateway.crash.test', ou: 'client', kind: 'tls-client' });
        clientTls = { caPem: ca.certPem, ...client };
        const org = await newTestOrg('Org1MSP');
        const config: KvNodeConfig = {
            ...binding,
            dataDir: join(temp.dir, 'ledger'),
            msps: [{ mspId: org.mspId, rootCertsPem: [org.caCertPem] }],
            tls: { ...server, clientCaPems: [ca.certPem] },
            ledger: { maxBlockTransactions: 10 },
        };
        configFile = join(temp.dir, 'node.json');
        writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
    });

    afterEach(async () => {
        for (const transport of transports.splice(0)) {
            transport.close();
        }
        for (const child of children.splice(0)) {
            child.kill('SIGKILL');
            await exited(child);
        }
        temp.remove();
    });

    it('reopens consistent, with every acknowledged transaction and none half-applied', async () => {
        const first = await startNode(configFile, children);
        const client = connect(first.url);
        const acknowledged: Acknowledged[] = [];
        const attempted: number[] = [];
        const load = { killed: false };
        // A function, not the field: TypeScript would keep the loop condition's narrowing across awaits.
        const isKilled = (): boolean => load.killed;
        let next = 0;
        const submitter = async (): Promise<void> => {
            while (!load.killed) {
                const i = next++;
                attempted.push(i);
                try {
                    const { txId, blockNumber } = await client.submit('kv', 'putPair', {
                        arguments: [`a-${i}`, `b-${i}`, `v-${i}`],
                    });
                    acknowledged.push({ i, txId, blockNumber });
                } catch (error) {
                    assert.ok(isKilled() && error instanceof UnavailableError, `unexpected failure: ${String(error)}`);
                }
                if (acknowledged.length >= ACKNOWLEDGED_BEFORE_KILL && !isKilled()) {
                    load.killed = first.child.kill('SIGKILL');
                }
            }
        };
        await Promise.all(Array.from({ length: IN_FLIGHT }, submitter));
        assert.deepEqual(await exited(first.child), { code: null, signal: 'SIGKILL' });

        const second = await startNode(configFile, children);
        const reopened = connect(second.url);
        const verification = await reopened.verifyChain();
        assert.equal(verification.ok, true, verification.reason);
        const lastAcknowledged = acknowledged.reduce((max, a) => (a.blockNumber > max ? a.blockNumber : max), 0n);
        assert.ok((await reopened.getChainInfo()).height > lastAcknowledged);

        const read = async (key: string): Promise<string> =>
            Buffer.from(await reopened.evaluate('kv', 'get', { arguments: [key] })).toString('utf8');
        const found = new Map<number, [string, string]>();
        await forEachLimited(attempted, 16, async (i) => {
            found.set(i, [await read(`a-${i}`), await read(`b-${i}`)]);
        });
        for (const { i } of acknowledged) {
            assert.deepEqual(found.get(i), [`v-${i}`, `v-${i}`], `acknowledged transaction ${i} is missing`);
        }
        for (const i of attempted) {
            const pair = found.get(i);
            assert.ok(
                pair?.[0] === pair?.[1] && (pair?.[0] === '' || pair?.[0] === `v-${i}`),
                `transaction ${i} is half-applied`,
            );
        }

        second.child.kill('SIGTERM');
        assert.deepEqual(await exited(second.child), { code: 0, signal: null });
    });
});
