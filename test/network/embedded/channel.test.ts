// SPDX-License-Identifier: Apache-2.0
/**
 * The proposal channel's framing, and its client against a stand-in node that answers as the test says: in
 * another order, late, not at all, or by closing the connection.
 */
import { strict as assert } from 'node:assert';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import fc from 'fast-check';
import { UnavailableError } from '../../../network/src/ledger';
import {
    CHANNEL_PROTOCOL,
    ChannelOp,
    FrameError,
    FrameReader,
    encodeFrame,
    type Frame,
} from '../../../network/src/embedded/channel';
import { ProposalChannelClient, type ChannelTls } from '../../../network/src/embedded/channel-client';
import { ChannelSession } from '../../../network/src/embedded/channel-session';
import { newTestTls } from '../../helpers/pki';

describe('proposal channel frames', () => {
    const frameArbitrary = fc.record({
        id: fc.integer({ min: 0, max: 0xffff_ffff }),
        code: fc.integer({ min: 0, max: 0xffff }),
        payload: fc.uint8Array({ maxLength: 300 }),
    });

    it('decodes the frames written, however the bytes are cut into chunks', () => {
        fc.assert(
            fc.property(
                fc.array(frameArbitrary, { maxLength: 8 }),
                fc.array(fc.nat(), { maxLength: 12 }),
                (frames, cuts) => {
                    const bytes = Buffer.concat(frames.map((f) => encodeFrame(f.id, f.code, f.payload)));
                    const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
                    const reader = new FrameReader(300);
                    const decoded: Frame[] = [];
                    let start = 0;
                    for (const point of [...points, bytes.length]) {
                        decoded.push(...reader.push(bytes.subarray(start, point)));
                        start = point;
                    }
                    assert.deepEqual(
                        decoded.map((f) => ({ id: f.id, code: f.code, payload: new Uint8Array(f.payload) })),
                        frames.map((f) => ({ id: f.id, code: f.code, payload: new Uint8Array(f.payload) })),
                    );
                },
            ),
        );
    });

    it('refuses a frame that declares a payload over the limit, before its bytes arrive', () => {
        const reader = new FrameReader(16);
        assert.equal(reader.push(encodeFrame(1, 1, Buffer.alloc(16))).length, 1);
        const header = encodeFrame(2, 1, Buffer.alloc(17)).subarray(0, 10);
        assert.throws(() => reader.push(header), FrameError);
    });
});

interface Fixture {
    readonly serverPair: { readonly certPem: string; readonly keyPem: string; readonly caPem: string };
    readonly client: ChannelTls;
}

/** One TLS CA's `tls-both` certificate serves as both the stand-in node's and the client's. */
async function newFixture(): Promise<Fixture> {
    const { ca, gateway } = await newTestTls('ChannelTestMSP');
    return { serverPair: { ...gateway, caPem: ca.certPem }, client: { caPem: ca.certPem, ...gateway } };
}

/** A connection to the stand-in node, after the client's upgrade request. */
interface StandInConnection {
    readonly socket: TLSSocket;
    /** Frames received so far; `next()` waits for more. */
    readonly frames: Frame[];
    next(count: number): Promise<Frame[]>;
    answer(id: number, status: number, body: unknown): void;
}

/** A TLS server that speaks the upgrade and hands each connection to the test. */
class StandInNode {
    readonly server: Server;
    readonly connections: StandInConnection[] = [];
    readonly #waiting: ((connection: StandInConnection) => void)[] = [];
    readonly #all = new Set<TLSSocket>();

    constructor(fixture: Fixture, upgradeAnswer: string) {
        this.server = createServer(
            {
                cert: fixture.serverPair.certPem,
                key: fixture.serverPair.keyPem,
                ca: fixture.serverPair.caPem,
                requestCert: true,
                rejectUnauthorized: true,
            },
            (socket) => {
                this.#accept(socket, upgradeAnswer);
            },
        );
    }

    get url(): URL {
        return new URL(`https://127.0.0.1:${(this.server.address() as AddressInfo).port}`);
    }

    async listen(): Promise<void> {
        this.server.listen(0, '127.0.0.1');
        await once(this.server, 'listening');
    }

    nextConnection(): Promise<StandInConnection> {
        const ready = this.connections.shift();
        return ready ? Promise.resolve(ready) : new Promise((resolve) => this.#waiting.push(resolve));
    }

    async close(): Promise<void> {
        const closed = new Promise((resolve) => this.server.close(resolve));
        for (const socket of this.#all) {
            socket.destroy();
        }
        await closed;
    }

    #accept(socket: TLSSocket, upgradeAnswer: string): void {
        this.#all.add(socket);
        let head = Buffer.alloc(0);
        const reader = new FrameReader(1024 * 1024);
        const frames: Frame[] = [];
        const wanted: { count: number; resolve: (frames: Frame[]) => void }[] = [];
        const settle = (): void => {
            for (const want of [...wanted]) {
                if (frames.length >= want.count) {
                    wanted.splice(wanted.indexOf(want), 1);
                    want.resolve(frames.slice(0, want.count));
                }
            }
        };
        const connection: StandInConnection = {
            socket,
            frames,
            next: (count) =>
                new Promise((resolve) => {
                    wanted.push({ count, resolve });
                    settle();
                }),
            answer: (id, status, body) => {
                socket.write(encodeFrame(id, status, Buffer.from(JSON.stringify(body))));
            },
        };
        let upgraded = false;
        socket.on('error', () => undefined);
        socket.on('data', (chunk: Buffer) => {
            if (upgraded) {
                frames.push(...reader.push(chunk));
                settle();
                return;
            }
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) {
                return;
            }
            upgraded = true;
            socket.write(upgradeAnswer);
            frames.push(...reader.push(head.subarray(end + 4)));
            const waiter = this.#waiting.shift();
            if (waiter) {
                waiter(connection);
            } else {
                this.connections.push(connection);
            }
            settle();
        });
    }
}

const UPGRADED = `HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${CHANNEL_PROTOCOL}\r\n\r\n`;
const expired = (): Error => new UnavailableError('expired');
const bodyOf = (answer: { body: Buffer }): unknown => JSON.parse(answer.body.toString('utf8'));

/** The socket a session reads and writes, recording what the session does with it. */
class FakeSocket extends EventEmitter {
    readonly calls: string[] = [];
    readonly written: Frame[] = [];
    readonly destroyed = false;
    readonly writable = true;
    readonly #reader = new FrameReader(1024);

    setNoDelay(): void {}
    cork(): void {}
    uncork(): void {}
    pause(): void {
        this.calls.push('pause');
    }
    resume(): void {
        this.calls.push('resume');
    }
    destroy(): void {
        this.calls.push('destroy');
    }
    write(bytes: Buffer): boolean {
        const frames = this.#reader.push(bytes);
        this.written.push(...frames);
        for (const frame of frames) {
            this.calls.push(`answer ${frame.id}`);
        }
        return true;
    }
}

describe("proposal channel session (the node's side)", () => {
    it('stops reading the connection while the most requests allowed wait, and reads again after an answer', async () => {
        const socket = new FakeSocket();
        const gates: (() => void)[] = [];
        const tracked: Promise<void>[] = [];
        new ChannelSession(socket as unknown as Socket, Buffer.alloc(0), {
            answer: async () => {
                await new Promise<void>((resolve) => gates.push(resolve));
                return { status: 200, body: Buffer.from('{}') };
            },
            track: (answer) => tracked.push(answer),
            log: () => undefined,
            maxInFlight: 2,
        });
        socket.emit('data', encodeFrame(1, ChannelOp.submit, Buffer.from('a')));
        assert.deepEqual(socket.calls, []);
        socket.emit('data', encodeFrame(2, ChannelOp.evaluate, Buffer.from('b')));
        assert.deepEqual(socket.calls, ['pause']);
        gates[1]?.();
        await tracked[1];
        assert.deepEqual(socket.calls, ['pause', 'answer 2', 'resume']);
        gates[0]?.();
        await tracked[0];
        assert.deepEqual(socket.calls, ['pause', 'answer 2', 'resume', 'answer 1']);
    });

    it('answers an unknown operation at once, and ends the connection on a frame over the size limit', () => {
        const socket = new FakeSocket();
        const logged: string[] = [];
        new ChannelSession(socket as unknown as Socket, encodeFrame(5, 77, Buffer.from('x')), {
            answer: () => Promise.reject(new Error('not called')),
            track: () => undefined,
            log: (entry) => logged.push(entry.event),
        });
        assert.deepEqual(socket.calls, ['answer 5']);
        assert.equal(socket.written[0]?.code, 400);
        const header = Buffer.alloc(10);
        header.writeUInt32BE(2 * 1024 * 1024, 0);
        socket.emit('data', header);
        assert.deepEqual(socket.calls, ['answer 5', 'destroy']);
        assert.deepEqual(logged, ['channel-refused']);
    });
});

describe('proposal channel client', function () {
    this.timeout(20_000);
    let fixture: Fixture;
    let node: StandInNode;
    let channel: ProposalChannelClient | undefined;
    let done: number;
    let answers: number;

    before(async () => {
        fixture = await newFixture();
    });

    function open(openTimeoutMs = 10_000): ProposalChannelClient {
        done = 0;
        answers = 0;
        channel = new ProposalChannelClient(node.url, fixture.client, {
            onAnswer: () => (answers += 1),
            onDone: () => (done += 1),
            openTimeoutMs,
        });
        return channel;
    }

    afterEach(async () => {
        channel?.destroy(new Error('test over'));
        channel = undefined;
        await node.close();
    });

    it('sends the requests made before the upgrade, and matches answers given in another order', async () => {
        node = new StandInNode(fixture, UPGRADED);
        await node.listen();
        const client = open();
        const first = client.call('submit', Buffer.from('one'), 10_000, expired);
        const second = client.call('evaluate', Buffer.from('two'), 10_000, expired);
        const connection = await node.nextConnection();
        const [a, b] = await connection.next(2);
        assert.ok(a && b);
        assert.deepEqual([a.code, a.payload.toString()], [ChannelOp.submit, 'one']);
        assert.deepEqual([b.code, b.payload.toString()], [ChannelOp.evaluate, 'two']);
        connection.answer(b.id, 200, { result: 'second' });
        connection.answer(a.id, 409, { error: 'first' });
        assert.deepEqual(bodyOf(await second), { result: 'second' });
        const answered = await first;
        assert.equal(answered.status, 409);
        assert.deepEqual(bodyOf(answered), { error: 'first' });
        assert.equal(answers, 2);
        assert.equal(done, 0);
    });

    it('rejects a request past its deadline and drops its late answer; the channel goes on', async () => {
        node = new StandInNode(fixture, UPGRADED);
        await node.listen();
        const client = open();
        const late = client.call('evaluate', Buffer.from('late'), 50, expired);
        const connection = await node.nextConnection();
        await assert.rejects(late, /expired/);
        const [lateFrame] = await connection.next(1);
        assert.ok(lateFrame);
        connection.answer(lateFrame.id, 200, { result: 'too late' });
        const next = client.call('evaluate', Buffer.from('next'), 10_000, expired);
        const [, nextFrame] = await connection.next(2);
        assert.ok(nextFrame);
        assert.notEqual(nextFrame.id, lateFrame.id);
        connection.answer(nextFrame.id, 200, { result: 'on time' });
        assert.deepEqual(bodyOf(await next), { result: 'on time' });
        assert.equal(done, 0);
    });

    it('rejects every waiting request when the node closes the connection, and is done', async () => {
        node = new StandInNode(fixture, UPGRADED);
        await node.listen();
        const client = open();
        const waiting = [1, 2, 3].map((n) => client.call('submit', Buffer.from(`p${n}`), 10_000, expired));
        const connection = await node.nextConnection();
        await connection.next(3);
        connection.socket.destroy();
        for (const call of waiting) {
            await assert.rejects(call, UnavailableError);
        }
        assert.equal(done, 1);
        await assert.rejects(client.call('evaluate', Buffer.from('after'), 10_000, expired), /closed/);
    });

    it('rejects with the status when the node refuses the upgrade', async () => {
        node = new StandInNode(fixture, 'HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        await node.listen();
        const client = open();
        await assert.rejects(client.call('evaluate', Buffer.from('x'), 10_000, expired), (error: unknown) => {
            assert.ok(error instanceof UnavailableError);
            assert.match(error.message, /HTTP 404/);
            return true;
        });
        assert.equal(done, 1);
    });

    it('ends a connection that is not upgraded in time, failing the requests waiting on it', async () => {
        node = new StandInNode(fixture, '');
        await node.listen();
        const client = open(100);
        const call = client.call('evaluate', Buffer.from('x'), 10_000, expired);
        await assert.rejects(call, /did not open the proposal channel within 100 ms/);
        assert.equal(done, 1);
    });

    it('ends the channel when the node breaks the framing', async () => {
        node = new StandInNode(fixture, UPGRADED);
        await node.listen();
        const client = open();
        const call = client.call('evaluate', Buffer.from('x'), 10_000, expired);
        const connection = await node.nextConnection();
        const header = Buffer.alloc(10);
        header.writeUInt32BE(0xffff_ffff, 0);
        connection.socket.write(header);
        await assert.rejects(call, /framing/);
        assert.equal(done, 1);
    });
});
