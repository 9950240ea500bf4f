// SPDX-License-Identifier: Apache-2.0
/**
 * The HL7 intake's messages as a table (`hl7-view.ts`): one row per message with the columns a list needs, and a
 * Details button that opens the message. Every value from the message is set as text.
 */
import type { List } from './api.js';
import { h, raw, setMessage, tx, when, type Child } from './dom.js';
import { label } from './feedback.js';

/** A message as the intake's lists answer it (ids, codes, times; never its content). */
export interface MessageMeta {
    readonly messageId: string;
    readonly receivedAt: string;
    readonly sender: { readonly application: string; readonly facility: string; readonly address: string };
    readonly controlId: string;
    readonly type: string;
    readonly charset: string;
    readonly bytes: number;
    readonly status: string;
    readonly ack: { readonly code: string };
    readonly error?: { readonly code: string; readonly text: string; readonly location?: string; readonly at: string };
    readonly recordIds: readonly string[];
    readonly unanchored: number;
    readonly pendingSince?: string;
    readonly updatedAt: string;
}

/** The columns a list may show. */
export type Hl7Column = 'received' | 'since' | 'type' | 'controlId' | 'sender' | 'status' | 'reason';

/**
 * Why a message is in the error queue: the code's name (HL7 table 0357 or the gateway's own), the gateway's
 * text, and where in the message.
 * @param error - the message's error
 */
export function reasonOf(error: NonNullable<MessageMeta['error']>): Child[] {
    const located = error.location !== undefined && error.location !== '';
    return [
        error.code.startsWith('LEDGER_')
            ? tx('hl7.error.ledger', { code: error.code.slice('LEDGER_'.length) })
            : label('hl7.error', error.code),
        ' – ',
        raw(error.text),
        located ? ' · ' : null,
        located ? raw(error.location, 'code') : null,
    ];
}

const CELLS: Readonly<Record<Hl7Column, (meta: MessageMeta) => Child[]>> = {
    received: (meta) => [when(meta.receivedAt, 'seconds')],
    since: (meta) => [when(meta.pendingSince ?? meta.receivedAt, 'seconds')],
    type: (meta) => [raw(meta.type)],
    controlId: (meta) => [raw(meta.controlId, 'code')],
    sender: (meta) => [raw(meta.sender.application), ' · ', raw(meta.sender.facility)],
    status: (meta) => [h('span', { class: `badge hl7-${meta.status}` }, label('hl7.status', meta.status))],
    reason: (meta) => (meta.error === undefined ? [] : [h('span', { class: 'reason' }, ...reasonOf(meta.error))]),
};

/**
 * A table of messages.
 * @param page - the messages
 * @param columns - what to show of each
 * @param open - opens a message's panel
 */
export function messageTable(
    page: List<MessageMeta>,
    columns: readonly Hl7Column[],
    open: (messageId: string) => void,
): HTMLElement {
    const rows = page.items.map((meta) => {
        const details = setMessage(h('button', { type: 'button', 'data-testid': 'hl7-open' }), 'hl7.open');
        details.addEventListener('click', () => {
            open(meta.messageId);
        });
        return h(
            'tr',
            { 'data-testid': 'hl7-row', 'data-message-id': meta.messageId, 'data-status': meta.status },
            ...columns.map((column) => h('td', { 'data-column': column }, ...CELLS[column](meta))),
            h('td', { class: 'actions' }, details),
        );
    });
    const headers = [...columns, 'open' as const].map((column) => h('th', {}, tx(`hl7.col.${column}`)));
    return h('table', {}, h('thead', {}, h('tr', {}, ...headers)), h('tbody', {}, ...rows));
}
