// SPDX-License-Identifier: Apache-2.0
/**
 * The consent form: organisation, purposes, categories — the sensitive ones in a separate, marked group
 * that "all ordinary categories" never includes — custodians and dates. Signed in the page.
 *
 * The grantee and the custodians are picked from the region's public directory (`GET /directory`: the active
 * organisations' MSP ids, types and names), since patients do not know MSP ids. Only when the directory cannot
 * be loaded does the form fall back to typed MSP ids, and says why.
 */
import { call } from './api.js';
import type { Directory, DirectoryEntry } from './directory.js';
import { button, field, h, input, option, raw, setMessage, show, tx } from './dom.js';
import { errorMessage, runBusy, success } from './feedback.js';
import { gatewayIdentity } from './gateway.js';
import { hasMessage } from './i18n.js';
import { newConsentGrant, type PatientKey } from './patient-key.js';
import { MSP_ID_PATTERN } from '../../chaincode/src/protocol/input.js';
import { ConsentPurposes, OrdinaryCategories, SensitiveCategories } from '../../chaincode/src/protocol/vocabulary.js';

const DAY_MS = 86_400_000;

function checkbox(
    name: string,
    value: string,
    key: Parameters<typeof tx>[0],
    attrs: Record<string, string> = {},
): HTMLLabelElement {
    return h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value, ...attrs }), tx(key));
}

function checked(form: HTMLFormElement, name: string): string[] {
    return [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((box) => box.value);
}

function toDateInput(time: number): string {
    const date = new Date(time);
    const pad = (n: number): string => String(n).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The consent window: from the chosen day (from now, if that is today) to the end of the last day. */
function toWindow(from: string, to: string): { notBefore: string; notAfter: string } | undefined {
    const start = new Date(`${from}T00:00:00`).getTime();
    const end = new Date(`${to}T23:59:59.999`).getTime();
    if (Number.isNaN(start) || Number.isNaN(end) || end <= Date.now()) {
        return undefined;
    }
    const notBefore = Math.max(start, Date.now() - 60_000);
    return end > notBefore
        ? { notBefore: new Date(notBefore).toISOString(), notAfter: new Date(end).toISOString() }
        : undefined;
}

function readTerms(form: HTMLFormElement): Parameters<typeof newConsentGrant>[1] {
    const value = (name: string): string =>
        (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null)?.value.trim() ?? '';
    const grantee = value('grantee');
    const purposes = checked(form, 'purpose');
    const ordinary = checked(form, 'allOrdinary').length > 0 ? ['*'] : checked(form, 'category');
    const categories = [...ordinary, ...checked(form, 'sensitive')];
    const anyCustodian = checked(form, 'anyCustodian').length > 0;
    // The directory's checkboxes, or the typed fallback: the form holds one or the other.
    const custodians = anyCustodian
        ? ['*']
        : [
              ...checked(form, 'custodian'),
              ...value('custodians')
                  .split(/[\s,]+/)
                  .filter((c) => c !== ''),
          ];
    const window = toWindow(value('from'), value('to'));
    const valid =
        MSP_ID_PATTERN.test(grantee) &&
        purposes.length > 0 &&
        categories.length > 0 &&
        custodians.length > 0 &&
        custodians.every((c) => c === '*' || MSP_ID_PATTERN.test(c)) &&
        window !== undefined;
    if (!valid) {
        throw new Error('CONSENT_FORM');
    }
    return { grantee, purposes, categories, custodians, ...window };
}

/** An organisation as an option: its name (data) and its type (translated), valued by its MSP id. */
function orgOption(org: DirectoryEntry): HTMLOptionElement {
    const key = `consent.org.${org.type}`;
    return setMessage(h('option', { value: org.mspId }), hasMessage(key) ? key : 'consent.org.other', {
        name: org.name,
    });
}

function granteeSelect(orgs: readonly DirectoryEntry[]): HTMLElement {
    return field(
        'consent.grantee',
        h(
            'select',
            { name: 'grantee', 'data-testid': 'grantee' },
            option('', 'consent.chooseGrantee'),
            ...orgs.map(orgOption),
        ),
    );
}

function custodianChecks(orgs: readonly DirectoryEntry[]): HTMLElement {
    const hospitals = orgs.filter((org) => org.type === 'hospital');
    return h(
        'div',
        {},
        h('p', { class: 'hint' }, tx('consent.onlyCustodians')),
        h(
            'div',
            { class: 'checks', 'data-testid': 'custodians' },
            ...hospitals.map((org) =>
                h(
                    'label',
                    { class: 'check' },
                    h('input', { type: 'checkbox', name: 'custodian', value: org.mspId }),
                    raw(org.name),
                ),
            ),
        ),
    );
}

function typedGrantee(): HTMLElement {
    return h(
        'div',
        {},
        h('p', { class: 'notice', 'data-testid': 'directory-unavailable' }, tx('consent.directoryUnavailable')),
        field(
            'consent.grantee',
            input({ name: 'grantee', autocomplete: 'off', 'data-testid': 'grantee' }, 'consent.granteeHint'),
        ),
    );
}

function typedCustodians(): HTMLElement {
    return field(
        'consent.onlyCustodians',
        input({ name: 'custodians', autocomplete: 'off', 'data-testid': 'custodians' }, 'consent.custodiansHint'),
    );
}

/**
 * Fills the grantee and custodian slots from the directory, or with typed fields when it cannot be loaded.
 * @param grantee - where the grantee field goes (progress is shown there meanwhile)
 * @param custodians - where the custodian choices go
 * @param directory - the directory being read
 */
async function fillFromDirectory(
    grantee: HTMLElement,
    custodians: HTMLElement,
    directory: Promise<Directory>,
): Promise<void> {
    await runBusy(grantee, undefined, async () => {
        const orgs = await directory;
        show(grantee, orgs === undefined ? typedGrantee() : granteeSelect(orgs));
        show(custodians, orgs === undefined ? typedCustodians() : custodianChecks(orgs));
    });
}

/**
 * The consent form as a card.
 * @param key - the patient's key
 * @param done - called after a grant (reloads the lists)
 * @param directory - the directory (`readDirectory()`), read once for the whole patient view
 */
export function newConsentSection(
    key: PatientKey,
    done: () => Promise<void>,
    directory: Promise<Directory>,
): HTMLElement {
    const status = h('div', { class: 'status' });
    const allOrdinary = checkbox('allOrdinary', '*', 'consent.allOrdinary', { 'data-testid': 'all-ordinary' });
    const granteeSlot = h('div', { 'data-testid': 'grantee-field' });
    const custodiansSlot = h('div', {});
    void fillFromDirectory(granteeSlot, custodiansSlot, directory);
    const form = h(
        'form',
        { class: 'consent-form', 'data-testid': 'consent-form' },
        granteeSlot,
        h(
            'fieldset',
            {},
            h('legend', {}, tx('consent.purposes')),
            ...ConsentPurposes.map((p) => checkbox('purpose', p, `purpose.${p}`)),
        ),
        h(
            'fieldset',
            {},
            h('legend', {}, tx('consent.ordinaryCategories')),
            allOrdinary,
            h('div', { class: 'checks' }, ...OrdinaryCategories.map((c) => checkbox('category', c, `cat.${c}`))),
        ),
        h(
            'fieldset',
            { class: 'sensitive', 'data-testid': 'sensitive-categories' },
            h('legend', {}, tx('consent.sensitiveCategories')),
            h('p', { class: 'hint' }, tx('consent.sensitiveHelp')),
            h('div', { class: 'checks' }, ...SensitiveCategories.map((c) => checkbox('sensitive', c, `cat.${c}`))),
        ),
        h(
            'fieldset',
            {},
            h('legend', {}, tx('consent.custodians')),
            checkbox('anyCustodian', '*', 'custodian.any', { 'data-testid': 'any-custodian' }),
            custodiansSlot,
        ),
        h(
            'div',
            { class: 'row' },
            field(
                'consent.from',
                input({ type: 'date', name: 'from', value: toDateInput(Date.now()), 'data-testid': 'from' }),
            ),
            field(
                'consent.until',
                input({ type: 'date', name: 'to', value: toDateInput(Date.now() + 30 * DAY_MS), 'data-testid': 'to' }),
            ),
        ),
    );
    const grant = button(
        'consent.grant',
        () => {
            let terms: Parameters<typeof newConsentGrant>[1];
            try {
                terms = readTerms(form);
            } catch (error) {
                show(status, errorMessage(error));
                return;
            }
            void runBusy(status, grant, async () => {
                const { channel } = await gatewayIdentity();
                await call('POST', '/consents', { body: await newConsentGrant(key, terms, channel), staff: false });
                form.reset();
                show(status, success('consent.granted'));
                await done();
            });
        },
        { class: 'primary', 'data-testid': 'grant' },
    );
    return h(
        'section',
        { class: 'card', 'data-testid': 'grant-consent' },
        h('h2', {}, tx('consent.title')),
        form,
        grant,
        status,
    );
}
