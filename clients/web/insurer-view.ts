// SPDX-License-Identifier: Apache-2.0
/**
 * The insurer's claims officer: the claims queue, a claim (the billed service and its supporting records)
 * verified against the ledger (records fetched under PAYMENT, hash checked, the access decision), and the
 * decision with a reason.
 */
import { call, type List } from './api.js';
import { button, field, h, money, option, raw, setMessage, show, tx, when } from './dom.js';
import { errorMessage, label, runBusy, success } from './feedback.js';
import type { Claim } from '../../chaincode/src/protocol/state.js';

interface Verification {
    readonly verdict: string;
    readonly checks: readonly {
        readonly recordId: string;
        readonly decision: string;
        readonly reason: string;
        readonly hashOk: boolean;
    }[];
}

function amountOf(claim: Claim): HTMLElement {
    return money(claim.amount.value, claim.amount.currency);
}

function checksTable(result: Verification): HTMLElement {
    return h(
        'div',
        { 'data-testid': 'verification' },
        h('p', { class: `verdict ${result.verdict}` }, label('verdict', result.verdict)),
        h(
            'table',
            {},
            h(
                'thead',
                {},
                h(
                    'tr',
                    {},
                    ...(['record', 'decision', 'reason', 'hash'] as const).map((c) =>
                        h('th', {}, tx(`insurer.col.${c}`)),
                    ),
                ),
            ),
            h(
                'tbody',
                {},
                ...result.checks.map((check) =>
                    h(
                        'tr',
                        { 'data-testid': 'check-row' },
                        h('td', {}, raw(check.recordId.slice(0, 16), 'code')),
                        h('td', {}, label('decision', check.decision)),
                        h('td', {}, label('reason', check.reason)),
                        h(
                            'td',
                            { class: check.hashOk ? 'good' : 'bad' },
                            tx(check.hashOk ? 'insurer.hashOk' : 'insurer.hashBad'),
                        ),
                    ),
                ),
            ),
        ),
    );
}

function claimDetail(claim: Claim, target: HTMLElement, reload: () => void): void {
    const verifyStatus = h('div', { class: 'status' });
    const verify = button(
        'insurer.verify',
        () => {
            void runBusy(verifyStatus, verify, async () => {
                const result = await call<Verification>('POST', `/claims/${encodeURIComponent(claim.claimId)}/verify`, {
                    body: {},
                });
                show(verifyStatus, checksTable(result));
            });
        },
        { class: 'primary', 'data-testid': 'verify' },
    );
    const reason = h('textarea', { rows: '2', 'data-testid': 'decision-reason' });
    const decideStatus = h('div', { class: 'status' });
    const decide = (decision: 'approved' | 'rejected', trigger: () => HTMLButtonElement): void => {
        if (reason.value.trim() === '') {
            show(decideStatus, errorMessage(new Error('REASON_REQUIRED')));
            return;
        }
        void runBusy(decideStatus, trigger(), async () => {
            await call('POST', `/claims/${encodeURIComponent(claim.claimId)}/decide`, {
                body: { decision, reason: reason.value.trim() },
            });
            show(decideStatus, success(decision === 'approved' ? 'insurer.approvedDone' : 'insurer.rejectedDone'));
            reload();
        });
    };
    const approve: HTMLButtonElement = button(
        'insurer.approve',
        () => {
            decide('approved', () => approve);
        },
        { class: 'primary', 'data-testid': 'approve' },
    );
    const reject: HTMLButtonElement = button(
        'insurer.reject',
        () => {
            decide('rejected', () => reject);
        },
        { class: 'danger', 'data-testid': 'reject' },
    );
    show(
        target,
        h(
            'section',
            { class: 'card', 'data-testid': 'claim-detail' },
            h('h2', {}, tx('insurer.claimTitle')),
            h(
                'dl',
                {},
                h('dt', {}, tx('insurer.col.claimant')),
                h('dd', {}, raw(claim.claimant)),
                h('dt', {}, tx('insurer.col.patient')),
                h('dd', {}, raw(claim.patientId, 'code')),
                h('dt', {}, tx('insurer.col.service')),
                h('dd', { 'data-testid': 'claim-service' }, raw(claim.serviceId, 'code')),
                h('dt', {}, tx('insurer.col.amount')),
                h('dd', {}, amountOf(claim)),
                h('dt', {}, tx('insurer.col.records')),
                h('dd', {}, ...claim.recordIds.map((id) => h('div', {}, raw(id, 'code')))),
            ),
            verify,
            verifyStatus,
            claim.status === 'submitted'
                ? h(
                      'div',
                      { class: 'decide' },
                      field('insurer.reason', reason),
                      h('div', { class: 'row' }, approve, reject),
                      decideStatus,
                  )
                : h('p', {}, label('claimStatus', claim.status), ' ', raw(claim.decisionReason ?? '')),
        ),
    );
}

/**
 * Shows the insurer view.
 * @param root - where
 */
export function renderInsurer(root: HTMLElement): void {
    const filter = h(
        'select',
        { 'data-testid': 'claim-filter' },
        option('submitted', 'claimStatus.submitted'),
        option('approved', 'claimStatus.approved'),
        option('rejected', 'claimStatus.rejected'),
        option('', 'insurer.allClaims'),
    );
    const queue = h('div', { 'data-testid': 'claims-queue' });
    const detail = h('div', {});
    const load = (): void => {
        const status = filter.value === '' ? '' : `&status=${encodeURIComponent(filter.value)}`;
        void runBusy(queue, undefined, async () => {
            const page = await call<List<Claim>>('GET', `/claims?limit=500${status}`);
            const rows = page.items.map((claim) => {
                const row = h(
                    'tr',
                    { 'data-testid': 'claim-row', class: 'clickable' },
                    h('td', {}, when(claim.submittedAt)),
                    h('td', {}, raw(claim.claimant)),
                    h('td', {}, raw(claim.serviceId, 'code')),
                    h('td', {}, amountOf(claim)),
                    h('td', {}, label('claimStatus', claim.status)),
                    h(
                        'td',
                        {},
                        setMessage(h('button', { type: 'button', 'data-testid': 'open-claim' }), 'insurer.open'),
                    ),
                );
                row.querySelector('button')?.addEventListener('click', () => {
                    claimDetail(claim, detail, load);
                });
                return row;
            });
            show(
                queue,
                rows.length === 0
                    ? h('p', { class: 'empty' }, tx('insurer.noClaims'))
                    : h(
                          'table',
                          {},
                          h(
                              'thead',
                              {},
                              h(
                                  'tr',
                                  {},
                                  ...(['submitted', 'claimant', 'service', 'amount', 'status', 'open'] as const).map(
                                      (c) => h('th', {}, tx(`insurer.col.${c}`)),
                                  ),
                              ),
                          ),
                          h('tbody', {}, ...rows),
                      ),
            );
        });
    };
    filter.addEventListener('change', load);
    show(
        root,
        h(
            'section',
            { class: 'card', 'data-testid': 'claims' },
            h('h2', {}, tx('insurer.queueTitle')),
            field('insurer.show', filter),
            queue,
        ),
        detail,
    );
    load();
}
