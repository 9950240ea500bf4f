// SPDX-License-Identifier: Apache-2.0
/**
 * What a benchmark report says about the machine it ran on: cores, CPU model, Node, and whether the kernel's
 * DAMON memory monitor is running. A running kdamond wakes every sampling interval (500 ms on the virtual
 * machines these numbers were taken on) and, with a `pageout` scheme, evicts memory it finds cold — the
 * executables' own pages among them — so every process on the machine can stall at that rhythm. On such a
 * machine the idle fetch's p99 is made of those stalls (README.md, "Performance"); a report that says so can be
 * read against one that does not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/** Where the kernel publishes DAMON's administration interface. */
export const DAMON_SYSFS = '/sys/kernel/mm/damon/admin/kdamonds';

/** One running DAMON context. */
export interface DamonContext {
    /** The address space it watches: `paddr` (all physical memory) or `vaddr` (some processes). */
    readonly operations: string;
    /** How often it samples, in milliseconds. */
    readonly sampleMs: number;
    /** What its schemes do to the regions they match, e.g. `pageout`. */
    readonly actions: readonly string[];
}

/** The machine a benchmark ran on. */
export interface MachineFacts {
    readonly cpus: number;
    readonly cpu: string;
    readonly node: string;
    /** DAMON contexts of kdamonds whose state is `on`; empty when none runs or the kernel has no DAMON. */
    readonly damon: readonly DamonContext[];
}

function readText(path: string): string | undefined {
    try {
        return readFileSync(path, 'utf8').trim();
    } catch {
        return undefined;
    }
}

function numberedEntries(dir: string): string[] {
    try {
        return readdirSync(dir)
            .filter((name) => /^[0-9]+$/.test(name))
            .sort((a, b) => Number(a) - Number(b));
    } catch {
        return [];
    }
}

function readContext(dir: string): DamonContext | undefined {
    const operations = readText(join(dir, 'operations'));
    const sampleUs = Number(readText(join(dir, 'monitoring_attrs', 'intervals', 'sample_us')));
    if (operations === undefined || !Number.isFinite(sampleUs)) {
        return undefined;
    }
    const schemes = join(dir, 'schemes');
    const actions = numberedEntries(schemes)
        .map((scheme) => readText(join(schemes, scheme, 'action')))
        .filter((action): action is string => action !== undefined && action !== '');
    return { operations, sampleMs: sampleUs / 1000, actions };
}

/**
 * The DAMON contexts running on this machine, read from sysfs; none when the interface is absent or
 * unreadable (most machines), so a benchmark never fails for want of it.
 * @param root - the kdamonds folder ({@link DAMON_SYSFS}; tests give their own)
 */
export function readDamon(root: string = DAMON_SYSFS): DamonContext[] {
    return numberedEntries(root).flatMap((kdamond) => {
        if (readText(join(root, kdamond, 'state')) !== 'on') {
            return [];
        }
        const contexts = join(root, kdamond, 'contexts');
        return numberedEntries(contexts).flatMap((context) => readContext(join(contexts, context)) ?? []);
    });
}

/**
 * This machine.
 * @param damonRoot - the kdamonds folder ({@link DAMON_SYSFS} by default)
 */
export function machineFacts(damonRoot: string = DAMON_SYSFS): MachineFacts {
    return {
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        damon: readDamon(damonRoot),
    };
}

/**
 * One line for a benchmark's progress output when DAMON runs, else undefined.
 * @param facts - the machine
 */
export function damonNote(facts: MachineFacts): string | undefined {
    if (facts.damon.length === 0) {
        return undefined;
    }
    const contexts = facts.damon
        .map((context) => {
            const actions = context.actions.length === 0 ? '' : `, ${context.actions.join('/')}`;
            return `${context.operations} every ${context.sampleMs} ms${actions}`;
        })
        .join('; ');
    return `note: the kernel's DAMON memory monitor runs (${contexts}); every process may stall at that rhythm, which shows in tail latencies`;
}
