// SPDX-License-Identifier: Apache-2.0
/**
 * One HL7 message in the intake view (`hl7-view.ts`): its facts, its reason when it failed, its text, and a
 * Reprocess button for the error queue. An open panel follows a message that is still moving (received, or
 * stored and being anchored) until it settles. The text is patients' data from another system: it is only
 * ever set as text (`raw`), never parsed as HTML.
 */
import { call } from './api.js';
import { button, h, raw, show, tx, when, type Child } from './dom.js';
import { errorMessage, label, runBusy, success } from './feedback.js';
import type { MessageKey } from './i18n.js';
import { reasonOf, type MessageMeta } from './hl7-table.js';

/** A message with its text (`null` once dropped), as `GET /hl7/messages/{id}` answers it. */
export interface Message extends MessageMeta {
    readonly content: { readonly text: string; readonly charset: string } | null;
}

/** States a message leaves by itself: an open panel follows it until it settles. */
const MOVING = new Set(['received', 'stored']);

/** The message panel. */
export interface MessagePanel {
    readonly element: HTMLElement;
    /** Opens a message in the panel. */
    readonly open: (messageId: string) => void;
    /** Reads the open message again if it is moving, and redraws it when it changed. */
    readonly update: () => Promise<void>;
}

function entry(key: MessageKey, ...value: Child[]): Child[] {
    return [h('dt', {}, tx(key)), h('dd', {}, ...value)];
}

function facts(message: Message): HTMLElement {
    return h(
        'dl',
        { class: 'facts' },
        ...entry(
            'hl7.field.status',
            h(
                'span',
                { class: `badge hl7-${message.status}`, 'data-testid': 'hl7-detail-status' },
                label('hl7.status', message.status),
            ),
        ),
        ...entry('hl7.field.messageId', raw(message.messageId, 'code')),
        ...entry('hl7.field.type', raw(message.type)),
        ...entry('hl7.field.controlId', raw(message.controlId, 'code')),
        ...entry('hl7.field.sender', raw(message.sender.application), ' · ', raw(message.sender.facility)),
        ...entry('hl7.field.address', raw(message.sender.address, 'code')),
        ...entry('hl7.field.received', when(message.receivedAt, 'seconds')),
        ...entry('hl7.field.updated', when(message.updatedAt, 'seconds')),
        ...entry('hl7.field.size', tx('hl7.bytes', { count: message.bytes })),
        ...entry('hl7.field.ack', raw(message.ack.code, 'code')),
        ...(message.error === undefined
            ? []
            : [
                  ...entry(
                      'hl7.field.reason',
                      h('span', { 'data-testid': 'hl7-detail-reason' }, ...reasonOf(message.error)),
                  ),
                  ...entry('hl7.field.failedAt', when(message.error.at, 'seconds')),
              ]),
        ...(message.pendingSince === undefined
            ? []
            : entry('hl7.field.pendingSince', when(message.pendingSince, 'seconds'))),
        ...entry(
            'hl7.field.records',
            tx('hl7.records', { count: message.recordIds.length, unanchored: message.unanchored }),
        ),
    );
}

function contentOf(message: Message): Child[] {
    if (message.content === null) {
        return [h('p', { class: 'notice' }, tx('hl7.contentDropped'))];
    }
    return [
        h('p', { class: 'hint' }, tx('hl7.decodedAs', { charset: message.content.charset })),
        h('div', { class: 'hl7-text', 'data-testid': 'hl7-detail-text' }, raw(message.content.text, 'pre')),
    ];
}

/**
 * The message panel.
 * @param afterReprocess - called once a message was sent back for processing (the lists change)
 */
export function newMessagePanel(afterReprocess: () => void): MessagePanel {
    const element = h('div', {});
    let current: Message | undefined;
    let note: Child;
    const draw = (message: Message): void => {
        current = message;
        const status = h(
            'div',
            { class: 'status' },
            note,
            MOVING.has(message.status) ? h('p', { class: 'hint' }, tx('hl7.following')) : null,
        );
        const reprocess = button(
            'hl7.reprocess',
            () => {
                void runBusy(status, reprocess, async () => {
                    const moved = await call<MessageMeta>(
                        'POST',
                        `/hl7/messages/${encodeURIComponent(message.messageId)}/reprocess`,
                        { body: {} },
                    );
                    note = success('hl7.reprocessed');
                    draw({ ...moved, content: message.content });
                    afterReprocess();
                });
            },
            { class: 'primary', 'data-testid': 'hl7-reprocess' },
        );
        const canReprocess = message.status === 'error' && message.content !== null;
        const close = button(
            'hl7.close',
            () => {
                current = undefined;
                show(element);
            },
            { 'data-testid': 'hl7-detail-close' },
        );
        show(
            element,
            h(
                'section',
                {
                    class: 'card hl7-detail',
                    'data-testid': 'hl7-detail',
                    'data-status': message.status,
                    'data-updated': message.updatedAt,
                },
                h('h2', {}, tx('hl7.detailTitle'), ' ', raw(message.controlId, 'code')),
                facts(message),
                canReprocess ? h('p', { class: 'hint' }, tx('hl7.reprocessHelp')) : null,
                h('div', { class: 'row' }, canReprocess ? reprocess : null, close),
                status,
                h('h3', {}, tx('hl7.field.content')),
                ...contentOf(message),
            ),
        );
    };
    const read = (messageId: string): Promise<Message> =>
        call<Message>('GET', `/hl7/messages/${encodeURIComponent(messageId)}`);
    const open = (messageId: string): void => {
        note = null;
        void runBusy(element, undefined, async () => {
            draw(await read(messageId));
            element.scrollIntoView({ block: 'start' });
        });
    };
    const update = async (): Promise<void> => {
        const moving = current;
        if (moving === undefined || !MOVING.has(moving.status)) {
            return;
        }
        try {
            const message = await read(moving.messageId);
            if (current?.messageId === message.messageId && message.updatedAt !== moving.updatedAt) {
                draw(message);
            }
        } catch (error) {
            show(element, errorMessage(error));
            current = undefined;
        }
    };
    return { element, update, open };
}
