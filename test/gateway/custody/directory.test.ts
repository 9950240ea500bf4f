// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import pino from 'pino';
import { OrganizationDirectory } from '../../../gateway/src/events/directory';
import { ChaincodeEventListener } from '../../../gateway/src/events/listener';
import type { Organization } from '../../../gateway/src/ledger/contracts';
import type { ChaincodeEvent, Ledger } from '../../../network/src/ledger';
import { newTempDir } from '../../helpers/ledger';

function newOrganization(mspId: string, version: number): Organization {
    return {
        mspId,
        type: 'hospital',
        name: `${mspId} v${version}`,
        p2pUrl: `https://127.0.0.1:${7000 + version}`,
        tlsCertPem: `certificate ${version}`,
        tlsCertSha256: `${version}`.padStart(64, '0'),
        status: 'active',
        registeredAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-01-01T00:00:00.000Z',
        txId: `tx-${version}`,
    };
}

/** A ledger of organisations whose entries change version when the test says, counting reads. */
class FakeOrganizations {
    version = 1;
    reads = 0;
    /** When set, reads wait for it. */
    gate: Promise<void> | undefined;

    readonly read = async (mspId: string): Promise<Organization> => {
        this.reads += 1;
        const version = this.version;
        await this.gate;
        return newOrganization(mspId, version);
    };
}

describe('organisation directory', () => {
    let ledger: FakeOrganizations;
    let directory: OrganizationDirectory;

    beforeEach(() => {
        ledger = new FakeOrganizations();
        directory = new OrganizationDirectory(ledger.read);
    });

    it('reads the ledger every time while the event stream is not open', async () => {
        await directory.readOrganization('HospitalAMSP');
        await directory.readOrganization('HospitalAMSP');
        assert.equal(ledger.reads, 2);
        assert.equal(directory.size, 0);
    });

    it('keeps an entry while the event stream is open', async () => {
        directory.setLive(true);
        const first = await directory.readOrganization('HospitalAMSP');
        ledger.version = 2;
        assert.deepEqual(await directory.readOrganization('HospitalAMSP'), first);
        assert.equal(ledger.reads, 1);
    });

    it('reads an organisation again once an event names it, and keeps the others', async () => {
        directory.setLive(true);
        await directory.readOrganization('HospitalAMSP');
        await directory.readOrganization('HospitalBMSP');
        ledger.version = 2;
        directory.forget('HospitalAMSP');
        assert.equal((await directory.readOrganization('HospitalAMSP')).p2pUrl, 'https://127.0.0.1:7002');
        assert.equal((await directory.readOrganization('HospitalBMSP')).p2pUrl, 'https://127.0.0.1:7001');
        assert.equal(ledger.reads, 3);
    });

    it('forgets everything when the event stream ends, and keeps nothing until it opens again', async () => {
        directory.setLive(true);
        await directory.readOrganization('HospitalAMSP');
        directory.setLive(false);
        assert.equal(directory.size, 0);
        await directory.readOrganization('HospitalAMSP');
        assert.equal(directory.size, 0);
        assert.equal(ledger.reads, 2);
    });

    it('does not keep a read that an event overtook', async () => {
        directory.setLive(true);
        let release: () => void = () => undefined;
        ledger.gate = new Promise((resolve) => (release = resolve));
        const reading = directory.readOrganization('HospitalAMSP');
        directory.forget('HospitalAMSP');
        release();
        assert.equal((await reading).name, 'HospitalAMSP v1');
        assert.equal(directory.size, 0);
    });

    it('does not keep a read that a reconnection overtook', async () => {
        directory.setLive(true);
        let release: () => void = () => undefined;
        ledger.gate = new Promise((resolve) => (release = resolve));
        const reading = directory.readOrganization('HospitalAMSP');
        directory.setLive(false);
        directory.setLive(true);
        release();
        await reading;
        assert.equal(directory.size, 0);
    });
});

/** A ledger whose one event stream yields the given events and then waits until closed. */
function newScriptedLedger(events: readonly ChaincodeEvent[]): Pick<Ledger, 'chaincodeEvents'> {
    return {
        chaincodeEvents: () => {
            let close: () => void = () => undefined;
            const closed = new Promise<void>((resolve) => (close = resolve));
            async function* generate(): AsyncGenerator<ChaincodeEvent> {
                yield* events;
                await closed;
            }
            const iterator = generate();
            return Promise.resolve({ [Symbol.asyncIterator]: () => iterator, close });
        },
    };
}

function newEvent(blockNumber: bigint, eventName: string, payload: object): ChaincodeEvent {
    const bytes = Buffer.from(JSON.stringify(payload));
    return { blockNumber, transactionId: `tx-${blockNumber}`, chaincodeName: 'healthchain', eventName, payload: bytes };
}

describe('event listener and organisation directory', () => {
    it('says when its stream opens and closes, and which organisation each organisation event names', async () => {
        const temp = newTempDir('directory-');
        const events = [
            newEvent(1n, 'OrganizationUpdated', { mspId: 'HospitalAMSP', pendingTlsCertSha256: null }),
            newEvent(2n, 'AccessRequested', { accessId: 'a', decision: 'GRANTED' }),
            newEvent(3n, 'OrganizationCertificateApproved', { mspId: 'HospitalBMSP', tlsCertSha256: 'x' }),
        ];
        const listener = new ChaincodeEventListener({
            ledger: newScriptedLedger(events),
            checkpointFile: join(temp.dir, 'events.checkpoint.json'),
            logger: pino({ level: 'silent' }),
        });
        const seen: string[] = [];
        listener.on('stream', (open) => seen.push(open ? 'open' : 'closed'));
        listener.on('organization', (mspId) => seen.push(mspId));
        const last = new Promise<void>((resolve) => {
            listener.on('processed', (event) => {
                if (event.blockNumber === 3n) {
                    resolve();
                }
            });
        });
        listener.start();
        await last;
        await listener.close();
        temp.remove();
        assert.deepEqual(seen, ['open', 'HospitalAMSP', 'HospitalBMSP', 'closed']);
    });
});
