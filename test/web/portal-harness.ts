// SPDX-License-Identifier: Apache-2.0
/**
 * The shared frame of the portal's browser suites: a real region and one chromium for the calling `describe`
 * (skipped, saying why, when chromium is absent), pages opened on an organisation's gateway, staff sign-in,
 * and everything closed in `after` — contexts, browser, region — whatever `before` got to start.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLauncherRegion, type LauncherRegion } from '../helpers/launcher';
import { hasChromium, launchBrowser, newContext } from './browser';

/** Options of a page: a phone-sized viewport, a locale, a time zone. */
export interface PageOptions {
    readonly phone?: boolean;
    readonly locale?: string;
    readonly timezoneId?: string;
}

/** A staff role that signs in to the portal. */
export type PortalRole = 'clinician' | 'claims' | 'auditor' | 'admin';

/** The region and browser of a suite, and the pages it opens. */
export interface PortalHarness {
    /** The running region (set by `before`). */
    readonly region: LauncherRegion;
    /** Every URL any page of the suite requested. */
    readonly requestedUrls: readonly string[];
    readonly orgOf: (mspId: string) => LauncherRegion['region']['organizations'][number];
    readonly tokenOf: (mspId: string, role: PortalRole) => string;
    /** A new page on the organisation's gateway, in a context of its own. */
    readonly openPage: (mspId: string, options?: PageOptions) => Promise<Page>;
    /** `openPage`, then sign in with the organisation's token for the role. */
    readonly signIn: (mspId: string, role: PortalRole, options?: PageOptions) => Promise<Page>;
}

/**
 * Text with its white space folded, as a reader sees it.
 * @param text - an element's text
 */
export function folded(text: string | null): string {
    return (text ?? '').replace(/\s+/gu, ' ').trim();
}

/**
 * Registers `before`/`after` hooks in the calling `describe` that start a region and chromium and stop them.
 * @returns the harness; its `region` is usable from the first test on
 */
export function usePortalRegion(): PortalHarness {
    const contexts: BrowserContext[] = [];
    const requestedUrls: string[] = [];
    const started: { region?: LauncherRegion; browser?: Browser } = {};

    function running<T>(value: T | undefined, what: string): T {
        assert.ok(value, `${what} is not started`);
        return value;
    }

    const harness: PortalHarness = {
        get region(): LauncherRegion {
            return running(started.region, 'the region');
        },
        requestedUrls,
        orgOf: (mspId) => {
            const org = harness.region.region.organizations.find((o) => o.mspId === mspId);
            assert.ok(org, mspId);
            return org;
        },
        tokenOf: (mspId, role) => {
            return readFileSync(harness.orgOf(mspId).tokens[role], 'utf8').trim();
        },
        openPage: async (mspId, options = {}) => {
            const context = await newContext(running(started.browser, 'the browser'), options);
            contexts.push(context);
            const page = await context.newPage();
            page.on('request', (request) => requestedUrls.push(request.url()));
            await page.goto(`${harness.orgOf(mspId).apiUrl}/`);
            return page;
        },
        signIn: async (mspId, role, options = {}) => {
            const page = await harness.openPage(mspId, options);
            await page.getByTestId('token').fill(harness.tokenOf(mspId, role));
            await page.getByTestId('sign-in').click();
            await page.getByTestId('sign-out').waitFor();
            return page;
        },
    };

    before(async function () {
        if (!hasChromium()) {
            console.log('    skipped: /usr/bin/chromium is not installed (apt-get install chromium)');
            this.skip();
        }
        started.region = await startLauncherRegion();
        started.browser = await launchBrowser();
    });

    after(async () => {
        for (const context of contexts) {
            await context.close();
        }
        await started.browser?.close();
        await started.region?.stop();
    });

    return harness;
}
