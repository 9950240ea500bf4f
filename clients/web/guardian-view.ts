// SPDX-License-Identifier: Apache-2.0
/**
 * Guardians in the portal (docs/design.md "Guardians"; PIPL Art. 31). In the patient view: the patient's
 * guardianships, each ended with one click (a signed `guardianship.end`); an approval code the patient signs for
 * a guardian to take to the hospital; and, for a guardian, a registration code for a child's hospital and the
 * switch to act for the child — every list, grant and revocation then signed with the guardian's own key. In the
 * clinician view: registering a guardian from those codes (or attesting for a child under fourteen), and ending
 * a guardianship when the child turns fourteen.
 */
import { call } from './api.js';
import { button, field, h, input, raw, show, tx, when } from './dom.js';
import { errorMessage, label, runBusy, success } from './feedback.js';
import { gatewayIdentity } from './gateway.js';
import { newGuardianRegistration, newGuardianshipAct, type PatientKey } from './patient-key.js';
import { patientList, type Subject } from './patient-subject.js';
import { PATIENT_ID_PATTERN } from '../../chaincode/src/protocol/patient-id.js';
import type { Guardianship } from '../../chaincode/src/protocol/state.js';

function readPatientId(value: string): string {
    const id = value.trim();
    if (!PATIENT_ID_PATTERN.test(id)) {
        throw new Error('PATIENT_ID');
    }
    return id;
}

function codeBox(testId: string, text: string): HTMLElement {
    return h(
        'textarea',
        { readonly: '', rows: '4', 'data-raw': '', 'data-testid': testId },
        document.createTextNode(text),
    );
}

function guardianItem(guardianship: Guardianship, end: HTMLElement | null): HTMLElement {
    return h(
        'li',
        {
            'data-testid': 'guardian-item',
            'data-status': guardianship.status,
            'data-guardian': guardianship.guardianId,
        },
        h('strong', {}, label('guardianStatus', guardianship.status)),
        ' · ',
        raw(guardianship.guardianId, 'code'),
        h(
            'div',
            { class: 'terms' },
            h('div', {}, tx(`guardian.basis.${guardianship.basis}`), ' · ', raw(guardianship.registeredBy)),
            h('div', {}, tx('guardian.since'), ' ', when(guardianship.registeredAt, 'date')),
            guardianship.endedAt === null
                ? null
                : h('div', {}, tx('guardian.ended'), ' ', when(guardianship.endedAt, 'date')),
        ),
        end,
    );
}

/**
 * Lists the subject's guardianships; the patient (not a guardian) may end an active one.
 * @param who - the signing key, and the patient a guardian acts for
 * @param target - where the list goes
 */
export async function loadGuardians(who: Subject, target: HTMLElement): Promise<void> {
    await runBusy(target, undefined, async () => {
        const items = await patientList<Guardianship>(who, 'guardians');
        const endButton = (guardianship: Guardianship): HTMLElement | null => {
            if (who.forPatient !== undefined || guardianship.status !== 'active') {
                return null;
            }
            const status = h('div', { class: 'status' });
            const end = button(
                'guardian.end',
                () => {
                    void runBusy(status, end, async () => {
                        const { channel } = await gatewayIdentity();
                        const body = await newGuardianshipAct(
                            who.key,
                            'guardianship.end',
                            guardianship.guardianId,
                            channel,
                        );
                        await call('POST', '/guardians/end', { body, staff: false });
                        await loadGuardians(who, target);
                    });
                },
                { class: 'danger', 'data-testid': 'end-guardianship' },
            );
            return h('div', {}, end, status);
        };
        show(
            target,
            items.length === 0
                ? h('p', { class: 'empty' }, tx('guardian.none'))
                : h('ul', { class: 'items' }, ...items.map((g) => guardianItem(g, endButton(g)))),
        );
    });
}

/**
 * The patient signs an approval for a guardian, to take to the hospital that registers the guardian.
 * @param key - the patient's key
 */
export function approveGuardianForm(key: PatientKey): HTMLElement {
    const guardianId = input({ autocomplete: 'off', 'data-testid': 'approve-guardian-id' }, 'guardian.idHint');
    const result = h('div', {});
    const approve = button(
        'guardian.approve',
        () => {
            void runBusy(result, approve, async () => {
                const { channel } = await gatewayIdentity();
                const code = await newGuardianshipAct(
                    key,
                    'guardian.approve',
                    readPatientId(guardianId.value),
                    channel,
                );
                show(
                    result,
                    h('p', { class: 'hint' }, tx('guardian.approvalHelp')),
                    codeBox('approval-code', JSON.stringify(code)),
                );
            });
        },
        { 'data-testid': 'approve-guardian' },
    );
    return h('div', { class: 'approve-guardian' }, field('guardian.approveLabel', guardianId), approve, result);
}

/**
 * For a guardian: the registration code the child's hospital needs, and the switch to act for the child.
 * @param key - the guardian's key
 * @param actAs - switches the view to act for a patient
 */
export function actAsGuardianSection(key: PatientKey, actAs: (patientId: string) => void): HTMLElement {
    const ward = input({ autocomplete: 'off', 'data-testid': 'ward-id' }, 'guardian.idHint');
    const result = h('div', {});
    const code = button(
        'guardian.showCode',
        () => {
            void runBusy(result, code, async () => {
                const { channel } = await gatewayIdentity();
                const signed = await newGuardianRegistration(key, readPatientId(ward.value), channel);
                show(
                    result,
                    h('p', { class: 'hint' }, tx('guardian.codeHelp')),
                    codeBox('guardian-code', JSON.stringify(signed)),
                );
            });
        },
        { 'data-testid': 'guardian-show-code' },
    );
    const act = button(
        'guardian.actFor',
        () => {
            try {
                actAs(readPatientId(ward.value));
            } catch (error) {
                show(result, errorMessage(error));
            }
        },
        { class: 'primary', 'data-testid': 'act-for' },
    );
    return h(
        'section',
        { class: 'card', 'data-testid': 'act-as-guardian' },
        h('h2', {}, tx('guardian.actTitle')),
        h('p', { class: 'hint' }, tx('guardian.actHelp')),
        field('guardian.wardLabel', ward),
        h('div', { class: 'row' }, code, act),
        result,
    );
}

/**
 * The banner of a guardian acting for a patient, with the way back.
 * @param forPatient - the patient acted for
 * @param actAs - switches the view (undefined: back to the guardian's own)
 */
export function actingBanner(forPatient: string, actAs: (patientId: string | undefined) => void): HTMLElement {
    return h(
        'section',
        { class: 'card notice', 'data-testid': 'acting-banner' },
        h('p', {}, tx('guardian.actingFor')),
        h('p', { class: 'patient-id' }, raw(forPatient, 'code')),
        button(
            'guardian.stop',
            () => {
                actAs(undefined);
            },
            { 'data-testid': 'stop-acting' },
        ),
    );
}

function readCode(text: string, type: string): unknown {
    try {
        const parsed = JSON.parse(text) as { payload?: { type?: unknown }; signature?: unknown } | null;
        if (parsed?.payload?.type === type && typeof parsed.signature === 'string') {
            return parsed;
        }
    } catch {
        // reported below
    }
    throw new Error('GUARDIAN_CODE');
}

function readBasis(approval: string, attest: boolean, birthYear: string): Record<string, unknown> {
    if (attest) {
        const year = birthYear.trim() === '' ? {} : { birthYear: Number(birthYear) };
        return { attestation: { reason: 'minor-under-14', ...year } };
    }
    return { approval: readCode(approval, 'guardian.approve') };
}

/** For a hospital clinician: registering a guardian, and ending a guardianship when the child turns fourteen. */
export function guardianCard(): HTMLElement {
    const guardianCode = h('textarea', { rows: '3', 'data-testid': 'guardian-code-input', spellcheck: 'false' });
    const approvalCode = h('textarea', { rows: '3', 'data-testid': 'approval-code-input', spellcheck: 'false' });
    const attest = h('input', { type: 'checkbox', 'data-testid': 'attest' });
    const birthYear = input({ type: 'number', min: '1900', 'data-testid': 'birth-year' });
    const status = h('div', { class: 'status' });
    const register = button(
        'guardian.register',
        () => {
            void runBusy(status, register, async () => {
                const body = {
                    guardian: readCode(guardianCode.value.trim(), 'guardian.register'),
                    ...readBasis(approvalCode.value.trim(), attest.checked, birthYear.value),
                };
                const registered = await call<{ guardianId: string }>('POST', '/guardians', { body });
                show(status, success('guardian.registered', { id: registered.guardianId }));
            });
        },
        { class: 'primary', 'data-testid': 'register-guardian' },
    );
    const endPatient = input({ autocomplete: 'off', 'data-testid': 'end-patient' }, 'guardian.idHint');
    const endGuardian = input({ autocomplete: 'off', 'data-testid': 'end-guardian' }, 'guardian.idHint');
    const endStatus = h('div', { class: 'status' });
    const end = button(
        'guardian.endAt14',
        () => {
            void runBusy(endStatus, end, async () => {
                const path = `/patients/${readPatientId(endPatient.value)}/guardians/${readPatientId(endGuardian.value)}/end`;
                await call('POST', path, { body: { reason: 'reached-14' } });
                show(endStatus, success('guardian.endedAt14'));
            });
        },
        { class: 'danger', 'data-testid': 'end-at-14' },
    );
    return h(
        'section',
        { class: 'card', 'data-testid': 'guardian-registration' },
        h('h2', {}, tx('guardian.registerTitle')),
        h('p', { class: 'hint' }, tx('guardian.registerHelp')),
        field('guardian.codeLabel', guardianCode),
        field('guardian.approvalLabel', approvalCode),
        h('label', { class: 'check' }, attest, tx('guardian.attest')),
        field('guardian.birthYear', birthYear),
        register,
        status,
        h('h3', {}, tx('guardian.endTitle')),
        field('guardian.endPatient', endPatient),
        field('guardian.endGuardian', endGuardian),
        end,
        endStatus,
    );
}
