// SPDX-License-Identifier: Apache-2.0
/**
 * The HL7 wire without a gateway: MLLP framing over bytes, character sets, escape sequences, acknowledgments,
 * the anchoring batch cut and the category rules, table-driven.
 */
import assert from 'node:assert/strict';
import { Hl7Context } from '@medplum/core';
import { ackCodesFor, buildAck, type AckOutcome } from '../../../gateway/src/hl7/ack';
import { cutBatch } from '../../../gateway/src/hl7/anchorer';
import { DEFAULT_SENSITIVITY_RULES, decideCategory } from '../../../gateway/src/hl7/category-rules';
import { CharsetError, decodeText, readRawCharsetName, toCharset } from '../../../gateway/src/hl7/charset';
import { escapeHl7, unescapeHl7 } from '../../../gateway/src/hl7/escapes';
import { readRawHeader, type V2Header } from '../../../gateway/src/hl7/header';
import { readAck } from '../../../gateway/src/hl7/mllp-client';
import { MllpFramer, toMllpFrame } from '../../../gateway/src/hl7/mllp-framer';
import { CHINESE_PATIENT, oru, toGbk } from '../../fixtures/hl7/messages';

const A = Buffer.from('MSH|^~\\&|A|B|C|D|20250101||ADT^A01|1|P|2.5.1');
const B = Buffer.from('MSH|^~\\&|A|B|C|D|20250101||ORU^R01|2|P|2.5.1\rPID|1');

function frames(framer: MllpFramer, chunks: readonly Buffer[]): string[] {
    return chunks.flatMap((chunk) =>
        framer.push(chunk).map((item) => (item.kind === 'frame' ? item.bytes.toString('latin1') : 'OVERSIZED')),
    );
}

function charsetOf(name: string): NonNullable<ReturnType<typeof toCharset>> {
    const charset = toCharset(name);
    assert.ok(charset, name);
    return charset;
}

describe('MLLP framing over bytes', () => {
    const stream = Buffer.concat([toMllpFrame(A), toMllpFrame(B)]);

    it('finds every frame whatever the split points of the stream', () => {
        for (let first = 0; first <= stream.length; first++) {
            for (let second = first; second <= stream.length; second += 7) {
                const chunks = [stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)];
                assert.deepEqual(
                    frames(new MllpFramer(1024), chunks),
                    [A.toString(), B.toString()],
                    `${first}/${second}`,
                );
            }
        }
    });

    it('takes several frames in one read and one byte per read', () => {
        assert.deepEqual(frames(new MllpFramer(1024), [stream]), [A.toString(), B.toString()]);
        const bytes = [...stream].map((byte) => Buffer.from([byte]));
        assert.deepEqual(frames(new MllpFramer(1024), bytes), [A.toString(), B.toString()]);
    });

    it('skips and counts stray bytes between frames, and a frame abandoned by a new start byte', () => {
        const framer = new MllpFramer(1024);
        const noisy = Buffer.concat([
            Buffer.from('garbage\r\n'),
            toMllpFrame(A),
            Buffer.from('\r\n\0'),
            Buffer.from([0x0b]),
            Buffer.from('half a mess'),
            toMllpFrame(B),
        ]);
        assert.deepEqual(frames(framer, [noisy]), [A.toString(), B.toString()]);
        assert.equal(framer.strayBytes, 'garbage\r\n'.length + 3 + 'half a mess'.length + 1);
    });

    it('reports a frame longer than the limit with its first bytes, and goes on with the next', () => {
        const framer = new MllpFramer(40);
        const out = framer.push(Buffer.concat([toMllpFrame(B), toMllpFrame(Buffer.from('MSH|^~\\&|x'))]));
        const [first, second] = out;
        assert.ok(first?.kind === 'oversized' && second?.kind === 'frame');
        assert.equal(first.head.toString(), B.toString());
        assert.equal(second.bytes.toString(), 'MSH|^~\\&|x');
    });

    it('keeps a multi-byte character split across reads whole for decoding', () => {
        const gbk = toGbk(
            oru({ controlId: 'G1', mrn: 'M1', charset: 'GB 18030-2000' }, '1', 'diabetes', {
                patient: CHINESE_PATIENT,
            }),
        );
        const frame = toMllpFrame(gbk);
        const at = frame.indexOf(toGbk('王')) + 1;
        const framer = new MllpFramer(1 << 20);
        assert.deepEqual(framer.push(frame.subarray(0, at)), []);
        const [whole] = framer.push(frame.subarray(at));
        assert.ok(whole?.kind === 'frame');
        assert.match(decodeText(whole.bytes, charsetOf('GB 18030-2000')), /PID\|1\|\|[^|]+\|\|王\^丽/);
    });
});

describe('character sets (MSH-18)', () => {
    it('reads MSH-18 from the raw header, first repetition', () => {
        assert.equal(
            readRawCharsetName(
                Buffer.from('MSH|^~\\&|a|b|c|d|t||ADT^A01|1|P|2.5|||||CHN|UNICODE UTF-8~GB 18030-2000\rPID'),
            ),
            'UNICODE UTF-8',
        );
        assert.equal(readRawCharsetName(A), '');
        assert.equal(readRawCharsetName(Buffer.from('PID|1')), undefined);
    });

    it('maps HL7 table 0211 names and the common Chinese variants, and refuses UTF-16', () => {
        const cases: [string, string | undefined][] = [
            ['UNICODE UTF-8', 'utf8'],
            ['utf-8', 'utf8'],
            ['GB 18030-2000', 'gb18030'],
            ['GBK', 'gbk'],
            ['8859/1', 'latin1'],
            ['ASCII', 'ascii'],
            ['UNICODE UTF-16', undefined],
            ['EBCDIC', undefined],
        ];
        for (const [name, encoding] of cases) {
            assert.equal(toCharset(name)?.encoding, encoding, name);
        }
    });

    it('decodes strictly: bytes invalid in the declared set are an error, not replaced', () => {
        assert.throws(() => decodeText(Buffer.from('caf\u00e9', 'latin1'), charsetOf('ASCII')), CharsetError);
        assert.throws(() => decodeText(Buffer.from([0x4d, 0xff, 0xfe]), charsetOf('UNICODE UTF-8')), CharsetError);
        assert.throws(() => decodeText(Buffer.from([0x81, 0x30]), charsetOf('GB 18030-2000')), CharsetError);
        assert.equal(decodeText(toGbk('王丽'), charsetOf('GBK')), '王丽');
        assert.equal(decodeText(Buffer.from('café', 'latin1'), charsetOf('8859/1')), 'café');
    });
});

describe('escape sequences', () => {
    const context = new Hl7Context();
    const hex = (bytes: Buffer): string => bytes.toString('latin1');

    it('unescapes delimiters, line breaks and hexadecimal data, and drops formatting', () => {
        const cases: [string, string][] = [
            ['a\\F\\b', 'a|b'],
            ['a\\S\\b\\T\\c\\R\\d\\E\\e', 'a^b&c~d\\e'],
            ['line\\.br\\next', 'line\nnext'],
            ['\\H\\bold\\N\\', 'bold'],
            ['\\X41424344\\', 'ABCD'],
            ['\\Zlocal\\x', 'x'],
            ['no escapes', 'no escapes'],
            ['\\unknown\\', '\\unknown\\'],
            ['unterminated \\F', 'unterminated \\F'],
        ];
        for (const [raw, text] of cases) {
            assert.equal(unescapeHl7(raw, context, hex), text, raw);
        }
    });

    it('escapes what it unescapes', () => {
        const text = 'a|b^c&d~e\\f\ng';
        assert.equal(unescapeHl7(escapeHl7(text), context, hex), text);
    });
});

describe('acknowledgments', () => {
    const header = (accept: string, application: string): V2Header => ({
        ...readRawHeader(B),
        acceptAckType: accept,
        applicationAckType: application,
    });
    const ok: AckOutcome = { code: 'AA', stored: true };
    const kept: AckOutcome = { code: 'AE', stored: true, error: { code: '101', text: 'x' } };
    const refused: AckOutcome = { code: 'AR', stored: false, error: { code: '200', text: 'x' } };
    const failed: AckOutcome = { code: 'AE', stored: false, error: { code: '207', text: 'x' } };

    it('sends one application acknowledgment in original mode, and what MSH-15/16 ask in enhanced mode', () => {
        const cases: [string, string, AckOutcome, string[]][] = [
            ['', '', ok, ['AA']],
            ['', '', kept, ['AE']],
            ['', '', refused, ['AR']],
            ['AL', 'NE', ok, ['CA']],
            ['AL', 'NE', kept, ['CA']],
            ['AL', 'NE', refused, ['CR']],
            ['AL', 'NE', failed, ['CE']],
            ['AL', 'AL', ok, ['CA', 'AA']],
            ['ER', 'ER', ok, []],
            ['ER', 'ER', kept, ['AE']],
            ['NE', 'SU', ok, ['AA']],
            ['SU', 'ER', refused, ['AR']],
            ['', 'AL', kept, ['CA', 'AE']],
        ];
        for (const [accept, application, outcome, codes] of cases) {
            assert.deepEqual(
                ackCodesFor(header(accept, application), outcome),
                codes,
                `${accept}/${application}/${outcome.code}`,
            );
        }
    });

    it('answers with MSA-2 = MSH-10, the senders swapped, and an ERR segment for an error', () => {
        const text = buildAck(readRawHeader(B), 'AE', kept, {
            sender: { application: 'HEALTHCHAIN', facility: 'HospitalAMSP' },
            controlId: 'K1',
            now: new Date('2025-03-04T01:02:03.456Z'),
        });
        const ack = readAck(Buffer.from(text, 'latin1'));
        assert.equal(ack.code, 'AE');
        assert.equal(ack.controlId, '2');
        assert.equal(ack.errorCode, '101');
        assert.match(
            text,
            /^MSH\|\^~\\&\|HEALTHCHAIN\|HospitalAMSP\|A\|B\|20250304010203\.456\+0000\|\|ACK\^R01\^ACK\|K1\|P\|2\.5\.1/,
        );
    });
});

describe('the anchoring batch', () => {
    it('ends before a job that supersedes a record of the same batch', () => {
        const jobs = [
            { recordId: 'r1' },
            { recordId: 'r2', supersedes: 'r0' },
            { recordId: 'r3', supersedes: 'r1' },
            { recordId: 'r4' },
        ];
        assert.deepEqual(
            cutBatch(jobs).map((job) => job.recordId),
            ['r1', 'r2'],
        );
    });
});

describe('category rules', () => {
    const code = (system: string, value: string, text = ''): { system: string; code: string; text: string } => ({
        system,
        code: value,
        text,
    });
    it('puts sensitive tests and departments in their categories, and errs towards them on a name alone', () => {
        const cases: [Parameters<typeof decideCategory>[0], string][] = [
            [{ base: 'lab', codes: [code('LN', '4548-4')], departments: ['ENDO'] }, 'lab'],
            [{ base: 'lab', codes: [code('LN', '56888-1')], departments: [] }, 'hiv'],
            [{ base: 'lab', codes: [code('L', 'X99', 'HIV-1/2 抗体')], departments: [] }, 'hiv'],
            [{ base: 'lab', codes: [code('L', 'X98', '艾滋病抗体检测')], departments: [] }, 'hiv'],
            [{ base: 'encounter', codes: [], departments: ['PSY'] }, 'mental-health'],
            [{ base: 'document', codes: [], departments: ['精神科'] }, 'mental-health'],
            [{ base: 'encounter', codes: [], departments: ['IVF'] }, 'reproductive'],
            [{ base: 'imaging', codes: [code('LN', '36643-5', 'XR Chest 2 Views')], departments: ['RAD'] }, 'imaging'],
        ];
        for (const [facts, category] of cases) {
            assert.equal(decideCategory(facts, DEFAULT_SENSITIVITY_RULES).category, category, JSON.stringify(facts));
        }
    });

    it("follows the hospital's own rules when configured", () => {
        const rules = [{ category: 'genetic' as const, codes: ['L|GENE-1'] }];
        assert.equal(
            decideCategory({ base: 'lab', codes: [code('L', 'GENE-1')], departments: [] }, rules).category,
            'genetic',
        );
        assert.equal(
            decideCategory({ base: 'lab', codes: [code('LN', '56888-1')], departments: [] }, rules).category,
            'lab',
        );
    });
});
