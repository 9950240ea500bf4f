// SPDX-License-Identifier: Apache-2.0
/**
 * A client bound to one identity, in the shape of `@hyperledger/fabric-gateway`'s contract API: it builds
 * and signs proposals locally and hands them to a {@link LedgerTransport} — the in-process ledger, or the
 * ledger node over mutual TLS. The private key never leaves the caller. It is the embedded ledger's
 * implementation of the {@link Ledger} interface (`network/src/ledger`), and fails with that interface's
 * errors, which the ledger and its transports throw as they are.
 */
import type { KeyObject } from 'node:crypto';
import { newSignedProposal, type Identity, type Signer } from './proposal';
import { newNativeSigner } from './signer';
import type {
    CallOptions,
    ChainInfo,
    ChainVerification,
    ChaincodeEvent,
    CloseableAsyncIterable,
    CommitResult,
    Ledger,
} from '../ledger';
import type { LedgerTransport } from './transport';

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
    /**
     * Run by `close()`: closes what the client's owner wants closed with it, such as a transport opened for
     * this client alone. By default nothing is: a transport shared by several clients stays open.
     */
    readonly onClose?: () => void;
}

/** The ledger as one organisation member sees it. */
export class LedgerClient implements Ledger {
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

    /** Releases the client: runs `onClose`, if given; otherwise the transport's lifetime is its owner's. */
    close(): void {
        this.#options.onClose?.();
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
