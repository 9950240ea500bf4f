// SPDX-License-Identifier: Apache-2.0
/**
 * What a process of the region holds, read from `/proc` (Linux): its resident memory (`VmRSS`, `VmHWM` in
 * `/proc/<pid>/status`) and its open handles (the entries of `/proc/<pid>/fd`: files, sockets, pipes, event
 * descriptors). A count that keeps growing under a steady load is a leak; elsewhere than Linux, or once the
 * process is gone, there is nothing to read.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A process's resident memory and open handles at one moment. */
export interface ProcessUsage {
    /** Resident set, MB (one decimal). */
    readonly rssMb: number;
    /** Open file descriptors. */
    readonly openHandles: number;
}

/**
 * Fields of `/proc/<pid>/status` given in kB.
 * @param pid - the process
 * @param names - the fields, e.g. `VmRSS`, `VmHWM`
 * @returns kB by field (NaN where the field is missing)
 * @throws Error when the process is gone or `/proc` cannot be read
 */
export function readStatusKb<N extends string>(pid: number, names: readonly N[]): Record<N, number> {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = {} as Record<N, number>;
    for (const name of names) {
        kb[name] = Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    }
    return kb;
}

/**
 * A process's resident memory and open handles.
 * @param pid - the process
 * @returns undefined when the process is gone or `/proc` cannot tell
 */
export function readProcessUsage(pid: number): ProcessUsage | undefined {
    try {
        const { VmRSS } = readStatusKb(pid, ['VmRSS']);
        const openHandles = readdirSync(`/proc/${pid}/fd`).length;
        return Number.isFinite(VmRSS) ? { rssMb: Math.round(VmRSS / 102.4) / 10, openHandles } : undefined;
    } catch {
        return undefined;
    }
}
