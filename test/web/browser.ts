// SPDX-License-Identifier: Apache-2.0
/**
 * Browser helpers for the portal tests: Debian's chromium driven by playwright-core (headless, no sandbox,
 * background networking off: the machine has no internet), screenshots, and the language audit of a page.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** Debian's chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** Where every test's final screen goes. */
export const OUTPUT_DIR = join(__dirname, '..', '..', '..', 'test-output', 'web');
/** Where the README's screenshots go, refreshed only by `npm run screenshots` (tests never touch tracked files). */
export const DOCS_DIR = join(__dirname, '..', '..', '..', 'docs', 'screenshots');
/** Set by `npm run screenshots`: also write the README's screenshots. */
const REFRESH_DOCS = process.env.HEALTHCHAIN_SCREENSHOTS === 'docs';

/** Whether the browser is installed. */
export function hasChromium(): boolean {
    return existsSync(CHROMIUM);
}

/** Starts headless chromium. */
export function launchBrowser(): Promise<Browser> {
    return chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
        ],
    });
}

/**
 * A browser context that trusts the region's self-issued TLS certificates.
 * @param browser - the browser
 * @param options - locale, time zone (the machine's by default) and a phone-sized viewport
 */
export function newContext(
    browser: Browser,
    options: { readonly locale?: string; readonly timezoneId?: string; readonly phone?: boolean } = {},
): Promise<BrowserContext> {
    return browser.newContext({
        ignoreHTTPSErrors: true,
        locale: options.locale ?? 'en-US',
        ...(options.timezoneId === undefined ? {} : { timezoneId: options.timezoneId }),
        viewport: options.phone === true ? { width: 390, height: 844 } : { width: 1280, height: 900 },
        ...(options.phone === true ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    });
}

/**
 * Saves a screenshot under test-output/web (ignored by git); one named for the README also goes to
 * docs/screenshots, but only in `npm run screenshots`.
 * @param page - the page
 * @param name - file name without extension
 * @param docs - a README screenshot
 */
export async function screenshot(page: Page, name: string, docs = false): Promise<void> {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });
    if (docs && REFRESH_DOCS) {
        mkdirSync(DOCS_DIR, { recursive: true });
        await page.screenshot({ path: join(DOCS_DIR, `${name}.png`), fullPage: true });
    }
}

/** What {@link auditText} finds on a page. */
export interface TextAudit {
    /** Visible text that is neither a message, nor marked data, nor a date or number. */
    readonly untranslated: string[];
    /** Visible messages: key and text. */
    readonly messages: { key: string; text: string }[];
    readonly lang: string;
}

/** In the page: visible text by kind (the root tsconfig has no DOM library, so this is page source text). */
const AUDIT_SCRIPT = `(() => {
    const marked = '[data-i18n],[data-raw],[data-date],[data-num],[data-money]';
    const visible = (element) => element.getClientRects().length > 0 || element.closest('svg') !== null;
    const untranslated = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
        const parent = node.parentElement;
        const text = node.textContent || '';
        if (parent === null || !/\\p{L}/u.test(text) || parent.closest('noscript,script,style,select') !== null) {
            continue;
        }
        if (visible(parent) && parent.closest(marked) === null) {
            untranslated.push(text.trim());
        }
    }
    const messages = [...document.querySelectorAll('[data-i18n]')]
        .filter(visible)
        .map((element) => ({ key: element.getAttribute('data-i18n') || '', text: element.textContent || '' }));
    for (const option of document.querySelectorAll('select option')) {
        if (option.getAttribute('data-i18n') === null && option.getAttribute('data-raw') === null) {
            untranslated.push(option.textContent || '');
        }
    }
    return { untranslated, messages, lang: document.documentElement.lang };
})()`;

/**
 * Lists the visible text of a page by kind. Text with no letter (punctuation, digits) is ignored.
 * @param page - the page
 */
export function auditText(page: Page): Promise<TextAudit> {
    return page.evaluate<TextAudit>(AUDIT_SCRIPT);
}

/** In the page: whether the patient's private key in IndexedDB is extractable. */
export const KEY_EXTRACTABLE_SCRIPT = `new Promise((resolve, reject) => {
    const open = indexedDB.open('healthchain-patient');
    open.onsuccess = () => {
        const get = open.result.transaction('keys').objectStore('keys').get('patient');
        get.onsuccess = () => resolve(get.result.privateKey.extractable);
        get.onerror = () => reject(new Error('no key'));
    };
    open.onerror = () => reject(new Error('no IndexedDB'));
})`;

/**
 * The button that shows a message, whatever the language (for buttons that have no test id).
 * @param scope - the page or a part of it
 * @param key - the button's message key
 */
export function buttonShowing(scope: Page | Locator, key: string): Locator {
    return scope.locator('button').filter({ has: scope.locator(`[data-i18n="${key}"]`) });
}

/**
 * Clicks something that makes the page download a file, and returns the file's text.
 * @param page - the page
 * @param trigger - what starts the download
 */
export async function downloadText(page: Page, trigger: Locator): Promise<{ name: string; text: string }> {
    const download = page.waitForEvent('download');
    await trigger.click();
    const file = await download;
    return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
}

/** In the page: whether IndexedDB holds a patient key (call only once the page has opened its database). */
export const KEY_PRESENT_SCRIPT = `new Promise((resolve, reject) => {
    const open = indexedDB.open('healthchain-patient');
    open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('keys')) {
            db.close();
            resolve(false);
            return;
        }
        const get = db.transaction('keys').objectStore('keys').get('patient');
        get.onsuccess = () => {
            db.close();
            resolve(get.result !== undefined);
        };
        get.onerror = () => reject(new Error('no key store'));
    };
    open.onerror = () => reject(new Error('no IndexedDB'));
})`;
