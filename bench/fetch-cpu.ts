// SPDX-License-Identifier: Apache-2.0
/**
 * CPU time per request, by process: what each of the region's processes (and the benchmark itself) spent
 * during a step, divided by the requests it completed. On a shared machine latency moves with the neighbours'
 * load; CPU time per request moves much less, and says how many requests a second the machine can carry.
 * Read from `/proc/<pid>/stat` (Linux); elsewhere the processes are left out.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A process of the region. */
export interface RegionProcess {
    /** `ledger node`, `gateway HospitalAMSP`, … as the launcher names them. */
    readonly name: string;
    readonly pid: number;
    /** Count the processes it started, and theirs, with it (a Fabric peer's chaincode processes). */
    readonly withDescendants?: boolean;
}

/** CPU milliseconds by process name (`bench` for this process). */
export type CpuSnapshot = ReadonlyMap<string, number>;

/** Linux's clock ticks per second for `/proc` times (`getconf CLK_TCK`, 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/**
 * A process's user plus system CPU time so far, milliseconds.
 * @param pid - the process
 * @returns undefined when `/proc` cannot tell
 */
export function readCpuMs(pid: number): number | undefined {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The processes a process started, and theirs, from `/proc/<pid>/task/<tid>/children`; none when it is gone.
 * @param pid - a process id
 */
export function descendantsOf(pid: number): number[] {
    const found: number[] = [];
    const queue = [pid];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        let tasks: string[];
        try {
            tasks = readdirSync(`/proc/${next}/task`);
        } catch {
            continue;
        }
        for (const task of tasks) {
            let children = '';
            try {
                children = readFileSync(`/proc/${next}/task/${task}/children`, 'utf8');
            } catch {
                // The thread ended meanwhile.
            }
            for (const child of children.split(' ').filter((text) => text !== '')) {
                found.push(Number(child));
                queue.push(Number(child));
            }
        }
    }
    return found;
}

/**
 * CPU time so far of each process and of this one.
 * @param processes - the region's processes
 */
export function snapshotCpu(processes: readonly RegionProcess[]): CpuSnapshot {
    const snapshot = new Map<string, number>();
    for (const { name, pid, withDescendants } of processes) {
        const pids = withDescendants === true ? [pid, ...descendantsOf(pid)] : [pid];
        const times = pids.map(readCpuMs).filter((ms): ms is number => ms !== undefined);
        if (times.length > 0) {
            snapshot.set(
                name,
                times.reduce((sum, ms) => sum + ms, 0),
            );
        }
    }
    const own = process.cpuUsage();
    snapshot.set('bench', (own.user + own.system) / 1000);
    return snapshot;
}

/**
 * CPU milliseconds per request of each process between two snapshots, and their total.
 * @param before - snapshot before the step
 * @param after - snapshot after it
 * @param requests - requests completed in between
 */
export function toCpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): Record<string, number> {
    const perRequest: Record<string, number> = {};
    let total = 0;
    for (const [name, ms] of after) {
        const spent = ms - (before.get(name) ?? ms);
        if (spent > 0 && requests > 0) {
            perRequest[name] = Math.round((spent / requests) * 100) / 100;
            total += spent;
        }
    }
    perRequest.total = requests > 0 ? Math.round((total / requests) * 100) / 100 : 0;
    return perRequest;
}
