// SPDX-License-Identifier: Apache-2.0
/**
 * The {@link Ledger} for `ledger.kind: 'embedded'`: a `LedgerClient` signing with this organisation's
 * identity, over a `RemoteLedgerTransport` that reaches the ledger node with mutual TLS (the gateway's TLS
 * certificate as client certificate, the node's TLS CA as trust anchor) (docs/design.md "The embedded
 * ledger"). The embedded ledger's own errors become the gateway's (`ledger-errors.ts`) with the same class
 * per phase, code and transaction id; the original is their `cause`.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
    CommitError as EmbeddedCommitError,
    EndorseError as EmbeddedEndorseError,
    LedgerClient,
    LedgerError as EmbeddedLedgerError,
    UnavailableError as EmbeddedUnavailableError,
    toIdentityAndSigner,
} from '../../../network/src/embedded';
import { RemoteLedgerTransport } from '../../../network/src/embedded/remote';
import type { GatewayConfig } from '../config';
import {
    CommitError,
    EndorseError,
    LedgerError,
    UnavailableError,
    type CallOptions,
    type ChainInfo,
    type ChainVerification,
    type ChaincodeEvent,
    type CloseableAsyncIterable,
    type CommitResult,
    type Ledger,
} from './ledger';

/**
 * Converts an embedded ledger error into the gateway's error of the same phase, code and transaction id;
 * anything else passes through unchanged.
 * @param error - what the embedded ledger's client threw
 * @returns the gateway's ledger error, whose `cause` is the original, or the original
 */
export function fromEmbeddedError(error: unknown): unknown {
    if (!(error instanceof EmbeddedLedgerError)) {
        return error;
    }
    const options = { txId: error.txId, cause: error };
    if (error instanceof EmbeddedUnavailableError) {
        return new UnavailableError(error.message, options);
    }
    if (error instanceof EmbeddedCommitError) {
        return new CommitError(error.code, error.message, options);
    }
    if (error instanceof EmbeddedEndorseError) {
        return new EndorseError(error.code, error.message, options);
    }
    return new LedgerError(error.code, error.message, options);
}

async function converting<T>(call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (error) {
        throw fromEmbeddedError(error);
    }
}

/** Chaincode events, with failures of the stream converted. */
function toEventIterable(source: CloseableAsyncIterable<ChaincodeEvent>): CloseableAsyncIterable<ChaincodeEvent> {
    return {
        close: (): void => {
            source.close();
        },
        async *[Symbol.asyncIterator](): AsyncIterator<ChaincodeEvent> {
            try {
                yield* source;
            } catch (error) {
                throw fromEmbeddedError(error);
            }
        },
    };
}

/** The ledger's calls that {@link fromLedgerClient} adapts. */
export type EmbeddedLedgerClient = Pick<
    LedgerClient,
    'mspId' | 'submit' | 'evaluate' | 'chaincodeEvents' | 'getChainInfo' | 'verifyChain' | 'close'
>;

/** A `LedgerClient` as a {@link Ledger}: the same calls, the gateway's errors. */
class EmbeddedClientLedger implements Ledger {
    readonly #client: EmbeddedLedgerClient;
    readonly #onClose: () => void;

    constructor(client: EmbeddedLedgerClient, onClose: () => void) {
        this.#client = client;
        this.#onClose = onClose;
    }

    get mspId(): string {
        return this.#client.mspId;
    }

    submit(contract: string, fn: string, options?: CallOptions): Promise<CommitResult> {
        return converting(() => this.#client.submit(contract, fn, options));
    }

    evaluate(contract: string, fn: string, options?: CallOptions): Promise<Uint8Array> {
        return converting(() => this.#client.evaluate(contract, fn, options));
    }

    async chaincodeEvents(options?: { readonly startBlock?: bigint }): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        return toEventIterable(await converting(() => this.#client.chaincodeEvents(options)));
    }

    getChainInfo(): Promise<ChainInfo> {
        return converting(() => this.#client.getChainInfo());
    }

    verifyChain(): Promise<ChainVerification> {
        return converting(() => this.#client.verifyChain());
    }

    close(): void {
        this.#client.close();
        this.#onClose();
    }
}

/**
 * Adapts an embedded ledger client (over any transport: the ledger node, or an in-process ledger in tests)
 * to the gateway's {@link Ledger}.
 * @param client - the client, signing as one organisation member
 * @param onClose - also run by `close()`, after the client is closed (e.g. closing the transport it owns)
 */
export function fromLedgerClient(client: EmbeddedLedgerClient, onClose: () => void = () => undefined): Ledger {
    return new EmbeddedClientLedger(client, onClose);
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
    return fromLedgerClient(client, () => {
        transport.close();
    });
}
