// SPDX-License-Identifier: Apache-2.0
/**
 * A client bound to one identity, in the shape of `@hyperledger/fabric-gateway`'s contract API: it builds
 * and signs proposals locally and hands them to a {@link LedgerTransport} — the in-process ledger, or the
 * ledger node over mutual TLS. The private key never leaves the caller.
 */
import type { KeyObject } from 'node:crypto';
import { newSignedProposal, type Identity, type Signer } from './proposal';
import { newNativeSigner } from './signer';
import type {
    ChainInfo,
    ChainVerification,
    ChaincodeEvent,
    CloseableAsyncIterable,
    CommitResult,
    LedgerTransport,
} from './types';

/** Options of one transaction call. */
export interface CallOptions {
    readonly arguments?: readonly string[];
    readonly transientData?: Readonly<Record<string, Uint8Array>>;
    /** Transaction timestamp; the caller's clock by default. The ledger refuses one far from its own. */
    readonly timestamp?: Date;
}

/** A signing identity: certificate and private key of one organisation member. */
export interface SigningIdentity {
    readonly mspId: string;
    readonly certPem: string;
    readonly privateKey: KeyObject;
}

/** Where and as whom a client talks. */
export interface ClientOptions {
    readonly identity: Identity;
    readonly signer: Signer;
    readonly channel: string;
    readonly chaincode: string;
}

/** The ledger as one organisation member sees it. */
export class LedgerClient {
    readonly #transport: LedgerTransport;
    readonly #options: ClientOptions;

    /**
     * @param transport - where proposals go
     * @param options - identity, signer, channel and chaincode
     */
    constructor(transport: LedgerTransport, options: ClientOptions) {
        this.#transport = transport;
        this.#options = options;
    }

    /** The MSP id this client signs as. */
    get mspId(): string {
        return this.#options.identity.mspId;
    }

    async #propose(contract: string, fn: string, options: CallOptions): Promise<Uint8Array> {
        const proposal = await newSignedProposal(
            {
                channel: this.#options.channel,
                chaincode: this.#options.chaincode,
                fn: `${contract}:${fn}`,
                args: options.arguments ?? [],
                transientData: options.transientData,
                timestamp: options.timestamp,
            },
            this.#options.identity,
            this.#options.signer,
        );
        return proposal.bytes;
    }

    /**
     * Endorses, orders and commits a transaction; resolves once it is committed and valid.
     * @param contract - contract name
     * @param fn - transaction function
     * @param options - arguments, transient data
     * @throws EndorseError, CommitError, UnavailableError
     */
    async submit(contract: string, fn: string, options: CallOptions = {}): Promise<CommitResult> {
        return this.#transport.submit(await this.#propose(contract, fn, options));
    }

    /**
     * Runs a transaction function without ordering it.
     * @param contract - contract name
     * @param fn - transaction function
     * @param options - arguments, transient data
     * @throws EndorseError, UnavailableError
     */
    async evaluate(contract: string, fn: string, options: CallOptions = {}): Promise<Uint8Array> {
        return this.#transport.evaluate(await this.#propose(contract, fn, options));
    }

    /**
     * Chaincode events from a block on (the chain's start by default), then live.
     * @param options - `startBlock`
     */
    chaincodeEvents(options: { readonly startBlock?: bigint } = {}): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        return this.#transport.chaincodeEvents(options.startBlock ?? 0n);
    }

    /** Height and current block hash. */
    getChainInfo(): Promise<ChainInfo> {
        return this.#transport.info();
    }

    /** Re-checks the whole chain. */
    verifyChain(): Promise<ChainVerification> {
        return this.#transport.verify();
    }

    /**
     * A block's canonical JSON bytes.
     * @param number - block number
     */
    getBlock(number: bigint): Promise<Uint8Array | undefined> {
        return this.#transport.getBlock(number);
    }

    /** Releases the client (the transport stays open). */
    close(): void {
        // Nothing is held per client: the transport's lifetime is its owner's.
    }
}

/**
 * Builds the identity and signer for a member from its certificate and key.
 * @param member - MSP id, PEM certificate, private key
 */
export function toIdentityAndSigner(member: SigningIdentity): { identity: Identity; signer: Signer } {
    return {
        identity: { mspId: member.mspId, credentials: Buffer.from(member.certPem, 'utf8') },
        signer: newNativeSigner(member.privateKey),
    };
}
