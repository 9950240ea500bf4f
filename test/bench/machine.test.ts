// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { damonNote, machineFacts, readDamon } from '../../bench/machine';
import { newTempDir } from '../helpers/ledger';

/** Writes files of a fake `kdamonds` folder, as the kernel lays it out. */
function writeTree(root: string, files: Readonly<Record<string, string>>): void {
    for (const [path, text] of Object.entries(files)) {
        const file = join(root, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${text}\n`);
    }
}

/** One kdamond with one context, as the virtual machines the README measured on run it. */
function kdamond(index: number, state: string, sampleUs: string, actions: readonly string[]): Record<string, string> {
    const context = `${index}/contexts/0`;
    const files: Record<string, string> = {
        [`${index}/state`]: state,
        [`${index}/contexts/nr_contexts`]: '1',
        [`${context}/operations`]: 'paddr',
        [`${context}/monitoring_attrs/intervals/sample_us`]: sampleUs,
        [`${context}/monitoring_attrs/intervals/aggr_us`]: '5000000',
        [`${context}/schemes/nr_schemes`]: String(actions.length),
    };
    actions.forEach((action, i) => {
        files[`${context}/schemes/${i}/action`] = action;
    });
    return files;
}

describe('bench machine facts', () => {
    let temp: ReturnType<typeof newTempDir>;
    let root: string;

    beforeEach(() => {
        temp = newTempDir('healthchain-damon-');
        root = temp.dir;
    });

    afterEach(() => {
        temp.remove();
    });

    it('reports a running kdamond’s context: what it watches, how often it samples, what its schemes do', () => {
        writeTree(root, { nr_kdamonds: '1', ...kdamond(0, 'on', '500000', ['pageout']) });
        assert.deepEqual(readDamon(root), [{ operations: 'paddr', sampleMs: 500, actions: ['pageout'] }]);
        assert.equal(
            damonNote(machineFacts(root)),
            "note: the kernel's DAMON memory monitor runs (paddr every 500 ms, pageout); every process may stall at " +
                'that rhythm, which shows in tail latencies',
        );
    });

    it('leaves out kdamonds that are off, and says nothing when none runs', () => {
        writeTree(root, {
            nr_kdamonds: '2',
            ...kdamond(0, 'off', '500000', ['pageout']),
            ...kdamond(1, 'on', '5000', []),
        });
        assert.deepEqual(readDamon(root), [{ operations: 'paddr', sampleMs: 5, actions: [] }]);
        rmSync(join(root, '1'), { recursive: true });
        assert.deepEqual(readDamon(root), []);
        assert.equal(damonNote(machineFacts(root)), undefined);
    });

    it('reads a machine without DAMON, or with a context it cannot make sense of, as none', () => {
        assert.deepEqual(readDamon(join(root, 'absent')), []);
        writeTree(root, { '0/state': 'on', '0/contexts/0/operations': 'paddr' });
        assert.deepEqual(readDamon(root), []);
        const facts = machineFacts(join(root, 'absent'));
        assert.ok(facts.cpus > 0);
        assert.equal(facts.node, process.version);
        assert.deepEqual(facts.damon, []);
    });
});
