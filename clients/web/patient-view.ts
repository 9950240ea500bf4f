// SPDX-License-Identifier: Apache-2.0
/**
 * The patient's view (phone-sized first): their key (create with an encrypted backup, restore), their id as
 * text and QR code with the registration proof a hospital pastes, the records anchored for them across the
 * region, consents (grant, one-click revoke), the claims filed on them and the timeline of every access to
 * their data. Organisations are shown by their names from the public directory, read once for the view (MSP
 * ids when it cannot be loaded). Every list is asked with a query signed for it alone: this gateway, that view,
 * the region's channel (from `GET /health`), one use.
 */
import { call, type List } from './api.js';
import { button, field, h, input, money, raw, show, tx, when, type Child } from './dom.js';
import { errorMessage, label, runBusy, success } from './feedback.js';
import { newConsentSection } from './consent-form.js';
import { orgName, readDirectory, type Directory } from './directory.js';
import { gatewayIdentity } from './gateway.js';
import {
    createKey,
    deleteStoredKey,
    newConsentRevoke,
    newPatientQuery,
    newRegistration,
    readStoredKey,
    restoreKey,
    type PatientKey,
} from './patient-key.js';
import { toQrSvg } from './qr.js';
import type { PatientQueryView } from '../../chaincode/src/protocol/payloads.js';
import type { AccessEvent, Claim, Consent, RecordEntry } from '../../chaincode/src/protocol/state.js';

/** Shortest backup passphrase. */
const MIN_PASSPHRASE = 10;

/**
 * One of the patient's own lists, asked with a query signed for this gateway, this view and this request only.
 * @param key - the patient's key
 * @param view - `records`, `consents`, `access-log` or `claims` (the route `POST /patient/{view}`)
 */
export async function patientList<T>(key: PatientKey, view: PatientQueryView): Promise<readonly T[]> {
    const { org, channel } = await gatewayIdentity();
    const body = await newPatientQuery(key, { audience: org, view, channel });
    const list = await call<List<T>>('POST', `/patient/${view}?limit=500`, { body, staff: false });
    return list.items;
}

function section(titleKey: Parameters<typeof tx>[0], testId: string, ...children: Child[]): HTMLElement {
    return h('section', { class: 'card', 'data-testid': testId }, h('h2', {}, tx(titleKey)), ...children);
}

/**
 * Shows the patient view.
 * @param root - where
 */
export async function renderPatient(root: HTMLElement): Promise<void> {
    const key = await readStoredKey();
    if (key === undefined) {
        show(root, newKeySection(root));
        return;
    }
    showPatient(root, key);
}

function newKeySection(root: HTMLElement): HTMLElement {
    const passphrase = input({ type: 'password', autocomplete: 'new-password', 'data-testid': 'passphrase' });
    const again = input({ type: 'password', autocomplete: 'new-password', 'data-testid': 'passphrase-again' });
    const status = h('div', { class: 'status' });
    const create = button(
        'patient.createKey',
        () => {
            if (passphrase.value.length < MIN_PASSPHRASE || passphrase.value !== again.value) {
                show(status, errorMessage(new Error('PASSPHRASE')));
                return;
            }
            void runBusy(status, create, async () => {
                const made = await createKey(passphrase.value);
                showPatient(root, made.key, made.backup);
            });
        },
        { class: 'primary', 'data-testid': 'create-key' },
    );
    const file = h('input', { type: 'file', accept: 'application/json,.json', 'data-testid': 'backup-file' });
    const restorePass = input({ type: 'password', autocomplete: 'current-password', 'data-testid': 'restore-pass' });
    const restoreStatus = h('div', { class: 'status' });
    const restore = button(
        'patient.restore',
        () => {
            const chosen = file.files?.[0];
            if (chosen === undefined) {
                show(restoreStatus, errorMessage(new Error('BACKUP_INVALID')));
                return;
            }
            void runBusy(restoreStatus, restore, async () => {
                showPatient(root, await restoreKey(await chosen.text(), restorePass.value));
            });
        },
        { 'data-testid': 'restore-key' },
    );
    return h(
        'div',
        {},
        section(
            'patient.newKeyTitle',
            'new-key',
            h('p', {}, tx('patient.newKeyHelp', { min: MIN_PASSPHRASE })),
            field('patient.passphrase', passphrase),
            field('patient.passphraseAgain', again),
            create,
            status,
        ),
        section(
            'patient.restoreTitle',
            'restore',
            field('patient.backupFile', file),
            field('patient.passphrase', restorePass),
            restore,
            restoreStatus,
        ),
    );
}

function showPatient(root: HTMLElement, key: PatientKey, backup?: Blob): void {
    const timeline = h('div', { 'data-testid': 'timeline-list' });
    const records = h('div', { 'data-testid': 'records-list' });
    const consents = h('div', { 'data-testid': 'consents-list' });
    const claims = h('div', { 'data-testid': 'claims-list' });
    const directory = readDirectory();
    const refreshAll = (): Promise<void> =>
        Promise.all([
            loadRecords(key, records, directory),
            loadConsents(key, consents, directory, refreshAll),
            loadClaims(key, claims, directory),
            loadTimeline(key, timeline, directory),
        ]).then(() => undefined);
    show(
        root,
        identitySection(key, backup),
        section('patient.recordsTitle', 'records', records),
        newConsentSection(key, refreshAll, directory),
        section('patient.consentsTitle', 'consents', consents),
        section('patient.claimsTitle', 'patient-claims', claims),
        section('patient.timelineTitle', 'timeline', timeline),
    );
    void refreshAll();
}

function identitySection(key: PatientKey, backup?: Blob): HTMLElement {
    const card = h('div', { class: 'registration' });
    const status = h('div', { class: 'status' });
    void runBusy(status, undefined, async () => {
        const { channel } = await gatewayIdentity();
        const text = JSON.stringify(await newRegistration(key, channel));
        show(
            card,
            toQrSvg(text, key.patientId),
            h('p', { class: 'hint' }, tx('patient.registrationHelp')),
            h(
                'textarea',
                { readonly: '', rows: '4', 'data-raw': '', 'data-testid': 'registration-code' },
                document.createTextNode(text),
            ),
        );
    });
    const forget = button('patient.forgetKey', () => {
        forget.replaceWith(
            h(
                'div',
                { class: 'confirm' },
                tx('patient.forgetConfirm'),
                button(
                    'common.yesForget',
                    () => {
                        void deleteStoredKey().then(() => {
                            location.reload();
                        });
                    },
                    { class: 'danger' },
                ),
            ),
        );
    });
    return section(
        'patient.idTitle',
        'identity',
        h('p', {}, tx('patient.yourId')),
        h('p', { class: 'patient-id' }, raw(key.patientId, 'code')),
        backup === undefined ? null : backupLink(key, backup),
        card,
        status,
        forget,
    );
}

function backupLink(key: PatientKey, backup: Blob): HTMLElement {
    const link = h('a', {
        href: URL.createObjectURL(backup),
        download: `healthchain-key-${key.patientId.slice(0, 10)}.json`,
        class: 'button primary',
        'data-testid': 'backup-download',
    });
    link.append(tx('patient.downloadBackup'));
    return h('div', { class: 'notice' }, h('p', {}, tx('patient.backupHelp')), link);
}

async function loadRecords(key: PatientKey, target: HTMLElement, directory: Promise<Directory>): Promise<void> {
    await runBusy(target, undefined, async () => {
        const [items, orgs] = await Promise.all([patientList<RecordEntry>(key, 'records'), directory]);
        show(
            target,
            items.length === 0
                ? h('p', { class: 'empty' }, tx('patient.noRecords'))
                : h(
                      'ul',
                      { class: 'items' },
                      ...items.map((entry) =>
                          h(
                              'li',
                              { 'data-testid': 'record-item' },
                              h('strong', {}, label('cat', entry.category)),
                              ' · ',
                              orgName(entry.custodian, orgs),
                              ' · ',
                              when(entry.createdAt, 'date'),
                          ),
                      ),
                  ),
        );
    });
}

function consentTerms(consent: Consent, orgs: Directory): HTMLElement {
    const list = (values: readonly string[], item: (value: string) => HTMLElement): HTMLElement =>
        h('span', {}, ...values.flatMap((value, i): Child[] => [i > 0 ? ', ' : null, item(value)]));
    const coded =
        (prefix: string) =>
        (value: string): HTMLElement =>
            label(prefix, value === '*' ? 'any' : value);
    const custodian = (value: string): HTMLElement => (value === '*' ? tx('custodian.any') : orgName(value, orgs));
    return h(
        'div',
        { class: 'terms' },
        h('div', {}, tx('consent.to'), ' ', orgName(consent.grantee, orgs)),
        h('div', {}, tx('consent.for'), ' ', list(consent.purposes, coded('purpose'))),
        h('div', {}, tx('consent.categories'), ' ', list(consent.categories, coded('cat'))),
        h('div', {}, tx('consent.custodians.label'), ' ', list(consent.custodians, custodian)),
        h('div', {}, tx('consent.window'), ' ', when(consent.notBefore, 'date'), ' – ', when(consent.notAfter, 'date')),
    );
}

async function loadConsents(
    key: PatientKey,
    target: HTMLElement,
    directory: Promise<Directory>,
    refresh: () => Promise<void>,
): Promise<void> {
    await runBusy(target, undefined, async () => {
        const [items, orgs] = await Promise.all([patientList<Consent>(key, 'consents'), directory]);
        const rows = items.map((consent) => {
            const status = h('div', { class: 'status' });
            const revoke = button(
                'consent.revoke',
                () => {
                    void runBusy(status, revoke, async () => {
                        const { channel } = await gatewayIdentity();
                        await call('POST', `/consents/${encodeURIComponent(consent.consentId)}/revoke`, {
                            body: await newConsentRevoke(key, consent.consentId, channel),
                            staff: false,
                        });
                        show(status, success('consent.revoked'));
                        await refresh();
                    });
                },
                { class: 'danger', 'data-testid': 'revoke' },
            );
            return h(
                'li',
                { class: `consent ${consent.status}`, 'data-testid': 'consent-item' },
                h('strong', {}, label('consentStatus', consent.status)),
                consentTerms(consent, orgs),
                consent.status === 'active' ? revoke : null,
                status,
            );
        });
        show(
            target,
            rows.length === 0
                ? h('p', { class: 'empty' }, tx('patient.noConsents'))
                : h('ul', { class: 'items' }, ...rows),
        );
    });
}

function claimItem(claim: Claim, orgs: Directory): HTMLElement {
    return h(
        'li',
        { class: `claim ${claim.status}`, 'data-testid': 'claim-item', 'data-status': claim.status },
        h('strong', {}, label('claimStatus', claim.status)),
        ' · ',
        money(claim.amount.value, claim.amount.currency),
        h(
            'div',
            { class: 'terms' },
            h('div', {}, tx('claim.by'), ' ', orgName(claim.claimant, orgs)),
            h('div', {}, tx('claim.to'), ' ', orgName(claim.insurer, orgs)),
            h('div', {}, tx('claim.service'), ' ', raw(claim.serviceId, 'code')),
            h('div', {}, tx('claim.records', { count: claim.recordIds.length })),
            h('div', {}, tx('claim.submitted'), ' ', when(claim.submittedAt)),
            claim.decidedAt === null
                ? null
                : h(
                      'div',
                      {},
                      tx('claim.decided'),
                      ' ',
                      when(claim.decidedAt),
                      claim.decisionReason === null || claim.decisionReason === '' ? null : ' · ',
                      claim.decisionReason === null || claim.decisionReason === '' ? null : raw(claim.decisionReason),
                  ),
        ),
    );
}

async function loadClaims(key: PatientKey, target: HTMLElement, directory: Promise<Directory>): Promise<void> {
    await runBusy(target, undefined, async () => {
        const [claims, orgs] = await Promise.all([patientList<Claim>(key, 'claims'), directory]);
        const items = [...claims].sort((a, b) => (a.submittedAt < b.submittedAt ? 1 : -1));
        show(
            target,
            items.length === 0
                ? h('p', { class: 'empty' }, tx('patient.noClaims'))
                : h('ul', { class: 'items' }, ...items.map((claim) => claimItem(claim, orgs))),
        );
    });
    target.append(
        button('common.refresh', () => void loadClaims(key, target, directory), { 'data-testid': 'claims-refresh' }),
    );
}

function timelineItem(event: AccessEvent, orgs: Directory): HTMLElement {
    const emergency = event.decision === 'GRANTED_EMERGENCY';
    return h(
        'li',
        {
            class: `event ${event.decision.toLowerCase()}`,
            'data-testid': 'timeline-item',
            'data-decision': event.decision,
        },
        h('div', { class: 'when' }, when(event.requestedAt)),
        h(
            'div',
            {},
            h('strong', {}, orgName(event.requester, orgs)),
            ' · ',
            label('purpose', event.purpose),
            ' · ',
            label('cat', event.category ?? ''),
        ),
        h(
            'div',
            {},
            h('span', { class: `badge ${event.decision.toLowerCase()}` }, label('decision', event.decision)),
            ' ',
            label('reason', event.reason),
            emergency ? h('span', { class: 'badge emergency' }, tx('timeline.emergencyFlag')) : null,
        ),
        event.justification === null
            ? null
            : h('div', { class: 'hint' }, tx('timeline.justification'), ' ', raw(event.justification)),
    );
}

async function loadTimeline(key: PatientKey, target: HTMLElement, directory: Promise<Directory>): Promise<void> {
    await runBusy(target, undefined, async () => {
        const [events, orgs] = await Promise.all([patientList<AccessEvent>(key, 'access-log'), directory]);
        const items = [...events].sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : -1));
        show(
            target,
            items.length === 0
                ? h('p', { class: 'empty' }, tx('patient.noAccess'))
                : h('ol', { class: 'timeline' }, ...items.map((event) => timelineItem(event, orgs))),
        );
    });
    target.append(
        button('common.refresh', () => void loadTimeline(key, target, directory), {
            'data-testid': 'timeline-refresh',
        }),
    );
}
