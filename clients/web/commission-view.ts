// SPDX-License-Identifier: Apache-2.0
/**
 * The health commission: a dashboard of charts over the last 1, 7 or 30 days (accesses per organisation per
 * hour or day, granted vs denied, by purpose, emergencies), answered by the gateway's audit view and saying
 * which block it reflects; the emergency review queue, the event explorer with filters and filtered exports
 * (FHIR AuditEvent bundle, FHIR NDJSON, CSV), who can see a record and why (`explain-panel.ts`), organisation
 * governance (admin tokens: membership, and the approval of an organisation's changed TLS certificate) and the
 * chain's verification.
 */
import { call, download, type List } from './api.js';
import { barChart, groupedBarChart } from './charts.js';
import { button, field, h, input, option, raw, show, tx, when } from './dom.js';
import { newRecordExplainer } from './explain-panel.js';
import { errorMessage, label, runBusy, success } from './feedback.js';
import type { MessageKey } from './i18n.js';
import type { AccessEvent } from '../../chaincode/src/protocol/state.js';
import { Decisions, Purposes } from '../../chaincode/src/protocol/vocabulary.js';

interface Counts {
    readonly total: number;
    readonly byOrganization: Readonly<Record<string, number>>;
    readonly byPurpose: Readonly<Record<string, number>>;
    readonly byDecision: Readonly<Record<string, number>>;
}
interface Stats extends Counts {
    readonly buckets: readonly (Counts & { readonly start: string })[];
    /** The block height the audit view reflects, and the ledger's. */
    readonly view: { readonly height: number; readonly ledgerHeight: number };
}
interface Organization {
    readonly mspId: string;
    readonly type: string;
    readonly name: string;
    readonly status: string;
    /** SHA-256 of a changed TLS certificate awaiting the commission's approval; null (or absent) when none. */
    readonly pendingTlsCertSha256?: string | null;
}

/** Governance acts: the button's message and the route's last segment. */
type GovernanceAction = 'approve' | 'suspend' | 'reinstate' | 'approveCertificate';
const ACTION_PATHS: Readonly<Record<GovernanceAction, string>> = {
    approve: 'approve',
    suspend: 'suspend',
    reinstate: 'reinstate',
    approveCertificate: 'approve-certificate',
};

const DAY_MS = 86_400_000;
/** The dashboard's ranges, in days: one day is drawn per hour, longer ranges per day. */
const DASHBOARD_DAYS = [1, 7, 30] as const;
type DashboardDays = (typeof DASHBOARD_DAYS)[number];

/** The statistics query of a range: the last 24 hours by hour, else whole UTC days up to today's end. */
function statsQuery(days: DashboardDays): string {
    if (days === 1) {
        return 'bucket=hour';
    }
    const tomorrow = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
    const from = new Date(tomorrow - days * DAY_MS).toISOString();
    return `bucket=day&from=${from}&to=${new Date(tomorrow).toISOString()}`;
}

function card(titleKey: MessageKey, testId: string, ...children: Node[]): HTMLElement {
    return h('section', { class: 'card', 'data-testid': testId }, h('h2', {}, tx(titleKey)), ...children);
}

function chartBox(titleKey: MessageKey, chart: Element): HTMLElement {
    return h('figure', { class: 'chart-box' }, chart, h('figcaption', {}, tx(titleKey)));
}

function dashboard(): HTMLElement {
    const target = h('div', { class: 'charts' });
    const range = h(
        'select',
        { 'data-testid': 'dashboard-days' },
        ...DASHBOARD_DAYS.map((days) => option(String(days), `commission.days${days}`)),
    );
    range.value = '7';
    const refresh = button(
        'common.refresh',
        () => {
            load();
        },
        { 'data-testid': 'dashboard-refresh' },
    );
    range.addEventListener('change', () => {
        load();
    });
    const load = (): void => {
        const days = Number(range.value) as DashboardDays;
        const unit = days === 1 ? 'Hour' : 'Day';
        void runBusy(target, refresh, async () => {
            const stats = await call<Stats>('GET', `/audit/stats?${statsQuery(days)}`);
            const orgs = Object.keys(stats.byOrganization).sort();
            const emergencies = Object.fromEntries(
                stats.buckets.map((b) => [
                    days === 1 ? b.start.slice(11, 16) : b.start.slice(0, 10),
                    b.byDecision.GRANTED_EMERGENCY ?? 0,
                ]),
            );
            show(
                target,
                h('p', { class: 'total', 'data-testid': 'total' }, tx('commission.total', { count: stats.total })),
                h(
                    'p',
                    { class: 'hint', 'data-testid': 'view-height' },
                    tx('commission.viewHeight', { height: stats.view.height, ledgerHeight: stats.view.ledgerHeight }),
                ),
                chartBox(
                    `commission.chartPerOrg${unit}`,
                    groupedBarChart(
                        {
                            series: orgs,
                            buckets: stats.buckets.map((b) => ({ start: b.start, values: b.byOrganization })),
                        },
                        'chart-org-day',
                    ),
                ),
                chartBox(
                    'commission.chartDecision',
                    barChart(
                        {
                            values: Object.fromEntries(Decisions.map((d) => [d, stats.byDecision[d] ?? 0])),
                            labelPrefix: 'decision',
                            colors: { GRANTED: '#3c9a5f', GRANTED_EMERGENCY: '#d9822b', DENIED: '#c0392b' },
                        },
                        'chart-decision',
                    ),
                ),
                chartBox(
                    'commission.chartPurpose',
                    barChart(
                        {
                            values: Object.fromEntries(Purposes.map((p) => [p, stats.byPurpose[p] ?? 0])),
                            labelPrefix: 'purpose',
                        },
                        'chart-purpose',
                    ),
                ),
                chartBox(`commission.chartEmergency${unit}`, barChart({ values: emergencies }, 'chart-emergency')),
            );
        });
    };
    load();
    return card(
        'commission.dashboardTitle',
        'dashboard',
        h('div', { class: 'row' }, field('commission.range', range), refresh),
        target,
    );
}

function eventRow(event: AccessEvent, extra?: Node): HTMLElement {
    return h(
        'tr',
        { 'data-testid': 'event-row', class: event.decision.toLowerCase() },
        h('td', {}, when(event.requestedAt)),
        h('td', {}, raw(event.requester)),
        h('td', {}, raw(event.custodian ?? '')),
        h('td', {}, label('purpose', event.purpose)),
        h('td', {}, label('cat', event.category ?? '')),
        h('td', {}, label('decision', event.decision)),
        h('td', {}, label('reason', event.reason)),
        h('td', {}, raw(event.justification ?? '')),
        extra === undefined ? null : h('td', {}, extra),
    );
}

const EVENT_COLUMNS = [
    'time',
    'requester',
    'custodian',
    'purpose',
    'category',
    'decision',
    'reason',
    'justification',
] as const;

function eventTable(events: readonly AccessEvent[], review?: (event: AccessEvent) => Node): HTMLElement {
    if (events.length === 0) {
        return h('p', { class: 'empty' }, tx('commission.noEvents'));
    }
    const heads = EVENT_COLUMNS.map((c) => h('th', {}, tx(`commission.col.${c}`)));
    return h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...heads, review === undefined ? null : h('th', {}, tx('commission.col.review')))),
        h('tbody', {}, ...events.map((e) => eventRow(e, review?.(e)))),
    );
}

function reviewForm(event: AccessEvent, reload: () => void): HTMLElement {
    const verdict = h(
        'select',
        { 'data-testid': 'verdict' },
        option('justified', 'verdict.justified'),
        option('unjustified', 'verdict.unjustified'),
    );
    const note = input({ 'data-testid': 'review-note' }, 'commission.noteHint');
    const status = h('div', { class: 'status' });
    const send = button(
        'commission.review',
        () => {
            if (note.value.trim() === '') {
                show(status, errorMessage(new Error('REASON_REQUIRED')));
                return;
            }
            void runBusy(status, send, async () => {
                await call('POST', `/audit/emergency/${encodeURIComponent(event.accessId)}/review`, {
                    body: { verdict: verdict.value, note: note.value.trim() },
                });
                reload();
            });
        },
        { 'data-testid': 'review' },
    );
    return h('div', { class: 'review' }, verdict, note, send, status);
}

function emergencies(): HTMLElement {
    const target = h('div', {});
    const load = (): void => {
        void runBusy(target, undefined, async () => {
            const page = await call<List<AccessEvent>>('GET', '/audit/emergency?status=pending&limit=500');
            show(
                target,
                eventTable(page.items, (e) => reviewForm(e, load)),
            );
        });
    };
    load();
    return card('commission.emergencyTitle', 'emergencies', target);
}

const FILTERS = ['patientId', 'requester', 'custodian'] as const;

type ExportFormat = 'fhir' | 'ndjson' | 'csv';
const EXPORT_FILES: Readonly<Record<ExportFormat, string>> = {
    fhir: 'audit-events.fhir.json',
    ndjson: 'audit-events.ndjson',
    csv: 'audit-events.csv',
};

function explorer(): HTMLElement {
    const inputs = Object.fromEntries(
        FILTERS.map((name) => [name, input({ autocomplete: 'off', 'data-testid': `filter-${name}` })]),
    ) as Record<(typeof FILTERS)[number], HTMLInputElement>;
    const purpose = h(
        'select',
        { 'data-testid': 'filter-purpose' },
        option('', 'commission.any'),
        ...Purposes.map((p) => option(p, `purpose.${p}`)),
    );
    const decision = h(
        'select',
        { 'data-testid': 'filter-decision' },
        option('', 'commission.any'),
        ...Decisions.map((d) => option(d, `decision.${d}`)),
    );
    const from = input({ type: 'date', 'data-testid': 'filter-from' });
    const to = input({ type: 'date', 'data-testid': 'filter-to' });
    const results = h('div', { 'data-testid': 'events' });
    const exports = h('div', { class: 'row' });
    const query = (): string => {
        const params = new URLSearchParams();
        for (const name of FILTERS) {
            if (inputs[name].value.trim() !== '') {
                params.set(name, inputs[name].value.trim());
            }
        }
        if (purpose.value !== '') {
            params.set('purpose', purpose.value);
        }
        if (decision.value !== '') {
            params.set('decision', decision.value);
        }
        if (from.value !== '') {
            params.set('from', new Date(`${from.value}T00:00:00`).toISOString());
        }
        if (to.value !== '') {
            params.set('to', new Date(`${to.value}T23:59:59.999`).toISOString());
        }
        return params.toString();
    };
    const searchButton = button(
        'commission.searchEvents',
        () => {
            void runBusy(results, searchButton, async () => {
                const page = await call<List<AccessEvent>>('GET', `/audit/events?limit=500&${query()}`);
                show(results, h('p', {}, tx('commission.found', { count: page.items.length })), eventTable(page.items));
            });
        },
        { class: 'primary', 'data-testid': 'search-events' },
    );
    const exporter = (format: ExportFormat, key: MessageKey): HTMLButtonElement => {
        const trigger = button(
            key,
            () => {
                const status = h('span', {});
                exports.append(status);
                void runBusy(status, trigger, async () => {
                    // The explorer's filters; without dates, everything up to now.
                    const params = new URLSearchParams(query());
                    params.set('format', format);
                    if (!params.has('from')) {
                        params.set('from', new Date(0).toISOString());
                    }
                    if (!params.has('to')) {
                        params.set('to', new Date(Date.now() + 60_000).toISOString());
                    }
                    const blob = await download(`/audit/export?${params.toString()}`);
                    const link = h(
                        'a',
                        {
                            href: URL.createObjectURL(blob),
                            download: EXPORT_FILES[format],
                            'data-testid': `export-${format}-link`,
                        },
                        tx('commission.saveExport'),
                    );
                    show(status, link);
                    link.click();
                });
            },
            { 'data-testid': `export-${format}` },
        );
        return trigger;
    };
    exports.append(
        exporter('fhir', 'commission.exportFhir'),
        exporter('ndjson', 'commission.exportNdjson'),
        exporter('csv', 'commission.exportCsv'),
    );
    return card(
        'commission.explorerTitle',
        'explorer',
        h(
            'div',
            { class: 'filters' },
            field('commission.col.patient', inputs.patientId),
            field('commission.col.requester', inputs.requester),
            field('commission.col.custodian', inputs.custodian),
            field('commission.col.purpose', purpose),
            field('commission.col.decision', decision),
            field('commission.from', from),
            field('commission.to', to),
        ),
        h('div', { class: 'row' }, searchButton),
        exports,
        results,
    );
}

/** A certificate's SHA-256 as its first 16 hex digits, the whole of it in the title. */
function certFingerprint(sha256: string): HTMLElement {
    const element = raw(`${sha256.slice(0, 16)}…`, 'code');
    element.title = sha256;
    return element;
}

function governance(isAdmin: boolean): HTMLElement {
    const target = h('div', {});
    const load = (): void => {
        void runBusy(target, undefined, async () => {
            const page = await call<List<Organization>>('GET', '/orgs');
            const rows = page.items.map((org) => {
                const status = h('div', { class: 'status' });
                const act = (action: GovernanceAction): HTMLButtonElement => {
                    const path = ACTION_PATHS[action];
                    const trigger = button(
                        `governance.${action}`,
                        () => {
                            void runBusy(status, trigger, async () => {
                                await call('POST', `/orgs/${encodeURIComponent(org.mspId)}/${path}`, { body: {} });
                                show(status, success('governance.done'));
                                load();
                            });
                        },
                        { 'data-testid': `${path}-${org.mspId}`, class: action === 'suspend' ? 'danger' : '' },
                    );
                    return trigger;
                };
                const actions = { pending: ['approve'], active: ['suspend'], suspended: ['reinstate'] } as const;
                const allowed = isAdmin && org.status in actions ? actions[org.status as keyof typeof actions] : [];
                const pendingCert = org.pendingTlsCertSha256 ?? null;
                const certificate =
                    pendingCert === null
                        ? null
                        : h(
                              'div',
                              { class: 'cert-pending', 'data-testid': `cert-pending-${org.mspId}` },
                              h('span', { class: 'badge emergency' }, tx('governance.certPending')),
                              ' ',
                              certFingerprint(pendingCert),
                              isAdmin ? ' ' : null,
                              isAdmin ? act('approveCertificate') : null,
                          );
                return h(
                    'tr',
                    { 'data-testid': 'org-row' },
                    h('td', {}, raw(org.mspId)),
                    h('td', {}, raw(org.name)),
                    h('td', {}, label('orgType', org.type)),
                    h('td', {}, label('orgStatus', org.status), certificate),
                    h('td', {}, ...allowed.map(act), status),
                );
            });
            show(
                target,
                h(
                    'table',
                    {},
                    h(
                        'thead',
                        {},
                        h(
                            'tr',
                            {},
                            ...(['msp', 'name', 'type', 'status', 'actions'] as const).map((c) =>
                                h('th', {}, tx(`governance.col.${c}`)),
                            ),
                        ),
                    ),
                    h('tbody', {}, ...rows),
                ),
            );
        });
    };
    load();
    return card(
        'governance.title',
        'governance',
        isAdmin
            ? h('p', { class: 'hint' }, tx('governance.adminHelp'))
            : h('p', { class: 'hint' }, tx('governance.readOnly')),
        target,
    );
}

function chain(): HTMLElement {
    const target = h('div', { 'data-testid': 'chain-status' });
    const verify = button(
        'chain.verify',
        () => {
            run();
        },
        { 'data-testid': 'chain-verify' },
    );
    const run = (): void => {
        void runBusy(target, verify, async () => {
            const result = await call<{ ok: boolean; height: number; checked: number }>('GET', '/ledger/verify');
            show(
                target,
                h(
                    'p',
                    { class: result.ok ? 'good' : 'bad', 'data-testid': 'chain-result' },
                    tx(result.ok ? 'chain.ok' : 'chain.broken'),
                ),
                h('p', {}, tx('chain.height', { height: result.height, checked: result.checked })),
                h('p', {}, tx('chain.lastVerified'), ' ', when(new Date().toISOString())),
            );
        });
    };
    run();
    return card('chain.title', 'chain', verify, target);
}

const TABS = ['dashboard', 'emergencies', 'explorer', 'explain', 'governance', 'chain'] as const;

/**
 * Shows the commission's view.
 * @param root - where
 * @param role - the token's role (`auditor` sees the audit, `admin` governs)
 */
export function renderCommission(root: HTMLElement, role: string): void {
    const isAdmin = role === 'admin';
    const panel = h('div', {});
    const tabs = isAdmin ? (['governance'] as const) : TABS;
    const open = (tab: (typeof TABS)[number]): void => {
        const builders = {
            dashboard,
            emergencies,
            explorer,
            explain: newRecordExplainer,
            governance: () => governance(isAdmin),
            chain,
        };
        show(panel, builders[tab]());
        for (const b of nav.querySelectorAll('button')) {
            b.classList.toggle('active', b.dataset.tab === tab);
        }
    };
    const nav = h(
        'nav',
        { class: 'tabs' },
        ...tabs.map((tab) =>
            button(
                `commission.tab.${tab}`,
                () => {
                    open(tab);
                },
                { 'data-tab': tab, 'data-testid': `tab-${tab}` },
            ),
        ),
    );
    show(root, nav, panel);
    open(tabs[0]);
}
