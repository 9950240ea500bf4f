// SPDX-License-Identifier: Apache-2.0
/**
 * What a gateway process loads before it knows its ledger: the code of neither ledger's other side. The
 * embedded ledger itself (chaincode host, fabric-shim) runs in the ledger node, and Fabric's client (gRPC,
 * fabric-gateway, fabric-protos' service definitions) only for `ledger.kind: 'fabric'`; loading them cost every
 * gateway about 0.4 s of a core at each start.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const MAIN = join(__dirname, '..', '..', 'gateway', 'src', 'main.js');

/** Modules a gateway must not load at start, by what they are. */
const NOT_AT_START: readonly { readonly what: string; readonly pattern: RegExp }[] = [
    { what: 'the embedded ledger', pattern: /[\\/]network[\\/]src[\\/]embedded[\\/](ledger|chaincode-host)\.js$/ },
    { what: 'fabric-shim', pattern: /[\\/]node_modules[\\/]fabric-shim[\\/]/ },
    { what: 'fabric-contract-api', pattern: /[\\/]node_modules[\\/]fabric-contract-api[\\/]/ },
    { what: 'fabric-gateway', pattern: /[\\/]node_modules[\\/]@hyperledger[\\/]fabric-gateway[\\/]/ },
    { what: 'gRPC', pattern: /[\\/]node_modules[\\/]@grpc[\\/]grpc-js[\\/]/ },
    {
        what: "fabric-protos' index",
        pattern: /[\\/]node_modules[\\/]@hyperledger[\\/]fabric-protos[\\/]lib[\\/]index\.js$/,
    },
    { what: 'the Fabric adapter', pattern: /[\\/]gateway[\\/]src[\\/]ledger[\\/]fabric\.js$/ },
];

describe('gateway start', () => {
    it("loads neither the embedded ledger nor Fabric's client with its main module", async () => {
        // A fresh process: this one has loaded both ledgers for other tests.
        const script = `require(${JSON.stringify(MAIN)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
        const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 60_000 });
        const loaded = JSON.parse(stdout) as string[];
        assert.ok(
            loaded.some((file) => /[\\/]gateway[\\/]src[\\/]ledger[\\/]embedded\.js$/.test(file)),
            'the check sees the embedded adapter',
        );
        for (const { what, pattern } of NOT_AT_START) {
            const found = loaded.filter((file) => pattern.test(file));
            assert.deepEqual(found, [], `${what} is loaded at start`);
        }
    });
});
