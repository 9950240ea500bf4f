// SPDX-License-Identifier: Apache-2.0
/**
 * A guardian in the portal, against a real region: a mother's page gives the hospital her guardian code for her
 * child; Hospital A's clinician registers her, attesting the child is under fourteen; acting for the child, she
 * sees the child's records and grants a consent after reading its notice; the child's page lists the guardianship
 * and ends it; from then on her signatures are refused with a translated message.
 */
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { fillFixture } from '../../network/src/region/demo-plan';
import labHba1c from '../../network/src/region/demo/lab-hba1c.json';
import { auditText, screenshot } from './browser';
import { folded, usePortalRegion } from './portal-harness';

const A = 'HospitalAMSP';
const B = 'HospitalBMSP';
const COMMISSION = 'CommissionMSP';
const PASSPHRASE = 'a long enough passphrase';

async function newPatientPage(open: () => Promise<Page>): Promise<{ page: Page; patientId: string }> {
    const page = await open();
    await page.getByTestId('patient-entry').click();
    await page.getByTestId('passphrase').fill(PASSPHRASE);
    await page.getByTestId('passphrase-again').fill(PASSPHRASE);
    await page.getByTestId('create-key').click();
    await page.getByTestId('registration-code').waitFor();
    return { page, patientId: (await page.locator('.patient-id code').textContent()) ?? '' };
}

describe('the web portal: a guardian acts for a child (chromium, real region)', function () {
    this.timeout(300_000);
    const portal = usePortalRegion();
    let child: { page: Page; patientId: string };
    let mother: { page: Page; patientId: string };

    it('registers the mother as guardian from her code, the hospital attesting the child is under fourteen', async () => {
        child = await newPatientPage(() => portal.openPage(A, { phone: true }));
        const code = await child.page.getByTestId('registration-code').inputValue();
        await portal.region.client(A, 'clinician').post('/patients', JSON.parse(code));
        mother = await newPatientPage(() => portal.openPage(A, { phone: true }));
        await mother.page.getByTestId('ward-id').fill(child.patientId);
        await mother.page.getByTestId('guardian-show-code').click();
        const guardianCode = await mother.page.getByTestId('guardian-code').inputValue();
        assert.equal((JSON.parse(guardianCode) as { payload: { type: string } }).payload.type, 'guardian.register');

        const clinician = await portal.signIn(A, 'clinician');
        const card = clinician.getByTestId('guardian-registration');
        await card.getByTestId('guardian-code-input').fill(guardianCode);
        await card.getByTestId('attest').check();
        await card.getByTestId('birth-year').fill(String(new Date().getUTCFullYear() - 7));
        await card.getByTestId('register-guardian').click();
        await card.getByTestId('success').waitFor();
        assert.ok(((await card.getByTestId('success').textContent()) ?? '').includes(mother.patientId));
        await clinician.getByTestId('language').selectOption('zh-CN');
        assert.deepEqual((await auditText(clinician)).untranslated, []);
        await screenshot(clinician, 'guardian-registration');
    });

    it("acts for the child: sees the child's records and grants a consent over its notice, signed by her", async () => {
        const resource = fillFixture(labHba1c, {
            patientId: child.patientId,
            name: 'A Child',
            custodianName: 'Hospital A',
        });
        await portal.region
            .client(A, 'clinician')
            .post('/records', { patientId: child.patientId, category: 'lab', resource });
        const page = mother.page;
        await page.getByTestId('act-for').click();
        await page.getByTestId('acting-banner').waitFor();
        assert.equal(folded(await page.getByTestId('acting-banner').locator('code').textContent()), child.patientId);
        await page.getByTestId('record-item').waitFor();
        await page.getByTestId('grantee').selectOption(B);
        await page.locator('input[name=purpose][value=TREATMENT]').check();
        await page.locator('input[name=category][value=lab]').check();
        await page.locator(`input[name=custodian][value=${A}]`).check();
        await page.getByTestId('grant').click();
        await page.getByTestId('notice').waitFor();
        assert.match((await page.getByTestId('notice').textContent()) ?? '', /Recipient: Hospital B \(HospitalBMSP\)/);
        await page.getByTestId('sign-consent').click();
        await page.getByTestId('grant-consent').getByTestId('success').waitFor();
        await page.getByTestId('consent-item').waitFor();
        const consents = await portal.region
            .client(COMMISSION, 'auditor')
            .get<{ items: { signer: string | null; notice: { language: string } }[] }>(
                `/consents?patientId=${child.patientId}`,
            );
        assert.deepEqual(
            consents.items.map((c) => [c.signer, c.notice.language]),
            [[mother.patientId, 'en']],
        );
        const guardians = page.getByTestId('guardian-item');
        await guardians.waitFor();
        assert.equal(await page.getByTestId('end-guardianship').count(), 0, 'a guardian cannot end it');
        await page.getByTestId('language').selectOption('zh-CN');
        assert.deepEqual((await auditText(page)).untranslated, []);
        await page.getByTestId('language').selectOption('en');
        await screenshot(page, 'guardian-acting');
    });

    it("shows in the child's timeline that an access rested on a consent the guardian signed", async () => {
        const records = await portal.region
            .client(A, 'clinician')
            .get<{ items: { recordId: string }[] }>(`/records?patientId=${child.patientId}`);
        const recordId = records.items[0]?.recordId ?? '';
        await portal.region.client(B, 'clinician').post(`/records/${recordId}/fetch`, { purpose: 'TREATMENT' });
        await child.page.reload();
        const signer = child.page.getByTestId('timeline-item').getByTestId('consent-signer');
        await signer.waitFor();
        assert.ok(folded(await signer.textContent()).endsWith(mother.patientId));
    });

    it('lets the child end the guardianship; her next signature is refused, translated', async () => {
        await child.page.reload();
        const item = child.page.locator(`[data-testid=guardian-item][data-guardian=${mother.patientId}]`);
        await item.waitFor();
        assert.equal(await item.getAttribute('data-status'), 'active');
        await item.getByTestId('end-guardianship').click();
        await child.page.locator(`[data-testid=guardian-item][data-status=ended]`).waitFor();

        const page = mother.page;
        await page.getByTestId('grantee').selectOption(B);
        await page.locator('input[name=purpose][value=RESEARCH]').check();
        await page.locator('input[name=category][value=lab]').check();
        await page.getByTestId('any-custodian').check();
        await page.getByTestId('grant').click();
        await page.getByTestId('sign-consent').click();
        const error = page.getByTestId('grant-consent').getByTestId('error');
        await error.waitFor();
        assert.match((await error.textContent()) ?? '', /This guardianship has ended/);
        await page.getByTestId('stop-acting').click();
        await page.getByTestId('identity').waitFor();
        await screenshot(page, 'guardian-ended');
    });
});
