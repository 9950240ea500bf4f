// SPDX-License-Identifier: Apache-2.0
/**
 * A few DOM builders. Text shown to people is made with `tx` (a translated message) or marked as data
 * with `raw` (ids, codes, record content), so a language switch can update every message in place and a
 * test can check that no other text is on the screen.
 */
import { applyLanguage, type MessageKey, type Params } from './i18n.js';

/** Punctuation between messages and data: the only text a view writes without a message. */
export type Separator = ' ' | ' · ' | ' – ' | ', ';

/** What an element may contain. */
export type Child = Node | Separator | null | undefined | false;

/** Attributes; `undefined` leaves one out. */
export type Attrs = Readonly<Record<string, string | undefined>>;

/**
 * An HTML element with attributes and children.
 * @param tag - the element
 * @param attrs - attributes
 * @param children - nodes (falsy ones are skipped)
 */
export function h<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    attrs: Attrs = {},
    ...children: readonly Child[]
): HTMLElementTagNameMap[K] {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
        if (value !== undefined) {
            element.setAttribute(name, value);
        }
    }
    for (const child of children) {
        if (child) {
            element.append(child);
        }
    }
    return element;
}

/**
 * A translated message in a span; it follows language switches.
 * @param key - the message
 * @param params - values for its `{placeholders}`
 */
export function tx(key: MessageKey, params: Params = {}): HTMLSpanElement {
    const span = document.createElement('span');
    setMessage(span, key, params);
    return span;
}

/**
 * Makes an element show a translated message (also an `<option>`, an SVG `<text>`).
 * @param element - the element
 * @param key - the message
 * @param params - values for its placeholders
 */
export function setMessage<E extends Element>(element: E, key: MessageKey, params: Params = {}): E {
    element.setAttribute('data-i18n', key);
    element.setAttribute('data-i18n-params', JSON.stringify(params));
    applyLanguage(element);
    return element;
}

/**
 * Data shown as it is (ids, codes, values from records), in a span marked `data-raw`.
 * @param text - the data
 * @param tag - the element (span by default)
 */
export function raw(text: string, tag: 'span' | 'code' | 'pre' | 'td' = 'span'): HTMLElement {
    const element = document.createElement(tag);
    element.setAttribute('data-raw', '');
    element.textContent = text;
    return element;
}

/**
 * A date and time in the chosen language's format, following language switches.
 * @param iso - ISO timestamp
 * @param style - `datetime`, `seconds` (with the seconds: a feed's messages come many a minute), `date`, or `day`
 *   (a calendar day given as its midnight UTC, shown as that day everywhere)
 */
export function when(iso: string, style: 'datetime' | 'seconds' | 'date' | 'day' = 'datetime'): HTMLTimeElement {
    const element = document.createElement('time');
    element.setAttribute('datetime', iso);
    element.setAttribute('data-date', style);
    applyLanguage(element);
    return element;
}

/**
 * A number in the chosen language's format.
 * @param value - the number
 */
export function num(value: number): HTMLSpanElement {
    const span = document.createElement('span');
    span.setAttribute('data-num', String(value));
    applyLanguage(span);
    return span;
}

/**
 * An amount of money in the chosen language's format.
 * @param value - the amount
 * @param currency - ISO 4217 code
 */
export function money(value: number, currency: string): HTMLSpanElement {
    const span = document.createElement('span');
    span.setAttribute('data-money', String(value));
    span.setAttribute('data-currency', currency);
    applyLanguage(span);
    return span;
}

/**
 * A button showing a message that runs an action when clicked.
 * @param key - its label
 * @param action - what it does
 * @param attrs - more attributes (class, data-testid)
 */
export function button(key: MessageKey, action: (event: Event) => void, attrs: Attrs = {}): HTMLButtonElement {
    const element = h('button', { type: 'button', ...attrs }, tx(key));
    element.addEventListener('click', action);
    return element;
}

/**
 * A labelled form field.
 * @param key - the label
 * @param control - the input, select or textarea
 */
export function field(key: MessageKey, control: HTMLElement): HTMLLabelElement {
    return h('label', { class: 'field' }, tx(key), control);
}

/**
 * An input whose placeholder is translated.
 * @param attrs - attributes (type, name, data-testid…)
 * @param placeholder - the placeholder message
 */
export function input(attrs: Attrs, placeholder?: MessageKey): HTMLInputElement {
    const element = h('input', attrs);
    if (placeholder !== undefined) {
        element.setAttribute('data-i18n-placeholder', placeholder);
        applyLanguage(element);
    }
    return element;
}

/**
 * An option of a select, translated.
 * @param value - its value
 * @param key - its label
 */
export function option(value: string, key: MessageKey): HTMLOptionElement {
    return setMessage(h('option', { value }), key);
}

/**
 * Replaces an element's children.
 * @param element - the element
 * @param children - the new children
 */
export function show(element: Element, ...children: readonly Child[]): void {
    element.replaceChildren(...children.filter((child): child is Node | Separator => Boolean(child)));
}
