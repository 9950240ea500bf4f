// SPDX-License-Identifier: Apache-2.0
/**
 * The end-to-end story of `test/e2e/story.test.ts` on Hyperledger Fabric: the launcher with `--ledger fabric`
 * starts a loopback network from the release in `FABRIC_BIN` (one orderer, four peers, the chaincode as a
 * service) and the four gateways, the same steps run through the gateways' HTTP API, then Fabric's own
 * failures — a stale read, too few endorsing organisations, the gateway's own peer not answering — are
 * checked to reach callers as the embedded ledger's stable codes. The last two are the gateway's own answer
 * (503 within its few-second ledger deadline), asked by a client that would wait far longer. Skipped, saying
 * why, without `FABRIC_BIN`.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../../clients/shared/api-client';
import { newRegionClient } from '../../clients/shared/region-clients';
import { LEDGER_DEFAULTS } from '../../gateway/src/config';
import { ApiError } from '../../gateway/src/errors';
import { FabricLedger } from '../../gateway/src/ledger/fabric';
import { CommitError } from '../../network/src/ledger';
import { toLedgerApiError } from '../../gateway/src/ledger/ledger';
import { newPatientKey, newPatientQuery, newRegistration } from '../../clients/shared/patient-keys';
import { LedgerContracts } from '../../gateway/src/ledger/contracts';
import { requireFabric } from '../helpers/fabric';
import { apiErrorOf, startLauncherRegion, type LauncherRegion } from '../helpers/launcher';
import { feedReachesHospitalB } from '../helpers/hl7-feed';
import { describeRegionStory } from '../helpers/story';

const A = 'HospitalAMSP';

interface GatewayJson {
    readonly identity: { readonly certFile: string; readonly keyFile: string };
    readonly ledger: { readonly peerEndpoint: string; readonly peerHostAlias: string; readonly tlsCaFile: string };
}

/** Connects to an organisation's peer with its gateway's identity, as its gateway does. */
function connectAs(region: LauncherRegion, mspId: string): FabricLedger {
    const config = JSON.parse(readFileSync(join(region.dataDir, 'orgs', mspId, 'gateway.json'), 'utf8')) as GatewayJson;
    return new FabricLedger({
        peerEndpoint: config.ledger.peerEndpoint,
        peerHostAlias: config.ledger.peerHostAlias,
        tlsCaPem: readFileSync(config.ledger.tlsCaFile, 'utf8'),
        mspId,
        certPem: readFileSync(config.identity.certFile, 'utf8'),
        keyPem: readFileSync(config.identity.keyFile, 'utf8'),
        channel: 'healthchain',
        chaincode: 'healthchain',
        timeoutMs: 10_000,
        commitTimeoutMs: 30_000,
        probeMs: 1_000,
    });
}

/** The HTTP client's own deadline in the failure tests: far above the gateway's ledger deadline. */
const CLIENT_TIMEOUT_MS = 30_000;

/**
 * A clinician client of an organisation's gateway that waits {@link CLIENT_TIMEOUT_MS}, so that a 503 is the
 * gateway failing closed on its own deadline, not a race with the client giving up.
 */
function clinicianOf(region: LauncherRegion, mspId: string): ApiClient {
    assert.ok(LEDGER_DEFAULTS.ledgerTimeoutMs * 4 <= CLIENT_TIMEOUT_MS);
    return newRegionClient(region.region, mspId, 'clinician', { timeoutMs: CLIENT_TIMEOUT_MS });
}

/** Process ids the launcher printed: `Fabric peer <msp> <endpoint> (pid <n>)`, and every network process. */
function readPids(region: LauncherRegion): { peers: Map<string, number>; all: number[] } {
    const output = region.output();
    const peers = new Map<string, number>();
    for (const match of output.matchAll(/^Fabric peer (\S+) \S+ \(pid (\d+)\)$/gm)) {
        peers.set(match[1] ?? '', Number(match[2]));
    }
    const all = /processes ([\d ]+)$/m.exec(output)?.[1]?.trim().split(' ').map(Number) ?? [];
    return { peers, all };
}

/** A member's own connection to its peer, and the typed contracts over it. */
interface Member {
    readonly ledger: FabricLedger;
    readonly contracts: LedgerContracts;
}

/** Expects a ledger call to fail with a stable code (the chaincode's, as the gateway maps it). */
async function expectLedgerCode(call: Promise<unknown>, code: string): Promise<void> {
    await assert.rejects(call, (error: unknown) => error instanceof ApiError && error.code === code);
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** Freezes processes (SIGSTOP: they stop answering but do not exit) while a call runs, then thaws them. */
async function whileFrozen<T>(pids: readonly (number | undefined)[], call: () => Promise<T>): Promise<T> {
    assert.ok(
        pids.every((pid) => pid !== undefined && pid > 0),
        'the launcher printed every peer pid',
    );
    pids.forEach((pid) => process.kill(pid ?? 0, 'SIGSTOP'));
    try {
        return await call();
    } finally {
        pids.forEach((pid) => process.kill(pid ?? 0, 'SIGCONT'));
    }
}

describe('the region story on Hyperledger Fabric', function () {
    this.timeout(600_000);

    before(function () {
        requireFabric(this);
    });

    describe('on a loopback network', () => {
        let pids: number[] = [];
        const region = describeRegionStory(async () => {
            const started = await startLauncherRegion({ ledger: 'fabric' });
            pids = readPids(started).all;
            assert.equal(pids.length, 9, 'one orderer, four peers, four chaincode servers');
            assert.equal(started.region.ledger.kind, 'fabric');
            return started;
        });

        after(() => {
            // Runs after the story's own `after` stopped the region: nothing of the network may be left.
            const left = pids.filter(isAlive);
            assert.deepEqual(left, [], `processes left running: ${left.join(' ')}`);
        });

        it('anchors an HL7 feed in batches (record:anchorRecords) that Hospital B then fetches from', async () => {
            await feedReachesHospitalB(region(), { mrn: 'FABRIC-MRN-1', messages: 12 });
        });

        it('reports a stale read as MVCC_READ_CONFLICT, which the API calls CONFLICT', async () => {
            const ledger = connectAs(region(), A);
            try {
                const org = JSON.parse(
                    Buffer.from(
                        await ledger.evaluate('organization', 'readOrganization', { arguments: [A] }),
                    ).toString(),
                ) as { type: string; name: string; p2pUrl: string; tlsCertPem: string };
                const profile = (name: string): string =>
                    JSON.stringify({ type: org.type, name, p2pUrl: org.p2pUrl, tlsCertPem: org.tlsCertPem });
                // Both read the organisation before either commits: the second to be validated is stale.
                const results = await Promise.allSettled(
                    ['Hospital A (east wing)', 'Hospital A (west wing)'].map((name) =>
                        ledger.submit('organization', 'updateOrganization', { arguments: [profile(name)] }),
                    ),
                );
                const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
                assert.equal(failed.length, 1, 'exactly one of two concurrent updates is invalidated');
                const error: unknown = failed[0]?.reason;
                assert.ok(error instanceof CommitError);
                assert.equal(error.code, 'MVCC_READ_CONFLICT');
                const api = toLedgerApiError(error);
                assert.ok(api instanceof ApiError);
                assert.equal(api.code, 'CONFLICT');
                await ledger.submit('organization', 'updateOrganization', { arguments: [profile(org.name)] });
            } finally {
                ledger.close();
            }
        });

        it('holds visibility, claims and certificates against a member calling its own peer directly', async () => {
            const [insurer, hospitalA, hospitalB] = ['InsurerMSP', A, 'HospitalBMSP'].map((msp) => {
                const ledger = connectAs(region(), msp);
                return { ledger, contracts: new LedgerContracts(ledger) };
            }) as [Member, Member, Member];
            try {
                const patient = newPatientKey();
                const clinicianA = region().client(A, 'clinician');
                await clinicianA.post('/patients', newRegistration(patient, region().region.channel));
                const resource = { resourceType: 'Observation', status: 'final', code: { text: 'HIV-1 RNA' } };
                const { recordId, contentHash } = await clinicianA.post<{ recordId: string; contentHash: string }>(
                    '/records',
                    { patientId: patient.patientId, category: 'hiv', resource },
                );
                const page = { pageSize: 50, bookmark: '' };
                // Sensitive metadata and patient-level lists stay out of an insurer's reach.
                await expectLedgerCode(insurer.contracts.listRecordsByPatient(patient.patientId, page), 'FORBIDDEN');
                await expectLedgerCode(insurer.contracts.listAccessByPatient(patient.patientId, page), 'FORBIDDEN');
                await expectLedgerCode(insurer.contracts.readRecord(recordId), 'FORBIDDEN');
                const seenByB = await hospitalB.contracts.listRecordsByPatient(patient.patientId, page);
                assert.deepEqual(
                    seenByB.items.map((entry) => entry.category),
                    ['restricted'],
                );
                assert.equal((await hospitalA.contracts.readRecord(recordId)).category, 'hiv');
                // The same content anchored twice by one custodian, and a claim without the patient's consent.
                const again = { recordId: `${recordId}-again`, patientId: patient.patientId, category: 'hiv' as const };
                await expectLedgerCode(hospitalA.contracts.anchorRecord({ ...again, contentHash }), 'CONFLICT');
                const claim = {
                    patientId: patient.patientId,
                    insurer: 'InsurerMSP',
                    serviceId: 'visit-fabric-1',
                    recordIds: [recordId],
                    amount: { value: 10, currency: 'CNY' },
                };
                await expectLedgerCode(hospitalA.contracts.submitClaim(claim), 'CONSENT_REQUIRED');
                // A request for a record that does not exist is a recorded denial, not an error.
                const missing = await hospitalB.contracts.requestAccess({
                    recordId: `${recordId}-missing`,
                    purpose: 'TREATMENT',
                });
                assert.deepEqual([missing.value.decision, missing.value.reason], ['DENIED', 'RECORD_NOT_FOUND']);
                // A patient query made for the insurer is refused to Hospital B.
                const query = newPatientQuery(patient, {
                    audience: 'InsurerMSP',
                    view: 'records',
                    channel: region().region.channel,
                });
                await expectLedgerCode(hospitalB.contracts.listRecordsForPatient(query, page), 'UNAUTHENTICATED');
                // Another organisation's TLS certificate cannot be taken.
                const own = await hospitalB.contracts.readOrganization('HospitalBMSP');
                const theirs = await insurer.contracts.readOrganization('InsurerMSP');
                const profile = { type: own.type, name: own.name, p2pUrl: own.p2pUrl, tlsCertPem: theirs.tlsCertPem };
                await expectLedgerCode(hospitalB.contracts.updateOrganization(profile), 'CONFLICT');
            } finally {
                [insurer, hospitalA, hospitalB].forEach((member) => {
                    member.ledger.close();
                });
            }
        });

        it('answers 503 LEDGER_UNAVAILABLE when too few organisations can endorse (MAJORITY of four)', async () => {
            const { peers } = readPids(region());
            const down = ['HospitalBMSP', 'InsurerMSP'].map((msp) => peers.get(msp));
            const patient = newPatientKey();
            const error = await whileFrozen(down, () =>
                apiErrorOf(
                    clinicianOf(region(), A).post('/patients', newRegistration(patient, region().region.channel)),
                ),
            );
            assert.equal(error.status, 503);
            assert.equal(error.code, 'LEDGER_UNAVAILABLE');
        });

        it("answers 503 LEDGER_UNAVAILABLE to reads and writes when the gateway's own peer does not answer", async () => {
            const { peers } = readPids(region());
            const clinician = clinicianOf(region(), A);
            const patient = newPatientKey();
            const errors = await whileFrozen([peers.get(A)], async () => [
                await apiErrorOf(clinician.get('/ledger/info')),
                await apiErrorOf(clinician.post('/patients', newRegistration(patient, region().region.channel))),
            ]);
            assert.deepEqual(
                errors.map((error) => [error.status, error.code]),
                [
                    [503, 'LEDGER_UNAVAILABLE'],
                    [503, 'LEDGER_UNAVAILABLE'],
                ],
            );
        });
    });
});
