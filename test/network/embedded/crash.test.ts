// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { LedgerClient, toIdentityAndSigner } from '../../../network/src/embedded';
import { UnavailableError } from '../../../network/src/ledger';
import { RemoteLedgerTransport, type RemoteLedgerTls } from '../../../network/src/embedded/remote';
import { exited, KV_BINDING, startKvNode, writeKvNodeConfig } from '../../helpers/kv-node';
import { newTempDir } from '../../helpers/ledger';
import { newTestOrg, type TestIdentity } from '../../helpers/pki';

/** Acknowledged commits to wait for before the kill. */
const ACKNOWLEDGED_BEFORE_KILL = 300;
/** Submits kept in flight. */
const IN_FLIGHT = 24;

interface Acknowledged {
    readonly i: number;
    readonly txId: string;
    readonly blockNumber: bigint;
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
        return new LedgerClient(transport, { ...toIdentityAndSigner(alice), ...KV_BINDING });
    }

    before(async () => {
        alice = await (await newTestOrg('Org1MSP')).identity('alice');
    });

    beforeEach(async () => {
        temp = newTempDir('healthchain-crash-');
        ({ configFile, clientTls } = await writeKvNodeConfig(temp.dir));
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
        const first = await startKvNode(configFile, children);
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

        const second = await startKvNode(configFile, children);
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
