// SPDX-License-Identifier: Apache-2.0
/**
 * The {@link Ledger} for `ledger.kind: 'embedded'`: a `LedgerClient` signing with this organisation's
 * identity, over a `RemoteLedgerTransport` that reaches the ledger node with mutual TLS (the gateway's TLS
 * certificate as client certificate, the node's TLS CA as trust anchor) (docs/design.md "The embedded
 * ledger"). The client implements the ledger interface itself and throws its errors, so nothing is adapted
 * here: this module only reads the files and builds the client, with the configuration's deadlines (a submit
 * also waits for its commit) and liveness probe.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
// The client's own module, not the package index, which would load the whole embedded ledger (chaincode host,
// fabric-shim) into every gateway.
import { LedgerClient, toIdentityAndSigner } from '../../../network/src/embedded/client';
import { RemoteLedgerTransport } from '../../../network/src/embedded/remote';
import type { Ledger } from '../../../network/src/ledger';
import { toLedgerTimings, type GatewayConfig } from '../config';

/**
 * Connects to the embedded ledger node named in the configuration.
 * @param config - this gateway's configuration (`ledger.kind` must be `embedded`)
 * @returns the ledger under this organisation's identity, closing its transport on `close()`; no call is
 *   made until it is used
 * @throws Error when the configuration names another kind of ledger or a file cannot be read
 */
export function newEmbeddedLedger(config: GatewayConfig): Ledger {
    if (config.ledger.kind !== 'embedded') {
        throw new Error(`newEmbeddedLedger needs ledger.kind embedded, not ${config.ledger.kind}`);
    }
    const timings = toLedgerTimings(config);
    const transport = new RemoteLedgerTransport({
        url: config.ledger.url,
        tls: {
            caPem: readFileSync(config.ledger.tlsCaFile, 'utf8'),
            certPem: readFileSync(config.tls.certFile, 'utf8'),
            keyPem: readFileSync(config.tls.keyFile, 'utf8'),
        },
        timeoutMs: timings.ledgerTimeoutMs,
        submitTimeoutMs: timings.ledgerTimeoutMs + timings.ledgerCommitTimeoutMs,
        probeMs: timings.ledgerProbeMs,
    });
    const member = {
        mspId: config.org.mspId,
        certPem: readFileSync(config.identity.certFile, 'utf8'),
        privateKey: createPrivateKey(readFileSync(config.identity.keyFile)),
    };
    return new LedgerClient(transport, {
        ...toIdentityAndSigner(member),
        channel: config.channel,
        chaincode: config.chaincode,
        onClose: () => {
            transport.close();
        },
    });
}
