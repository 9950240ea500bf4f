// SPDX-License-Identifier: Apache-2.0
/**
 * A region on the embedded ledger whose ledger node stops answering (frozen with SIGSTOP: its kernel still
 * accepts connections): the gateways fail closed, answering reads and writes with 503 `LEDGER_UNAVAILABLE`
 * within their few-second ledger deadline, to a client that would wait far longer.
 */
import { strict as assert } from 'node:assert';
import { newPatientKey, newRegistration } from '../../clients/shared/patient-keys';
import { newRegionClient } from '../../clients/shared/region-clients';
import { LEDGER_DEFAULTS } from '../../gateway/src/config';
import { apiErrorOf, startLauncherRegion, type LauncherRegion } from '../helpers/launcher';

const A = 'HospitalAMSP';
/** The HTTP client's own deadline: far above the gateway's ledger deadline. */
const CLIENT_TIMEOUT_MS = 30_000;

/** The ledger node's process id, as the launcher printed it: `Ledger node <url> ready (pid <n>)`. */
function ledgerNodePid(region: LauncherRegion): number {
    const pid = Number(/^Ledger node \S+ ready \(pid (\d+)\)$/m.exec(region.output())?.[1]);
    assert.ok(Number.isInteger(pid) && pid > 0, 'the launcher printed the ledger node pid');
    return pid;
}

describe('a region whose ledger node stops answering', function () {
    this.timeout(300_000);
    let region: LauncherRegion;

    before(async () => {
        region = await startLauncherRegion();
    });

    after(async () => {
        await region.stop();
    });

    it('answers 503 LEDGER_UNAVAILABLE to reads and writes, not waiting for the client to give up', async () => {
        assert.ok(LEDGER_DEFAULTS.ledgerTimeoutMs * 4 <= CLIENT_TIMEOUT_MS);
        const clinician = newRegionClient(region.region, A, 'clinician', { timeoutMs: CLIENT_TIMEOUT_MS });
        await clinician.get('/ledger/info');
        const pid = ledgerNodePid(region);
        const patient = newPatientKey();
        process.kill(pid, 'SIGSTOP');
        let errors;
        try {
            errors = [
                await apiErrorOf(clinician.post('/patients', newRegistration(patient, region.region.channel))),
                await apiErrorOf(clinician.get('/ledger/info')),
            ];
        } finally {
            process.kill(pid, 'SIGCONT');
        }
        assert.deepEqual(
            errors.map((error) => [error.status, error.code]),
            [
                [503, 'LEDGER_UNAVAILABLE'],
                [503, 'LEDGER_UNAVAILABLE'],
            ],
        );
    });
});
