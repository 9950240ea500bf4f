// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { EventEmitter, once } from 'node:events';
import { request } from 'node:https';
import {
    LedgerClient,
    newNativeSigner,
    newSignedProposal,
    toIdentityAndSigner,
    type LedgerTransport,
} from '../../../network/src/embedded';
import { CommitError, LedgerError, type CommitResult } from '../../../network/src/ledger';
import { newCertificateAuthority } from '../../../network/src/pki/ca';
import { RemoteLedgerTransport, type RemoteLedgerTls } from '../../../network/src/embedded/remote';
import {
    startLedgerServer,
    type LedgerServer,
    type LedgerServerLogEntry,
    type LedgerServerTls,
} from '../../../network/src/embedded/server';
import { MAX_PROPOSAL_BYTES } from '../../../network/src/embedded/wire';
import {
    CHANNEL_PATH,
    CHANNEL_PROTOCOL,
    ChannelOp,
    FrameReader,
    encodeFrame,
    type Frame,
} from '../../../network/src/embedded/channel';
import type { Socket } from 'node:net';
import type { ClientRequest } from 'node:http';
import { KvContract } from '../../fixtures/kv-contract';
import { newTestLedger, type TestLedger, type TestLedgerOptions } from '../../helpers/ledger';
import { newTestOrg, type TestIdentity } from '../../helpers/pki';

interface TlsFixture {
    readonly server: LedgerServerTls;
    readonly client: RemoteLedgerTls;
    /** A client pair from a TLS CA outside the region. */
    readonly outsider: RemoteLedgerTls;
}

let tlsFixture: Promise<TlsFixture> | undefined;

/** One region TLS CA (server and member client certificates) and one CA outside the region. */
function newTls(): Promise<TlsFixture> {
    tlsFixture ??= (async (): Promise<TlsFixture> => {
        const regionCa = await newCertificateAuthority({
            commonName: 'tlsca.region.test',
            organization: 'Org1MSP',
            kind: 'tlsca',
        });
        const outsideCa = await newCertificateAuthority({
            commonName: 'tlsca.outside.test',
            organization: 'Evil',
            kind: 'tlsca',
        });
        const server = await regionCa.issue({ commonName: 'orderer0.region.test', ou: 'orderer', kind: 'tls-server' });
        const client = await regionCa.issue({ commonName: 'gateway.org1.test', ou: 'client', kind: 'tls-client' });
        const outsider = await outsideCa.issue({ commonName: 'gateway.evil.test', ou: 'client', kind: 'tls-client' });
        return {
            server: { ...server, clientCaPems: [regionCa.certPem] },
            client: { caPem: regionCa.certPem, ...client },
            outsider: { caPem: regionCa.certPem, ...outsider },
        };
    })();
    return tlsFixture;
}

interface RawResponse {
    readonly status: number;
    readonly headers: Record<string, string | string[] | undefined>;
    readonly body: Buffer;
}

/** A request on a connection of its own, presenting the given TLS material. */
function newRequest(
    url: string,
    tls: Partial<RemoteLedgerTls>,
    options: { method?: string; path: string; headers?: Record<string, string> },
): ClientRequest {
    return request(new URL(options.path, url), {
        method: options.method ?? 'GET',
        headers: options.headers,
        ca: tls.caPem,
        cert: tls.certPem,
        key: tls.keyPem,
        agent: false,
    });
}

/** A plain HTTPS request, to send what the remote client never would. */
function rawRequest(
    url: string,
    tls: Partial<RemoteLedgerTls>,
    options: { method?: string; path: string; headers?: Record<string, string>; body?: Uint8Array },
): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
        const req = newRequest(url, tls, options);
        req.on('error', reject);
        req.on('response', (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
            });
        });
        req.end(options.body);
    });
}

/** A proposal channel opened by hand, to send what the remote client never would. */
interface RawChannel {
    send(id: number, code: number, payload: Uint8Array): void;
    write(bytes: Uint8Array): void;
    /** The next answer, in the order they arrive. */
    next(): Promise<Frame>;
    /** Resolves when the node closes the connection. */
    readonly closed: Promise<void>;
    destroy(): void;
}

function rawChannel(
    url: string,
    tls: RemoteLedgerTls,
    options: { path?: string; upgrade?: string } = {},
): Promise<RawChannel | number> {
    return new Promise((resolve, reject) => {
        const req = newRequest(url, tls, {
            path: options.path ?? CHANNEL_PATH,
            headers: { connection: 'Upgrade', upgrade: options.upgrade ?? CHANNEL_PROTOCOL },
        });
        req.on('error', reject);
        req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        });
        req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
            const reader = new FrameReader(MAX_PROPOSAL_BYTES);
            const arrived: Frame[] = [];
            const waiting: ((frame: Frame) => void)[] = [];
            const take = (chunk: Buffer): void => {
                arrived.push(...reader.push(chunk));
                while (arrived.length > 0 && waiting.length > 0) {
                    (waiting.shift() as (frame: Frame) => void)(arrived.shift() as Frame);
                }
            };
            socket.on('data', take);
            socket.on('error', () => undefined);
            take(head);
            resolve({
                send: (id, code, payload) => socket.write(encodeFrame(id, code, payload)),
                write: (bytes) => socket.write(bytes),
                next: () => {
                    const ready = arrived.shift();
                    return ready ? Promise.resolve(ready) : new Promise((done) => waiting.push(done));
                },
                closed: new Promise((done) => {
                    socket.once('close', () => {
                        done();
                    });
                }),
                destroy: () => socket.destroy(),
            });
        });
        req.end();
    });
}

function opened(channel: RawChannel | number): RawChannel {
    if (typeof channel === 'number') {
        assert.fail(`the upgrade was refused with ${channel}`);
    }
    return channel;
}

function errorOf(body: Buffer): { kind: string; code: string; message: string; txId?: string } {
    return (JSON.parse(body.toString('utf8')) as { error: { kind: string; code: string; message: string } }).error;
}

/** Runs a promise that must reject; returns the error's observable shape. */
async function failureOf(
    promise: Promise<unknown>,
): Promise<{ type: string; code: string; message: string; txId?: string }> {
    try {
        await promise;
    } catch (error) {
        assert.ok(error instanceof LedgerError, `expected a LedgerError, got ${String(error)}`);
        return { type: error.constructor.name, code: error.code, message: error.message, txId: error.txId };
    }
    assert.fail('expected a rejection');
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('ledger node over mutual TLS', () => {
    let t: TestLedger;
    let server: LedgerServer;
    let remote: RemoteLedgerTransport;
    let tls: TlsFixture;
    let alice: TestIdentity;
    let local: LedgerClient;
    let client: LedgerClient;
    const logs: LedgerServerLogEntry[] = [];
    const logEvents = new EventEmitter();

    async function serve(
        options: Partial<TestLedgerOptions> = {},
        ledger?: LedgerTransport,
        eventFlushMs?: number,
    ): Promise<void> {
        t = await newTestLedger({ contracts: [KvContract], ...options });
        server = await startLedgerServer({
            ledger: ledger ?? t.ledger,
            tls: tls.server,
            eventFlushMs,
            log: (entry) => {
                logs.push(entry);
                logEvents.emit(entry.event, entry);
            },
        });
        remote = new RemoteLedgerTransport({ url: server.url, tls: tls.client, timeoutMs: 10_000 });
        local = t.ledger.connect(alice);
        const binding = { channel: 'testchannel', chaincode: 'testcc' };
        client = new LedgerClient(remote, { ...toIdentityAndSigner(alice), ...binding });
    }

    /** The test ledger's calls, each submit waiting for `before` first. */
    function gatedSubmits(before: () => Promise<void>): LedgerTransport {
        return {
            evaluate: (p) => t.ledger.evaluate(p),
            submit: async (p) => {
                await before();
                return t.ledger.submit(p);
            },
            chaincodeEvents: (n) => t.ledger.chaincodeEvents(n),
            info: () => t.ledger.info(),
            verify: () => t.ledger.verify(),
            getBlock: (n) => t.ledger.getBlock(n),
        };
    }

    async function proposal(fn: string, args: string[], signer = alice): Promise<Uint8Array> {
        const { identity } = toIdentityAndSigner(alice);
        const request = { channel: 'testchannel', chaincode: 'testcc', fn: `kv:${fn}`, args };
        return (await newSignedProposal(request, identity, newNativeSigner(signer.privateKey))).bytes;
    }

    before(async () => {
        tls = await newTls();
        alice = await (await newTestOrg('Org1MSP')).identity('alice');
    });

    afterEach(async () => {
        remote.close();
        await server.close();
        await t.close();
        logs.length = 0;
    });

    describe('answers as the in-process ledger does', () => {
        beforeEach(async () => {
            await serve();
        });

        it('submits and evaluates with the same results, block numbers and chain info', async () => {
            const first = await client.submit('kv', 'put', { arguments: ['k', 'v1'] });
            const second = await client.submit('kv', 'putThenGet', { arguments: ['k', 'v2'] });
            assert.equal(first.blockNumber, 0n);
            assert.equal(second.blockNumber, 1n);
            assert.equal(text(second.result), 'v1');
            assert.equal(text(await client.evaluate('kv', 'get', { arguments: ['k'] })), 'v2');
            assert.equal(text(await local.evaluate('kv', 'get', { arguments: ['k'] })), 'v2');
            assert.deepEqual(await remote.info(), await t.ledger.info());
            assert.deepEqual(await remote.verify(), await t.ledger.verify());
            assert.deepEqual(await remote.getBlock(1n), await t.ledger.getBlock(1n));
            assert.equal(await remote.getBlock(2n), undefined);
        });

        it('raises the same error class, code, message and transaction id for a chaincode error', async () => {
            const bytes = await proposal('fail', ['NOT_FOUND']);
            const remoteFailure = await failureOf(remote.submit(bytes));
            assert.deepEqual(remoteFailure, await failureOf(t.ledger.submit(bytes)));
            assert.equal(remoteFailure.type, 'EndorseError');
            assert.equal(remoteFailure.code, 'NOT_FOUND');
            assert.ok(remoteFailure.txId);
            assert.deepEqual(await failureOf(remote.evaluate(bytes)), await failureOf(t.ledger.evaluate(bytes)));
        });

        it('raises the same BAD_SIGNATURE error for a proposal signed with another key', async () => {
            const mallory = await (await newTestOrg('Org1MSP')).identity('mallory');
            const bytes = await proposal('put', ['k', 'forged'], mallory);
            const remoteFailure = await failureOf(remote.submit(bytes));
            assert.deepEqual(remoteFailure, await failureOf(t.ledger.submit(bytes)));
            assert.equal(remoteFailure.code, 'BAD_SIGNATURE');
            assert.equal((await remote.info()).height, 0n);
        });

        it('raises DUPLICATE_TXID for a replayed proposal', async () => {
            const bytes = await proposal('put', ['k', 'once']);
            const committed: CommitResult = await remote.submit(bytes);
            const failure = await failureOf(remote.submit(bytes));
            assert.deepEqual(
                { type: failure.type, code: failure.code, txId: failure.txId },
                { type: 'EndorseError', code: 'DUPLICATE_TXID', txId: committed.txId },
            );
        });

        it('streams events from block N on, then live, and stops when closed', async () => {
            for (const name of ['e0', 'e1', 'e2']) {
                await client.submit('kv', 'emit', { arguments: [`key-${name}`, name] });
            }
            const events = await remote.chaincodeEvents(1n);
            const expected = await t.ledger.chaincodeEvents(1n);
            const iterator = events[Symbol.asyncIterator]();
            const expectedIterator = expected[Symbol.asyncIterator]();
            for (let i = 0; i < 2; i++) {
                assert.deepEqual((await iterator.next()).value, (await expectedIterator.next()).value);
            }
            expected.close();
            const live = iterator.next();
            await client.submit('kv', 'emit', { arguments: ['key-e3', 'e3'] });
            const event = (await live).value as { blockNumber: bigint; eventName: string };
            assert.deepEqual([event.blockNumber, event.eventName], [3n, 'e3']);
            events.close();
            assert.equal((await iterator.next()).done, true);
        });

        it('refuses a proposal over the size limit with 413, and the client refuses to send one', async () => {
            const response = await rawRequest(server.url, tls.client, {
                method: 'POST',
                path: '/v1/submit',
                headers: { 'content-type': 'application/octet-stream' },
                body: Buffer.alloc(MAX_PROPOSAL_BYTES + 1),
            });
            assert.equal(response.status, 413);
            assert.deepEqual(errorOf(response.body).code, 'PAYLOAD_TOO_LARGE');
            const failure = await failureOf(remote.submit(Buffer.alloc(MAX_PROPOSAL_BYTES + 1)));
            assert.deepEqual([failure.type, failure.code], ['EndorseError', 'PAYLOAD_TOO_LARGE']);
        });

        const badRequests: [
            string,
            { method?: string; path: string; headers?: Record<string, string> },
            number,
            string,
        ][] = [
            ['an unknown route', { path: '/v1/nothing' }, 404, 'NOT_FOUND'],
            ['a prototype name as route', { path: '/__proto__' }, 404, 'NOT_FOUND'],
            ['the wrong method', { path: '/v1/submit' }, 405, 'METHOD_NOT_ALLOWED'],
            ['a negative start block', { path: '/v1/events?startBlock=-1' }, 400, 'INVALID_INPUT'],
            ['a non-numeric start block', { path: '/v1/events?startBlock=1e3' }, 400, 'INVALID_INPUT'],
            ['a repeated start block', { path: '/v1/events?startBlock=1&startBlock=2' }, 400, 'INVALID_INPUT'],
            ['an unknown query parameter', { path: '/v1/info?debug=1' }, 400, 'INVALID_INPUT'],
            ['a block number with a sign', { path: '/v1/blocks/+1' }, 400, 'INVALID_INPUT'],
            ['a block number past 2^53', { path: '/v1/blocks/9007199254740993' }, 400, 'INVALID_INPUT'],
            ['a block past the head', { path: '/v1/blocks/0' }, 404, 'BLOCK_NOT_FOUND'],
            [
                'a proposal that is not octet-stream',
                { method: 'POST', path: '/v1/evaluate', headers: { 'content-type': 'application/json' } },
                415,
                'UNSUPPORTED_MEDIA_TYPE',
            ],
            [
                'a proposal that is not protobuf',
                { method: 'POST', path: '/v1/evaluate', headers: { 'content-type': 'application/octet-stream' } },
                400,
                'BAD_PROPOSAL',
            ],
        ];
        for (const [name, options, status, code] of badRequests) {
            it(`answers ${status} ${code} to ${name}`, async () => {
                const body = options.method === 'POST' ? Buffer.from('{}') : undefined;
                const response = await rawRequest(server.url, tls.client, { ...options, body });
                assert.equal(response.status, status);
                assert.equal(errorOf(response.body).code, code);
            });
        }
    });

    it('raises MVCC_READ_CONFLICT with the transaction id for the loser of a conflict', async () => {
        await serve({ maxBlockTransactions: 2, batchTimeoutMs: 10_000 });
        const results = await Promise.allSettled([
            client.submit('kv', 'increment', { arguments: ['n'] }),
            client.submit('kv', 'increment', { arguments: ['n'] }),
        ]);
        const rejected = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
        assert.equal(rejected.length, 1);
        const [error] = rejected;
        assert.ok(error instanceof CommitError);
        assert.equal(error.code, 'MVCC_READ_CONFLICT');
        assert.match(error.txId ?? '', /^[0-9a-f]{64}$/);
    });

    describe('proposal channel', () => {
        it('refuses an upgrade on another path or to another protocol', async () => {
            await serve();
            assert.equal(await rawChannel(server.url, tls.client, { path: '/v1/info' }), 404);
            assert.equal(await rawChannel(server.url, tls.client, { upgrade: 'websocket' }), 400);
        });

        it('answers an unknown operation with 400 INVALID_INPUT and keeps the channel open', async () => {
            await serve();
            await client.submit('kv', 'put', { arguments: ['k', 'v'] });
            const channel = opened(await rawChannel(server.url, tls.client));
            try {
                channel.send(1, 99, Buffer.from('x'));
                const refused = await channel.next();
                assert.deepEqual([refused.id, refused.code], [1, 400]);
                assert.equal(errorOf(refused.payload).code, 'INVALID_INPUT');
                channel.send(2, ChannelOp.evaluate, await proposal('get', ['k']));
                const answered = await channel.next();
                assert.deepEqual([answered.id, answered.code], [2, 200]);
                const body = JSON.parse(answered.payload.toString('utf8')) as { result: string };
                assert.equal(Buffer.from(body.result, 'base64').toString('utf8'), 'v');
            } finally {
                channel.destroy();
            }
        });

        it('answers in the order the ledger finishes, each with its request id', async () => {
            let release: () => void = () => undefined;
            const released = new Promise<void>((resolve) => (release = resolve));
            await serve(
                {},
                gatedSubmits(() => released),
            );
            const channel = opened(await rawChannel(server.url, tls.client));
            try {
                channel.send(7, ChannelOp.submit, await proposal('put', ['k', 'v']));
                channel.send(8, ChannelOp.evaluate, await proposal('get', ['k']));
                const first = await channel.next();
                assert.deepEqual([first.id, first.code], [8, 200]);
                release();
                const second = await channel.next();
                assert.deepEqual([second.id, second.code], [7, 200]);
                const body = JSON.parse(second.payload.toString('utf8')) as { blockNumber: string };
                assert.equal(body.blockNumber, '0');
            } finally {
                channel.destroy();
            }
        });

        it('ends the connection on a frame over the proposal size limit, and logs why', async () => {
            await serve();
            const channel = opened(await rawChannel(server.url, tls.client));
            const refused = once(logEvents, 'channel-refused');
            const header = Buffer.alloc(10);
            header.writeUInt32BE(MAX_PROPOSAL_BYTES + 1, 0);
            header.writeUInt16BE(ChannelOp.submit, 8);
            channel.write(header);
            await channel.closed;
            const [entry] = (await refused) as [LedgerServerLogEntry];
            assert.match(String(entry.reason), /over the limit/);
        });
    });

    describe('refuses clients outside the region at the TLS handshake', () => {
        beforeEach(async () => {
            await serve();
        });

        it('refuses a client certificate from a CA outside the region', async () => {
            const refused = once(logEvents, 'tls-refused');
            const outsider = new RemoteLedgerTransport({ url: server.url, tls: tls.outsider, timeoutMs: 5_000 });
            try {
                const failure = await failureOf(outsider.info());
                assert.deepEqual([failure.type, failure.code], ['UnavailableError', 'LEDGER_UNAVAILABLE']);
            } finally {
                outsider.close();
            }
            await refused;
            assert.ok(!logs.some((entry) => entry.event === 'request-failed'));
        });

        it('refuses a client without a certificate', async () => {
            const refused = once(logEvents, 'tls-refused');
            await assert.rejects(rawRequest(server.url, { caPem: tls.client.caPem }, { path: '/v1/info' }));
            await refused;
        });
    });

    describe('stopping', () => {
        it('holds a stream’s events for the flush interval, and sends them when the server closes', async () => {
            await serve({}, undefined, 10_000);
            const events = await remote.chaincodeEvents(0n);
            const iterator = events[Symbol.asyncIterator]();
            let received = 0;
            const first = iterator.next().then((result) => {
                received++;
                return result;
            });
            await client.submit('kv', 'emit', { arguments: ['key-e0', 'e0'] });
            await client.submit('kv', 'emit', { arguments: ['key-e1', 'e1'] });
            assert.equal(received, 0, 'two blocks committed, their events held');
            const closing = server.close();
            const second = iterator.next();
            const names = [await first, await second].map(
                (result) => (result.value as { eventName: string }).eventName,
            );
            assert.deepEqual(names, ['e0', 'e1']);
            assert.equal((await iterator.next()).done, true);
            await closing;
        });

        it('ends event streams, waits for a request in flight, then refuses connections', async () => {
            let arrived: () => void = () => undefined;
            let release: () => void = () => undefined;
            const arrival = new Promise<void>((resolve) => (arrived = resolve));
            const released = new Promise<void>((resolve) => (release = resolve));
            await serve(
                {},
                gatedSubmits(() => {
                    arrived();
                    return released;
                }),
            );
            const events = await remote.chaincodeEvents(0n);
            const nextEvent = events[Symbol.asyncIterator]().next();
            const submitted = client.submit('kv', 'emit', { arguments: ['k', 'stop'] });
            await arrival;
            let closed = false;
            const closing = server.close().then(() => (closed = true));
            assert.equal((await nextEvent).done, true, 'the event stream ends when the server closes');
            assert.equal(closed, false, 'close waits for the submit in flight');
            release();
            assert.equal((await submitted).blockNumber, 0n);
            await closing;
            const failure = await failureOf(remote.info());
            assert.equal(failure.type, 'UnavailableError');
        });

        it('answers an unexpected ledger failure with 503 and logs no stack', async () => {
            await serve(
                {},
                {
                    evaluate: (p) => t.ledger.evaluate(p),
                    submit: (p) => t.ledger.submit(p),
                    chaincodeEvents: (n) => t.ledger.chaincodeEvents(n),
                    info: () => Promise.reject(new TypeError('boom')),
                    verify: () => t.ledger.verify(),
                    getBlock: (n) => t.ledger.getBlock(n),
                },
            );
            const response = await rawRequest(server.url, tls.client, { path: '/v1/info' });
            assert.equal(response.status, 503);
            assert.deepEqual(errorOf(response.body), {
                kind: 'unavailable',
                code: 'LEDGER_UNAVAILABLE',
                message: 'Internal ledger node error',
            });
            const entry = logs.find((e) => e.event === 'internal-error');
            assert.deepEqual(entry, { level: 'error', event: 'internal-error', name: 'TypeError', message: 'boom' });
            assert.ok(!JSON.stringify(logs).includes('    at '));
            const failure = await failureOf(remote.info());
            assert.deepEqual([failure.type, failure.code], ['UnavailableError', 'LEDGER_UNAVAILABLE']);
        });
    });
});
