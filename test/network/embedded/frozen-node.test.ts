// SPDX-License-Identifier: Apache-2.0
/**
 * A ledger node frozen with SIGSTOP: its kernel still accepts connections, so nothing but a deadline or the
 * transport's liveness probe can tell the caller. The transport's deadlines here are a minute, so a call that
 * fails sooner was failed by the probe.
 */
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { LedgerClient, toIdentityAndSigner } from '../../../network/src/embedded';
import { RemoteLedgerTransport } from '../../../network/src/embedded/remote';
import { UnavailableError } from '../../../network/src/ledger';
import { exited, KV_BINDING, startKvNode, writeKvNodeConfig } from '../../helpers/kv-node';
import { newTempDir } from '../../helpers/ledger';
import { newTestOrg } from '../../helpers/pki';

/**
 * Far longer than the probe (at its default interval) needs, and longer than this test's own timeout: only the
 * probe can end a call.
 */
const DEADLINE_MS = 60_000;

/** Resolves at the transport's next change to `down`. */
function nextChange(transport: RemoteLedgerTransport, down: boolean): Promise<void> {
    return new Promise((resolve) => {
        const stop = transport.onLivenessChange((now) => {
            if (now === down) {
                stop();
                resolve();
            }
        });
    });
}

describe('ledger node frozen with SIGSTOP', function () {
    this.timeout(30_000);
    const children: ChildProcess[] = [];
    let temp: ReturnType<typeof newTempDir>;
    let transport: RemoteLedgerTransport | undefined;

    beforeEach(() => {
        temp = newTempDir('healthchain-frozen-');
    });

    afterEach(async () => {
        transport?.close();
        for (const child of children.splice(0)) {
            child.kill('SIGCONT');
            child.kill('SIGKILL');
            await exited(child);
        }
        temp.remove();
    });

    it('abandons a waiting submit, fails calls at once while frozen, and recovers when thawed', async () => {
        const setup = await writeKvNodeConfig(temp.dir);
        const node = await startKvNode(setup.configFile, children);
        transport = new RemoteLedgerTransport({
            url: node.url,
            tls: setup.clientTls,
            timeoutMs: DEADLINE_MS,
            submitTimeoutMs: DEADLINE_MS,
        });
        const alice = await (await newTestOrg('Org1MSP')).identity('alice');
        const client = new LedgerClient(transport, { ...toIdentityAndSigner(alice), ...KV_BINDING });
        await client.submit('kv', 'put', { arguments: ['before', 'v'] });

        const down = nextChange(transport, true);
        node.child.kill('SIGSTOP');
        const submitted = client.submit('kv', 'put', { arguments: ['frozen', 'v'] });
        await assert.rejects(submitted, (error: unknown) => {
            // It may still commit once the node thaws, so the caller is told its id.
            assert.ok(error instanceof UnavailableError, String(error));
            assert.match(error.txId ?? '', /^[0-9a-f]{64}$/);
            return true;
        });
        await down;
        await assert.rejects(client.evaluate('kv', 'get', { arguments: ['before'] }), UnavailableError);

        const up = nextChange(transport, false);
        node.child.kill('SIGCONT');
        await up;
        assert.equal(Buffer.from(await client.evaluate('kv', 'get', { arguments: ['before'] })).toString(), 'v');
    });
});
