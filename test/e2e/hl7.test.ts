// SPDX-License-Identifier: Apache-2.0
/**
 * The HL7 feed of a real region (launcher, ledger node and gateways as processes on loopback, free ports): a
 * result sent over MLLP to Hospital A becomes a record Hospital B fetches through the normal API under the
 * patient's consent; the operators' CLI reads the intake; and Hospital A's gateway killed (SIGKILL) while a
 * sender streams loses nothing it acknowledged and processes nothing twice after the region restarts on the
 * same data folder, while the sender resends what it has no answer for and some it had (lost acknowledgments).
 *
 * A record's anchoring is in another process: the tests read the gateways' state until it is reached (the
 * condition, bounded), never for a fixed time.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { newPatientKey } from '../../clients/shared/patient-keys';
import { MllpClient, type ReceivedAck } from '../../gateway/src/hl7/mllp-client';
import { oru } from '../fixtures/hl7/messages';
import { feedReachesHospitalB, hl7UrlOf, recordsOf, registerWithMrn, until } from '../helpers/hl7-feed';
import { CLI_SCRIPT, startLauncherRegion, type LauncherRegion } from '../helpers/launcher';

const run = promisify(execFile);

describe('the HL7 feed of a real region', function () {
    this.timeout(300_000);

    describe('from MLLP to another hospital', () => {
        let region: LauncherRegion;

        before(async () => {
            region = await startLauncherRegion();
        });
        after(async () => {
            await region.stop();
        });

        it('turns an ORU^R01 into a record that Hospital B fetches under the patient’s consent', async () => {
            await feedReachesHospitalB(region, { mrn: 'E2E-MRN-1', messages: 1 });
        });

        it('is read by the operators’ CLI over HTTP', async () => {
            const hospitalA = region.region.organizations[0]?.mspId ?? '';
            const sender = await MllpClient.connect(hl7UrlOf(region, hospitalA));
            await sender.sendOne(oru({ controlId: 'E2E-2', mrn: 'E2E-NOBODY' }, 'E2E-2'));
            await sender.close();
            const cli = async (...args: string[]): Promise<unknown> => {
                const { stdout } = await run(process.execPath, [
                    CLI_SCRIPT,
                    '--region',
                    region.regionFile,
                    '--json',
                    'hl7',
                    ...args,
                    '--org',
                    hospitalA,
                ]);
                return JSON.parse(stdout) as unknown;
            };
            const pending = await until(
                () => cli('pending') as Promise<{ items: { controlId: string; messageId: string }[] }>,
                (body) => body.items.length === 1,
            );
            const [waiting] = pending.items;
            assert.equal(waiting?.controlId, 'E2E-2');
            const shown = (await cli('show', waiting.messageId)) as {
                status: string;
                content: { text: string };
            };
            assert.equal(shown.status, 'pending');
            assert.match(shown.content.text, /E2E-NOBODY/);
            const latest = (await cli('messages', '--limit', '1')) as { items: { controlId: string }[] };
            assert.deepEqual(
                latest.items.map((item) => item.controlId),
                ['E2E-2'],
                'the newest message first',
            );
            const status = (await cli('status')) as { enabled: boolean; queues: { pending: number; errors: number } };
            assert.deepEqual([status.enabled, status.queues.pending, status.queues.errors], [true, 1, 0]);
        });
    });

    describe('a gateway killed while a sender streams', () => {
        it('stores and anchors every acknowledged message once after the restart, and duplicates none', async () => {
            const total = 120;
            const killAfter = 40;
            let region = await startLauncherRegion();
            const dataDir = region.dataDir;
            try {
                const hospitalA = region.region.organizations[0]?.mspId ?? '';
                const key = newPatientKey();
                await registerWithMrn(region, key, 'CRASH-MRN');
                const message = (n: number): string => oru({ controlId: `CRASH-${n}`, mrn: 'CRASH-MRN' }, `CRASH-${n}`);
                const pid = Number(/Gateway HospitalAMSP ready \(pid (\d+)\)/.exec(region.output())?.[1]);
                assert.ok(pid > 0);
                const acked = new Set<number>();
                const sender = await MllpClient.connect(hl7UrlOf(region, hospitalA));
                const send = (n: number): Promise<void> =>
                    sender.sendOne(message(n)).then(
                        (ack: ReceivedAck) => {
                            assert.deepEqual([ack.code, ack.controlId], ['AA', `CRASH-${n}`]);
                            acked.add(n);
                        },
                        () => undefined,
                    );
                // The first messages are answered; the rest are on the wire, most not yet taken, when the gateway
                // is killed: the kill is sent right after they are written, not after some answer.
                for (let n = 0; n < killAfter; n++) {
                    await send(n);
                }
                const streaming = Array.from({ length: total - killAfter }, (_, i) => send(killAfter + i));
                process.kill(pid, 'SIGKILL');
                await Promise.all(streaming);
                assert.ok(acked.size >= killAfter, `acknowledged ${acked.size} of ${total}`);
                assert.equal(await region.exited(), 1, 'the launcher stops the region when a gateway dies');
                await region.stop({ keepData: true });

                region = await startLauncherRegion({ dataDir });
                const again = await MllpClient.connect(hl7UrlOf(region, hospitalA));
                // What had no answer is sent again, and so are ten that were answered (their answers lost).
                const resend = [...Array(total).keys()].filter((n) => !acked.has(n) || n < 10);
                for (const n of resend) {
                    const ack = await again.sendOne(message(n));
                    assert.deepEqual([ack.code, ack.controlId], ['AA', `CRASH-${n}`]);
                }
                await again.close();
                const records = await until(
                    () => recordsOf(region.client(hospitalA, 'clinician'), key.patientId),
                    (items) => items.length >= total,
                );
                assert.equal(records.length, total, 'one record per message, none twice');
                const status = await region
                    .client(hospitalA, 'admin')
                    .get<{ queues: Record<string, number> }>('/hl7/status');
                assert.deepEqual(status.queues, { work: 0, pending: 0, errors: 0, anchoring: 0 });
            } finally {
                await region.stop();
            }
        });
    });
});
