// SPDX-License-Identifier: Apache-2.0
/**
 * A hospital's admin: the HL7 v2 intake (docs/api.md "HL7 v2 intake"). Its state (listener, queue depths,
 * what the pending queue dropped), the error queue with each message's reason, the pending queue (waiting for a
 * patient link), the last messages, and one message in a panel with its text and a Reprocess button
 * (`hl7-message.ts`). The view updates itself every few seconds while the tab is visible, redrawing only what
 * changed.
 */
import { call, type List } from './api.js';
import { button, h, num, show, tx, type Child } from './dom.js';
import { errorMessage } from './feedback.js';
import type { MessageKey } from './i18n.js';
import { newMessagePanel } from './hl7-message.js';
import { messageTable, type Hl7Column, type MessageMeta } from './hl7-table.js';

interface Hl7Status {
    readonly enabled: boolean;
    readonly url: string | null;
    readonly facility: string;
    readonly queues: {
        readonly work: number;
        readonly pending: number;
        readonly errors: number;
        readonly anchoring: number;
    };
    readonly dropped: { readonly expired: number; readonly evicted: number };
    readonly pendingBounds: { readonly maxAgeDays: number; readonly maxMessages: number };
}

/** How often the view reads the intake again. */
const REFRESH_SECONDS = 5;
/** A first page of each list; "Show more" adds pages, and an update reads as many as are shown (at most 500). */
const PAGE = 50;
const QUEUES = ['work', 'pending', 'errors', 'anchoring'] as const;

/** A part of the view that can read the gateway again. */
interface Part {
    readonly element: HTMLElement;
    /** Reads again and redraws when something changed; a failure shows in the part and is not thrown. */
    readonly update: () => Promise<void>;
}

function card(titleKey: MessageKey, testId: string, ...children: Child[]): HTMLElement {
    return h('section', { class: 'card', 'data-testid': testId }, h('h2', {}, tx(titleKey)), ...children);
}

/** Redraws a target from a read, only when the answer changed; shows a failure in the target. */
function redrawer<T>(target: HTMLElement, read: () => Promise<T>, draw: (value: T) => Child[]): () => Promise<void> {
    let last = '';
    return async () => {
        try {
            const value = await read();
            const json = JSON.stringify(value);
            if (json !== last) {
                last = json;
                show(target, ...draw(value));
            }
        } catch (error) {
            last = '';
            show(target, errorMessage(error));
        }
    };
}

function statusPart(): Part {
    const target = h('div', {});
    const drawStatus = (status: Hl7Status): Child[] => [
        h(
            'p',
            { 'data-testid': 'hl7-listener' },
            status.url === null
                ? tx('hl7.notListening')
                : tx('hl7.listening', { url: status.url, facility: status.facility }),
        ),
        h(
            'div',
            { class: 'tiles' },
            ...QUEUES.map((queue) =>
                h(
                    'div',
                    {
                        class: queue === 'errors' && status.queues.errors > 0 ? 'tile alert' : 'tile',
                        'data-testid': `queue-${queue}`,
                    },
                    h('span', { class: 'count' }, num(status.queues[queue])),
                    tx(`hl7.queue.${queue}`),
                ),
            ),
        ),
        h(
            'p',
            { class: 'hint', 'data-testid': 'hl7-dropped' },
            tx('hl7.dropped', { ...status.dropped, ...status.pendingBounds }),
        ),
    ];
    const update = redrawer(target, () => call<Hl7Status>('GET', '/hl7/status'), drawStatus);
    const element = card(
        'hl7.statusTitle',
        'hl7-status',
        target,
        h('p', { class: 'hint' }, tx('hl7.autoRefresh', { seconds: REFRESH_SECONDS })),
    );
    return { element, update };
}

interface ListSpec {
    readonly title: MessageKey;
    readonly help: MessageKey;
    readonly empty: MessageKey;
    readonly testId: string;
    readonly path: '/hl7/errors' | '/hl7/pending' | '/hl7/messages';
    readonly columns: readonly Hl7Column[];
}

function listPart(spec: ListSpec, open: (messageId: string) => void): Part {
    const target = h('div', {});
    let shown = PAGE;
    const more = button(
        'hl7.more',
        () => {
            shown = Math.min(500, shown + PAGE);
            void update();
        },
        { 'data-testid': `${spec.testId}-more` },
    );
    const drawList = (page: List<MessageMeta>): Child[] => {
        more.hidden = page.nextCursor === null || shown >= 500;
        return [
            page.items.length === 0
                ? h('p', { class: 'empty' }, tx(spec.empty))
                : messageTable(page, spec.columns, open),
        ];
    };
    const update = redrawer(target, () => call<List<MessageMeta>>('GET', `${spec.path}?limit=${shown}`), drawList);
    more.hidden = true;
    const element = card(spec.title, spec.testId, h('p', { class: 'hint' }, tx(spec.help)), target, more);
    return { element, update };
}

/**
 * Shows the HL7 intake view and keeps it up to date while it is on the page.
 * @param root - where
 */
export function renderHl7(root: HTMLElement): void {
    let parts: readonly Part[] = [];
    const updateAll = async (): Promise<void> => {
        await Promise.all(parts.map((part) => part.update()));
    };
    const detail = newMessagePanel(() => {
        void updateAll();
    });
    const lists: readonly ListSpec[] = [
        {
            title: 'hl7.errorsTitle',
            help: 'hl7.errorsHelp',
            empty: 'hl7.noErrors',
            testId: 'hl7-errors',
            path: '/hl7/errors',
            columns: ['received', 'type', 'controlId', 'sender', 'reason'],
        },
        {
            title: 'hl7.pendingTitle',
            help: 'hl7.pendingHelp',
            empty: 'hl7.noPending',
            testId: 'hl7-pending',
            path: '/hl7/pending',
            columns: ['since', 'type', 'controlId', 'sender'],
        },
        {
            title: 'hl7.latestTitle',
            help: 'hl7.latestHelp',
            empty: 'hl7.noMessages',
            testId: 'hl7-latest',
            path: '/hl7/messages',
            columns: ['received', 'type', 'controlId', 'sender', 'status'],
        },
    ];
    parts = [statusPart(), detail, ...lists.map((spec) => listPart(spec, detail.open))];
    show(root, ...parts.map((part) => part.element));
    const tick = async (): Promise<void> => {
        if (!root.contains(parts[0]?.element ?? null)) {
            return;
        }
        if (document.visibilityState === 'visible') {
            await updateAll();
        }
        setTimeout(() => void tick(), REFRESH_SECONDS * 1000);
    };
    void tick();
}
