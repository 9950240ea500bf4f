// SPDX-License-Identifier: Apache-2.0
/**
 * The receiving side of the HL7 feed (docs/design.md "HL7 v2 intake"): for each frame, the answer and what is
 * kept before it is sent.
 *
 * - A frame without a readable MSH, a message for another facility or application (MSH-5/6), a test or
 *   debugging message (MSH-11), another HL7 version, a type the gateway does not take, or a character set it
 *   cannot decode is refused `AR` and not kept: it is not this hospital's to keep.
 * - A message that cannot be decoded or mapped is answered `AE` with an ERR segment and kept, bytes and reason,
 *   in the error queue, where an operator can read it and have it processed again.
 * - Anything else is written to the inbox (raw bytes sealed, metadata, duplicate key, work queue) in one synced
 *   batch, and only then answered `AA`; it is processed and anchored afterwards.
 * - A message whose (MSH-3, MSH-4, MSH-10) was seen before gets the answer it got then and is not processed
 *   again, including while the first copy is still being written.
 */
import type { Logger } from 'pino';
import type { AckError, AckOutcome } from './ack';
import type { GroupWriter } from './group-writer';
import { readRawHeader, type V2Header } from './header';
import type { Hl7Metrics } from './metrics';
import { unsupportedType, type MappedMessage } from './mapping';
import { Hl7ReadError, readMessage, type ReadSettings } from './reader';
import type { Hl7Store, IdClock, MessageMeta } from './store';

/** Who this gateway is to the feed. */
export interface IntakeSettings {
    /** MSH-6 must be empty or this. */
    readonly facility: string;
    /** MSH-5 must be empty or this, when set. */
    readonly application?: string;
    readonly read: ReadSettings;
    /** Largest frame, bytes (for the text of a refusal). */
    readonly maxMessageBytes: number;
}

/** The answer to one frame. */
export interface IntakeAnswer {
    /** The header read, when there was one. */
    readonly header?: V2Header;
    readonly outcome: AckOutcome;
    /** The inbox id, when kept. */
    readonly messageId?: string;
    /** An acknowledgment from the sender (enhanced mode): not answered. */
    readonly ignore?: boolean;
}

/** What the intake needs. */
export interface IntakeDeps {
    readonly store: Hl7Store;
    readonly writer: GroupWriter;
    readonly ids: IdClock;
    readonly clock: () => Date;
    readonly metrics: Hl7Metrics;
    readonly logger: Logger;
    /** Told when a message was put in the work queue, with its mapping. */
    readonly onQueued: (messageId: string, mapped: MappedMessage) => void;
}

function refuse(header: V2Header | undefined, error: AckError): IntakeAnswer {
    return { ...(header === undefined ? {} : { header }), outcome: { code: 'AR', error, stored: false } };
}

/**
 * Why a message is not this gateway's to take, or undefined.
 * @param header - the message's header
 * @param settings - facility and application
 */
export function refusalOf(header: V2Header, settings: IntakeSettings): AckError | undefined {
    const unsupported = unsupportedType(header);
    return (
        addressRefusal(header, settings) ??
        kindRefusal(header) ??
        (unsupported === undefined ? undefined : { ...unsupported, location: 'MSH^1^9' })
    );
}

function addressRefusal(header: V2Header, settings: IntakeSettings): AckError | undefined {
    if (header.receivingFacility !== '' && header.receivingFacility !== settings.facility) {
        return { code: '207', text: 'MSH-6 names another receiving facility', location: 'MSH^1^6' };
    }
    const application = settings.application;
    if (
        application !== undefined &&
        header.receivingApplication !== '' &&
        header.receivingApplication !== application
    ) {
        return { code: '207', text: 'MSH-5 names another receiving application', location: 'MSH^1^5' };
    }
    return undefined;
}

function kindRefusal(header: V2Header): AckError | undefined {
    if (header.processingId !== '' && header.processingId !== 'P') {
        return { code: '202', text: 'only production messages (MSH-11 P) are taken', location: 'MSH^1^11' };
    }
    if (header.version !== '' && !header.version.startsWith('2.')) {
        return { code: '203', text: 'only HL7 version 2 messages are taken', location: 'MSH^1^12' };
    }
    return undefined;
}

/** Accepts frames into the inbox. */
export class Intake {
    readonly #settings: IntakeSettings;
    readonly #deps: IntakeDeps;
    readonly #inFlight = new Map<string, Promise<IntakeAnswer>>();

    /**
     * @param settings - facility, application, reading
     * @param deps - store, writer, clock, metrics, logger
     */
    constructor(settings: IntakeSettings, deps: IntakeDeps) {
        this.#settings = settings;
        this.#deps = deps;
    }

    /**
     * The answer to a frame too large to take: refused, with its header when the first bytes hold one.
     * @param head - the frame's first bytes
     */
    oversized(head: Buffer): IntakeAnswer {
        this.#deps.metrics.received.inc({ type: 'oversized' });
        let header: V2Header | undefined;
        try {
            header = readRawHeader(head);
        } catch {
            header = undefined;
        }
        return refuse(header, {
            code: '207',
            text: `the message is larger than ${this.#settings.maxMessageBytes} bytes`,
        });
    }

    /**
     * Takes one frame.
     * @param bytes - the frame's bytes
     * @param address - the sender's address, for the inbox
     * @returns the answer, once what must be kept is on disk
     */
    async receive(bytes: Buffer, address: string): Promise<IntakeAnswer> {
        let header: V2Header;
        try {
            header = readRawHeader(bytes);
        } catch (error) {
            this.#deps.metrics.received.inc({ type: 'unreadable' });
            const text = error instanceof Error ? error.message : 'the message header cannot be read';
            return refuse(undefined, { code: '100', text });
        }
        if (header.messageCode === 'ACK') {
            return { header, outcome: { code: 'AA', stored: false }, ignore: true };
        }
        this.#deps.metrics.received.inc({ type: `${header.messageCode}^${header.triggerEvent}` });
        const key = this.#deps.store.duplicateKey(header.sendingApplication, header.sendingFacility, header.controlId);
        const running = this.#inFlight.get(key);
        if (running !== undefined) {
            return running;
        }
        const answer = this.#accept(bytes, header, key, address).finally(() => {
            this.#inFlight.delete(key);
        });
        this.#inFlight.set(key, answer);
        return answer;
    }

    async #accept(bytes: Buffer, header: V2Header, key: string, address: string): Promise<IntakeAnswer> {
        const { store } = this.#deps;
        const seen = await store.readText(store.ids, key);
        const earlier = seen === undefined ? undefined : await store.readMeta(seen);
        if (earlier !== undefined) {
            return { header, outcome: earlier.ack, messageId: earlier.messageId };
        }
        const refusal = refusalOf(header, this.#settings);
        if (refusal !== undefined) {
            return refuse(header, refusal);
        }
        try {
            const read = readMessage(bytes, this.#settings.read);
            // The raw header answers: read as ISO 8859-1 and sent back so, its bytes return as they came.
            return await this.#keep(bytes, header, key, {
                address,
                charset: read.charset.hl7Name,
                mapped: read.mapped,
            });
        } catch (error) {
            if (!(error instanceof Hl7ReadError)) {
                throw error;
            }
            if (error.error.code === '103') {
                return refuse(header, error.error);
            }
            return this.#keep(bytes, header, key, { address, charset: '' }, error.error);
        }
    }

    async #keep(
        bytes: Buffer,
        header: V2Header,
        key: string,
        from: { readonly address: string; readonly charset: string; readonly mapped?: MappedMessage },
        problem?: AckError,
    ): Promise<IntakeAnswer> {
        const { store, ids, clock } = this.#deps;
        const now = clock();
        const messageId = ids.next(now);
        const outcome: AckOutcome =
            problem === undefined ? { code: 'AA', stored: true } : { code: 'AE', error: problem, stored: true };
        const meta: MessageMeta = {
            messageId,
            receivedAt: now.toISOString(),
            sender: { application: header.sendingApplication, facility: header.sendingFacility, address: from.address },
            controlId: header.controlId,
            type: `${header.messageCode}^${header.triggerEvent}`,
            charset: from.charset,
            bytes: bytes.length,
            status: problem === undefined ? 'received' : 'error',
            ack: outcome,
            ...(problem === undefined ? {} : { error: { ...problem, at: now.toISOString() } }),
            recordIds: [],
            unanchored: 0,
            updatedAt: now.toISOString(),
        };
        const queue = problem === undefined ? store.work : store.errors;
        await this.#deps.writer.write([
            store.putMeta(meta),
            store.putRaw(messageId, bytes),
            store.putText(store.ids, key, messageId),
            store.mark(queue, messageId),
        ]);
        if (problem === undefined) {
            if (from.mapped !== undefined) {
                this.#deps.onQueued(messageId, from.mapped);
            }
        } else {
            this.#deps.metrics.errors.inc();
            this.#deps.metrics.failures.inc({ code: problem.code });
            this.#deps.logger.warn({ messageId, type: meta.type, code: problem.code }, 'HL7 message kept as an error');
        }
        return { header, outcome, messageId };
    }
}
