// SPDX-License-Identifier: Apache-2.0
/**
 * The {@link Ledger} for `ledger.kind: 'embedded'`: a `LedgerClient` signing with this organisation's
 * identity, over a `RemoteLedgerTransport` that reaches the ledger node with mutual TLS (the gateway's TLS
 * certificate as client certificate, the node's TLS CA as trust anchor).
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LedgerClient, toIdentityAndSigner } from '../../../network/src/embedded';
import { RemoteLedgerTransport } from '../../../network/src/embedded/remote';
import type { GatewayConfig } from '../config';
import type {
    CallOptions,
    ChainInfo,
    ChainVerification,
    ChaincodeEvent,
    CloseableAsyncIterable,
    CommitResult,
    Ledger,
} from './ledger';

/** A ledger client that also owns (and closes) its transport. */
class EmbeddedNodeLedger implements Ledger {
    readonly #client: LedgerClient;
    readonly #transport: RemoteLedgerTransport;

    constructor(client: LedgerClient, transport: RemoteLedgerTransport) {
        this.#client = client;
        this.#transport = transport;
    }

    get mspId(): string {
        return this.#client.mspId;
    }

    submit(contract: string, fn: string, options?: CallOptions): Promise<CommitResult> {
        return this.#client.submit(contract, fn, options);
    }

    evaluate(contract: string, fn: string, options?: CallOptions): Promise<Uint8Array> {
        return this.#client.evaluate(contract, fn, options);
    }

    chaincodeEvents(options?: { readonly startBlock?: bigint }): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        return this.#client.chaincodeEvents(options);
    }

    getChainInfo(): Promise<ChainInfo> {
        return this.#client.getChainInfo();
    }

    verifyChain(): Promise<ChainVerification> {
        return this.#client.verifyChain();
    }

    close(): void {
        this.#client.close();
        this.#transport.close();
    }
}

/**
 * Connects to the embedded ledger node named in the configuration.
 * @param config - this gateway's configuration (`ledger.kind` must be `embedded`)
 * @returns the ledger under this organisation's identity; no call is made until it is used
 * @throws Error when the configuration names another kind of ledger or a file cannot be read
 */
export function newEmbeddedLedger(config: GatewayConfig): Ledger {
    if (config.ledger.kind !== 'embedded') {
        throw new Error(`newEmbeddedLedger needs ledger.kind embedded, not ${config.ledger.kind}`);
    }
    const transport = new RemoteLedgerTransport({
        url: config.ledger.url,
        tls: {
            caPem: readFileSync(config.ledger.tlsCaFile, 'utf8'),
            certPem: readFileSync(config.tls.certFile, 'utf8'),
            keyPem: readFileSync(config.tls.keyFile, 'utf8'),
        },
        timeoutMs: config.ledgerTimeoutMs,
    });
    const member = {
        mspId: config.org.mspId,
        certPem: readFileSync(config.identity.certFile, 'utf8'),
        privateKey: createPrivateKey(readFileSync(config.identity.keyFile)),
    };
    const client = new LedgerClient(transport, {
        ...toIdentityAndSigner(member),
        channel: config.channel,
        chaincode: config.chaincode,
    });
    return new EmbeddedNodeLedger(client, transport);
}
