// SPDX-License-Identifier: Apache-2.0
/**
 * The commission's audit view (docs/design.md "The audit view"): counts of access requests per hour and per
 * day, by requester, custodian, purpose, decision and reason, kept in the gateway's level database and fed by
 * the chaincode events, so that statistics of any range cost the number of rows in it, not of events. One
 * generation answers; a rebuild fills a new generation from block 0 while the old one keeps answering, and
 * the new one takes over once it has caught up.
 */
import { EventEmitter, once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { TextSublevel } from '../custody/db';
import type { AccessEvent } from '../ledger/contracts';
import type { Ledger } from '../../../network/src/ledger';
import type { BackoffOptions } from '../retry';
import { toAuditStats, type AuditStats } from './statistics';
import { ViewFollower } from './view-follower';
import type { CountedRow, RowKind } from './view-rows';
import { ViewStore, type ViewGeneration, type ViewPosition } from './view-store';

/** Options of {@link AuditView.open}. */
export interface AuditViewOptions {
    /** The view's sublevel of the gateway's database. */
    readonly db: TextSublevel;
    readonly ledger: Pick<Ledger, 'chaincodeEvents'>;
    /** Reads an access event back (events whose payload lacks `requestedAt`). */
    readonly readAccess: (accessId: string) => Promise<AccessEvent>;
    readonly logger: Logger;
    /** Reconnection backoff of the event streams. */
    readonly retry?: BackoffOptions;
    /** Most access requests counted in memory before they are written. */
    readonly maxPendingEvents?: number;
}

/** How far one generation is. */
export interface GenerationStatus {
    readonly generation: number;
    /** Blocks below this number are fully counted. */
    readonly height: number;
    /** Access requests counted. */
    readonly events: number;
}

/** The view's state: the generation answering, and the one being rebuilt. */
export interface ViewStatus extends GenerationStatus {
    readonly rebuild: GenerationStatus | null;
}

/** A range `[from, to)` of whole UTC hours. */
export interface HourRange {
    readonly from: string;
    readonly to: string;
}

/** Rows read from one snapshot of the answering generation, with the position they reflect. */
export interface ViewRead<T> {
    readonly value: T;
    readonly generation: number;
    /** Blocks below this number are fully counted in `value`. */
    readonly height: bigint;
}

/** Events of the view. */
export interface AuditViewEvents {
    /** The answering generation wrote counts or went idle, or a rebuilt one took over. */
    advanced: [height: bigint];
}

const DAY_MS = 86_400_000;
/** How long a paused event stream means no more events are coming for the blocks committed so far. */
const SETTLE_QUIET_MS = 100;

function toStatus(generation: ViewGeneration, position: ViewPosition | undefined): GenerationStatus {
    return {
        generation: generation.number,
        height: Number(position?.height ?? 0n),
        events: position?.events ?? 0,
    };
}

/** The day-aligned part of an hour range: `[firstDay, lastDay)`, empty when no whole day lies inside. */
function wholeDays(range: HourRange): { firstDay: string; lastDay: string } | undefined {
    const from = Date.parse(range.from);
    const firstDay = Math.ceil(from / DAY_MS) * DAY_MS;
    const lastDay = Math.floor(Date.parse(range.to) / DAY_MS) * DAY_MS;
    return firstDay < lastDay
        ? { firstDay: new Date(firstDay).toISOString(), lastDay: new Date(lastDay).toISOString() }
        : undefined;
}

/** The segments of a range read for one kind of bucket: hour rows, with day rollups for whole days. */
function segments(range: HourRange, bucket: 'hour' | 'day'): [RowKind, string, string][] {
    const days = bucket === 'day' ? wholeDays(range) : undefined;
    if (days === undefined) {
        return [['h', range.from, range.to]];
    }
    return [
        ['h', range.from, days.firstDay],
        ['d', days.firstDay, days.lastDay],
        ['h', days.lastDay, range.to],
    ];
}

/** The audit view of one gateway. */
export class AuditView extends EventEmitter<AuditViewEvents> {
    readonly #options: AuditViewOptions;
    readonly #store: ViewStore;
    #active: ViewFollower;
    #building: ViewFollower | undefined;
    #promoting: Promise<void> | undefined;
    #started = false;

    private constructor(options: AuditViewOptions, store: ViewStore, active: ViewFollower) {
        super();
        this.#options = options;
        this.#store = store;
        this.#active = active;
        this.#watchActive(active);
    }

    /**
     * Opens the view's storage (creating it, empty, the first time) and the followers of its generations;
     * `start` sets them going.
     * @param options - database, ledger, read-back, logger
     */
    static async open(options: AuditViewOptions): Promise<AuditView> {
        const store = await ViewStore.open(options.db);
        const view = new AuditView(options, store, await AuditView.#follower(options, store.active));
        const building = store.building;
        if (building !== undefined) {
            view.#setBuilding(await AuditView.#follower(options, building));
        }
        return view;
    }

    static async #follower(options: AuditViewOptions, generation: ViewGeneration): Promise<ViewFollower> {
        const { ledger, readAccess, logger, retry, maxPendingEvents } = options;
        const follower = new ViewFollower(
            { ledger, readAccess, generation, logger, retry, maxPendingEvents },
            await generation.readPosition(),
        );
        return follower;
    }

    /** Starts following the chaincode events. */
    start(): void {
        this.#started = true;
        this.#active.start();
        this.#building?.start();
    }

    /** Stops following; what was counted is written first. */
    async close(): Promise<void> {
        this.#started = false;
        await this.#promoting;
        await Promise.all([this.#active.close(), this.#building?.close()]);
    }

    /** The answering generation's position and the rebuild's, if one runs. */
    status(): ViewStatus {
        const active = toStatus(this.#active.generation, this.#active.position);
        const building = this.#building;
        return { ...active, rebuild: building ? toStatus(building.generation, building.position) : null };
    }

    /** Blocks below this number are fully counted in the answering generation. */
    get height(): bigint {
        return this.#active.position?.height ?? 0n;
    }

    /**
     * Starts rebuilding the view from block 0 in a new generation; the current one answers until the new one
     * has caught up with it. A rebuild already running goes on.
     * @returns whether this call started one
     */
    async rebuild(): Promise<boolean> {
        if (this.#building !== undefined) {
            return false;
        }
        const generation = await this.#store.startBuilding();
        const follower = await AuditView.#follower(this.#options, generation);
        this.#setBuilding(follower);
        if (this.#started) {
            follower.start();
        }
        this.#options.logger.info({ generation: generation.number }, 'audit view: rebuilding from block 0');
        return true;
    }

    /**
     * Statistics of a range of whole hours, from one snapshot of the answering generation.
     * @param range - `[from, to)`, whole UTC hours
     * @param bucket - `hour` or `day` (whole days are read from the day rollups)
     */
    async readStats(range: HourRange, bucket: 'hour' | 'day'): Promise<ViewRead<AuditStats>> {
        return this.#read(async (generation, snapshot) => {
            const rows: CountedRow[] = [];
            for (const [kind, from, to] of segments(range, bucket)) {
                for await (const row of generation.rows(kind, from, to, snapshot)) {
                    rows.push(row);
                }
            }
            return toAuditStats(rows, bucket);
        });
    }

    /**
     * The hour rows and the day rollups of a range, from one snapshot, for the view's verification.
     * @param range - `[from, to)`, whole UTC hours
     */
    async readRows(range: HourRange): Promise<ViewRead<{ hours: CountedRow[]; days: CountedRow[] }>> {
        return this.#read(async (generation, snapshot) => {
            const collect = async (kind: RowKind, from: string, to: string): Promise<CountedRow[]> => {
                const rows: CountedRow[] = [];
                for await (const row of generation.rows(kind, from, to, snapshot)) {
                    rows.push(row);
                }
                return rows;
            };
            const days = wholeDays(range);
            return {
                hours: await collect('h', range.from, range.to),
                days: days === undefined ? [] : await collect('d', days.firstDay, days.lastDay),
            };
        });
    }

    /**
     * Waits until the answering generation has fully counted the blocks below `height`.
     * @param height - a chain height
     * @param signal - stops waiting (the promise then rejects with the signal's reason)
     */
    async waitForHeight(height: bigint, signal?: AbortSignal): Promise<void> {
        while (this.height < height) {
            await once(this, 'advanced', { signal });
        }
    }

    /**
     * Waits until the answering generation has counted the blocks below `height`, or until its event stream
     * has stayed paused, with everything it delivered written, for `quietMs`: the remaining blocks then carry
     * no chaincode event (a repeated, idempotent submission writes none), which the view cannot see.
     * @param height - a chain height
     * @param signal - stops waiting (the promise then rejects with the signal's reason)
     * @param quietMs - how long a paused stream means nothing more is coming
     */
    async settle(height: bigint, signal: AbortSignal, quietMs = SETTLE_QUIET_MS): Promise<void> {
        while (this.height < height) {
            const stop = new AbortController();
            const both = AbortSignal.any([signal, stop.signal]);
            const advanced = once(this, 'advanced', { signal: both }).then(() => 'advanced' as const);
            const quiet = this.#active.idle
                ? delay(quietMs, 'quiet' as const, { signal: both })
                : new Promise<never>(() => undefined);
            try {
                if ((await Promise.race([advanced, quiet])) === 'quiet') {
                    return;
                }
            } finally {
                // The loser is abandoned: its abort must not surface as an unhandled rejection.
                advanced.catch(() => undefined);
                quiet.catch(() => undefined);
                stop.abort();
            }
        }
    }

    async #read<T>(
        read: (generation: ViewGeneration, snapshot: ReturnType<ViewGeneration['snapshot']>) => Promise<T>,
    ): Promise<ViewRead<T>> {
        const generation = this.#active.generation;
        const snapshot = generation.snapshot();
        try {
            const position = await generation.readPosition(snapshot);
            const value = await read(generation, snapshot);
            return { value, generation: generation.number, height: position?.height ?? 0n };
        } finally {
            await snapshot.close();
        }
    }

    #watchActive(follower: ViewFollower): void {
        const advanced = (): void => {
            if (follower === this.#active) {
                this.emit('advanced', this.height);
            }
        };
        follower.on('written', advanced);
        follower.on('idle', advanced);
    }

    #setBuilding(follower: ViewFollower): void {
        this.#building = follower;
        follower.on('written', (position) => {
            const caughtUp = position.height >= this.height;
            if (this.#started && follower === this.#building && this.#promoting === undefined && caughtUp) {
                this.#promoting = this.#promote(follower).finally(() => (this.#promoting = undefined));
            }
        });
    }

    /** The rebuilt generation has caught up: it answers from now on, and the old one is removed. */
    async #promote(follower: ViewFollower): Promise<void> {
        try {
            const old = this.#active;
            const retired = await this.#store.promote();
            this.#active = follower;
            this.#building = undefined;
            this.#watchActive(follower);
            this.emit('advanced', this.height);
            this.#options.logger.info({ generation: follower.generation.number }, 'audit view: rebuilt');
            await old.close();
            await retired.clear();
        } catch (error) {
            this.#options.logger.error({ err: error }, 'audit view: the rebuilt generation could not take over');
        }
    }
}
