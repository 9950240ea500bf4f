// SPDX-License-Identifier: Apache-2.0
/** The `healthchain` CLI as a user runs it (a child process) against a real region, and its help texts. */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandGroups } from '../../clients/cli/commands';
import { runCli } from '../../clients/cli/main';
import type { Printer } from '../../clients/cli/output';
import { CLI_SCRIPT, startLauncherRegion, type LauncherRegion } from '../helpers/launcher';

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

    it('needs the billed service of a claim, as a ledger id', async () => {
        const claim = ['claim', 'submit', '--patient', `pt${'a'.repeat(52)}`, '--insurer', 'InsurerMSP'];
        const rest = ['--records', 'rec-1', '--amount', '10'];
        const missing = capture();
        assert.equal(await runCli([...claim, ...rest], missing), 1);
        assert.match(missing.text(), /--service/);
        const malformed = capture();
        assert.equal(await runCli([...claim, '--service', 'visit 12', ...rest], malformed), 1);
        assert.match(malformed.text(), /--service must be/);
    });

    describe('against a running region', () => {
        let region: LauncherRegion;
        let keyFile: string;
        let patientId: string;
        let labRecordId: string;

        before(async () => {
            region = await startLauncherRegion();
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
            const grantArgs = [
                ...['consent', 'grant', '--key', keyFile, '--grantee', 'HospitalBMSP'],
                ...['--purposes', 'TREATMENT', '--categories', 'lab,encounter', '--language', 'en'],
            ];
            // The notice comes first; without a terminal to answer on, nothing is signed unless --yes says so.
            const unconfirmed = await cli(...grantArgs);
            assert.equal(unconfirmed.code, 1);
            assert.match(unconfirmed.stdout, /^Notice: sharing your medical records$/m);
            assert.match(unconfirmed.stdout, /^Recipient: Hospital B \(HospitalBMSP\)$/m);
            assert.match(unconfirmed.stdout, /^Contact: Hospital B privacy office, /m);
            assert.match(unconfirmed.stderr, /--yes/);
            const granted = await cli(...grantArgs, '--yes', '--json');
            assert.match(granted.stderr, /^Purposes: treatment$/m);
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
            labRecordId = lab;
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

        it('explains who can see a record: the commission for everyone, a hospital for itself, the patient', async () => {
            const audit = await cli('record', 'explain', labRecordId, '--json');
            assert.equal(audit.code, 0, audit.stderr);
            const rows = (JSON.parse(audit.stdout) as { decisions: { requester: string; purpose: string }[] })
                .decisions;
            assert.ok(
                rows.some((r) => r.requester === 'InsurerMSP') && rows.some((r) => r.requester === 'HospitalBMSP'),
            );
            const own = await cli('--org', 'HospitalBMSP', 'record', 'explain', labRecordId, '--purpose', 'TREATMENT');
            assert.equal(own.code, 0, own.stderr);
            assert.match(own.stdout, /^HospitalBMSP\s+TREATMENT\s+GRANTED\s+CONSENT\s+consent-/m);
            const other = await cli(
                '--org',
                'HospitalBMSP',
                'record',
                'explain',
                labRecordId,
                '--requester',
                'HospitalAMSP',
            );
            assert.equal(other.code, 2);
            assert.match(other.stderr, /^FORBIDDEN: /);
            const mine = await cli(
                ...['patient', 'explain', '--key', keyFile, '--record', labRecordId],
                ...['--requester', 'InsurerMSP', '--purpose', 'PAYMENT'],
            );
            assert.equal(mine.code, 0, mine.stderr);
            assert.match(mine.stdout, /^category:\s+lab$/m);
            assert.match(mine.stdout, /^InsurerMSP\s+PAYMENT\s+DENIED\s+NO_CONSENT$/m);
            assert.match(mine.stdout, /^decision order:\n1\. REQUESTER_ACTIVE: pass\n/m);
            assert.match(mine.stdout, /^5\. CONSENT: fail {2}NO_CONSENT$/m);
        });

        it("files a claim for a service only under the patient's PAYMENT consent naming the hospital", async () => {
            const submit = (): Promise<Run> =>
                cli(
                    ...['--org', 'HospitalAMSP', 'claim', 'submit', '--patient', patientId, '--insurer', 'InsurerMSP'],
                    ...['--service', 'visit-2025-0001', '--records', labRecordId, '--amount', '320.50', '--json'],
                );
            const refused = await submit();
            assert.equal(refused.code, 2);
            assert.match(refused.stderr, /^CONSENT_REQUIRED: /);
            const granted = await cli(
                ...['consent', 'grant', '--key', keyFile, '--grantee', 'InsurerMSP', '--purposes', 'PAYMENT', '--yes'],
                ...['--categories', 'lab', '--custodians', 'HospitalAMSP', '--json'],
            );
            assert.equal(granted.code, 0, granted.stderr);
            const filed = await submit();
            assert.equal(filed.code, 0, filed.stderr);
            const { claimId } = JSON.parse(filed.stdout) as { claimId: string };
            const again = await submit();
            assert.equal(again.code, 2);
            assert.match(again.stderr, /^DUPLICATE_CLAIM: /);
            const listed = await cli('--org', 'InsurerMSP', 'claim', 'list');
            assert.equal(listed.code, 0, listed.stderr);
            assert.match(listed.stdout, /^claimId\s+claimant\s+insurer\s+patientId\s+serviceId\s+recordIds\s+amount/);
            assert.ok(listed.stdout.includes('visit-2025-0001'));

            const mine = await cli('patient', 'claims', '--key', keyFile, '--json');
            assert.equal(mine.code, 0, mine.stderr);
            const items = (JSON.parse(mine.stdout) as { items: Record<string, unknown>[] }).items;
            assert.deepEqual(
                items.map((c) => [c.claimId, c.claimant, c.insurer, c.serviceId, c.recordIds, c.status]),
                [[claimId, 'HospitalAMSP', 'InsurerMSP', 'visit-2025-0001', [labRecordId], 'submitted']],
            );
            const table = await cli('patient', 'claims', '--key', keyFile);
            assert.equal(table.code, 0, table.stderr);
            assert.match(table.stdout, /^submitted\s+claimId\s+claimant\s+insurer\s+serviceId\s+amount\s+status/);
            assert.match(table.stdout, /HospitalAMSP\s+InsurerMSP\s+visit-2025-0001\s+320\.50 CNY\s+submitted/);
            // Each query is signed for one gateway: Hospital B's gateway answers a query signed for it.
            const atB = await cli('--org', 'HospitalBMSP', 'patient', 'claims', '--key', keyFile, '--json');
            assert.equal(atB.code, 0, atB.stderr);
            assert.equal((JSON.parse(atB.stdout) as { items: unknown[] }).items.length, 1);
        });

        it('lets a guardian registered by the hospital act for a child with --for, until the guardianship ends', async () => {
            const childKey = join(region.dataDir, 'child.pem');
            const motherKey = join(region.dataDir, 'mother.pem');
            const child = JSON.parse((await cli('patient', 'keygen', '--out', childKey, '--json')).stdout) as {
                patientId: string;
            };
            const mother = JSON.parse((await cli('patient', 'keygen', '--out', motherKey, '--json')).stdout) as {
                patientId: string;
            };
            assert.equal((await cli('--org', 'HospitalAMSP', 'patient', 'register', '--key', childKey)).code, 0);
            const birthYear = String(new Date().getUTCFullYear() - 8);
            const registered = await cli(
                ...['--org', 'HospitalAMSP', 'guardian', 'register', '--guardian-key', motherKey],
                ...['--patient', child.patientId, '--attest', 'minor-under-14', '--birth-year', birthYear, '--json'],
            );
            assert.equal(registered.code, 0, registered.stderr);
            assert.equal((JSON.parse(registered.stdout) as { guardianId: string }).guardianId, mother.patientId);
            const grantForChild = [
                ...['consent', 'grant', '--key', motherKey, '--for', child.patientId, '--grantee', 'HospitalBMSP'],
                ...['--purposes', 'TREATMENT', '--categories', 'lab', '--language', 'zh-CN', '--yes'],
            ];
            const granted = await cli(...grantForChild);
            assert.equal(granted.code, 0, granted.stderr);
            assert.match(granted.stdout, /^接收方：Hospital B \(HospitalBMSP\)$/m);
            const consents = await cli('patient', 'consents', '--key', motherKey, '--for', child.patientId, '--json');
            assert.equal(consents.code, 0, consents.stderr);
            const items = (JSON.parse(consents.stdout) as { items: { signer: string }[] }).items;
            assert.deepEqual(
                items.map((c) => c.signer),
                [mother.patientId],
            );
            const guardians = await cli('patient', 'guardians', '--key', childKey);
            assert.match(
                guardians.stdout,
                new RegExp(`^${mother.patientId}\\s+active\\s+attestation\\s+HospitalAMSP`, 'm'),
            );
            const ended = await cli('guardian', 'end', '--key', childKey, '--guardian', mother.patientId);
            assert.equal(ended.code, 0, ended.stderr);
            const refused = await cli(...grantForChild);
            assert.equal(refused.code, 2);
            assert.match(refused.stderr, /^GUARDIANSHIP_ENDED: /m);
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

        it('exports access events to a file as they arrive, in CSV and filtered NDJSON', async () => {
            const from = '1970-01-01T00:00:00.000Z';
            const csvFile = join(region.dataDir, 'audit.csv');
            const csv = await cli('audit', 'export', '--from', from, '--format', 'csv', '--out', csvFile, '--json');
            assert.equal(csv.code, 0, csv.stderr);
            const saved = JSON.parse(csv.stdout) as { file: string; format: string; events: number; bytes: number };
            assert.equal(saved.file, csvFile);
            assert.match(csv.stderr, /^exported \d+ events \(\d+\.\d MB\)$/m);
            const rows = readFileSync(csvFile, 'utf8').split('\r\n').slice(1, -1);
            assert.equal(rows.length, saved.events);
            assert.equal(statSync(csvFile).size, saved.bytes);
            const listed = await cli('audit', 'events', '--from', from, '--limit', '500', '--json');
            const ids = (JSON.parse(listed.stdout) as { items: { accessId: string }[] }).items.map((e) => e.accessId);
            assert.ok(ids.length >= 2, 'the story above requested records');
            assert.deepEqual(
                rows.map((row) => row.split(',')[0]),
                ids,
            );
            const ndjsonFile = join(region.dataDir, 'audit.ndjson');
            const filtered = ['--requester', 'HospitalBMSP', '--decision', 'DENIED', '--format', 'ndjson'];
            const ndjson = await cli('audit', 'export', '--from', from, ...filtered, '--out', ndjsonFile);
            assert.equal(ndjson.code, 0, ndjson.stderr);
            const lines = readFileSync(ndjsonFile, 'utf8').split('\n').slice(0, -1);
            assert.ok(lines.length >= 1);
            for (const line of lines) {
                const event = JSON.parse(line) as { resourceType: string; outcome: string; agent: unknown[] };
                assert.equal(event.resourceType, 'AuditEvent');
                assert.equal(event.outcome, '4');
                assert.match(JSON.stringify(event.agent[0]), /"HospitalBMSP"/);
            }
            assert.equal(existsSync(`${ndjsonFile}.partial`), false);
            const bad = await cli('audit', 'export', '--format', 'xml');
            assert.equal(bad.code, 1);
        });

        it('shows the audit view, verifies it day by day against the ledger, and answers stats from it', async () => {
            const status = await cli('audit', 'view', 'status', '--json');
            assert.equal(status.code, 0, status.stderr);
            const view = JSON.parse(status.stdout) as { generation: number; height: number; ledgerHeight: number };
            assert.equal(view.generation, 1);
            assert.ok(view.height <= view.ledgerHeight);
            const from = new Date(Date.now() - 36 * 3_600_000).toISOString();
            const to = new Date(Date.now() + 3_600_000).toISOString();
            const verified = await cli('audit', 'view', 'verify', '--from', from, '--to', to, '--json');
            assert.equal(verified.code, 0, verified.stderr);
            const result = JSON.parse(verified.stdout) as { ok: boolean; events: number; viewEvents: number };
            assert.equal(result.ok, true);
            assert.ok(result.events >= 2);
            assert.equal(result.viewEvents, result.events);
            assert.equal(verified.stderr.trim().split('\n').length, 2, 'two spans of at most a day');
            const stats = await cli('audit', 'stats', '--bucket', 'hour', '--from', from, '--to', to, '--json');
            assert.equal(stats.code, 0, stats.stderr);
            const counted = JSON.parse(stats.stdout) as { total: number; view: { height: number } };
            assert.equal(counted.total, result.events);
            assert.ok(counted.view.height > 0);
            const human = await cli('audit', 'view', 'verify', '--from', from, '--to', to);
            assert.match(human.stdout, /^view OK/);
        });

        it('lists organisations as a table', async () => {
            const result = await cli('org', 'list');
            assert.equal(result.code, 0, result.stderr);
            assert.match(result.stdout, /^mspId\s+type\s+name\s+status/);
            assert.match(result.stdout, /HospitalAMSP\s+hospital\s+Hospital A\s+active/);
            assert.doesNotMatch(result.stdout, /pendingTlsCert/, 'no certificate change is pending');
            const json = await cli('org', 'list', '--json');
            const items = (JSON.parse(json.stdout) as { items: { pendingTlsCertSha256: unknown }[] }).items;
            assert.ok(items.every((org) => org.pendingTlsCertSha256 === null));
        });

        it("approves an organisation's certificate only when one is pending (commission admin)", async () => {
            const result = await cli('org', 'approve-cert', 'HospitalBMSP');
            assert.equal(result.code, 2);
            assert.match(result.stderr, /^CONFLICT: /);
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
