// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { PinMismatchError, PinnedAgents } from '../../../gateway/src/p2p/agents';
import { P2pClient, PeerUnreachableError } from '../../../gateway/src/p2p/client';
import { newCertificateAuthority, type IssuedCertificate } from '../../../network/src/pki/ca';

interface TestServer {
    readonly url: string;
    /** TCP connections accepted so far. */
    connections(): number;
    close(): Promise<void>;
}

/**
 * A custodian-like server over mutual TLS answering `{ok: true}`; `dropRepeat` makes it close, unanswered, a
 * connection on its second request, as a custodian does with a connection it has just timed out.
 */
async function startServer(
    tls: IssuedCertificate,
    caPems: readonly string[],
    options: { readonly dropRepeat?: boolean } = {},
): Promise<TestServer> {
    const served = new WeakMap<Socket, number>();
    let connections = 0;
    const server: Server = createServer(
        { cert: tls.certPem, key: tls.keyPem, ca: [...caPems], requestCert: true, rejectUnauthorized: true },
        (req, res) => {
            const count = (served.get(req.socket) ?? 0) + 1;
            served.set(req.socket, count);
            req.resume();
            req.on('end', () => {
                if (options.dropRepeat === true && count > 1) {
                    req.socket.destroy();
                    return;
                }
                res.setHeader('content-type', 'application/json');
                res.end(JSON.stringify({ ok: true, connection: connections }));
            });
        },
    );
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
        connections: () => connections,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => {
                    resolve();
                });
            }),
    };
}

describe('p2p keep-alive agents pinned to certificates', function () {
    this.timeout(30_000);
    let caPem: string;
    let custodian: IssuedCertificate;
    let impostor: IssuedCertificate;
    let requester: IssuedCertificate;
    const closers: (() => Promise<void> | void)[] = [];

    before(async () => {
        const ca = await newCertificateAuthority({ commonName: 'tlsca.test', organization: 'Test', kind: 'tlsca' });
        caPem = ca.certPem;
        custodian = await ca.issue({ commonName: 'gateway.custodian', ou: 'client', kind: 'tls-both' });
        impostor = await ca.issue({ commonName: 'gateway.custodian', ou: 'client', kind: 'tls-both' });
        requester = await ca.issue({ commonName: 'gateway.requester', ou: 'client', kind: 'tls-both' });
    });
    afterEach(async () => {
        for (const close of closers.splice(0).reverse()) {
            await close();
        }
    });

    function newClient(): P2pClient {
        const options = { certPem: requester.certPem, keyPem: requester.keyPem, caPems: [caPem] };
        const client = new P2pClient({ ...options, timeoutMs: 10_000, maxResponseBytes: 1 << 20 });
        closers.push(() => {
            client.close();
        });
        return client;
    }

    async function newServer(tls: IssuedCertificate, options?: { dropRepeat?: boolean }): Promise<TestServer> {
        const server = await startServer(tls, [caPem], options);
        closers.push(() => server.close());
        return server;
    }

    it('gives one agent per pinned certificate', () => {
        const agents = new PinnedAgents({ certPem: requester.certPem, keyPem: requester.keyPem, caPems: [caPem] });
        closers.push(() => {
            agents.close();
        });
        const first = agents.agentFor(custodian.certPem);
        assert.equal(agents.agentFor(custodian.certPem), first);
        assert.notEqual(agents.agentFor(impostor.certPem), first);
        assert.equal(agents.size, 2);
    });

    it('closes the least recently used agent beyond its size', () => {
        const agents = new PinnedAgents({
            certPem: requester.certPem,
            keyPem: requester.keyPem,
            caPems: [caPem],
            maxAgents: 2,
        });
        closers.push(() => {
            agents.close();
        });
        const a = agents.agentFor(custodian.certPem);
        const b = agents.agentFor(impostor.certPem);
        assert.equal(agents.agentFor(custodian.certPem), a);
        agents.agentFor(requester.certPem);
        assert.equal(agents.size, 2);
        assert.notEqual(agents.agentFor(impostor.certPem), b, 'the least recently used agent was closed');
    });

    it('keeps one connection for successive requests to the same pinned custodian', async () => {
        const server = await newServer(custodian);
        const client = newClient();
        const peer = { p2pUrl: server.url, tlsCertPem: custodian.certPem };
        for (let i = 0; i < 3; i++) {
            const response = await client.requestDelivery(peer, 'rec-1', `access-${i}`);
            assert.equal(response.status, 200);
        }
        assert.equal(server.connections(), 1);
    });

    it('checks the pin on each new connection and refuses a server presenting another certificate', async () => {
        const server = await newServer(impostor);
        const client = newClient();
        await assert.rejects(
            client.requestDelivery({ p2pUrl: server.url, tlsCertPem: custodian.certPem }, 'rec-1', 'access-1'),
            (error: unknown) => error instanceof PeerUnreachableError && error.cause instanceof PinMismatchError,
        );
    });

    it('opens a new connection, checked against the new pin, when the ledger names another certificate', async () => {
        const server = await newServer(custodian);
        const client = newClient();
        await client.requestDelivery({ p2pUrl: server.url, tlsCertPem: custodian.certPem }, 'rec-1', 'access-1');
        assert.equal(server.connections(), 1);
        // The ledger now pins another certificate for the same address: the kept connection, verified for the
        // old pin, is not used, and the new handshake fails against the new pin.
        await assert.rejects(
            client.requestDelivery({ p2pUrl: server.url, tlsCertPem: impostor.certPem }, 'rec-1', 'access-2'),
            PeerUnreachableError,
        );
        assert.equal(server.connections(), 2);
    });

    it('sends a request again, once, on a new connection when a kept-alive one was closed under it', async () => {
        const server = await newServer(custodian, { dropRepeat: true });
        const client = newClient();
        const peer = { p2pUrl: server.url, tlsCertPem: custodian.certPem };
        await client.requestDelivery(peer, 'rec-1', 'access-1');
        const again = await client.requestDelivery(peer, 'rec-1', 'access-2');
        assert.equal(again.status, 200);
        assert.equal(server.connections(), 2);
    });
});
