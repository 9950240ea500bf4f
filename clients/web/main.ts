// SPDX-License-Identifier: Apache-2.0
/**
 * The portal's shell: the language switch, the choice between the patient view and staff sign-in, and the
 * staff view that the signed-in token's organisation type and role select (`GET /portal/session`).
 */
import { call, readToken, writeToken } from './api.js';
import { renderClinician } from './clinician-view.js';
import { renderCommission } from './commission-view.js';
import { button, field, h, input, raw, show, tx } from './dom.js';
import { label, runBusy } from './feedback.js';
import { renderHl7 } from './hl7-view.js';
import { Languages, initialLanguage, setLanguage, type Language } from './i18n.js';
import { renderInsurer } from './insurer-view.js';
import { renderPatient } from './patient-view.js';

interface Session {
    readonly mspId: string;
    readonly orgType: string;
    readonly name: string;
    readonly role: string;
}

const VIEW_KEY = 'healthchain.view';

function languageSwitch(): HTMLSelectElement {
    const names: Readonly<Record<Language, string>> = { en: 'English', 'zh-CN': '中文' };
    const select = h('select', { 'data-testid': 'language', 'aria-label': 'Language / 语言' });
    for (const language of Languages) {
        const item = h('option', { value: language, lang: language, 'data-raw': '' });
        item.textContent = names[language];
        select.append(item);
    }
    select.value = document.documentElement.lang;
    select.addEventListener('change', () => {
        setLanguage(select.value as Language);
    });
    return select;
}

function signOut(): void {
    writeToken(undefined);
    sessionStorage.removeItem(VIEW_KEY);
    location.reload();
}

function renderStaff(main: HTMLElement, who: HTMLElement, session: Session): void {
    show(
        who,
        raw(session.name),
        ' · ',
        label('role', session.role),
        ' ',
        button('common.signOut', signOut, { 'data-testid': 'sign-out' }),
    );
    const view = `${session.orgType}/${session.role}`;
    if (view === 'hospital/clinician') {
        renderClinician(main);
    } else if (view === 'hospital/admin') {
        renderHl7(main);
    } else if (view === 'insurer/claims') {
        renderInsurer(main);
    } else if (session.orgType === 'commission' && (session.role === 'auditor' || session.role === 'admin')) {
        renderCommission(main, session.role);
    } else {
        show(main, h('section', { class: 'card' }, h('p', {}, tx('home.noView'))));
    }
}

function home(main: HTMLElement, who: HTMLElement): void {
    const token = input({ type: 'password', autocomplete: 'off', 'data-testid': 'token' }, 'home.tokenHint');
    const status = h('div', { class: 'status' });
    const signIn = button(
        'home.signIn',
        () => {
            void runBusy(status, signIn, async () => {
                writeToken(token.value.trim());
                try {
                    const session = await call<Session>('GET', '/portal/session');
                    renderStaff(main, who, session);
                } catch (error) {
                    writeToken(undefined);
                    throw error;
                }
            });
        },
        { class: 'primary', 'data-testid': 'sign-in' },
    );
    const patient = button(
        'home.patient',
        () => {
            sessionStorage.setItem(VIEW_KEY, 'patient');
            void openPatient(main, who);
        },
        { class: 'primary', 'data-testid': 'patient-entry' },
    );
    show(
        main,
        h(
            'section',
            { class: 'card' },
            h('h2', {}, tx('home.patientTitle')),
            h('p', {}, tx('home.patientHelp')),
            patient,
        ),
        h(
            'section',
            { class: 'card' },
            h('h2', {}, tx('home.staffTitle')),
            h('p', {}, tx('home.staffHelp')),
            field('home.token', token),
            signIn,
            status,
        ),
    );
}

async function openPatient(main: HTMLElement, who: HTMLElement): Promise<void> {
    show(who, tx('role.patient'), ' ', button('common.leave', signOut, { 'data-testid': 'sign-out' }));
    document.body.classList.add('patient-mode');
    await runBusy(main, undefined, () => renderPatient(main));
}

function start(): void {
    setLanguage(initialLanguage());
    const who = h('div', { class: 'who', 'data-testid': 'who' });
    const main = h('main', { 'data-testid': 'main' });
    const header = h(
        'header',
        {},
        h('h1', {}, tx('app.title')),
        h('div', { class: 'header-right' }, who, languageSwitch()),
    );
    show(document.body, header, main, h('footer', {}, tx('app.footer')));
    if (sessionStorage.getItem(VIEW_KEY) === 'patient') {
        void openPatient(main, who);
    } else if (readToken() === undefined) {
        home(main, who);
    } else {
        void runBusy(main, undefined, async () => {
            renderStaff(main, who, await call<Session>('GET', '/portal/session'));
        }).then(() => {
            if (main.querySelector('[data-testid="error"]')) {
                writeToken(undefined);
                home(main, who);
            }
        });
    }
}

start();
