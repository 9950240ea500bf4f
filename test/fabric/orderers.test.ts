// SPDX-License-Identifier: Apache-2.0
/**
 * Ordering that survives a failure: the launcher starts a loopback Fabric region with three etcdraft orderers
 * (`HEALTHCHAIN_ORDERERS=3`, as `npm start -- --ledger fabric --orderers 3`), Hospital A publishes records and
 * Hospital B fetches them under the patient's consent, and while they do, the orderer leading the Raft cluster
 * is killed with SIGKILL. The region keeps committing, and every write a caller was told succeeded is on the
 * ledger afterwards. Skipped, saying why, without `FABRIC_BIN`.
 */
import { strict as assert } from 'node:assert';
import { get } from 'node:http';
import type { ApiClient } from '../../clients/shared/api-client';
import { ApiCallError } from '../../clients/shared/api-client';
import { readNotice } from '../../clients/shared/notice';
import { newConsentGrant, newPatientKey, newRegistration } from '../../clients/shared/patient-keys';
import { newRegionClient } from '../../clients/shared/region-clients';
import { requireFabric } from '../helpers/fabric';
import { startLauncherRegion, type LauncherRegion } from '../helpers/launcher';

const A = 'HospitalAMSP';
const B = 'HospitalBMSP';
const COMMISSION = 'CommissionMSP';
/** Writes acknowledged before the leader is killed, and after it. */
const BEFORE_KILL = 6;
const AFTER_KILL = 12;
/** Attempts after the kill before giving up on the region committing again. */
const MAX_ATTEMPTS_AFTER_KILL = 200;
/** What a write may be refused with while the orderers elect a new leader: nothing was acknowledged. */
const REFUSALS: ReadonlySet<string> = new Set(['LEDGER_UNAVAILABLE', 'PEER_UNAVAILABLE', 'CONFLICT']);
/** The HTTP client's deadline: above the gateway's commit wait, so that every answer is the gateway's. */
const CLIENT_TIMEOUT_MS = 60_000;

interface Orderer {
    readonly index: number;
    readonly operationsUrl: string;
    readonly pid: number;
}

/** A write a gateway acknowledged, and what must be on the ledger for it. */
type Acknowledged =
    | { readonly kind: 'record'; readonly recordId: string; readonly contentHash: string }
    | { readonly kind: 'fetch'; readonly accessId: string; readonly deliveryTxId: string };

interface AccessEvent {
    readonly accessId: string;
    readonly decision: string;
    readonly delivery: { readonly status: string; readonly txId: string } | null;
}

/** The orderers the launcher printed: `Fabric orderer <k> <endpoint> (operations <url>, pid <n>)`. */
function readOrderers(region: LauncherRegion): Orderer[] {
    const lines = region.output().matchAll(/^Fabric orderer (\d+) \S+ \(operations (\S+), pid (\d+)\)$/gm);
    return [...lines].map((match) => ({
        index: Number(match[1]),
        operationsUrl: match[2] ?? '',
        pid: Number(match[3]),
    }));
}

/** Whether an orderer leads the channel's Raft cluster, from its operations service's metrics. */
function isLeader(orderer: Orderer, channel: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
        get(`${orderer.operationsUrl}/metrics`, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
                text += chunk;
            });
            res.on('end', () => {
                resolve(text.includes(`consensus_etcdraft_is_leader{channel="${channel}"} 1`));
            });
        }).on('error', reject);
    });
}

/** Keeps writing until enough writes were acknowledged after the kill, and kills the leader on the way. */
class Workload {
    readonly acknowledged: Acknowledged[] = [];
    readonly refused = new Map<string, number>();
    ackedAtKill: number | undefined;
    #attemptsAfterKill = 0;
    readonly #kill: () => void;

    constructor(kill: () => void) {
        this.#kill = kill;
    }

    get isDone(): boolean {
        if (this.ackedAtKill === undefined) {
            return false;
        }
        return (
            this.acknowledged.length - this.ackedAtKill >= AFTER_KILL ||
            this.#attemptsAfterKill >= MAX_ATTEMPTS_AFTER_KILL
        );
    }

    /** Runs a kind of write over and over until the workload is done. */
    async worker(write: () => Promise<Acknowledged>): Promise<void> {
        while (!this.isDone) {
            if (this.ackedAtKill !== undefined) {
                this.#attemptsAfterKill++;
            }
            try {
                this.acknowledged.push(await write());
            } catch (error) {
                const refusal = error instanceof ApiCallError && REFUSALS.has(error.code) ? error.code : undefined;
                assert.ok(refusal, `a write failed otherwise than unavailable: ${String(error)}`);
                this.refused.set(refusal, (this.refused.get(refusal) ?? 0) + 1);
            }
            if (this.ackedAtKill === undefined && this.acknowledged.length >= BEFORE_KILL) {
                this.ackedAtKill = this.acknowledged.length;
                this.#kill();
            }
        }
    }
}

describe('ordering on Hyperledger Fabric with three orderers', function () {
    this.timeout(900_000);
    let started: LauncherRegion | undefined;
    const region = (): LauncherRegion => {
        assert.ok(started, 'the region started');
        return started;
    };

    before(async function () {
        requireFabric(this);
        process.env.HEALTHCHAIN_ORDERERS = '3';
        try {
            started = await startLauncherRegion({ ledger: 'fabric' });
        } finally {
            delete process.env.HEALTHCHAIN_ORDERERS;
        }
    });

    after(async () => {
        if (started === undefined) {
            return;
        }
        const pids = /processes ([\d ]+)$/m.exec(started.output())?.[1]?.trim().split(' ').map(Number) ?? [];
        await started.stop();
        const left = pids.filter((pid) => {
            try {
                process.kill(pid, 0);
                return true;
            } catch {
                return false;
            }
        });
        assert.deepEqual(left, [], `processes left running: ${left.join(' ')}`);
    });

    it('keeps committing when the Raft leader is killed, losing no acknowledged write', async () => {
        const orderers = readOrderers(region());
        assert.deepEqual(
            orderers.map((o) => o.index),
            [0, 1, 2],
        );
        const channel = region().region.channel;
        const leaders = await Promise.all(orderers.map((orderer) => isLeader(orderer, channel)));
        const leader = orderers[leaders.indexOf(true)];
        assert.ok(leader, 'one orderer leads the Raft cluster');
        const clinicianA = newRegionClient(region().region, A, 'clinician', { timeoutMs: CLIENT_TIMEOUT_MS });
        const clinicianB = newRegionClient(region().region, B, 'clinician', { timeoutMs: CLIENT_TIMEOUT_MS });
        const patient = newPatientKey();
        await clinicianA.post('/patients', newRegistration(patient, channel));
        const now = Date.now();
        const consent = {
            grantee: B,
            purposes: ['TREATMENT' as const],
            categories: ['lab' as const],
            custodians: [A],
            notBefore: new Date(now - 60_000).toISOString(),
            notAfter: new Date(now + 86_400_000).toISOString(),
        };
        const atB = region().client(B);
        const { notice } = await readNotice(atB, consent, 'zh-CN');
        await atB.post('/consents', newConsentGrant(patient, consent, { channel, notice }));

        const records: string[] = [];
        let published = 0;
        const publish = async (): Promise<Acknowledged> => {
            const resource = { resourceType: 'Observation', status: 'final', code: { text: `HbA1c ${published++}` } };
            const body = await clinicianA.post<{ recordId: string; contentHash: string }>('/records', {
                patientId: patient.patientId,
                category: 'lab',
                resource,
            });
            records.push(body.recordId);
            return { kind: 'record', recordId: body.recordId, contentHash: body.contentHash };
        };
        await publish();
        let fetched = 0;
        const fetch = async (): Promise<Acknowledged> => {
            const recordId = records[fetched++ % records.length] ?? '';
            const body = await clinicianB.post<{ accessId: string; deliveryTxId: string }>(
                `/records/${recordId}/fetch`,
                { purpose: 'TREATMENT' },
            );
            return { kind: 'fetch', accessId: body.accessId, deliveryTxId: body.deliveryTxId };
        };

        const workload = new Workload(() => {
            process.kill(leader.pid, 'SIGKILL');
        });
        await Promise.all([workload.worker(publish), workload.worker(fetch), workload.worker(fetch)]);

        const ackedAtKill = workload.ackedAtKill ?? 0;
        const afterKill = workload.acknowledged.length - ackedAtKill;
        assert.ok(afterKill >= AFTER_KILL, `only ${afterKill} writes acknowledged after the kill`);
        assert.match(region().output(), /ordering goes on with 2 of 3 orderers/);
        const found = await findOnLedger(region(), workload.acknowledged, {
            clinicianB,
            patientId: patient.patientId,
        });
        const refused = [...workload.refused].map(([code, count]) => `${count} ${code}`).join(', ') || 'none';
        console.log(
            `      ${workload.acknowledged.length} writes acknowledged (${ackedAtKill} before the kill of orderer ` +
                `${leader.index}, the leader; ${afterKill} after), ${found} found on the ledger; refused: ${refused}`,
        );
        assert.equal(found, workload.acknowledged.length);
    });
});

/**
 * Checks every acknowledged write on the ledger: each record anchored with its hash, each fetch's access granted
 * and delivered by the transaction the requester was told of.
 * @returns how many were found
 */
async function findOnLedger(
    region: LauncherRegion,
    acknowledged: readonly Acknowledged[],
    context: { readonly clinicianB: ApiClient; readonly patientId: string },
): Promise<number> {
    const events = new Map<string, AccessEvent>();
    const auditor = region.client(COMMISSION, 'auditor');
    for (let cursor: string | null = ''; cursor !== null;) {
        const query = `patientId=${context.patientId}&limit=500${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const page: { items: AccessEvent[]; nextCursor: string | null } = await auditor.get(`/audit/events?${query}`);
        page.items.forEach((event) => events.set(event.accessId, event));
        cursor = page.nextCursor;
    }
    let found = 0;
    for (const write of acknowledged) {
        if (write.kind === 'record') {
            const entry = await context.clinicianB.get<{ contentHash: string }>(`/records/${write.recordId}`);
            assert.equal(entry.contentHash, write.contentHash, `record ${write.recordId}`);
        } else {
            const event = events.get(write.accessId);
            assert.equal(event?.decision, 'GRANTED', `access ${write.accessId}`);
            assert.equal(event.delivery?.status, 'DELIVERED');
            assert.equal(event.delivery.txId, write.deliveryTxId);
        }
        found++;
    }
    return found;
}
