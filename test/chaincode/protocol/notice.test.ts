// SPDX-License-Identifier: Apache-2.0
/**
 * The consent notice's text (`chaincode/src/protocol/notice.ts`): exactly what a patient reads, in both languages,
 * so that a change of wording shows up here — and with it a change of every hash a client signs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { renderNotice, toNoticeBytes } from '../../../chaincode/src/protocol/notice';

const RECIPIENT = { mspId: 'HospitalBMSP', name: 'Hospital B', contact: 'Privacy office, +86 10 6500 0002' };
const TERMS = {
    purposes: ['TREATMENT', 'RESEARCH'],
    categories: ['lab', 'hiv'],
    custodians: ['HospitalAMSP'],
    notBefore: '2030-06-01T08:30:00.000Z',
    notAfter: '2031-06-01T00:00:00.000Z',
};

describe('protocol: consent notice', () => {
    it('renders the English notice: recipient and contact, purposes, kinds, sensitive kinds, holders, window, withdrawal', () => {
        assert.equal(
            renderNotice(RECIPIENT, TERMS, 'en'),
            [
                'Notice: sharing your medical records',
                'You are asked to let the organisation below see some of your medical records.',
                'Recipient: Hospital B (HospitalBMSP)',
                'Contact: Privacy office, +86 10 6500 0002',
                'Purposes: treatment; research',
                'Kinds of records: lab results; HIV',
                'This includes sensitive kinds of records: HIV',
                'Records held by: HospitalAMSP',
                'Valid from 2030-06-01 08:30 UTC until 2031-06-01 00:00 UTC.',
                'Medical records are sensitive personal information. This consent is for this recipient only, and you may refuse it.',
                'You may withdraw it at any time, in the patient portal or with "healthchain consent revoke"; it ends when the ledger records the withdrawal, and does not undo access that already took place.',
            ].join('\n'),
        );
    });

    it('renders the Chinese notice with the same facts', () => {
        const text = renderNotice(RECIPIENT, { ...TERMS, recordIds: ['rec-1', 'rec-2'] }, 'zh-CN');
        const lines = text.split('\n');
        assert.equal(lines[0], '告知书：共享您的医疗记录');
        assert.ok(lines.includes('接收方：Hospital B (HospitalBMSP)'), text);
        assert.ok(lines.includes('联系方式：Privacy office, +86 10 6500 0002'), text);
        assert.ok(lines.includes('目的：诊疗；科研'), text);
        assert.ok(lines.includes('其中包括敏感类别：艾滋病'), text);
        assert.ok(lines.includes('仅限以下记录：rec-1, rec-2'), text);
        assert.ok(lines.includes('有效期自 2030-06-01 08:30 UTC 至 2031-06-01 00:00 UTC。'), text);
    });

    it('says when no contact is registered, and words `*` without listing sensitive kinds', () => {
        const text = renderNotice(
            { ...RECIPIENT, contact: null },
            { ...TERMS, categories: ['*'], custodians: ['*'] },
            'en',
        );
        assert.ok(text.includes('\nContact: none registered\n'));
        assert.ok(text.includes('\nKinds of records: all ordinary kinds (not mental health'));
        assert.ok(!text.includes('sensitive kinds of records:'));
        assert.ok(text.includes('\nRecords held by: any organisation that holds your records\n'));
    });

    it('keeps the order signed and depends on every term: another window, order or contact is another hash', () => {
        const hash = (text: string): string => createHash('sha256').update(toNoticeBytes(text)).digest('hex');
        const base = hash(renderNotice(RECIPIENT, TERMS, 'en'));
        assert.equal(hash(renderNotice(RECIPIENT, TERMS, 'en')), base);
        const variants = [
            renderNotice(RECIPIENT, { ...TERMS, purposes: ['RESEARCH', 'TREATMENT'] }, 'en'),
            renderNotice(RECIPIENT, { ...TERMS, notAfter: '2031-06-01T00:01:00.000Z' }, 'en'),
            renderNotice({ ...RECIPIENT, contact: 'another office' }, TERMS, 'en'),
            renderNotice(RECIPIENT, TERMS, 'zh-CN'),
        ];
        assert.equal(new Set([base, ...variants.map(hash)]).size, 5);
    });
});
