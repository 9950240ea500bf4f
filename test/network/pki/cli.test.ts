// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import { DEFAULT_OUT, main, parseCliArgs, type CliOutput } from '../../../network/src/pki/cli';
import { defaultRegionFile } from '../../../network/src/config/region';

function capture(): CliOutput & { logs: string[]; errors: string[] } {
    const logs: string[] = [];
    const errors: string[] = [];
    return { logs, errors, log: (line) => logs.push(line), error: (line) => errors.push(line) };
}

describe('pki/cli', () => {
    let dir: string;
    let regionFile: string;

    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'pki-cli-'));
        regionFile = join(dir, 'region.json');
        writeFileSync(
            regionFile,
            JSON.stringify({
                name: 'CLI test region',
                channel: 'testchannel',
                chaincode: 'healthchain',
                orderer: { mspId: 'OrdererMSP', name: 'Orderer', domain: 'orderer.test' },
                organizations: [{ mspId: 'CommissionMSP', type: 'commission', name: 'Commission', domain: 'c.test' }],
            }),
        );
    });

    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('defaults to the shipped region and ./data/crypto', () => {
        assert.deepEqual(parseCliArgs([]), { regionFile: defaultRegionFile, outDir: DEFAULT_OUT, help: false });
        assert.equal(DEFAULT_OUT, './data/crypto');
    });

    it('issues a region, listing each file as made, then as kept on the next run', async () => {
        const out = join(dir, 'crypto');
        const first = capture();
        assert.equal(await main(['--region', regionFile, '--out', out], first), 0);
        assert.deepEqual(first.errors, []);
        assert.ok(first.logs.includes('made organizations/CommissionMSP/ca/ca-key.pem'));
        assert.match(first.logs.at(-1) ?? '', /2 organisations .* \(\d+ files made, 0 kept\)$/);
        const second = capture();
        assert.equal(await main([`--region=${regionFile}`, `--out=${out}`], second), 0);
        assert.ok(second.logs.includes('kept organizations/CommissionMSP/ca/ca-key.pem'));
        assert.match(second.logs.at(-1) ?? '', /\(0 files made, \d+ kept\)$/);
    });

    const badArguments: { args: string[]; why: string }[] = [
        { args: ['--bogus'], why: 'an unknown option' },
        { args: ['--out'], why: 'an option without its value' },
        { args: ['--out', ''], why: 'an empty value' },
        { args: ['extra'], why: 'a positional argument' },
    ];
    for (const { args, why } of badArguments) {
        it(`exits 1 with a message and the usage on ${why}`, async () => {
            const output = capture();
            assert.equal(await main(args, output), 1);
            assert.deepEqual(output.logs, []);
            assert.equal(output.errors.length, 1);
            assert.match(output.errors[0] ?? '', /^pki: .+\n\nUsage: /);
        });
    }

    it('exits 1 naming a region file it cannot read', async () => {
        const output = capture();
        const missing = join(dir, 'missing.json');
        assert.equal(await main(['--region', missing, '--out', join(dir, 'never')], output), 1);
        assert.ok(output.errors[0]?.includes(missing));
    });

    it('prints the usage and exits 0 on --help', async () => {
        const output = capture();
        assert.equal(await main(['--help'], output), 0);
        assert.match(output.logs[0] ?? '', /^Usage: /);
    });
});
