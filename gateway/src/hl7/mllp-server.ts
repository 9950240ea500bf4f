// SPDX-License-Identifier: Apache-2.0
/**
 * The MLLP listener (docs/api.md "HL7 v2 intake"): TCP, or TLS with the gateway's certificate, for the
 * hospital's integration engine. Each connection has its own framer; frames are taken as they arrive (the
 * inbox writes of several frames go to disk together) and answered in the order they came. A sender that
 * streams without waiting is slowed by pausing its socket while many answers are outstanding.
 *
 * Acknowledgments are built from the header as read from the raw bytes (ISO 8859-1) and encoded back the same
 * way, so the sender's own names in MSH-3/4 return byte for byte whatever its character set.
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { ackCodesFor, buildAck, type AckSender } from './ack';
import type { Intake, IntakeAnswer } from './intake';
import type { Hl7Metrics } from './metrics';
import { MllpFramer, toMllpFrame, type MllpChunk } from './mllp-framer';
import type { IdClock } from './store';

/** TLS material of the listener. */
export interface MllpTls {
    readonly cert: Buffer;
    readonly key: Buffer;
    /** When set, clients must present a certificate from this CA. */
    readonly clientCa?: Buffer;
}

/** What the listener needs. */
export interface MllpServerDeps {
    readonly intake: Intake;
    readonly sender: AckSender;
    readonly ackIds: IdClock;
    readonly clock: () => Date;
    readonly metrics: Hl7Metrics;
    readonly logger: Logger;
    readonly maxMessageBytes: number;
}

/** Outstanding answers per connection above which its socket is paused, and below which it resumes. */
const PAUSE_AT = 512;
const RESUME_AT = 128;

const INTERNAL_ERROR: IntakeAnswer = {
    outcome: {
        code: 'AE',
        stored: false,
        error: { code: '207', text: 'the message could not be stored; send it again' },
    },
};

/** One connection: frames in, acknowledgments out in order. */
class MllpConnection {
    readonly #socket: Socket;
    readonly #deps: MllpServerDeps;
    readonly #framer: MllpFramer;
    readonly #address: string;
    #tail: Promise<void> = Promise.resolve();
    #outstanding = 0;

    constructor(socket: Socket, deps: MllpServerDeps) {
        this.#socket = socket;
        this.#deps = deps;
        this.#framer = new MllpFramer(deps.maxMessageBytes);
        this.#address = `${socket.remoteAddress ?? ''}:${String(socket.remotePort ?? '')}`;
        socket.on('data', (chunk: Buffer) => {
            for (const item of this.#framer.push(chunk)) {
                this.#take(item);
            }
        });
        socket.on('error', (error) => {
            deps.logger.warn({ err: error, address: this.#address }, 'MLLP connection error');
        });
    }

    #take(item: MllpChunk): void {
        const started = process.hrtime.bigint();
        const answer =
            item.kind === 'frame'
                ? this.#deps.intake.receive(item.bytes, this.#address).catch((error: unknown) => {
                      this.#deps.logger.error({ err: error }, 'an HL7 message could not be taken');
                      return INTERNAL_ERROR;
                  })
                : Promise.resolve(this.#deps.intake.oversized(item.head));
        this.#outstanding += 1;
        if (this.#outstanding >= PAUSE_AT) {
            this.#socket.pause();
        }
        this.#tail = this.#tail.then(async () => {
            this.#reply(await answer);
            this.#deps.metrics.ackSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
            this.#outstanding -= 1;
            if (this.#outstanding <= RESUME_AT && this.#socket.isPaused()) {
                this.#socket.resume();
            }
        });
    }

    #reply(answer: IntakeAnswer): void {
        if (answer.ignore === true || this.#socket.destroyed) {
            return;
        }
        const now = this.#deps.clock();
        for (const code of ackCodesFor(answer.header, answer.outcome)) {
            const text = buildAck(answer.header, code, answer.outcome, {
                sender: this.#deps.sender,
                controlId: this.#deps.ackIds.next(now),
                now,
            });
            this.#socket.write(toMllpFrame(Buffer.from(text, 'latin1')));
            this.#deps.metrics.acks.inc({ code });
        }
    }
}

/** A running listener. */
export interface MllpListener {
    /** `mllp://host:port` (`mllps://` over TLS). */
    readonly url: string;
    close(): Promise<void>;
}

/**
 * Starts the MLLP listener.
 * @param address - host and port (0: a free one)
 * @param deps - intake, names, metrics, logger
 * @param tls - TLS material, for MLLP over TLS
 */
export async function startMllpListener(
    address: { readonly host: string; readonly port: number },
    deps: MllpServerDeps,
    tls?: MllpTls,
): Promise<MllpListener> {
    const sockets = new Set<Socket>();
    const onSocket = (socket: Socket): void => {
        sockets.add(socket);
        socket.on('close', () => {
            sockets.delete(socket);
        });
        new MllpConnection(socket, deps);
    };
    const server: Server =
        tls === undefined
            ? createTcpServer(onSocket)
            : createTlsServer(
                  {
                      cert: tls.cert,
                      key: tls.key,
                      minVersion: 'TLSv1.2',
                      ...(tls.clientCa === undefined
                          ? {}
                          : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }),
                  },
                  onSocket,
              );
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(address.port, address.host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    server.on('error', (error) => {
        deps.logger.error({ err: error }, 'MLLP listener error');
    });
    const bound = server.address();
    const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
    const host = address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host;
    return {
        url: `${tls === undefined ? 'mllp' : 'mllps'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
        close: async () => {
            const closed = new Promise<void>((resolve) => {
                server.close(() => {
                    resolve();
                });
            });
            sockets.forEach((socket) => socket.destroy());
            await closed;
        },
    };
}
