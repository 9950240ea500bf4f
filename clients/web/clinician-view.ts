// SPDX-License-Identifier: Apache-2.0
/**
 * The hospital clinician's view: register a patient from the pasted registration code (or a scanner typing
 * it), publish a FHIR record checked before it is sent, search a patient's records region-wide, fetch one for
 * treatment and read it; break-the-glass only after a deliberate confirmation with a justification.
 */
import { call, type List } from './api.js';
import { button, field, h, input, option, raw, show, tx, when } from './dom.js';
import { errorMessage, label, runBusy, success } from './feedback.js';
import { readFhir, renderResource } from './fhir-view.js';
import { PATIENT_ID_PATTERN } from '../../chaincode/src/protocol/patient-id.js';
import type { RecordEntry } from '../../chaincode/src/protocol/state.js';
import { Categories } from '../../chaincode/src/protocol/vocabulary.js';

/** Shortest break-the-glass justification. */
const MIN_JUSTIFICATION = 10;

function card(titleKey: Parameters<typeof tx>[0], testId: string, ...children: Node[]): HTMLElement {
    return h('section', { class: 'card', 'data-testid': testId }, h('h2', {}, tx(titleKey)), ...children);
}

function readRegistration(text: string): unknown {
    try {
        const parsed = JSON.parse(text) as { payload?: { type?: unknown }; signature?: unknown } | null;
        if (parsed?.payload?.type === 'patient.register' && typeof parsed.signature === 'string') {
            return parsed;
        }
    } catch {
        // reported below
    }
    throw new Error('REGISTRATION_CODE');
}

function registerCard(): HTMLElement {
    const code = h('textarea', { rows: '4', 'data-testid': 'registration-input', spellcheck: 'false' });
    const status = h('div', { class: 'status' });
    const register = button(
        'clinician.register',
        () => {
            void runBusy(status, register, async () => {
                const body = readRegistration(code.value.trim());
                const { patientId } = await call<{ patientId: string }>('POST', '/patients', { body });
                show(status, success('clinician.registered', { id: patientId }));
                code.value = '';
            });
        },
        { class: 'primary', 'data-testid': 'register' },
    );
    return card(
        'clinician.registerTitle',
        'register-patient',
        h('p', { class: 'hint' }, tx('clinician.registerHelp')),
        field('clinician.registrationCode', code),
        register,
        status,
    );
}

function publishCard(): HTMLElement {
    const patientId = input(
        { autocomplete: 'off', spellcheck: 'false', 'data-testid': 'publish-patient' },
        'clinician.patientIdHint',
    );
    const category = h(
        'select',
        { 'data-testid': 'publish-category' },
        ...Categories.map((c) => option(c, `cat.${c}`)),
    );
    const json = h('textarea', { rows: '8', spellcheck: 'false', 'data-testid': 'publish-json' });
    const file = h('input', {
        type: 'file',
        accept: '.json,application/json,application/fhir+json',
        'data-testid': 'publish-file',
    });
    file.addEventListener('change', () => {
        void file.files?.[0]?.text().then((text) => {
            json.value = text;
        });
    });
    const status = h('div', { class: 'status' });
    const publish = button(
        'clinician.publish',
        () => {
            let resource: unknown;
            try {
                if (!PATIENT_ID_PATTERN.test(patientId.value.trim())) {
                    throw new Error('PATIENT_ID');
                }
                resource = readFhir(json.value);
            } catch (error) {
                show(status, errorMessage(error));
                return;
            }
            void runBusy(status, publish, async () => {
                const body = { patientId: patientId.value.trim(), category: category.value, resource };
                const published = await call<{ recordId: string }>('POST', '/records', { body });
                show(status, success('clinician.published', { id: published.recordId }));
            });
        },
        { class: 'primary', 'data-testid': 'publish' },
    );
    return card(
        'clinician.publishTitle',
        'publish-record',
        field('clinician.patientId', patientId),
        field('clinician.category', category),
        field('clinician.fhirJson', json),
        field('clinician.fhirFile', file),
        publish,
        status,
    );
}

/** What a fetch asks for: the purpose, and for an emergency its justification. */
interface FetchBody {
    readonly purpose: 'TREATMENT' | 'EMERGENCY';
    readonly justification?: string;
}

function breakGlass(result: HTMLElement, fetchRecord: (body: FetchBody) => Promise<void>): HTMLElement {
    const dialog = h('dialog', { class: 'break-glass', 'data-testid': 'break-glass-dialog' });
    const justification = h('textarea', { rows: '3', 'data-testid': 'justification' });
    const confirmBox = h('input', { type: 'checkbox', 'data-testid': 'break-glass-confirm' });
    const go = button(
        'clinician.breakGlassGo',
        () => {
            dialog.close();
            void runBusy(result, undefined, () =>
                fetchRecord({ purpose: 'EMERGENCY', justification: justification.value.trim() }),
            );
        },
        { class: 'danger', 'data-testid': 'break-glass-go', disabled: '' },
    );
    const update = (): void => {
        go.disabled = !(confirmBox.checked && justification.value.trim().length >= MIN_JUSTIFICATION);
    };
    justification.addEventListener('input', update);
    confirmBox.addEventListener('change', update);
    dialog.append(
        h('h3', {}, tx('clinician.breakGlassTitle')),
        h('p', { class: 'warning' }, tx('clinician.breakGlassWarning')),
        field('clinician.justification', justification),
        h('label', { class: 'check' }, confirmBox, tx('clinician.breakGlassAck')),
        h(
            'div',
            { class: 'row' },
            button('common.cancel', () => {
                dialog.close();
            }),
            go,
        ),
    );
    const open = button(
        'clinician.breakGlass',
        () => {
            dialog.showModal();
        },
        { class: 'danger', 'data-testid': 'break-glass' },
    );
    return h('span', {}, open, dialog);
}

function recordRow(entry: RecordEntry, result: HTMLElement): HTMLElement {
    const fetchRecord = async (body: FetchBody): Promise<void> => {
        const fetched = await call<{ resource: unknown; accessId: string }>(
            'POST',
            `/records/${encodeURIComponent(entry.recordId)}/fetch`,
            {
                body,
            },
        );
        // An emergency access is granted by the ledger without consent and reviewed later: say so on the record.
        const emergency =
            body.purpose === 'EMERGENCY'
                ? h(
                      'p',
                      {},
                      h(
                          'span',
                          { class: 'badge emergency', 'data-testid': 'emergency-flag' },
                          tx('clinician.emergencyFetched'),
                      ),
                  )
                : null;
        show(result, success('clinician.fetched'), emergency, renderResource(fetched.resource));
    };
    const treat = button(
        'clinician.fetch',
        () => {
            void runBusy(result, treat, () => fetchRecord({ purpose: 'TREATMENT' }));
        },
        { class: 'primary', 'data-testid': 'fetch' },
    );
    return h(
        'tr',
        { 'data-testid': 'record-row', 'data-record': entry.recordId },
        h('td', {}, label('cat', entry.category)),
        h('td', {}, raw(entry.custodian)),
        h('td', {}, when(entry.createdAt)),
        h('td', {}, raw(entry.recordId.slice(0, 16), 'code')),
        h('td', { class: 'actions' }, treat, breakGlass(result, fetchRecord)),
    );
}

function searchCard(): HTMLElement {
    const patientId = input(
        { autocomplete: 'off', spellcheck: 'false', 'data-testid': 'search-patient' },
        'clinician.patientIdHint',
    );
    const list = h('div', { 'data-testid': 'search-results' });
    const result = h('div', { class: 'result', 'data-testid': 'fetch-result' });
    const search = button(
        'clinician.search',
        () => {
            if (!PATIENT_ID_PATTERN.test(patientId.value.trim())) {
                show(list, errorMessage(new Error('PATIENT_ID')));
                return;
            }
            void runBusy(list, search, async () => {
                const page = await call<List<RecordEntry>>(
                    'GET',
                    `/records?patientId=${encodeURIComponent(patientId.value.trim())}&limit=500`,
                );
                show(
                    list,
                    page.items.length === 0
                        ? h('p', { class: 'empty' }, tx('clinician.noRecords'))
                        : h(
                              'table',
                              {},
                              h(
                                  'thead',
                                  {},
                                  h(
                                      'tr',
                                      {},
                                      ...(['cat', 'custodian', 'date', 'record', 'actions'] as const).map((c) =>
                                          h('th', {}, tx(`clinician.col.${c}`)),
                                      ),
                                  ),
                              ),
                              h('tbody', {}, ...page.items.map((entry) => recordRow(entry, result))),
                          ),
                );
            });
        },
        { class: 'primary', 'data-testid': 'search' },
    );
    return card(
        'clinician.searchTitle',
        'search-records',
        field('clinician.patientId', patientId),
        search,
        list,
        result,
    );
}

/**
 * Shows the clinician view.
 * @param root - where
 */
export function renderClinician(root: HTMLElement): void {
    show(root, searchCard(), registerCard(), publishCard());
}
