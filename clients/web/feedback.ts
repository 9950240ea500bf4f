// SPDX-License-Identifier: Apache-2.0
/**
 * Progress and errors: a long operation shows a progress line and disables its button; a failure shows the
 * API's stable code (and an access denial's reason) as a translated message, never raw JSON.
 */
import { ApiError } from './api.js';
import { h, raw, show, tx } from './dom.js';
import { hasMessage, type MessageKey } from './i18n.js';

/**
 * A translated label of a coded value (`purpose.TREATMENT`, `cat.lab`…), or the code itself as data.
 * @param prefix - the family of messages
 * @param value - the code
 */
export function label(prefix: string, value: string): HTMLElement {
    const key = `${prefix}.${value}`;
    return hasMessage(key) ? tx(key) : raw(value);
}

function errorKey(error: unknown): MessageKey {
    const code = error instanceof ApiError ? error.code : error instanceof Error ? error.message : '';
    const key = `error.${code}`;
    return hasMessage(key) ? key : 'error.UNEXPECTED';
}

/**
 * The message of a failure.
 * @param error - what was thrown
 */
export function errorMessage(error: unknown): HTMLElement {
    const box = h('div', { class: 'error', role: 'alert', 'data-testid': 'error' }, tx(errorKey(error)));
    if (error instanceof ApiError && error.reason !== undefined) {
        box.append(' ', label('reason', error.reason));
    }
    return box;
}

/**
 * Runs a long operation: shows progress in `status`, disables `trigger`, shows a failure as a message.
 * @param status - where progress and errors go (cleared on success unless the task shows something there)
 * @param trigger - the button that started it
 * @param task - the operation
 */
export async function runBusy(
    status: HTMLElement,
    trigger: HTMLButtonElement | undefined,
    task: () => Promise<void>,
): Promise<void> {
    const progress = h(
        'div',
        { class: 'progress', role: 'status', 'aria-live': 'polite', 'data-testid': 'progress' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        tx('common.working'),
    );
    show(status, progress);
    if (trigger) {
        trigger.disabled = true;
    }
    try {
        await task();
        progress.remove();
    } catch (error) {
        show(status, errorMessage(error));
    } finally {
        if (trigger) {
            trigger.disabled = false;
        }
    }
}

/**
 * A success message.
 * @param key - the message
 * @param params - its values
 */
export function success(key: MessageKey, params: Readonly<Record<string, string | number>> = {}): HTMLElement {
    return h('div', { class: 'ok', role: 'status', 'data-testid': 'success' }, tx(key, params));
}
