// SPDX-License-Identifier: Apache-2.0
/**
 * The region launcher as `npm start` runs it: region.json as docs/api.md "The region file" shows it, the demo
 * loaded through the API, a clean stop, and a restart on the same data folder that keeps identities, tokens
 * and data and adds nothing when the demo is loaded again.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { readPatientKey } from '../../clients/shared/patient-keys';
import { newPatientQuery } from '../../clients/shared/patient-keys';
import { demoHl7Messages } from '../../network/src/region/demo-hl7';
import { demoRecords } from '../../network/src/region/demo-plan';
import { LedgerStore } from '../../network/src/embedded/store';
import { startLauncherRegion, type LauncherRegion } from '../helpers/launcher';

/** Li Wei's records once the demo is loaded: those published over the API and those of the HL7 feed. */
function liWeiDemoRecords(): number {
    const published = demoRecords.filter((r) => r.patient === 'li-wei').length;
    const fed = demoHl7Messages('HospitalAMSP').filter((m) => m.recordOf === 'li-wei').length;
    return published + fed;
}

interface List {
    readonly items: readonly Readonly<Record<string, unknown>>[];
}

async function demoCounts(region: LauncherRegion): Promise<{ records: number; consents: number; claims: number }> {
    const liWei = readPatientKey(join(region.dataDir, 'demo', 'patients', 'li-wei.pem'));
    const records = await region.client('HospitalBMSP', 'clinician').get<List>(`/records?patientId=${liWei.patientId}`);
    const consents = await region
        .client('HospitalAMSP')
        .post<List>(
            '/patient/consents',
            newPatientQuery(liWei, { audience: 'HospitalAMSP', view: 'consents', channel: region.region.channel }),
        );
    const claims = await region.client('InsurerMSP', 'claims').get<List>('/claims');
    return { records: records.items.length, consents: consents.items.length, claims: claims.items.length };
}

function tokensOf(region: LauncherRegion): string[] {
    return region.region.organizations.flatMap((org) => Object.values(org.tokens).map((f) => readFileSync(f, 'utf8')));
}

describe('the region launcher (npm start)', function () {
    this.timeout(300_000);
    let region: LauncherRegion | undefined;
    let dataDir = '';

    after(async () => {
        await region?.stop();
        rmSync(dataDir, { recursive: true, force: true });
    });

    it('writes region.json as API.md shows it and loads the demo through the API', async () => {
        region = await startLauncherRegion({ demo: true });
        dataDir = region.dataDir;
        const file = JSON.parse(readFileSync(region.regionFile, 'utf8')) as typeof region.region;
        assert.equal(file.ledger.kind, 'embedded');
        assert.match(file.ledger.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        assert.deepEqual(
            file.organizations.map((o) => [o.mspId, o.type]),
            [
                ['HospitalAMSP', 'hospital'],
                ['HospitalBMSP', 'hospital'],
                ['InsurerMSP', 'insurer'],
                ['CommissionMSP', 'commission'],
            ],
        );
        for (const org of file.organizations) {
            assert.match(org.apiUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
            assert.match(org.p2pUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
            assert.ok(isAbsolute(org.tlsCaFile) && existsSync(org.tlsCaFile));
            assert.deepEqual(Object.keys(org.tokens), ['admin', 'clinician', 'claims', 'auditor']);
            for (const tokenFile of Object.values(org.tokens)) {
                assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
            }
        }
        const liWeiRecords = liWeiDemoRecords();
        assert.deepEqual(await demoCounts(region), { records: liWeiRecords, consents: 2, claims: 1 });
        assert.equal(statSync(join(dataDir, 'demo', 'patients', 'li-wei.pem')).mode & 0o777, 0o600);
    });

    it('stops cleanly on SIGTERM and exits 0', async () => {
        assert.ok(region);
        const before = tokensOf(region);
        assert.equal(await region.stop({ keepData: true }), 0);
        region = await startLauncherRegion({ demo: true, dataDir });
        assert.deepEqual(tokensOf(region), before);
    });

    it('keeps everything on restart and adds nothing when the demo is loaded again', async () => {
        assert.ok(region);
        const liWeiRecords = liWeiDemoRecords();
        assert.deepEqual(await demoCounts(region), { records: liWeiRecords, consents: 2, claims: 1 });
        const verify = await region.client('CommissionMSP', 'auditor').get<{ ok: boolean }>('/ledger/verify');
        assert.equal(verify.ok, true);
    });
});

describe('the region under npm start, told to stop', function () {
    this.timeout(120_000);

    it('stops every process when the shell npm start runs is sent SIGTERM, as npm sends it on', async () => {
        const region = await startLauncherRegion({ throughStartScript: true });
        const ledgerDir = join(region.dataDir, 'ledger');
        try {
            assert.equal(await region.stop({ keepData: true }), 0);
            // Nothing of the region may live on: the ledger node would still hold its database's lock.
            const store = await LedgerStore.open({ kind: 'level', path: ledgerDir });
            await store.close();
        } finally {
            rmSync(region.dataDir, { recursive: true, force: true });
        }
    });
});

describe('the region launcher when a child dies', function () {
    this.timeout(300_000);

    it('stops everything and exits non-zero, naming the child', async () => {
        const region = await startLauncherRegion();
        const pidOf = (pattern: RegExp): number => Number(pattern.exec(region.output())?.[1]);
        const gateway = pidOf(/Gateway HospitalBMSP ready \(pid (\d+)\)/);
        const ledger = pidOf(/Ledger node \S+ ready \(pid (\d+)\)/);
        assert.ok(gateway > 0 && ledger > 0);
        process.kill(gateway, 'SIGKILL');
        const code = await region.exited();
        assert.equal(code, 1);
        assert.match(region.output(), /gateway HospitalBMSP stopped unexpectedly \(signal SIGKILL\)/);
        assert.throws(() => process.kill(ledger, 0), { code: 'ESRCH' });
        await region.stop();
    });
});
