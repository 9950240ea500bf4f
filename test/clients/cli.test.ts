// SPDX-License-Identifier: Apache-2.0
/** The `healthchain` CLI as a user runs it (a child process) against a real region, and its help texts. */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandGroups } from '../../clients/cli/commands';
import { runCli } from '../../clients/cli/main';
import type { Printer } from '../../clients/cli/output';
import { CLI_SCRIPT, startTestRegion, type TestRegion } from '../helpers/region';

/** The demo's FHIR fixtures (sources: the CLI reads them as a user's files). */
const FIXTURES = join(__dirname, '..', '..', '..', 'network', 'src', 'region', 'demo');

interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

function run(args: readonly string[]): Promise<Run> {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI_SCRIPT, ...args], (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

function capture(): Printer & { text(): string } {
    const lines: string[] = [];
    return {
        out: (text) => lines.push(text),
        err: (text) => lines.push(text),
        text: () => lines.join(''),
    };
}

describe('healthchain CLI', function () {
    this.timeout(300_000);

    it('prints help for every command of the table', async () => {
        for (const [group, spec] of Object.entries(commandGroups)) {
            for (const command of Object.keys(spec.commands)) {
                const printer = capture();
                assert.equal(await runCli([group, command, '--help'], printer), 0, `${group} ${command} --help`);
                assert.match(printer.text(), /Usage: healthchain/);
            }
        }
    });

    it('exits 1 on a usage error', async () => {
        const printer = capture();
        assert.equal(await runCli(['record', 'fetch', 'rec-1'], printer), 1);
        assert.match(printer.text(), /--purpose/);
    });

    describe('against a running region', () => {
        let region: TestRegion;
        let keyFile: string;
        let patientId: string;

        before(async () => {
            region = await startTestRegion();
            keyFile = join(region.dataDir, 'alice.pem');
        });

        after(async () => {
            await region.stop();
        });

        const cli = (...args: string[]): Promise<Run> => run(['--region', region.regionFile, ...args]);

        it('generates a patient key at mode 0600 and prints the patient id', async () => {
            const result = await cli('patient', 'keygen', '--out', keyFile, '--json');
            assert.equal(result.code, 0, result.stderr);
            const body = JSON.parse(result.stdout) as { patientId: string; keyFile: string };
            assert.match(body.patientId, /^pt[a-z2-7]{52}$/);
            assert.equal(statSync(keyFile).mode & 0o777, 0o600);
            patientId = body.patientId;
        });

        it('registers the patient and grants a consent signed with the key file', async () => {
            const registered = await cli('patient', 'register', '--key', keyFile, '--json');
            assert.equal(registered.code, 0, registered.stderr);
            assert.equal((JSON.parse(registered.stdout) as { patientId: string }).patientId, patientId);
            const granted = await cli(
                ...['consent', 'grant', '--key', keyFile, '--grantee', 'HospitalBMSP'],
                ...['--purposes', 'TREATMENT', '--categories', 'lab,encounter', '--json'],
            );
            assert.equal(granted.code, 0, granted.stderr);
            const { consentId } = JSON.parse(granted.stdout) as { consentId: string };
            const consents = await cli('patient', 'consents', '--key', keyFile, '--json');
            const items = (JSON.parse(consents.stdout) as { items: { consentId: string }[] }).items;
            assert.ok(items.some((c) => c.consentId === consentId));
        });

        it('publishes records and fetches one under the consent; one outside it is denied (exit 2)', async () => {
            const publish = async (category: string, fixture: string): Promise<string> => {
                const result = await cli(
                    ...['--org', 'HospitalAMSP', 'record', 'publish', '--patient', patientId],
                    ...['--category', category, '--file', join(FIXTURES, fixture), '--json'],
                );
                assert.equal(result.code, 0, result.stderr);
                return (JSON.parse(result.stdout) as { recordId: string }).recordId;
            };
            const lab = await publish('lab', 'lab-glucose.json');
            const condition = await publish('condition', 'condition-diabetes.json');
            const fetched = await cli(
                '--org',
                'HospitalBMSP',
                'record',
                'fetch',
                lab,
                '--purpose',
                'TREATMENT',
                '--json',
            );
            assert.equal(fetched.code, 0, fetched.stderr);
            const body = JSON.parse(fetched.stdout) as { resource: unknown };
            assert.deepEqual(body.resource, JSON.parse(readFileSync(join(FIXTURES, 'lab-glucose.json'), 'utf8')));
            const denied = await cli('--org', 'HospitalBMSP', 'record', 'fetch', condition, '--purpose', 'TREATMENT');
            assert.equal(denied.code, 2);
            assert.match(denied.stderr, /^ACCESS_DENIED: .*\(reason NO_CONSENT, accessId [0-9a-f]{64}\)/);
        });

        it('verifies the chain as the commission auditor, as a table and as JSON', async () => {
            const human = await cli('audit', 'verify');
            assert.equal(human.code, 0, human.stderr);
            assert.match(human.stdout, /chain OK/);
            const json = await cli('audit', 'verify', '--json');
            const body = JSON.parse(json.stdout) as { ok: boolean; height: number; checked: number };
            assert.equal(body.ok, true);
            assert.equal(body.checked, body.height);
        });

        it('lists organisations as a table', async () => {
            const result = await cli('org', 'list');
            assert.equal(result.code, 0, result.stderr);
            assert.match(result.stdout, /^mspId\s+type\s+name\s+status/);
            assert.match(result.stdout, /HospitalAMSP\s+hospital\s+Hospital A\s+active/);
        });

        it('creates a token that the gateway accepts at once', async () => {
            const result = await cli('token', 'create', '--org', 'InsurerMSP', '--role', 'auditor', '--json');
            assert.equal(result.code, 0, result.stderr);
            const { token } = JSON.parse(result.stdout) as { token: string };
            const tokenFile = join(region.dataDir, 'insurer-auditor.token');
            writeFileSync(tokenFile, token, { mode: 0o600 });
            const info = await cli('--org', 'InsurerMSP', '--token-file', tokenFile, 'ledger', 'info', '--json');
            assert.equal(info.code, 0, info.stderr);
        });

        it('shows an API error as CODE: diagnostics and exits 2', async () => {
            const result = await cli('record', 'show', 'no-such-record');
            assert.equal(result.code, 2);
            assert.match(result.stderr, /^NOT_FOUND: /);
            const forbidden = await cli('--org', 'CommissionMSP', '--role', 'clinician', 'audit', 'events');
            assert.equal(forbidden.code, 2);
            assert.match(forbidden.stderr, /^FORBIDDEN: /);
        });

        it('exits 3 when the gateway cannot be reached', async () => {
            const regionJson = JSON.parse(readFileSync(region.regionFile, 'utf8')) as {
                organizations: { apiUrl: string }[];
            };
            regionJson.organizations.forEach((org) => {
                org.apiUrl = 'https://127.0.0.1:1';
            });
            const unreachable = join(region.dataDir, 'unreachable-region.json');
            writeFileSync(unreachable, JSON.stringify(regionJson));
            const result = await run(['--region', unreachable, 'ledger', 'info']);
            assert.equal(result.code, 3);
            assert.match(result.stderr, /^CONNECTION: /);
        });
    });
});
