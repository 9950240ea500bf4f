// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { LEDGER_DEFAULTS, toGatewayConfig, toLedgerTimings, type GatewayConfigFile } from '../../gateway/src/config';

const file: GatewayConfigFile = {
    org: { mspId: 'HospitalAMSP', type: 'hospital', name: 'Hospital A' },
    channel: 'healthchain',
    chaincode: 'healthchain',
    dataDir: '/data/store',
    tokensFile: '/data/tokens.json',
    storeKeyFile: '/data/store.key',
    api: { host: '127.0.0.1', port: 7401 },
    p2p: { host: '127.0.0.1', port: 7402 },
    tls: { certFile: '/tls/server.crt', keyFile: '/tls/server.key', caFile: '/tls/ca.crt' },
    regionTlsCaFiles: { HospitalAMSP: '/tls/ca.crt' },
    identity: { certFile: '/msp/cert.pem', keyFile: '/msp/key.pem' },
    ledger: { kind: 'fabric', peerEndpoint: '127.0.0.1:7510', peerHostAlias: 'peer0', tlsCaFile: '/tls/ca.crt' },
};

describe('gateway configuration: ledger deadlines', () => {
    it('answers within about three seconds by default, waiting longer only for a commit and a p2p fetch', () => {
        const timings = toLedgerTimings(toGatewayConfig(file));
        const { ledgerTimeoutMs, ledgerCommitTimeoutMs, ledgerProbeMs, p2pTimeoutMs } = timings;
        assert.deepEqual(timings, LEDGER_DEFAULTS);
        assert.ok(Math.max(ledgerTimeoutMs, 2 * ledgerProbeMs) < 3_000, 'a dead ledger is noticed within 3 s');
        assert.ok(ledgerTimeoutMs < ledgerCommitTimeoutMs && ledgerTimeoutMs + ledgerCommitTimeoutMs < p2pTimeoutMs);
    });

    it('takes each deadline from the file', () => {
        const timings = {
            ledgerTimeoutMs: 4_000,
            ledgerCommitTimeoutMs: 45_000,
            ledgerProbeMs: 500,
            p2pTimeoutMs: 60_000,
        };
        assert.deepEqual(toLedgerTimings(toGatewayConfig({ ...file, ...timings })), timings);
    });

    it('names every deadline out of bounds', () => {
        assert.throws(
            () => toGatewayConfig({ ...file, ledgerTimeoutMs: 0, ledgerCommitTimeoutMs: 1.5, ledgerProbeMs: 10 }),
            (error: unknown) =>
                error instanceof Error &&
                ['ledgerTimeoutMs', 'ledgerCommitTimeoutMs', 'ledgerProbeMs'].every((field) =>
                    error.message.includes(`${field} must be`),
                ),
        );
    });
});
