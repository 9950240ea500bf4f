// SPDX-License-Identifier: Apache-2.0
/**
 * Hospital A's admin watches its HL7 v2 intake in the portal, against a real region (launcher, ledger node and
 * gateways as processes on loopback): a result for a linked patient, one for a patient not registered yet and a
 * malformed one arrive over MLLP; the page shows the queue depths, the error with its reason, the pending
 * message and the last messages; the message text, which carries markup, is shown as text; the admin
 * reprocesses the error and the panel follows it back into the error queue. The page updates itself, so the
 * test waits on the page's own state (playwright's waiting helpers), never for a fixed time.
 */
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { newPatientKey, newRegistration } from '../../clients/shared/patient-keys';
import { findRegionOrganization } from '../../clients/shared/region-file';
import { MllpClient } from '../../gateway/src/hl7/mllp-client';
import { oru } from '../fixtures/hl7/messages';
import { apiErrorOf } from '../helpers/launcher';
import { auditText, screenshot, type TextAudit } from './browser';
import { folded, usePortalRegion } from './portal-harness';

const A = 'HospitalAMSP';
const INSURER = 'InsurerMSP';
const CJK = /[\u4e00-\u9fff]/;
/** Markup in a field of the malformed message: shown as text, it creates no element and runs nothing. */
const MARKUP = '<img src=x onerror="document.body.dataset.pwned=1"><b>bold</b>';
/** The page updates every 5 s; a state it must reach gets this long. */
const REACHED_MS = 60_000;

interface ErrorItem {
    readonly messageId: string;
    readonly controlId: string;
    readonly error: { readonly code: string; readonly text: string; readonly location?: string };
}

/** Waits until a queue's tile shows a count. */
async function waitForDepth(page: Page, queue: string, count: number): Promise<void> {
    await page
        .locator(`[data-testid=queue-${queue}] .count`)
        .filter({ hasText: new RegExp(`^${count}$`) })
        .waitFor({ timeout: REACHED_MS });
}

describe("the HL7 intake page of a hospital's admin (chromium, real region)", function () {
    this.timeout(300_000);
    const portal = usePortalRegion();
    let admin: Page;
    const linked = { controlId: 'WEB-LINKED', mrn: 'WEB-MRN-LINKED' };
    const waiting = { controlId: 'WEB-WAITING', mrn: 'WEB-MRN-NOBODY' };
    const broken = { controlId: 'WEB-BROKEN', mrn: 'WEB-MRN-LINKED' };

    before(async () => {
        const region = portal.region;
        const key = newPatientKey();
        await region.client(A, 'clinician').post('/patients', {
            ...newRegistration(key, region.region.channel),
            identifiers: [{ system: 'HOSPA', value: linked.mrn }],
        });
        const hl7Url = findRegionOrganization(region.region, A).hl7Url;
        assert.ok(hl7Url, 'Hospital A listens for HL7');
        const sender = await MllpClient.connect(hl7Url);
        try {
            assert.equal((await sender.sendOne(oru(linked, linked.controlId))).code, 'AA');
            assert.equal((await sender.sendOne(oru(waiting, waiting.controlId))).code, 'AA');
            const malformed = oru(broken, broken.controlId)
                .replace('20250304092000', 'yesterday')
                .replace('Fasting sample\\.br\\received 09:20', MARKUP);
            const ack = await sender.sendOne(malformed);
            assert.deepEqual([ack.code, ack.errorCode], ['AE', '102']);
        } finally {
            await sender.close();
        }
    });

    it('shows the queue depths, the pending message and the last messages as the feed settles', async () => {
        admin = await portal.signIn(A, 'admin');
        await admin.getByTestId('hl7-status').waitFor();
        await waitForDepth(admin, 'errors', 1);
        await waitForDepth(admin, 'pending', 1);
        await waitForDepth(admin, 'work', 0);
        await waitForDepth(admin, 'anchoring', 0);
        assert.match(
            folded(await admin.getByTestId('hl7-listener').textContent()),
            /^Listening on mllp:\/\/127\.0\.0\.1:\d+ /,
        );
        assert.match(
            folded(await admin.getByTestId('hl7-dropped').textContent()),
            /^Dropped from the pending queue: 0 older than 30 days, 0 beyond 100,000 messages\./,
        );

        const latest = admin.getByTestId('hl7-latest');
        await latest.locator('[data-testid=hl7-row][data-status=anchored]').waitFor({ timeout: REACHED_MS });
        const rows = latest.getByTestId('hl7-row');
        const cells = async (column: string): Promise<string[]> =>
            (await rows.locator(`[data-column=${column}]`).allTextContents()).map(folded);
        assert.deepEqual(await cells('controlId'), [broken.controlId, waiting.controlId, linked.controlId]);
        assert.deepEqual(await cells('status'), ['Error', 'Waiting for a patient link', 'Anchored']);
        assert.deepEqual(await cells('type'), ['ORU^R01', 'ORU^R01', 'ORU^R01']);
        assert.deepEqual(await cells('sender'), ['HIS · HOSPA', 'HIS · HOSPA', 'HIS · HOSPA']);
        assert.equal(await admin.getByTestId('hl7-latest-more').isVisible(), false, 'no more to show');

        const pending = admin.getByTestId('hl7-pending').getByTestId('hl7-row');
        assert.equal(await pending.count(), 1);
        assert.equal(folded(await pending.locator('[data-column=controlId]').textContent()), waiting.controlId);
        await screenshot(admin, 'hl7-intake');
    });

    it('lists the error with its reason, and shows the message text as text', async () => {
        const errors = await portal.region.client(A, 'admin').get<{ items: ErrorItem[] }>('/hl7/errors');
        const [item] = errors.items;
        assert.ok(item && errors.items.length === 1);
        assert.equal(item.error.code, '102');
        const row = admin.getByTestId('hl7-errors').getByTestId('hl7-row');
        assert.equal(await row.count(), 1);
        assert.equal(await row.getAttribute('data-message-id'), item.messageId);
        const location = item.error.location === undefined ? '' : ` · ${item.error.location}`;
        const reason = `Data type error – ${item.error.text}${location}`;
        assert.equal(folded(await row.locator('[data-column=reason]').textContent()), folded(reason));
        assert.equal(folded(await row.locator('[data-column=controlId]').textContent()), broken.controlId);
        assert.equal(folded(await row.locator('[data-column=sender]').textContent()), 'HIS · HOSPA');

        await row.getByTestId('hl7-open').click();
        const detail = admin.locator(`[data-testid=hl7-detail][data-status=error]`);
        await detail.waitFor();
        assert.equal(folded(await detail.getByTestId('hl7-detail-reason').textContent()), folded(reason));
        const shown = await portal.region
            .client(A, 'admin')
            .get<{ content: { text: string } }>(`/hl7/messages/${item.messageId}`);
        const text = detail.getByTestId('hl7-detail-text').locator('pre');
        assert.equal(await text.textContent(), shown.content.text);
        assert.ok(shown.content.text.includes(MARKUP));
        assert.equal(await detail.locator('img, b').count(), 0, 'the markup made no element');
        assert.equal(await admin.evaluate('document.body.dataset.pwned ?? null'), null);
    });

    it('reprocesses the error: the panel shows the answer and follows the message back to the error queue', async () => {
        const detail = admin.getByTestId('hl7-detail');
        const before = await detail.getAttribute('data-updated');
        assert.ok(before);
        await detail.getByTestId('hl7-reprocess').click();
        await detail.getByTestId('success').waitFor();
        assert.equal(folded(await detail.getByTestId('success').textContent()), 'Sent for processing again.');
        const again = admin.locator(`[data-testid=hl7-detail][data-status=error]:not([data-updated="${before}"])`);
        await again.waitFor({ timeout: REACHED_MS });
        assert.match(folded(await again.getByTestId('hl7-detail-reason').textContent()), /^Data type error – /);
        assert.equal(await again.getByTestId('hl7-reprocess').count(), 1, 'it can be reprocessed again');
        await waitForDepth(admin, 'errors', 1);
        await waitForDepth(admin, 'work', 0);
        await screenshot(admin, 'hl7-reprocessed');
    });

    it('switches every visible string to Chinese and back, with no untranslated text', async () => {
        const check = (audit: TextAudit, chinese: boolean): void => {
            assert.deepEqual(audit.untranslated, []);
            for (const { key, text } of audit.messages) {
                assert.equal(CJK.test(text), chinese, `${key}: ${text}`);
            }
        };
        check(await auditText(admin), false);
        await admin.getByTestId('language').selectOption('zh-CN');
        check(await auditText(admin), true);
        assert.equal(folded(await admin.getByTestId('hl7-status').locator('h2').textContent()), 'HL7 v2 消息接入');
        await screenshot(admin, 'hl7-intake-zh');
        await admin.getByTestId('language').selectOption('en');
        check(await auditText(admin), false);
    });

    it('is a hospital admin’s page only, and loads nothing from elsewhere', async () => {
        const insurer = await portal.signIn(INSURER, 'admin');
        await insurer.locator('[data-i18n="home.noView"]').waitFor();
        assert.equal(await insurer.getByTestId('hl7-status').count(), 0);
        const refused = await apiErrorOf(portal.region.client(INSURER, 'admin').get('/hl7/messages'));
        assert.equal(refused.status, 404);
        const clinician = await apiErrorOf(portal.region.client(A, 'clinician').get('/hl7/messages'));
        assert.deepEqual([clinician.status, clinician.code], [403, 'FORBIDDEN']);
        const origins = new Set(portal.requestedUrls.map((url) => new URL(url).origin));
        const gateways = new Set([A, INSURER].map((mspId) => new URL(portal.orgOf(mspId).apiUrl).origin));
        assert.deepEqual(
            [...origins].filter((origin) => !gateways.has(origin)),
            [],
        );
    });
});
