// SPDX-License-Identifier: Apache-2.0
/**
 * The portal's other flows against a real region: the browser's signatures as the chaincode reads
 * and verifies them; the patient's encrypted key backup and its restore (a wrong passphrase restores nothing);
 * break-the-glass by Hospital B behind a confirmation and a justification, reviewed by the commission and
 * flagged in the patient's timeline; the formatted FHIR views (and pretty JSON for any other type); the
 * auditor's FHIR AuditEvent export; a member's pending TLS certificate approved by the commission's admin.
 */
import { strict as assert } from 'node:assert';
import { createPublicKey } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { toPatientId, toSpkiDer } from '../../chaincode/src/crypto/patient-key';
import { assertPatientSignature } from '../../chaincode/src/crypto/signature';
import {
    readGrantPayload,
    readQueryPayload,
    readRegisterPayload,
    readRevokePayload,
} from '../../chaincode/src/protocol/payload-readers';
import { PatientQueryViews } from '../../chaincode/src/protocol/payloads';
import { fillFixture } from '../../network/src/region/demo-plan';
import allergyPenicillin from '../../network/src/region/demo/allergy-penicillin.json';
import conditionDiabetes from '../../network/src/region/demo/condition-diabetes.json';
import dischargeSummary from '../../network/src/region/demo/discharge-summary.json';
import encounterOutpatient from '../../network/src/region/demo/encounter-outpatient.json';
import labReport from '../../network/src/region/demo/lab-report.json';
import medicationMetformin from '../../network/src/region/demo/medication-metformin.json';
import { buttonShowing, downloadText, KEY_EXTRACTABLE_SCRIPT, KEY_PRESENT_SCRIPT, screenshot } from './browser';
import { folded, usePortalRegion } from './portal-harness';

const A = 'HospitalAMSP';
const B = 'HospitalBMSP';
const COMMISSION = 'CommissionMSP';
const CJK = /[\u4e00-\u9fff]/;
const PASSPHRASE = 'correct horse battery';
const JUSTIFICATION = 'Unconscious on arrival in the emergency department; consent cannot be asked.';

/** A DocumentReference (the demo has none): a consult note as an attachment. */
const CONSULT_NOTE = {
    resourceType: 'DocumentReference',
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }] },
    subject: { identifier: { system: 'urn:healthchain:patient', value: '{{patientId}}' }, display: '{{name}}' },
    date: '2025-05-16T10:30:00+08:00',
    description: 'Cardiology consult before discharge',
    content: [{ attachment: { contentType: 'application/pdf', title: 'Cardiology consult note' } }],
};

/** A record to publish and how Hospital B's page must show it: field label → text (whitespace folded). */
interface ViewCase {
    readonly category: string;
    readonly fixture: unknown;
    readonly type: string;
    readonly fields: Readonly<Record<string, string>>;
}

/** Dates as en-US shows them in Asia/Shanghai (the browser's time zone below). */
const VIEW_CASES: readonly ViewCase[] = [
    {
        category: 'condition',
        fixture: conditionDiabetes,
        type: 'Condition',
        fields: {
            Condition: 'Diabetes mellitus type 2, Type 2 diabetes mellitus without complications',
            'Clinical status': 'active',
            Verification: 'confirmed',
            Onset: 'Jun 1, 2021',
            Recorded: 'Jun 15, 2021',
        },
    },
    {
        category: 'medication',
        fixture: medicationMetformin,
        type: 'MedicationStatement',
        fields: {
            Medication: 'metformin hydrochloride 500 MG Extended Release Oral Tablet',
            Dosage: '500 mg twice daily with meals',
            Status: 'active',
            Taken: 'Jun 15, 2021',
        },
    },
    {
        category: 'encounter',
        fixture: encounterOutpatient,
        type: 'Encounter',
        fields: {
            Class: 'ambulatory',
            Type: 'Encounter for check up',
            Status: 'finished',
            Period: 'Mar 4, 2025, 9:10 AM – Mar 4, 2025, 9:40 AM',
            Reason: 'Diabetes mellitus type 2',
            Provider: 'Hospital A',
        },
    },
    {
        category: 'allergy',
        fixture: allergyPenicillin,
        type: 'AllergyIntolerance',
        fields: {
            Substance: 'Penicillin',
            Criticality: 'high',
            'Clinical status': 'active',
            Reaction: 'Eruption of skin · moderate',
            Recorded: 'Nov 2, 2019',
        },
    },
    {
        category: 'lab',
        fixture: labReport,
        type: 'DiagnosticReport',
        fields: {
            Report: 'Diabetes follow-up panel',
            Conclusion: 'Glycaemic control above target; continue metformin, review diet, repeat HbA1c in 3 months.',
            Results: 'HbA1c 7.4 % (high); Fasting glucose 8.1 mmol/L (high)',
            Status: 'final',
            Taken: 'Mar 4, 2025, 9:20 AM',
            'Performed by': 'Hospital A clinical laboratory',
        },
    },
    {
        category: 'document',
        fixture: CONSULT_NOTE,
        type: 'DocumentReference',
        fields: {
            'Document type': 'Consult note',
            Description: 'Cardiology consult before discharge',
            Status: 'current',
            Date: 'May 16, 2025, 10:30 AM',
            Attachment: 'Cardiology consult note',
        },
    },
];

/** A signed envelope as the page returns it. */
interface Envelope {
    readonly payload: Record<string, unknown>;
    readonly signature: string;
}

/** What {@link browserSignatures} signs in the page. */
interface BrowserSignatures {
    readonly patientId: string;
    readonly publicKeyPem: string;
    readonly registration: Envelope;
    readonly grant: Envelope;
    readonly revoke: Envelope;
    readonly queries: readonly Envelope[];
}

/**
 * In the page: the portal's own module (`/portal/clients/web/patient-key.js`) signs each payload with a WebCrypto
 * key.
 * @param channel - the region's channel
 * @param audience - the gateway the queries are for
 */
function browserSignatures(channel: string, audience: string): string {
    const args = JSON.stringify({ channel, audience, views: PatientQueryViews });
    return `(async () => {
        const { channel, audience, views } = ${args};
        const m = await import('/portal/clients/web/patient-key.js');
        const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
        const spki = await crypto.subtle.exportKey('spki', pair.publicKey);
        const base64 = btoa(String.fromCharCode(...new Uint8Array(spki)));
        const publicKeyPem = '-----BEGIN PUBLIC KEY-----\\n' + base64.match(/.{1,64}/g).join('\\n') + '\\n-----END PUBLIC KEY-----\\n';
        const key = { patientId: await m.toPatientId(spki), privateKey: pair.privateKey, publicKeyPem };
        const terms = {
            grantee: 'InsurerMSP', purposes: ['PAYMENT'], categories: ['*'], custodians: ['HospitalAMSP'],
            notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2026-01-01T00:00:00.000Z',
        };
        return {
            patientId: key.patientId,
            publicKeyPem,
            registration: await m.newRegistration(key, channel),
            grant: await m.newConsentGrant(key, terms, { channel, notice: { sha256: '0'.repeat(64), language: 'en' } }),
            revoke: await m.newConsentRevoke(key, 'consent-1', channel),
            queries: await Promise.all(views.map((view) => m.newPatientQuery(key, { audience, view, channel }))),
        };
    })()`;
}

/**
 * In the page: the portal's modules render the notice for a directory entry, hash it and sign a grant over it with
 * the page's stored key, and send it.
 * @param recipient - the grantee's directory entry
 * @param terms - the consent's terms
 */
function grantInPage(recipient: unknown, terms: unknown): string {
    const args = JSON.stringify({ recipient, terms });
    return `(async () => {
        const { recipient, terms } = ${args};
        const keys = await import('/portal/clients/web/patient-key.js');
        const { renderNotice } = await import('/portal/chaincode/src/protocol/notice.js');
        const { gatewayIdentity } = await import('/portal/clients/web/gateway.js');
        const key = await keys.readStoredKey();
        const notice = await keys.toNoticeRef(renderNotice(recipient, terms, 'en'), 'en');
        const { channel } = await gatewayIdentity();
        const body = await keys.newConsentGrant(key, terms, { channel, notice });
        const response = await fetch('/consents', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
        });
        if (!response.ok) {
            throw new Error(await response.text());
        }
    })()`;
}

/** An AuditEvent as far as the test reads it. */
interface AuditEntry {
    readonly resource: {
        readonly resourceType: string;
        readonly id: string;
        readonly purposeOfEvent: { coding: { code: string }[] }[];
    };
}

/** A formatted view's fields: label → value. */
async function fieldsOf(view: Locator): Promise<Record<string, string>> {
    const fields: Record<string, string> = {};
    for (const row of await view.locator('.fhir-row').all()) {
        fields[folded(await row.locator('dt').textContent())] = folded(await row.locator('dd').textContent());
    }
    return fields;
}

describe('the web portal: key backup, break-the-glass, FHIR views, audit export (chromium, real region)', function () {
    this.timeout(300_000);
    const portal = usePortalRegion();
    const { openPage, signIn } = portal;
    let patient: Page;
    let clinicianB: Page;
    let auditor: Page;
    let patientId: string;
    let emergencyAccessId: string;

    /** Publishes a fixture at Hospital A; the ledger anchors one content once, so `name` tells copies apart. */
    async function publishAtA(category: string, fixture: unknown, name = 'Test Patient'): Promise<string> {
        const resource = fillFixture(fixture, { patientId, name, custodianName: 'Hospital A' });
        const published = await portal.region
            .client(A, 'clinician')
            .post<{ recordId: string }>('/records', { patientId, category, resource });
        return published.recordId;
    }

    async function searchAtB(recordId: string): Promise<Locator> {
        await clinicianB.getByTestId('search-patient').fill(patientId);
        await clinicianB.getByTestId('search').click();
        const row = clinicianB.locator(`[data-testid=record-row][data-record="${recordId}"]`);
        await row.waitFor();
        return row;
    }

    it("signs in the browser what the chaincode reads and verifies, each payload naming the region's channel", async () => {
        const page = await openPage(A);
        const { channel } = portal.region.region;
        const signed = await page.evaluate<BrowserSignatures>(browserSignatures(channel, A));
        const publicKey = createPublicKey(signed.publicKeyPem);
        assert.equal(signed.patientId, toPatientId(toSpkiDer(signed.publicKeyPem, 'publicKey')));
        assert.equal(readRegisterPayload(signed.registration.payload).channel, channel);
        assert.equal(readGrantPayload(signed.grant.payload).channel, channel);
        assert.equal(readRevokePayload(signed.revoke.payload).channel, channel);
        const queries = signed.queries.map((query) => readQueryPayload(query.payload));
        assert.deepEqual(
            queries.map((q) => [q.patientId, q.audience, q.view, q.channel]),
            PatientQueryViews.map((view) => [signed.patientId, A, view, channel]),
        );
        assert.ok(queries.every((q) => /^[A-Za-z0-9_-]{22}$/.test(q.nonce)));
        assert.equal(new Set(queries.map((q) => q.nonce)).size, queries.length, 'a new nonce per query');
        for (const envelope of [signed.registration, signed.grant, signed.revoke, ...signed.queries]) {
            assert.equal(assertPatientSignature(envelope.payload, envelope.signature, publicKey), envelope.signature);
        }
    });

    it('restores the same patient id from the encrypted backup; a wrong passphrase restores nothing', async () => {
        patient = await openPage(A, { phone: true });
        await patient.getByTestId('patient-entry').click();
        await patient.getByTestId('passphrase').fill(PASSPHRASE);
        await patient.getByTestId('passphrase-again').fill(PASSPHRASE);
        await patient.getByTestId('create-key').click();
        await patient.getByTestId('registration-code').waitFor();
        patientId = (await patient.locator('.patient-id code').textContent()) ?? '';
        assert.match(patientId, /^pt[a-z2-7]{52}$/);

        const backup = await downloadText(patient, patient.getByTestId('backup-download'));
        assert.match(backup.name, /^healthchain-key-pt[a-z2-7]{8}\.json$/);
        const file = JSON.parse(backup.text) as { format: string; patientId: string; ciphertext: string };
        assert.equal(file.format, 'healthchain-patient-key-backup');
        assert.equal(file.patientId, patientId);
        assert.ok(!/pkcs8|PRIVATE KEY/.test(backup.text), 'the backup holds the key encrypted only');

        await buttonShowing(patient, 'patient.forgetKey').click();
        await buttonShowing(patient, 'common.yesForget').click();
        await patient.getByTestId('restore-key').waitFor();
        assert.equal(await patient.evaluate<boolean>(KEY_PRESENT_SCRIPT), false);

        const backupFile = { name: backup.name, mimeType: 'application/json', buffer: Buffer.from(backup.text) };
        await patient.getByTestId('backup-file').setInputFiles(backupFile);
        await patient.getByTestId('restore-pass').fill('not the passphrase');
        await patient.getByTestId('restore-key').click();
        const error = patient.getByTestId('restore').getByTestId('error');
        await error.waitFor();
        assert.equal(await error.locator('[data-i18n]').getAttribute('data-i18n'), 'error.BACKUP_PASSPHRASE');
        assert.equal(folded(await error.textContent()), 'Wrong passphrase, or the file is damaged.');
        await patient.getByTestId('language').selectOption('zh-CN');
        assert.match((await error.textContent()) ?? '', CJK);
        await patient.getByTestId('language').selectOption('en');
        assert.equal(await patient.evaluate<boolean>(KEY_PRESENT_SCRIPT), false);
        assert.equal(await patient.locator('.patient-id').count(), 0);

        await patient.getByTestId('restore-pass').fill(PASSPHRASE);
        await patient.getByTestId('restore-key').click();
        await patient.getByTestId('registration-code').waitFor();
        assert.equal(await patient.locator('.patient-id code').textContent(), patientId);
        assert.equal(await patient.evaluate<boolean>(KEY_EXTRACTABLE_SCRIPT), false);
        // The restored key signs: Hospital A accepts its proof of possession.
        const code = await patient.getByTestId('registration-code').inputValue();
        const registered = await portal.region
            .client(A, 'clinician')
            .post<{ patientId: string }>('/patients', JSON.parse(code));
        assert.equal(registered.patientId, patientId);
        await screenshot(patient, 'flows-patient-restored');
    });

    it('lets Hospital B break the glass only when confirmed and justified; it is reviewed and flagged', async () => {
        const recordId = await publishAtA('encounter', encounterOutpatient, 'Test Patient (emergency)');
        clinicianB = await signIn(B, 'clinician', { timezoneId: 'Asia/Shanghai' });
        const fetches: string[] = [];
        clinicianB.on('request', (request) => {
            if (request.url().endsWith('/fetch')) {
                fetches.push(request.postData() ?? '');
            }
        });
        const row = await searchAtB(recordId);
        await row.getByTestId('break-glass').click();
        const dialog = row.getByTestId('break-glass-dialog');
        await dialog.waitFor();
        const go = dialog.getByTestId('break-glass-go');
        assert.equal(await go.isDisabled(), true);
        await dialog.getByTestId('break-glass-confirm').check();
        assert.equal(await go.isDisabled(), true, 'confirmed without a justification');
        await go.click({ force: true });
        await dialog.getByTestId('justification').fill('   urgent ');
        assert.equal(await go.isDisabled(), true, 'a justification too short');
        await go.click({ force: true });
        assert.equal(await dialog.isVisible(), true);
        assert.deepEqual(fetches, []);

        await dialog.getByTestId('justification').fill(JUSTIFICATION);
        await go.click();
        const result = clinicianB.getByTestId('fetch-result');
        await result.getByTestId('fhir-view').waitFor();
        assert.equal(
            folded(await result.getByTestId('emergency-flag').textContent()).startsWith('Emergency access'),
            true,
        );
        assert.match((await result.getByTestId('fhir-view').textContent()) ?? '', /Encounter for check up/);
        assert.deepEqual(
            fetches.map((body) => JSON.parse(body) as unknown),
            [{ purpose: 'EMERGENCY', justification: JUSTIFICATION }],
        );
        await screenshot(clinicianB, 'flows-break-glass');

        auditor = await signIn(COMMISSION, 'auditor');
        await auditor.getByTestId('tab-emergencies').click();
        const queue = auditor.getByTestId('emergencies');
        const pending = queue.getByTestId('event-row');
        await pending.first().waitFor();
        assert.equal(await pending.count(), 1);
        assert.match((await pending.textContent()) ?? '', new RegExp(`${B}.*${A}.*Emergency.*Encounter`, 's'));
        assert.ok(((await pending.textContent()) ?? '').includes(JUSTIFICATION));
        await pending.getByTestId('verdict').selectOption('justified');
        await pending.getByTestId('review').click();
        await pending.getByTestId('error').waitFor();
        await pending.getByTestId('review-note').fill('Patient was unconscious; access was necessary.');
        await pending.getByTestId('review').click();
        await queue.locator('[data-i18n="commission.noEvents"]').waitFor();
        const events = await portal.region
            .client(COMMISSION, 'auditor')
            .get<{ items: { accessId: string; decision: string; review: { verdict: string } | null }[] }>(
                `/audit/events?patientId=${patientId}`,
            );
        const emergency = events.items.find((event) => event.decision === 'GRANTED_EMERGENCY');
        assert.ok(emergency);
        assert.equal(emergency.review?.verdict, 'justified');
        emergencyAccessId = emergency.accessId;
        await screenshot(auditor, 'flows-emergency-reviewed');

        await patient.getByTestId('timeline-refresh').click();
        const item = patient.locator('[data-testid=timeline-item][data-decision=GRANTED_EMERGENCY]');
        await item.waitFor();
        const itemText = folded(await item.textContent());
        assert.match(itemText, /Hospital B · Emergency · Encounter/);
        assert.equal(await item.locator('strong [data-raw]').getAttribute('title'), B);
        assert.ok(itemText.includes('Emergency access'));
        assert.ok(itemText.includes(JUSTIFICATION));
        await item.scrollIntoViewIfNeeded();
        await screenshot(patient, 'flows-patient-emergency');
    });

    it("shows each consented record in Hospital B's page as a formatted view, and other types as pretty JSON", async () => {
        const published = await Promise.all(
            VIEW_CASES.map(async (c) => ({ ...c, recordId: await publishAtA(c.category, c.fixture) })),
        );
        const compositionId = await publishAtA('document', dischargeSummary);
        await patient.getByTestId('grantee').selectOption(B);
        await patient.locator('input[name=purpose][value=TREATMENT]').check();
        for (const category of new Set(VIEW_CASES.map((c) => c.category))) {
            await patient.locator(`input[name=category][value=${category}]`).check();
        }
        await patient.locator(`input[name=custodian][value=${A}]`).check();
        await patient.getByTestId('grant').click();
        await patient.getByTestId('sign-consent').click();
        await patient.getByTestId('grant-consent').getByTestId('success').waitFor();

        const result = clinicianB.getByTestId('fetch-result');
        for (const c of published) {
            const row = await searchAtB(c.recordId);
            // The click replaces the last record with progress at once, so the view waited for is the new one.
            await row.getByTestId('fetch').click();
            const view = result.getByTestId('fhir-view');
            await view.locator(`h3 [data-i18n="fhir.type.${c.type}"]`).waitFor();
            assert.equal(await result.getByTestId('emergency-flag').count(), 0);
            assert.equal(await view.locator('pre').count(), 0, `${c.type} is not shown as JSON`);
            assert.ok(!((await view.textContent()) ?? '').includes('resourceType'));
            const fields = await fieldsOf(view);
            for (const [name, value] of Object.entries(c.fields)) {
                assert.equal(fields[name], value, `${c.type} ${name}`);
            }
        }
        await screenshot(clinicianB, 'flows-fhir-views');

        const row = await searchAtB(compositionId);
        await row.getByTestId('fetch').click();
        const pretty = result.getByTestId('fhir-view').locator('pre');
        await pretty.waitFor();
        assert.equal(folded(await result.locator('h3.fhir-type').textContent()), 'Composition');
        const json = (await pretty.textContent()) ?? '';
        assert.match(json, /^\{\n {2}"resourceType": "Composition",\n/);
        assert.equal((JSON.parse(json) as { title: string }).title, 'Discharge summary');
        await screenshot(clinicianB, 'flows-fhir-json');
    });

    it("downloads the auditor's export as a FHIR Bundle of AuditEvents", async () => {
        await auditor.getByTestId('tab-explorer').click();
        const exported = await downloadText(auditor, auditor.getByTestId('export-fhir'));
        assert.equal(exported.name, 'audit-events.fhir.json');
        const bundle = JSON.parse(exported.text) as { resourceType: string; entry?: AuditEntry[] };
        assert.equal(bundle.resourceType, 'Bundle');
        const entries = bundle.entry ?? [];
        const events = await portal.region
            .client(COMMISSION, 'auditor')
            .get<{ items: unknown[] }>('/audit/events?limit=500');
        assert.equal(entries.length, events.items.length);
        assert.equal(entries.length, 1 + VIEW_CASES.length + 1);
        assert.ok(entries.every((entry) => entry.resource.resourceType === 'AuditEvent'));
        const emergency = entries.find((entry) => entry.resource.id === emergencyAccessId);
        assert.ok(emergency);
        const purposes = emergency.resource.purposeOfEvent.flatMap((concept) => concept.coding);
        assert.ok(purposes.some((coding) => coding.code === 'ETREAT'));
        await auditor.getByTestId('export-fhir-link').waitFor();
        await screenshot(auditor, 'flows-audit-export');
    });

    it('falls back to typed MSP ids, with a translated notice, when the directory cannot be loaded', async () => {
        const offline = await openPage(A, { phone: true });
        await offline.route('**/directory', (route) =>
            route.fulfill({
                status: 503,
                contentType: 'application/fhir+json',
                body: JSON.stringify({
                    resourceType: 'OperationOutcome',
                    issue: [{ severity: 'error', code: 'transient', details: { text: 'LEDGER_UNAVAILABLE' } }],
                }),
            }),
        );
        await offline.getByTestId('patient-entry').click();
        await offline.getByTestId('passphrase').fill(PASSPHRASE);
        await offline.getByTestId('passphrase-again').fill(PASSPHRASE);
        await offline.getByTestId('create-key').click();
        const notice = offline.getByTestId('directory-unavailable');
        await notice.waitFor();
        assert.equal(await offline.locator('input[data-testid=grantee]').count(), 1);
        await offline.getByTestId('language').selectOption('zh-CN');
        assert.match((await notice.textContent()) ?? '', CJK);
        await offline.getByTestId('language').selectOption('en');

        const code = await offline.getByTestId('registration-code').inputValue();
        await portal.region.client(A, 'clinician').post('/patients', JSON.parse(code));
        await offline.getByTestId('grantee').fill(B);
        await offline.locator('input[name=purpose][value=TREATMENT]').check();
        await offline.locator('input[name=category][value=lab]').check();
        await offline.getByTestId('custodians').fill(A);
        // No directory, no notice: nothing is signed, and the page says why.
        await offline.getByTestId('grant').click();
        const refused = offline.getByTestId('grant-consent').getByTestId('error');
        await refused.waitFor();
        assert.match((await refused.textContent()) ?? '', /notice cannot be shown/);
        assert.equal(await offline.getByTestId('sign-consent').count(), 0);
        // A consent the page signs once the notice can be rendered (the test passes the directory entry the page
        // could not read) is then listed with MSP ids.
        const directory = await portal.region.client(A).get<{ items: { mspId: string }[] }>('/directory');
        const recipient = directory.items.find((org) => org.mspId === B);
        const now = Date.now();
        const consentTerms = {
            grantee: B,
            purposes: ['TREATMENT'],
            categories: ['lab'],
            custodians: [A],
            notBefore: new Date(now - 60_000).toISOString(),
            notAfter: new Date(now + 86_400_000).toISOString(),
        };
        await offline.evaluate(grantInPage(recipient, consentTerms));
        await offline.reload();
        const consent = offline.locator('[data-testid=consent-item].active');
        await consent.waitFor();
        // Without the directory the lists show MSP ids (still with the id as the title).
        const terms = folded(await consent.locator('.terms').innerText());
        assert.match(terms, new RegExp(`To: ${B} .*Held by: ${A} `));
        assert.deepEqual(
            await Promise.all((await consent.locator('[title]').all()).map((org) => org.getAttribute('title'))),
            [B, A],
        );
        await screenshot(offline, 'flows-directory-unavailable');
    });

    it("shows the commission's admin a member's pending TLS certificate, and approves it", async () => {
        const pending = 'ab'.repeat(32);
        let approved = false;
        const posted: string[] = [];
        const admin = await openPage(COMMISSION);
        // No member rotates its certificate here: the list answers one pending change until it is approved.
        await admin.route('**/orgs', async (route) => {
            const response = await route.fetch();
            const body = (await response.json()) as { items: { mspId: string; pendingTlsCertSha256: unknown }[] };
            const items = body.items.map((org) =>
                org.mspId === B && !approved ? { ...org, pendingTlsCertSha256: pending } : org,
            );
            await route.fulfill({ response, json: { ...body, items } });
        });
        await admin.route(`**/orgs/${B}/approve-certificate`, async (route) => {
            posted.push(route.request().method());
            approved = true;
            await route.fulfill({ json: { mspId: B, tlsCertSha256: pending, txId: '0'.repeat(64), blockNumber: 1 } });
        });
        await admin.getByTestId('token').fill(portal.tokenOf(COMMISSION, 'admin'));
        await admin.getByTestId('sign-in').click();
        const marker = admin.getByTestId(`cert-pending-${B}`);
        await marker.waitFor();
        assert.match(folded(await marker.textContent()), /^Certificate change pending abababababababab…/);
        assert.equal(await marker.locator('code').getAttribute('title'), pending);
        assert.equal(await admin.locator('[data-testid^=cert-pending-]').count(), 1);
        await admin.getByTestId('language').selectOption('zh-CN');
        assert.match((await marker.textContent()) ?? '', CJK);
        await admin.getByTestId('language').selectOption('en');
        await screenshot(admin, 'flows-certificate-pending');
        await admin.getByTestId(`approve-certificate-${B}`).click();
        // Approved, the list is read again and shows no pending change.
        await admin.waitForFunction(`document.querySelectorAll('[data-testid^=cert-pending-]').length === 0`);
        await admin.getByTestId('org-row').first().waitFor();
        assert.equal(await admin.locator('[data-testid^=cert-pending-]').count(), 0);
        assert.deepEqual(posted, ['POST']);
    });
});
