// SPDX-License-Identifier: Apache-2.0
/**
 * The notice a patient is shown before granting a consent (docs/design.md "Notice"): what China's Personal
 * Information Protection Law asks a person to be told before sensitive personal information such as medical
 * records is given to another party — the recipient's name and contact, the purposes, the kinds of data, how
 * long, and how to withdraw (PIPL Art. 15, 17, 23, 29, 30). One function renders it, deterministically, from the
 * recipient's entry in the organisation directory on the ledger, the consent's terms and a language; the portal
 * and the CLI show its text and sign its SHA-256 into the grant (`notice: {sha256, language}`), and the chaincode
 * renders it again from its own directory entry and refuses a grant whose hash differs. So the ledger can prove
 * what was shown.
 *
 * The hash is SHA-256 of the text's UTF-8 bytes ({@link toNoticeBytes}), lowercase hex; each side hashes with its
 * own crypto (node:crypto, WebCrypto). Times are written from the ISO text as `YYYY-MM-DD HH:mm UTC`, never with a
 * locale's formatting, and lists keep the order the patient signed.
 */
import { SensitiveCategories } from './vocabulary.js';

/** Languages a notice is rendered in: Simplified Chinese and English. */
export const NoticeLanguages = ['zh-CN', 'en'] as const;
/** One of {@link NoticeLanguages}. */
export type NoticeLanguage = (typeof NoticeLanguages)[number];

/** The recipient as the organisation directory on the ledger names it. */
export type NoticeRecipient = {
    readonly mspId: string;
    readonly name: string;
    /** How to reach the organisation about personal information; null when it registered none. */
    readonly contact: string | null;
};

/** The terms of the consent the notice describes (a `consent.grant` payload has them all). */
export type NoticeTerms = {
    readonly purposes: readonly string[];
    readonly categories: readonly string[];
    readonly custodians: readonly string[];
    readonly recordIds?: readonly string[] | null;
    readonly notBefore: string;
    readonly notAfter: string;
};

/** What a grant carries about its notice: the hash of the text shown, and its language. */
export type NoticeRef = {
    /** SHA-256 of the notice text's UTF-8 bytes, lowercase hex. */
    readonly sha256: string;
    readonly language: NoticeLanguage;
};

type Words = {
    readonly title: string;
    readonly intro: string;
    readonly recipient: string;
    readonly contact: string;
    readonly noContact: string;
    readonly purposes: string;
    readonly categories: string;
    readonly allOrdinary: string;
    readonly sensitive: string;
    readonly custodians: string;
    readonly anyCustodian: string;
    readonly records: string;
    readonly window: (from: string, until: string) => string;
    readonly separate: string;
    readonly withdraw: string;
    readonly listSeparator: string;
    /** Between a label and its value. */
    readonly colon: string;
    readonly purpose: Readonly<Record<string, string>>;
    readonly category: Readonly<Record<string, string>>;
};

const EN: Words = {
    title: 'Notice: sharing your medical records',
    intro: 'You are asked to let the organisation below see some of your medical records.',
    recipient: 'Recipient',
    contact: 'Contact',
    noContact: 'none registered',
    purposes: 'Purposes',
    categories: 'Kinds of records',
    allOrdinary: 'all ordinary kinds (not mental health, HIV, genetic, reproductive health or substance use)',
    sensitive: 'This includes sensitive kinds of records',
    custodians: 'Records held by',
    anyCustodian: 'any organisation that holds your records',
    records: 'Only these records',
    window: (from, until) => `Valid from ${from} until ${until}.`,
    separate:
        'Medical records are sensitive personal information. This consent is for this recipient only, and you may refuse it.',
    withdraw:
        'You may withdraw it at any time, in the patient portal or with "healthchain consent revoke"; it ends when the ledger records the withdrawal, and does not undo access that already took place.',
    listSeparator: '; ',
    colon: ': ',
    purpose: { TREATMENT: 'treatment', PAYMENT: 'payment', OVERSIGHT: 'oversight', RESEARCH: 'research' },
    category: {
        encounter: 'encounters',
        condition: 'conditions',
        lab: 'lab results',
        imaging: 'imaging',
        medication: 'medication',
        procedure: 'procedures',
        immunization: 'immunisations',
        allergy: 'allergies',
        document: 'documents',
        billing: 'billing',
        'mental-health': 'mental health',
        hiv: 'HIV',
        genetic: 'genetic',
        reproductive: 'reproductive health',
        'substance-use': 'substance use',
    },
};

const ZH: Words = {
    title: '告知书：共享您的医疗记录',
    intro: '您将允许下列机构查看您的部分医疗记录。',
    recipient: '接收方',
    contact: '联系方式',
    noContact: '未登记',
    purposes: '目的',
    categories: '记录类别',
    allOrdinary: '所有普通类别（不含精神健康、艾滋病、基因、生殖健康和物质使用）',
    sensitive: '其中包括敏感类别',
    custodians: '记录保管方',
    anyCustodian: '保管您记录的任何机构',
    records: '仅限以下记录',
    window: (from, until) => `有效期自 ${from} 至 ${until}。`,
    separate: '医疗记录属于敏感个人信息。本授权仅针对上述接收方单独作出，您可以拒绝。',
    withdraw:
        '您可以随时撤回本授权：在患者门户中，或使用“healthchain consent revoke”命令；撤回自账本记录之时起生效，不影响撤回前已经发生的访问。',
    listSeparator: '；',
    colon: '：',
    purpose: { TREATMENT: '诊疗', PAYMENT: '医保/理赔', OVERSIGHT: '监管', RESEARCH: '科研' },
    category: {
        encounter: '就诊记录',
        condition: '诊断',
        lab: '检验结果',
        imaging: '影像',
        medication: '用药',
        procedure: '手术与操作',
        immunization: '预防接种',
        allergy: '过敏',
        document: '文书',
        billing: '费用',
        'mental-health': '精神健康',
        hiv: '艾滋病',
        genetic: '基因',
        reproductive: '生殖健康',
        'substance-use': '物质使用',
    },
};

const WORDS: Readonly<Record<NoticeLanguage, Words>> = { en: EN, 'zh-CN': ZH };

/** `YYYY-MM-DD HH:mm UTC` from a `toISOString` timestamp, by slicing its text (no locale, no clock). */
function toNoticeTime(iso: string): string {
    return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function word(table: Readonly<Record<string, string>>, code: string): string {
    return table[code] ?? code;
}

function categoryLines(words: Words, categories: readonly string[]): string[] {
    const named = categories.map((c) => (c === '*' ? words.allOrdinary : word(words.category, c)));
    const sensitive = categories.filter((c) => (SensitiveCategories as readonly string[]).includes(c));
    const lines = [`${words.categories}${words.colon}${named.join(words.listSeparator)}`];
    if (sensitive.length > 0) {
        const names = sensitive.map((c) => word(words.category, c)).join(words.listSeparator);
        lines.push(`${words.sensitive}${words.colon}${names}`);
    }
    return lines;
}

/**
 * The notice text for a consent, the same wherever it is rendered.
 * @param recipient - the grantee's MSP id, name and contact, from the organisation directory on the ledger
 * @param terms - purposes, categories, custodians, records and window, in the order the patient signs them
 * @param language - `zh-CN` or `en`
 * @returns the text, lines separated by `\n`
 */
export function renderNotice(recipient: NoticeRecipient, terms: NoticeTerms, language: NoticeLanguage): string {
    const words = WORDS[language];
    const custodians = terms.custodians.includes('*') ? words.anyCustodian : terms.custodians.join(', ');
    const records =
        terms.recordIds && terms.recordIds.length > 0
            ? [`${words.records}${words.colon}${terms.recordIds.join(', ')}`]
            : [];
    return [
        words.title,
        words.intro,
        `${words.recipient}${words.colon}${recipient.name} (${recipient.mspId})`,
        `${words.contact}${words.colon}${recipient.contact ?? words.noContact}`,
        `${words.purposes}${words.colon}${terms.purposes.map((p) => word(words.purpose, p)).join(words.listSeparator)}`,
        ...categoryLines(words, terms.categories),
        `${words.custodians}${words.colon}${custodians}`,
        ...records,
        words.window(toNoticeTime(terms.notBefore), toNoticeTime(terms.notAfter)),
        words.separate,
        words.withdraw,
    ].join('\n');
}

/**
 * The bytes a notice's hash is taken over: the text's UTF-8.
 * @param text - a rendered notice
 */
export function toNoticeBytes(text: string): Uint8Array {
    return new TextEncoder().encode(text);
}

/** A notice hash: SHA-256, 64 lowercase hex digits. */
export const NOTICE_SHA256_PATTERN = /^[0-9a-f]{64}$/;
