// SPDX-License-Identifier: Apache-2.0
/**
 * The HL7 v2 intake of a hospital's gateway (docs/design.md "HL7 v2 intake"), put together: the MLLP listener
 * and the intake in front, the inbox, work, pending, error and anchoring queues in the custody database, the
 * processor and the batch anchorer behind, the patient links, the operators' routes and the metrics. `main.ts`
 * builds it after custody, starts it once the gateway is registered, and closes it before custody.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { TokenStore } from '../auth/tokens';
import type { GatewayConfig, Hl7Config } from '../config';
import type { Custody } from '../custody';
import type { LedgerContracts } from '../ledger/contracts';
import type { Metrics } from '../metrics';
import type { BackoffOptions } from '../retry';
import { Anchorer } from './anchorer';
import { DEFAULT_SENSITIVITY_RULES } from './category-rules';
import { toCharset } from './charset';
import { GroupWriter } from './group-writer';
import { Intake } from './intake';
import { PatientLinks, type LocalIdentifier } from './links';
import { newHl7Metrics, type Hl7Metrics } from './metrics';
import { startMllpListener, type MllpListener } from './mllp-server';
import { PendingQueue } from './pending';
import { Processor } from './processor';
import type { ReadSettings } from './reader';
import { newHl7Routes, type Hl7Status } from './routes';
import { SerialQueue } from './serial';
import { Hl7Store, IdClock, type MessageMeta } from './store';

/** How often the pending queue is swept for what has waited too long. */
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 86_400_000;

/** What the intake needs from the gateway. */
export interface Hl7Deps {
    readonly custody: Pick<Custody, 'db' | 'box' | 'saltKey' | 'store'>;
    readonly contracts: Pick<LedgerContracts, 'anchorRecords'>;
    readonly tokens: TokenStore;
    readonly logger: Logger;
    readonly metrics: Metrics;
    readonly clock: () => Date;
    /** Backoff of the anchorer; tests shorten it. */
    readonly retry?: BackoffOptions;
}

/** Events of the intake, for tests and the demo: a message's state after each write. */
export interface Hl7Events {
    message: [meta: MessageMeta];
}

/** The HL7 intake of one gateway. */
export interface Hl7Intake {
    /** The `/hl7` operator routes. */
    readonly router: Router;
    readonly store: Hl7Store;
    readonly metrics: Hl7Metrics;
    readonly events: EventEmitter<Hl7Events>;
    /** The listener's URL once started (undefined when disabled or not started). */
    readonly url: string | undefined;
    /**
     * Checks, then links, a registered patient's local identifiers, and wakes what waited on them.
     * @throws ApiError CONFLICT when one is linked to another patient
     */
    link(patientId: string, identifiers: readonly LocalIdentifier[]): Promise<void>;
    /** @throws ApiError CONFLICT when an identifier is linked to another patient */
    assertLinkable(patientId: string, identifiers: readonly LocalIdentifier[]): Promise<void>;
    /** Drops from the pending queue what has waited too long, or too many (runs hourly by itself). */
    sweep(): Promise<number>;
    status(): Promise<Hl7Status>;
    /** Starts the listener (when enabled), the processor and the anchorer. */
    start(): Promise<void>;
    close(): Promise<void>;
}

function toReadSettings(hl7: Hl7Config): ReadSettings {
    const defaultCharset = toCharset(hl7.defaultCharset);
    if (defaultCharset === undefined) {
        throw new Error(`hl7.defaultCharset ${hl7.defaultCharset} is not a character set the gateway decodes`);
    }
    return { defaultCharset, mapping: { rules: hl7.sensitivity ?? DEFAULT_SENSITIVITY_RULES, timezone: hl7.timezone } };
}

function readTls(config: GatewayConfig, hl7: Hl7Config): Parameters<typeof startMllpListener>[2] {
    if (!hl7.tls) {
        return undefined;
    }
    return {
        cert: readFileSync(config.tls.certFile),
        key: readFileSync(config.tls.keyFile),
        ...(hl7.clientCaFile === undefined ? {} : { clientCa: readFileSync(hl7.clientCaFile) }),
    };
}

async function countKeys(store: Hl7Store, name: 'errors'): Promise<number> {
    return (await store[name].keys().all()).length;
}

/**
 * Builds the intake of a hospital's gateway.
 * @param config - the gateway's configuration (its `hl7` section)
 * @param deps - custody, ledger facade, tokens, logger, metrics, clock
 * @throws Error when the configuration names a character set the gateway does not decode
 */
export function newHl7Intake(config: GatewayConfig, deps: Hl7Deps): Hl7Intake {
    const hl7 = config.hl7;
    if (hl7 === undefined) {
        throw new Error('the HL7 intake is for hospitals');
    }
    const logger = deps.logger.child({ component: 'hl7' });
    const read = toReadSettings(hl7);
    const store = new Hl7Store(deps.custody.db, deps.custody.box, deps.custody.saltKey);
    const metrics = newHl7Metrics(deps.metrics.registry);
    const events = new EventEmitter<Hl7Events>();
    const serial = new SerialQueue();
    const links = new PatientLinks(store);
    const pending = new PendingQueue(
        store,
        { maxAgeMs: hl7.pending.maxAgeDays * DAY_MS, maxMessages: hl7.pending.maxMessages },
        { metrics, logger },
    );
    const onChange = (metas: readonly MessageMeta[]): void => {
        metas.forEach((meta) => events.emit('message', meta));
    };
    const anchorer = new Anchorer({
        store,
        custody: deps.custody.db,
        records: deps.custody.store,
        contracts: deps.contracts,
        serial,
        clock: deps.clock,
        metrics,
        logger,
        onChange,
        ...(deps.retry === undefined ? {} : { retry: deps.retry }),
    });
    const processor = new Processor({
        store,
        links,
        pending,
        records: deps.custody.store,
        serial,
        read,
        saltKey: deps.custody.saltKey,
        jobs: new IdClock('a'),
        clock: deps.clock,
        metrics,
        logger,
        onChange,
        onAnchorsQueued: () => {
            anchorer.kick();
        },
    });
    const intake = new Intake(
        {
            facility: hl7.facility,
            ...(hl7.application === undefined ? {} : { application: hl7.application }),
            read,
            maxMessageBytes: hl7.maxMessageBytes,
        },
        {
            store,
            writer: new GroupWriter(store),
            ids: new IdClock('m'),
            clock: deps.clock,
            metrics,
            logger,
            onQueued: (messageId, mapped) => {
                processor.remember(messageId, mapped);
                processor.kick();
            },
        },
    );
    let listener: MllpListener | undefined;
    let sweeper: NodeJS.Timeout | undefined;
    const sweep = (): Promise<number> => serial.run(() => pending.sweep(deps.clock()));
    const status = async (): Promise<Hl7Status> => ({
        enabled: hl7.enabled,
        url: listener?.url ?? null,
        facility: hl7.facility,
        queues: {
            work: (await store.work.keys().all()).length,
            pending: pending.count,
            errors: await countKeys(store, 'errors'),
            anchoring: await anchorer.queued(),
        },
        dropped: { expired: await store.readCounter('expired'), evicted: await store.readCounter('evicted') },
        pendingBounds: hl7.pending,
    });
    const router = newHl7Routes(config, {
        tokens: deps.tokens,
        store,
        status,
        reprocess: (id) => processor.reprocess(id),
    });
    return {
        router,
        store,
        metrics,
        events,
        get url(): string | undefined {
            return listener?.url;
        },
        assertLinkable: (patientId, identifiers) => links.assertLinkable(patientId, identifiers),
        link: async (patientId, identifiers) => {
            await serial.run(async () => {
                await links.assertLinkable(patientId, identifiers);
                await store.write(links.linkOperations(patientId, identifiers));
            });
            await processor.wake(links.keysOf(identifiers));
        },
        sweep,
        status,
        start: async () => {
            await pending.open();
            metrics.errors.set(await countKeys(store, 'errors'));
            processor.kick();
            anchorer.start();
            await sweep();
            sweeper = setInterval(() => {
                void sweep().catch((error: unknown) => {
                    logger.error({ err: error }, 'pending sweep failed');
                });
            }, SWEEP_INTERVAL_MS);
            sweeper.unref();
            if (hl7.enabled) {
                listener = await startMllpListener(
                    { host: hl7.host, port: hl7.port },
                    {
                        intake,
                        sender: { application: 'HEALTHCHAIN', facility: hl7.facility },
                        ackIds: new IdClock('k'),
                        clock: deps.clock,
                        metrics,
                        logger,
                        maxMessageBytes: hl7.maxMessageBytes,
                    },
                    readTls(config, hl7),
                );
                logger.info({ url: listener.url }, 'MLLP listener ready');
            }
        },
        close: async () => {
            clearInterval(sweeper);
            await listener?.close();
            processor.close();
            await anchorer.close();
            await serial.idle();
        },
    };
}
