// SPDX-License-Identifier: Apache-2.0
/**
 * Keep-alive connections to custodians, one HTTPS agent per pinned certificate. Every connection an agent
 * opens is checked against that agent's pin in its own TLS handshake (a resumed session was established
 * under the same pin, by the same agent), so a request never travels over a connection verified for another
 * certificate: when the ledger names a new certificate for a custodian, the next fetch gets a new agent and
 * new connections. This gateway's TLS material is parsed once, into one secure context shared by every agent.
 */
import { Agent } from 'node:https';
import { createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import { toCertificateDer } from './certificates';

/** This gateway's TLS material and how long idle connections are kept. */
export interface PinnedAgentsOptions {
    readonly certPem: string;
    readonly keyPem: string;
    /** Every region TLS CA certificate: a custodian's chain must end at one of them. */
    readonly caPems: readonly string[];
    /** Idle connections are closed after this long (keep it below the custodians' keep-alive timeout). */
    readonly idleMs?: number;
    /** Most agents kept; the least recently used one is closed beyond (default 64). */
    readonly maxAgents?: number;
}

/** Thrown by a handshake whose peer presents a certificate other than the pinned one. */
export class PinMismatchError extends Error {
    constructor() {
        super('The custodian presented a certificate other than its pinned one');
        this.name = 'PinMismatchError';
    }
}

/**
 * A pin check for `checkServerIdentity`: the pin replaces the host name check, since the ledger names the one
 * certificate this peer may present.
 * @param pinnedDer - the pinned certificate's DER
 */
function pinCheck(pinnedDer: Buffer): (host: string, cert: PeerCertificate) => Error | undefined {
    return (_host, cert) => (pinnedDer.equals(cert.raw) ? undefined : new PinMismatchError());
}

/** Keep-alive agents by pinned certificate. */
export class PinnedAgents {
    readonly #options: PinnedAgentsOptions;
    readonly #agents = new Map<string, Agent>();
    #context: SecureContext | undefined;

    /**
     * @param options - this gateway's TLS material, idle time, size
     */
    constructor(options: PinnedAgentsOptions) {
        this.#options = options;
    }

    /** How many agents are kept. */
    get size(): number {
        return this.#agents.size;
    }

    /**
     * The agent whose connections are pinned to a certificate.
     * @param pinnedPem - the certificate the ledger names for the peer
     * @throws Error when the PEM is not a certificate
     */
    agentFor(pinnedPem: string): Agent {
        // Keyed by the PEM text as the ledger returns it, so a fetch parses no certificate: two texts of
        // one certificate would get two agents pinned alike, which is harmless.
        const known = this.#agents.get(pinnedPem);
        if (known !== undefined) {
            // Most recently used last, so the first is the one to close.
            this.#agents.delete(pinnedPem);
            this.#agents.set(pinnedPem, known);
            return known;
        }
        const agent = this.#newAgent(toCertificateDer(pinnedPem));
        this.#agents.set(pinnedPem, agent);
        this.#evict();
        return agent;
    }

    /** Closes every agent and its connections. */
    close(): void {
        for (const agent of this.#agents.values()) {
            agent.destroy();
        }
        this.#agents.clear();
    }

    #newAgent(pinnedDer: Buffer): Agent {
        this.#context ??= createSecureContext({
            cert: this.#options.certPem,
            key: this.#options.keyPem,
            ca: [...this.#options.caPems],
            minVersion: 'TLSv1.2',
        });
        return new Agent({
            keepAlive: true,
            timeout: this.#options.idleMs ?? 20_000,
            secureContext: this.#context,
            rejectUnauthorized: true,
            checkServerIdentity: pinCheck(pinnedDer),
        });
    }

    #evict(): void {
        const max = this.#options.maxAgents ?? 64;
        for (const [key, agent] of this.#agents) {
            if (this.#agents.size <= max) {
                return;
            }
            agent.destroy();
            this.#agents.delete(key);
        }
    }
}
