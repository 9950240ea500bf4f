// SPDX-License-Identifier: Apache-2.0
/**
 * Messages in English and Simplified Chinese (every key in both: the Chinese table is typed by the English
 * one), the language switch, and dates, numbers and money in the chosen language's format. Elements carry
 * their message key (`data-i18n`), so a switch rewrites every message on the page in place.
 */
import { en } from './messages-en.js';
import { zh } from './messages-zh.js';

/** A message's key. */
export type MessageKey = keyof typeof en;
/** Values for a message's `{placeholders}`. */
export type Params = Readonly<Record<string, string | number>>;

/** The languages offered. */
export const Languages = ['en', 'zh-CN'] as const;
/** One of {@link Languages}. */
export type Language = (typeof Languages)[number];

const TABLES: Readonly<Record<Language, Readonly<Record<MessageKey, string>>>> = { en, 'zh-CN': zh };
const LANGUAGE_KEY = 'healthchain.language';

let current: Language = 'en';

/** The page's language now. */
export function currentLanguage(): Language {
    return current;
}

/**
 * Whether a message exists.
 * @param key - a candidate key
 */
export function hasMessage(key: string): key is MessageKey {
    return Object.hasOwn(en, key);
}

/**
 * A message in the current language.
 * @param key - the message
 * @param params - values for its placeholders (numbers in the local format)
 */
export function t(key: MessageKey, params: Params = {}): string {
    return TABLES[current][key].replace(/\{(\w+)\}/g, (whole, name: string) => {
        const value = params[name];
        return value === undefined ? whole : typeof value === 'number' ? formatNumber(value) : value;
    });
}

/**
 * A number in the current language's format.
 * @param value - the number
 */
export function formatNumber(value: number): string {
    return new Intl.NumberFormat(current).format(value);
}

/**
 * Money in the current language's format.
 * @param value - the amount
 * @param currency - ISO 4217 code
 */
export function formatMoney(value: number, currency: string): string {
    return new Intl.NumberFormat(current, { style: 'currency', currency }).format(value);
}

const DATE_STYLES: Readonly<Record<string, Intl.DateTimeFormatOptions>> = {
    datetime: { dateStyle: 'medium', timeStyle: 'short' },
    seconds: { dateStyle: 'medium', timeStyle: 'medium' },
    date: { dateStyle: 'medium' },
    day: { dateStyle: 'medium', timeZone: 'UTC' },
};

function readParams(element: Element): Params {
    try {
        return JSON.parse(element.getAttribute('data-i18n-params') ?? '{}') as Params;
    } catch {
        return {};
    }
}

function applyOne(element: Element): void {
    const key = element.getAttribute('data-i18n');
    if (key !== null && hasMessage(key)) {
        element.textContent = t(key, readParams(element));
    }
    const placeholder = element.getAttribute('data-i18n-placeholder');
    if (placeholder !== null && hasMessage(placeholder)) {
        element.setAttribute('placeholder', t(placeholder));
    }
    applyFormats(element);
}

function applyFormats(element: Element): void {
    const dateStyle = element.getAttribute('data-date');
    const iso = element.getAttribute('datetime');
    if (dateStyle !== null && iso !== null) {
        element.textContent = new Intl.DateTimeFormat(current, DATE_STYLES[dateStyle]).format(new Date(iso));
    }
    const value = element.getAttribute('data-num');
    if (value !== null && element.getAttribute('data-i18n') === null) {
        element.textContent = formatNumber(Number(value));
    }
    const money = element.getAttribute('data-money');
    const currency = element.getAttribute('data-currency');
    if (money !== null && currency !== null) {
        element.textContent = formatMoney(Number(money), currency);
    }
}

/**
 * Writes every message, date and number under an element (itself included) in the current language.
 * @param root - the element
 */
export function applyLanguage(root: Element): void {
    applyOne(root);
    for (const element of root.querySelectorAll(
        '[data-i18n],[data-i18n-placeholder],[data-date],[data-num],[data-money]',
    )) {
        applyOne(element);
    }
}

/**
 * Switches the page's language (kept for this tab's session).
 * @param language - the language
 */
export function setLanguage(language: Language): void {
    current = language;
    sessionStorage.setItem(LANGUAGE_KEY, language);
    document.documentElement.lang = language;
    document.title = t('app.title');
    applyLanguage(document.documentElement);
}

/** The language of this session, else the browser's (Chinese for any `zh`, English otherwise). */
export function initialLanguage(): Language {
    const chosen = sessionStorage.getItem(LANGUAGE_KEY);
    if (chosen === 'en' || chosen === 'zh-CN') {
        return chosen;
    }
    return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}
