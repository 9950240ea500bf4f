// SPDX-License-Identifier: Apache-2.0
/**
 * "Who can see this record": the ledger's dry run of the access decision on one record (docs/api.md "Explaining a
 * decision"), shown to the patient about their own record and to the commission's auditor about any record. It
 * lists who would be let in now and under which consent, every organisation and purpose with its reason code,
 * and on demand the checks of one decision in order. Nothing is recorded by asking.
 */
import { call } from './api.js';
import { button, field, h, input, option, raw, show, tx, when, type Child } from './dom.js';
import { label, runBusy } from './feedback.js';
import { orgName, readDirectory, type Directory } from './directory.js';
import { gatewayIdentity } from './gateway.js';
import { newExplainQuery } from './patient-key.js';
import type { Subject } from './patient-subject.js';
import { Purposes } from '../../chaincode/src/protocol/vocabulary.js';

/** What the dry run answers for one requester and purpose. */
export interface ExplainedDecision {
    readonly requester: string;
    readonly purpose: string;
    readonly decision: string;
    readonly reason: string;
    readonly consentId: string | null;
}

/** One check of the decision order. */
interface Step {
    readonly check: string;
    readonly result: 'pass' | 'fail' | 'skipped';
    readonly reason: string | null;
    readonly detail: {
        readonly consents?: readonly {
            readonly consentId: string;
            readonly verdict: string;
            readonly failed: string | null;
        }[];
    };
}

/** The answer of `GET /records/{id}/explain` and `POST /patient/explain`. */
export interface Explanation {
    readonly recordId: string;
    readonly at: string;
    readonly record: { readonly custodian: string; readonly category: string } | null;
    readonly decisions: readonly ExplainedDecision[];
    readonly trace: (ExplainedDecision & { readonly steps: readonly Step[] }) | null;
}

/** Which requester and purpose to explain; every one when absent. */
export interface ExplainSelection {
    readonly requester?: string;
    readonly purpose?: string;
}

/** Asks the gateway for an explanation (a staff call, or a patient's signed query). */
export type ExplainLoader = (selection: ExplainSelection) => Promise<Explanation>;

/**
 * The query string of a selection.
 * @param selection - requester and purpose
 */
export function toSelectionQuery(selection: ExplainSelection): string {
    const params = new URLSearchParams();
    if (selection.requester !== undefined) {
        params.set('requester', selection.requester);
    }
    if (selection.purpose !== undefined) {
        params.set('purpose', selection.purpose);
    }
    const text = params.toString();
    return text === '' ? '' : `?${text}`;
}

function badge(decision: string): HTMLElement {
    return h('span', { class: `badge ${decision.toLowerCase()}` }, label('decision', decision));
}

function consentRef(consentId: string | null): Child {
    return consentId === null ? null : h('span', { class: 'hint' }, ' ', tx('explain.consent', { id: consentId }));
}

function whoCanSee(rows: readonly ExplainedDecision[], orgs: Directory): HTMLElement {
    const open = rows.filter((row) => row.decision !== 'DENIED');
    if (open.length === 0) {
        return h('p', { class: 'empty', 'data-testid': 'explain-nobody' }, tx('explain.nobody'));
    }
    return h(
        'ul',
        { class: 'items' },
        ...open.map((row) =>
            h(
                'li',
                {
                    'data-testid': 'explain-open',
                    'data-requester': row.requester,
                    'data-purpose': row.purpose,
                    'data-decision': row.decision,
                },
                h('strong', {}, orgName(row.requester, orgs)),
                ' · ',
                label('purpose', row.purpose),
                ' · ',
                badge(row.decision),
                ' ',
                label('reason', row.reason),
                consentRef(row.consentId),
            ),
        ),
    );
}

function decisionTable(rows: readonly ExplainedDecision[], orgs: Directory): HTMLElement {
    const requesters = [...new Set(rows.map((row) => row.requester))];
    const cell = (requester: string, purpose: string): HTMLElement => {
        const row = rows.find((r) => r.requester === requester && r.purpose === purpose);
        return row === undefined
            ? h('td', {})
            : h(
                  'td',
                  { 'data-testid': 'explain-cell', 'data-reason': row.reason, title: row.consentId ?? '' },
                  badge(row.decision),
                  h('div', { class: 'hint' }, label('reason', row.reason)),
              );
    };
    return h(
        'div',
        { class: 'scroll' },
        h(
            'table',
            { 'data-testid': 'explain-table' },
            h(
                'thead',
                {},
                h(
                    'tr',
                    {},
                    h('th', {}, tx('explain.col.requester')),
                    ...Purposes.map((p) => h('th', {}, label('purpose', p))),
                ),
            ),
            h(
                'tbody',
                {},
                ...requesters.map((requester) =>
                    h(
                        'tr',
                        { 'data-requester': requester },
                        h('th', {}, orgName(requester, orgs)),
                        ...Purposes.map((purpose) => cell(requester, purpose)),
                    ),
                ),
            ),
        ),
    );
}

function stepItem(step: Step): HTMLElement {
    const consents = (step.detail.consents ?? []).map((c) =>
        h(
            'li',
            { 'data-testid': 'explain-consent', 'data-verdict': c.verdict },
            raw(c.consentId, 'code'),
            ' · ',
            label('reason', c.verdict),
            c.failed === null ? null : ' · ',
            c.failed === null ? null : label('explain.failed', c.failed),
        ),
    );
    return h(
        'li',
        {
            class: `step ${step.result}`,
            'data-testid': 'explain-step',
            'data-check': step.check,
            'data-result': step.result,
        },
        h('strong', {}, label('explain.check', step.check)),
        ' · ',
        label('explain.result', step.result),
        step.reason === null ? null : ' · ',
        step.reason === null ? null : label('reason', step.reason),
        consents.length === 0 ? null : h('ul', {}, ...consents),
    );
}

function traceForm(rows: readonly ExplainedDecision[], orgs: Directory, load: ExplainLoader): HTMLElement {
    const requesters = [...new Set(rows.map((row) => row.requester))];
    const requester = h('select', { 'data-testid': 'explain-requester' });
    for (const mspId of requesters) {
        // An organisation's name is data, not a message: marked as such for the language switch.
        const name = orgs?.find((org) => org.mspId === mspId)?.name ?? mspId;
        requester.append(h('option', { value: mspId, 'data-raw': '' }, document.createTextNode(name)));
    }
    const purpose = h(
        'select',
        { 'data-testid': 'explain-purpose' },
        ...Purposes.map((p) => option(p, `purpose.${p}`)),
    );
    const target = h('div', { 'data-testid': 'explain-trace' });
    const trigger = button(
        'explain.showChecks',
        () => {
            void runBusy(target, trigger, async () => {
                const { trace } = await load({ requester: requester.value, purpose: purpose.value });
                show(
                    target,
                    trace === null
                        ? null
                        : h(
                              'div',
                              {},
                              h(
                                  'p',
                                  {},
                                  badge(trace.decision),
                                  ' ',
                                  label('reason', trace.reason),
                                  consentRef(trace.consentId),
                              ),
                              h('ol', { class: 'steps' }, ...trace.steps.map(stepItem)),
                          ),
                );
            });
        },
        { 'data-testid': 'explain-show-checks' },
    );
    return h(
        'div',
        { class: 'trace' },
        h('h3', {}, tx('explain.traceTitle')),
        h('div', { class: 'filters' }, field('explain.col.requester', requester), field('explain.purpose', purpose)),
        trigger,
        target,
    );
}

function explanationView(explained: Explanation, orgs: Directory, load: ExplainLoader): HTMLElement {
    if (explained.record === null) {
        return h('p', { class: 'empty', 'data-testid': 'explain-missing' }, tx('explain.notFound'));
    }
    return h(
        'div',
        { 'data-testid': 'explain-result' },
        h('p', { class: 'hint' }, tx('explain.help'), ' ', when(explained.at)),
        h('h3', {}, tx('explain.openTitle')),
        whoCanSee(explained.decisions, orgs),
        h(
            'details',
            {},
            h('summary', {}, tx('explain.allTitle')),
            decisionTable(explained.decisions, orgs),
            h('p', { class: 'hint' }, tx('explain.emergencyNote')),
        ),
        traceForm(explained.decisions, orgs, load),
    );
}

/**
 * The panel for one record: loads the whole table at once, the checks of one decision on demand.
 * @param load - asks the gateway (each call signs a new query for the patient)
 * @param directory - organisation names, when they could be read
 */
export function newExplainPanel(load: ExplainLoader, directory: Promise<Directory>): HTMLElement {
    const panel = h('div', { class: 'explain', 'data-testid': 'explain-panel' });
    void runBusy(panel, undefined, async () => {
        const [explained, orgs] = await Promise.all([load({}), directory]);
        show(panel, explanationView(explained, orgs, load));
    });
    return panel;
}

/**
 * A button under one of the patient's records that opens (and closes) its panel; every load signs a new query
 * naming the record, for this gateway.
 * @param who - the patient's key, or a guardian's and the patient it acts for
 * @param recordId - the record
 * @param directory - organisation names
 */
export function newPatientExplainToggle(who: Subject, recordId: string, directory: Promise<Directory>): HTMLElement {
    const box = h('div', {});
    const load: ExplainLoader = async (selection) => {
        const { org, channel } = await gatewayIdentity();
        const body = await newExplainQuery(who.key, { audience: org, channel, recordId }, who.forPatient);
        return call<Explanation>('POST', `/patient/explain${toSelectionQuery(selection)}`, { body, staff: false });
    };
    const toggle = button(
        'explain.open',
        () => {
            show(box, box.childElementCount === 0 ? newExplainPanel(load, directory) : null);
        },
        { 'data-testid': 'explain-toggle' },
    );
    return h('div', { class: 'explain-toggle' }, toggle, box);
}

/**
 * The commission's tab: any record by its id.
 * @returns the card
 */
export function newRecordExplainer(): HTMLElement {
    const recordId = input({ autocomplete: 'off', 'data-testid': 'explain-record-id' }, 'explain.recordIdHint');
    const target = h('div', {});
    const directory = readDirectory();
    const explain = button(
        'explain.show',
        () => {
            const id = recordId.value.trim();
            if (id === '') {
                return;
            }
            const load: ExplainLoader = (selection) =>
                call<Explanation>('GET', `/records/${encodeURIComponent(id)}/explain${toSelectionQuery(selection)}`);
            show(target, newExplainPanel(load, directory));
        },
        { class: 'primary', 'data-testid': 'explain-record' },
    );
    return h(
        'section',
        { class: 'card', 'data-testid': 'explain' },
        h('h2', {}, tx('explain.title')),
        h('p', { class: 'hint' }, tx('explain.commissionHelp')),
        h('div', { class: 'row' }, field('explain.recordId', recordId), explain),
        target,
    );
}
