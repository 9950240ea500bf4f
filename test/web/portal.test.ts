// SPDX-License-Identifier: Apache-2.0
/**
 * The web portal against a real region, as its users see it: a patient creates a key in the browser and is
 * registered by Hospital A's clinician; Hospital A publishes a lab result; Hospital B's clinician is denied;
 * the patient grants consent in the page; Hospital B reads the formatted result; the patient revokes and sees
 * the accesses and denials in the timeline; the commission's dashboard and explorer show them; the insurer
 * verifies and approves a claim for a service, which the patient sees among the claims filed on them; the
 * language switch changes every visible string.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { fillFixture } from '../../network/src/region/demo-plan';
import labHba1c from '../../network/src/region/demo/lab-hba1c.json';
import { auditText, KEY_EXTRACTABLE_SCRIPT, screenshot, type TextAudit } from './browser';
import { folded, usePortalRegion } from './portal-harness';
import { apiErrorOf } from '../helpers/launcher';

const A = 'HospitalAMSP';
const B = 'HospitalBMSP';
const INSURER = 'InsurerMSP';
const COMMISSION = 'CommissionMSP';
/** Hospital A's id of the visit it bills. */
const SERVICE = 'visit-2025-0042';
const CJK = /[\u4e00-\u9fff]/;
/** Messages that read the same in both languages (codes and examples). */
const SAME_IN_BOTH = new Set(['clinician.fhirJson', 'clinician.patientIdHint', 'explain.recordIdHint']);

/** The MSP ids behind the organisation names shown in a part of the page. */
async function titlesIn(scope: Locator): Promise<(string | null)[]> {
    return Promise.all((await scope.locator('[data-raw][title]').all()).map((org) => org.getAttribute('title')));
}

describe('the web portal (chromium, real region)', function () {
    this.timeout(300_000);
    const portal = usePortalRegion();
    const { openPage, signIn, tokenOf } = portal;
    let patient: Page;
    let clinicianA: Page;
    let clinicianB: Page;
    let auditor: Page;
    let patientId: string;

    it('creates the patient key in the browser (non-extractable, backed up) and shows id and QR code', async () => {
        patient = await openPage(A, { phone: true });
        await patient.getByTestId('patient-entry').click();
        await patient.getByTestId('passphrase').fill('correct horse battery');
        await patient.getByTestId('passphrase-again').fill('correct horse battery');
        await patient.getByTestId('create-key').click();
        await patient.getByTestId('registration-code').waitFor();
        patientId = (await patient.locator('.patient-id code').textContent()) ?? '';
        assert.match(patientId, /^pt[a-z2-7]{52}$/);
        assert.equal(await patient.locator('svg.qr').count(), 1);
        assert.equal(await patient.getByTestId('backup-download').count(), 1);
        const extractable = await patient.evaluate<boolean>(KEY_EXTRACTABLE_SCRIPT);
        assert.equal(extractable, false);
        // The sections of the patient's own view, each listed with a query signed for this gateway and view.
        const title = async (section: string): Promise<string> =>
            folded(await patient.getByTestId(section).locator('h2').textContent());
        assert.equal(await title('records'), 'Records anchored for me');
        assert.equal(await title('patient-claims'), 'Claims filed on me');
        await screenshot(patient, 'patient-key');
    });

    it("registers the patient at Hospital A from the page's registration code and publishes a lab result", async () => {
        const code = await patient.getByTestId('registration-code').inputValue();
        clinicianA = await signIn(A, 'clinician');
        await clinicianA.getByTestId('registration-input').fill(code);
        await clinicianA.getByTestId('register').click();
        await clinicianA.getByTestId('register-patient').getByTestId('success').waitFor();
        assert.ok((await clinicianA.getByTestId('register-patient').textContent())?.includes(patientId));
        const resource = fillFixture(labHba1c, { patientId, name: 'Test Patient', custodianName: 'Hospital A' });
        await clinicianA.getByTestId('publish-patient').fill(patientId);
        await clinicianA.getByTestId('publish-category').selectOption('lab');
        await clinicianA.getByTestId('publish-json').fill('{"resourceType": "Nonsense"}');
        await clinicianA.getByTestId('publish').click();
        await clinicianA.getByTestId('publish-record').getByTestId('error').waitFor();
        await clinicianA.getByTestId('publish-json').fill(JSON.stringify(resource, null, 2));
        await clinicianA.getByTestId('publish').click();
        await clinicianA.getByTestId('publish-record').getByTestId('success').waitFor();
        await screenshot(clinicianA, 'clinician-a-published');
    });

    it("denies Hospital B's clinician without consent, with a translated reason", async () => {
        clinicianB = await signIn(B, 'clinician');
        await clinicianB.getByTestId('search-patient').fill(patientId);
        await clinicianB.getByTestId('search').click();
        await clinicianB.getByTestId('record-row').first().waitFor();
        await clinicianB.getByTestId('fetch').click();
        const error = clinicianB.getByTestId('fetch-result').getByTestId('error');
        await error.waitFor();
        assert.match((await error.textContent()) ?? '', /Access denied: no consent/);
        await screenshot(clinicianB, 'clinician-b-denied');
    });

    it('lets the patient grant consent in the page; Hospital B then reads the formatted lab result', async () => {
        const grantee = patient.getByTestId('grantee');
        const valuesOf = async (locator: Locator): Promise<(string | null)[]> =>
            Promise.all((await locator.all()).map((item) => item.getAttribute('value')));
        assert.deepEqual(await valuesOf(grantee.locator('option')), ['', COMMISSION, A, B, INSURER]);
        assert.deepEqual(await valuesOf(patient.locator('[data-testid=custodians] input[name=custodian]')), [A, B]);
        await grantee.selectOption(B);
        await patient.locator('input[name=purpose][value=TREATMENT]').check();
        await patient.locator('input[name=category][value=lab]').check();
        await patient.locator(`input[name=custodian][value=${A}]`).check();
        await patient.getByTestId('grant').click();
        // The notice comes before any signature: the recipient's name and contact from the directory, in English,
        // and in Chinese on request; the signature covers the text shown.
        const notice = patient.getByTestId('notice');
        await notice.waitFor();
        const english = (await notice.textContent()) ?? '';
        assert.match(english, /^Notice: sharing your medical records\nYou are asked/);
        assert.match(english, /\nRecipient: Hospital B \(HospitalBMSP\)\nContact: Hospital B privacy office, /);
        assert.match(english, /\nPurposes: treatment\nKinds of records: lab results\nRecords held by: HospitalAMSP\n/);
        await patient.getByTestId('notice-language').click();
        await patient.locator('[data-testid=notice][lang=zh-CN]').waitFor();
        assert.match((await notice.textContent()) ?? '', /\n接收方：Hospital B \(HospitalBMSP\)\n/);
        await screenshot(patient, 'patient-notice');
        await patient.getByTestId('sign-consent').click();
        await patient.getByTestId('grant-consent').getByTestId('success').waitFor();
        await patient.getByTestId('revoke').waitFor();
        await patient.getByTestId('claims-list').locator('[data-i18n="patient.noClaims"]').waitFor();
        // Organisations by name from the directory, each with its MSP id as the title.
        const consent = patient.getByTestId('consent-item');
        assert.match(folded(await consent.locator('.terms').innerText()), /To: Hospital B .*Held by: Hospital A /);
        assert.deepEqual(await titlesIn(consent), [B, A]);
        const record = patient.getByTestId('record-item');
        assert.match(folded(await record.textContent()), /^Lab results · Hospital A · /);
        assert.deepEqual(await titlesIn(record), [A]);
        await clinicianB.getByTestId('fetch').click();
        const view = clinicianB.getByTestId('fetch-result').getByTestId('fhir-view');
        await view.waitFor();
        const text = (await view.textContent()) ?? '';
        assert.match(text, /HbA1c/);
        assert.match(text, /7\.4 %/);
        assert.match(text, /Reference range/);
        await screenshot(clinicianB, 'clinician', true);
    });

    it('revokes with one click; the timeline shows both denials and the access', async () => {
        await patient.getByTestId('revoke').click();
        await patient.locator('[data-testid=consent-item].revoked').waitFor();
        await clinicianB.getByTestId('fetch').click();
        const error = clinicianB.getByTestId('fetch-result').getByTestId('error');
        await error.waitFor();
        assert.match((await error.textContent()) ?? '', /consent revoked/);
        await patient.getByTestId('timeline-refresh').click();
        await patient.locator('[data-testid=timeline-item]').nth(2).waitFor();
        const items = await patient.getByTestId('timeline-item').all();
        const decisions = await Promise.all(items.map((item) => item.getAttribute('data-decision')));
        assert.deepEqual(decisions, ['DENIED', 'GRANTED', 'DENIED']);
        for (const item of items) {
            assert.match(folded(await item.textContent()), /Hospital B · Treatment · Lab/);
            assert.deepEqual(await titlesIn(item), [B]);
        }
        await patient.getByTestId('timeline').scrollIntoViewIfNeeded();
        await screenshot(patient, 'patient', true);
    });

    it("shows the accesses in the commission's charts and explorer, and exports them", async () => {
        auditor = await signIn(COMMISSION, 'auditor');
        await auditor.getByTestId('total').waitFor();
        assert.match((await auditor.getByTestId('total').textContent()) ?? '', /^3 access requests$/);
        const decisionChart = (await auditor.getByTestId('chart-decision').textContent()) ?? '';
        assert.match(decisionChart, /1.*Granted.*0.*Emergency.*2.*Denied/s);
        assert.match((await auditor.getByTestId('chart-org-day').textContent()) ?? '', /3.*HospitalBMSP/s);
        assert.match(folded(await auditor.getByTestId('view-height').textContent()), /^Counted up to block \d+/);
        await screenshot(auditor, 'commission', true);
        // The other periods: the last 24 hours per hour, the last 30 days per day.
        await auditor.getByTestId('dashboard-days').selectOption('1');
        await auditor.getByText('Accesses per organisation per hour').waitFor();
        assert.match((await auditor.getByTestId('total').textContent()) ?? '', /^3 access requests$/);
        await auditor.getByTestId('dashboard-days').selectOption('30');
        await auditor.getByText('Accesses per organisation per day').waitFor();
        assert.match((await auditor.getByTestId('total').textContent()) ?? '', /^3 access requests$/);
        await auditor.getByTestId('tab-explorer').click();
        await auditor.getByTestId('filter-patientId').fill(patientId);
        await auditor.getByTestId('search-events').click();
        await auditor.getByTestId('event-row').nth(2).waitFor();
        assert.equal(await auditor.getByTestId('event-row').count(), 3);
        const download = auditor.waitForEvent('download');
        await auditor.getByTestId('export-csv').click();
        const csv = readFileSync(await (await download).path(), 'utf8');
        assert.equal(csv.trim().split('\r\n').length, 4);
        await auditor.getByTestId('tab-chain').click();
        await auditor.getByTestId('chain-result').waitFor();
        assert.match((await auditor.getByTestId('chain-result').textContent()) ?? '', /intact/);
        await screenshot(auditor, 'commission-explorer');
    });

    it('lets the insurer verify the supporting record against the ledger and approve the claim', async () => {
        const records = await portal.region
            .client(A, 'clinician')
            .get<{ items: { recordId: string }[] }>(`/records?patientId=${patientId}`);
        const recordIds = records.items.map((r) => r.recordId);
        const claim = {
            patientId,
            insurer: INSURER,
            serviceId: SERVICE,
            recordIds,
            amount: { value: 320.5, currency: 'CNY' },
        };
        // A claim needs the patient's PAYMENT consent for the insurer naming the hospital itself as holder.
        const refused = await apiErrorOf(portal.region.client(A, 'claims').post('/claims', claim));
        assert.equal(refused.code, 'CONSENT_REQUIRED');
        await patient.getByTestId('grantee').selectOption(INSURER);
        await patient.locator('input[name=purpose][value=PAYMENT]').check();
        await patient.getByTestId('all-ordinary').check();
        await patient.locator(`input[name=custodian][value=${A}]`).check();
        await patient.getByTestId('grant').click();
        await patient.getByTestId('sign-consent').click();
        await patient.getByTestId('grant-consent').getByTestId('success').waitFor();
        await portal.region.client(A, 'claims').post('/claims', claim);
        const insurer = await signIn(INSURER, 'claims');
        await insurer.getByTestId('claim-row').first().waitFor();
        assert.ok(((await insurer.getByTestId('claim-row').first().textContent()) ?? '').includes(SERVICE));
        await insurer.getByTestId('open-claim').first().click();
        assert.equal(folded(await insurer.getByTestId('claim-service').textContent()), SERVICE);
        await insurer.getByTestId('verify').click();
        await insurer.getByTestId('verification').waitFor();
        assert.match((await insurer.getByTestId('verification').textContent()) ?? '', /Verified.*Granted.*matches/s);
        await insurer.getByTestId('decision-reason').fill('supported by the lab result');
        await insurer.getByTestId('approve').click();
        await insurer.getByTestId('claim-detail').getByTestId('success').waitFor();
        await screenshot(insurer, 'insurer', true);
    });

    it('shows the patient the claims filed on them, with the service, the organisations by name and the decision', async () => {
        await patient.getByTestId('claims-refresh').click();
        const item = patient.getByTestId('claim-item');
        await item.waitFor();
        assert.equal(await item.count(), 1);
        assert.equal(await item.getAttribute('data-status'), 'approved');
        const text = folded(await item.innerText());
        assert.match(text, /^Approved · CN¥320\.50 /);
        assert.ok(text.includes('Filed by: Hospital A'), text);
        assert.ok(text.includes('Insurer: Regional Insurer'), text);
        assert.ok(text.includes(`Service: ${SERVICE}`), text);
        assert.ok(text.includes('Supporting records: 1'), text);
        assert.ok(text.includes('supported by the lab result'), text);
        assert.deepEqual(await titlesIn(item), [A, INSURER]);
        await patient.getByTestId('patient-claims').scrollIntoViewIfNeeded();
        await screenshot(patient, 'patient-claims');
    });

    it('shows the patient who can see a record and why; the commission explains any record the same way', async () => {
        /** Who would be let in now, as `requester purpose decision`. */
        const openRows = async (panel: Locator): Promise<string[]> => {
            const rows = await panel.getByTestId('explain-open').all();
            return Promise.all(
                rows.map(async (row) => {
                    const names = ['requester', 'purpose', 'decision'];
                    return (await Promise.all(names.map((name) => row.getAttribute(`data-${name}`)))).join(' ');
                }),
            );
        };
        const expected = [
            `${A} EMERGENCY GRANTED_EMERGENCY`,
            `${B} EMERGENCY GRANTED_EMERGENCY`,
            `${INSURER} PAYMENT GRANTED`,
        ];
        const record = patient.getByTestId('record-item').first();
        await record.getByTestId('explain-toggle').click();
        const mine = record.getByTestId('explain-panel');
        await mine.getByTestId('explain-result').waitFor();
        assert.deepEqual(await openRows(mine), expected);
        assert.equal(await mine.getByTestId('explain-cell').count(), 4 * 5);
        // Why Hospital B may no longer see it for treatment: the check that failed, and the consent's verdict.
        await mine.getByTestId('explain-requester').selectOption(B);
        await mine.getByTestId('explain-purpose').selectOption('TREATMENT');
        await mine.getByTestId('explain-show-checks').click();
        await mine.getByTestId('explain-step').nth(4).waitFor();
        const steps = await mine.getByTestId('explain-step').all();
        assert.deepEqual(await Promise.all(steps.map((step) => step.getAttribute('data-result'))), [
            'pass',
            'pass',
            'pass',
            'pass',
            'fail',
        ]);
        assert.equal(await mine.getByTestId('explain-consent').getAttribute('data-verdict'), 'CONSENT_REVOKED');
        assert.match(folded((await steps[4]?.innerText()) ?? ''), /covers the request · failed · consent revoked/);
        await mine.scrollIntoViewIfNeeded();
        await screenshot(patient, 'patient-explain');

        const records = await portal.region
            .client(A, 'clinician')
            .get<{ items: { recordId: string }[] }>(`/records?patientId=${patientId}`);
        await auditor.getByTestId('tab-explain').click();
        await auditor.getByTestId('explain-record-id').fill(records.items[0]?.recordId ?? '');
        await auditor.getByTestId('explain-record').click();
        const audit = auditor.getByTestId('explain-panel');
        await audit.getByTestId('explain-result').waitFor();
        assert.deepEqual(await openRows(audit), expected);
        await screenshot(auditor, 'commission-explain');
    });

    it('switches every visible string to Chinese and back, with no untranslated text', async () => {
        const check = (audit: TextAudit, chinese: boolean): void => {
            assert.deepEqual(audit.untranslated, []);
            for (const { key, text } of audit.messages) {
                if (!SAME_IN_BOTH.has(key)) {
                    assert.equal(CJK.test(text), chinese, `${key}: ${text}`);
                }
            }
        };
        for (const page of [patient, clinicianB, auditor]) {
            check(await auditText(page), false);
            await page.getByTestId('language').selectOption('zh-CN');
            const audit = await auditText(page);
            assert.equal(audit.lang, 'zh-CN');
            check(audit, true);
        }
        await auditor.getByTestId('tab-dashboard').click();
        await auditor.getByTestId('total').waitFor();
        check(await auditText(auditor), true);
        await screenshot(auditor, 'commission-zh', true);
        await screenshot(patient, 'patient-zh', true);
        await patient.getByTestId('language').selectOption('en');
        check(await auditText(patient), false);
        const chinese = await openPage(A, { locale: 'zh-CN' });
        await chinese.getByTestId('sign-in').waitFor();
        check(await auditText(chinese), true);
        await screenshot(chinese, 'home-zh');
    });

    it('keeps keys, tokens and record content out of URLs, local storage and logs', async () => {
        const secrets = ['clinician', 'claims', 'auditor'].flatMap((role) =>
            [A, B, INSURER, COMMISSION].map((msp) => {
                try {
                    return tokenOf(msp, role as 'clinician');
                } catch {
                    return '';
                }
            }),
        );
        for (const url of portal.requestedUrls) {
            assert.ok(!secrets.some((s) => s !== '' && url.includes(s)), url);
            assert.ok(!/HbA1c|PRIVATE|signature/i.test(url), url);
        }
        for (const page of [patient, clinicianA, clinicianB, auditor]) {
            assert.equal(await page.evaluate<number>('localStorage.length'), 0);
        }
        const output = portal.region.output();
        assert.ok(!secrets.some((s) => s !== '' && output.includes(s)));
        assert.ok(!output.includes('HbA1c'));
    });
});
