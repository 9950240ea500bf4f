// SPDX-License-Identifier: Apache-2.0
/**
 * Which category a record from the HL7 feed gets (docs/design.md "Categories", "HL7 v2 intake"): a pure decision
 * over the facts a mapper read — its ordinary category (encounter, lab, imaging, document), the codes it
 * carries (order, result and document codes) and the departments of the visit (PV1-3 point of care, PV1-10
 * hospital service) — and the hospital's sensitivity rules. A sensitive category is need-to-know on the
 * ledger, so where the facts are ambiguous the rules err towards it: a keyword in an uncoded or locally coded
 * test name is enough, and the first matching rule wins.
 */
import type { Category, OrdinaryCategories, SensitiveCategories } from '../../../chaincode/src/protocol/vocabulary';
import type { CodeFact } from './mapping/datatypes';

/** An ordinary category a mapper gives before the rules. */
export type OrdinaryCategory = (typeof OrdinaryCategories)[number];
/** A sensitive category a rule may give. */
export type SensitiveCategory = (typeof SensitiveCategories)[number];

/** One sensitivity rule: any match puts the record in `category`. */
export interface SensitivityRule {
    readonly category: SensitiveCategory;
    /** LOINC codes (coding system `LN`). */
    readonly loinc?: readonly string[];
    /** Local codes, as `SYSTEM|CODE` (CWE.3 and CWE.1). */
    readonly codes?: readonly string[];
    /** Department codes matched against PV1-3.1 (point of care), PV1-3.4 (facility) and PV1-10 (service). */
    readonly departments?: readonly string[];
    /** Words matched, ignoring case, inside the text of any code (test, order and document names). */
    readonly keywords?: readonly string[];
}

/** What a mapper read. */
export interface CategoryFacts {
    readonly base: OrdinaryCategory;
    readonly codes: readonly CodeFact[];
    readonly departments: readonly string[];
}

/** The decision, with the rule that made it (its index), for the logs. */
export interface CategoryDecision {
    readonly category: Category;
    readonly rule?: number;
}

/**
 * The default rules, a starting point each hospital reviews (`hl7.sensitivity` in the gateway configuration
 * replaces them): HIV-1/2 antibody, antigen and RNA tests by LOINC, psychiatric, addiction,
 * reproductive-medicine and genetics departments, and their usual names in English and Chinese.
 */
export const DEFAULT_SENSITIVITY_RULES: readonly SensitivityRule[] = [
    {
        category: 'hiv',
        loinc: [
            '5221-7',
            '7917-8',
            '7918-6',
            '7919-4',
            '9821-0',
            '10901-7',
            '10902-5',
            '20447-9',
            '25835-0',
            '29893-5',
            '31201-7',
            '43009-0',
            '48345-3',
            '49580-4',
            '56888-1',
            '68961-2',
            '75622-1',
            '80387-4',
        ],
        keywords: ['HIV', '艾滋', '人类免疫缺陷'],
    },
    {
        category: 'mental-health',
        departments: ['PSY', 'PSYCH', 'PSYC', 'PSYCHIATRY', '精神科', '心理科', '精神卫生科'],
        keywords: ['精神科', 'psychiatr'],
    },
    {
        category: 'substance-use',
        departments: ['ADDICT', 'DETOX', '戒毒科', '成瘾科'],
        keywords: ['戒毒', 'detox'],
    },
    {
        category: 'reproductive',
        departments: ['IVF', 'REPRO', '生殖医学科', '计划生育科'],
        keywords: ['生殖医学', 'in vitro fertili'],
    },
    {
        category: 'genetic',
        departments: ['GEN', 'GENETICS', '遗传科', '遗传咨询'],
        keywords: ['基因检测', '遗传病', 'genetic test'],
    },
];

function matchesCode(rule: SensitivityRule, fact: CodeFact): boolean {
    if (fact.system.toUpperCase() === 'LN' && rule.loinc?.includes(fact.code) === true) {
        return true;
    }
    return rule.codes?.includes(`${fact.system}|${fact.code}`) === true;
}

function matchesText(rule: SensitivityRule, fact: CodeFact): boolean {
    const text = fact.text.toLowerCase();
    return text !== '' && (rule.keywords ?? []).some((word) => text.includes(word.toLowerCase()));
}

function matches(rule: SensitivityRule, facts: CategoryFacts): boolean {
    if (facts.codes.some((fact) => matchesCode(rule, fact) || matchesText(rule, fact))) {
        return true;
    }
    const departments = (rule.departments ?? []).map((code) => code.toUpperCase());
    return facts.departments.some((code) => departments.includes(code.toUpperCase()));
}

/**
 * The category of a record.
 * @param facts - ordinary category, codes, departments
 * @param rules - the hospital's sensitivity rules, in order
 */
export function decideCategory(facts: CategoryFacts, rules: readonly SensitivityRule[]): CategoryDecision {
    const index = rules.findIndex((rule) => matches(rule, facts));
    const rule = rules[index];
    return rule === undefined ? { category: facts.base } : { category: rule.category, rule: index };
}
