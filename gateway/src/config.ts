// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway's configuration: the only module that reads `process.env`. A gateway process is started with
 * `HEALTHCHAIN_GATEWAY_CONFIG` naming a JSON file (the region launcher writes one per organisation); the
 * file is validated once, every problem named, and the result frozen and passed down.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/** Organisation types (docs/design.md "Organisation"). */
export type OrganizationType = 'hospital' | 'insurer' | 'commission';

/** TLS material of this gateway: one certificate (serverAuth + clientAuth) for the API, p2p and its calls. */
export interface TlsFiles {
    readonly certFile: string;
    readonly keyFile: string;
    /** This organisation's TLS CA certificate. */
    readonly caFile: string;
}

/** How the gateway reaches the ledger. */
export type LedgerConfig =
    | {
          readonly kind: 'embedded';
          /** The embedded ledger node, e.g. `https://127.0.0.1:7400`. */
          readonly url: string;
          /** TLS CA that issued the node's server certificate. */
          readonly tlsCaFile: string;
      }
    | {
          readonly kind: 'fabric';
          /** Peer gateway endpoint, `host:port`. */
          readonly peerEndpoint: string;
          /** TLS server name the peer's certificate carries. */
          readonly peerHostAlias: string;
          readonly tlsCaFile: string;
      };

/**
 * The HL7 v2 intake of a hospital's gateway (docs/design.md "HL7 v2 intake"): an MLLP listener for the
 * hospital's integration engine and how its messages are read.
 */
export interface Hl7Config {
    /** Whether the MLLP listener runs (default: true at a hospital). */
    readonly enabled: boolean;
    readonly host: string;
    /** 0 picks a free port. */
    readonly port: number;
    /** MLLP over TLS with the gateway's own certificate (default: plain TCP, for a listener on loopback). */
    readonly tls: boolean;
    /** With `tls`: require client certificates issued by this CA. */
    readonly clientCaFile?: string;
    /** The facility this gateway is (MSH-6 must be empty or this; default: the MSP id). */
    readonly facility: string;
    /** MSH-5 that messages may name besides empty (default: any). */
    readonly application?: string;
    /** Character set of a message with MSH-18 empty (HL7 table 0211 name; default `ASCII`). */
    readonly defaultCharset: string;
    /** UTC offset of HL7 times sent without one (default `+08:00`). */
    readonly timezone: string;
    /** Largest message accepted, bytes (default 8 MiB). */
    readonly maxMessageBytes: number;
    /** Messages waiting for a patient link: how long (default 30 days) and how many (default 100,000). */
    readonly pending: { readonly maxAgeDays: number; readonly maxMessages: number };
    /** Sensitivity rules replacing the defaults (gateway/src/hl7/category-rules.ts). */
    readonly sensitivity?: readonly Hl7SensitivityRule[];
}

/** One sensitivity rule as configured (see `SensitivityRule` in gateway/src/hl7/category-rules.ts). */
export interface Hl7SensitivityRule {
    readonly category: 'mental-health' | 'hiv' | 'genetic' | 'reproductive' | 'substance-use';
    readonly loinc?: readonly string[];
    readonly codes?: readonly string[];
    readonly departments?: readonly string[];
    readonly keywords?: readonly string[];
}

/** A gateway's whole configuration. */
export interface GatewayConfig {
    readonly org: {
        readonly mspId: string;
        readonly type: OrganizationType;
        readonly name: string;
        /** The privacy office's contact, registered on the ledger for consent notices; absent when none. */
        readonly contact?: string;
    };
    readonly channel: string;
    readonly chaincode: string;
    /** Folder of this gateway's own data: record store, outbox, event checkpoint. */
    readonly dataDir: string;
    /** File of hashed staff tokens (written by `npm run token`, gateway/src/admin/token-cli.ts). */
    readonly tokensFile: string;
    /** AES-256-GCM key file of the record store (32 bytes, mode 0600). */
    readonly storeKeyFile: string;
    readonly api: { readonly host: string; readonly port: number };
    readonly p2p: { readonly host: string; readonly port: number };
    readonly tls: TlsFiles;
    /** Every member organisation's TLS CA certificate, by MSP id: who may call the p2p port. */
    readonly regionTlsCaFiles: Readonly<Record<string, string>>;
    /** The signing identity for ledger transactions. */
    readonly identity: { readonly certFile: string; readonly keyFile: string };
    readonly ledger: LedgerConfig;
    readonly limits: {
        /** Largest `POST /records` body (5 MB). */
        readonly recordBytes: number;
        /** Largest other JSON body. */
        readonly jsonBytes: number;
    };
    /**
     * Deadline of every ledger call (evaluate, endorse, hand to ordering; the embedded node's calls) and of
     * opening an event stream, milliseconds: a ledger that does not answer is reported `LEDGER_UNAVAILABLE`
     * within it (on Fabric, keep the peer's `peer.gateway.endorsementTimeout` below it, so that the peer gives
     * up on a frozen endorser and tries another within it).
     */
    readonly ledgerTimeoutMs: number;
    /**
     * How long a submit waits for its transaction to commit once ordering has accepted it (default
     * {@link LEDGER_DEFAULTS}). Longer than {@link GatewayConfig.ledgerTimeoutMs}: an accepted transaction is
     * about to commit (a block's batch timeout, an orderer leader election), and reporting it failed would
     * tell the caller a write did not happen that then does. A peer or node that stops answering is caught by
     * the liveness probe instead, at once.
     */
    readonly ledgerCommitTimeoutMs?: number;
    /**
     * The pause between liveness probes of the ledger endpoint (this organisation's peer, or the ledger node),
     * and each probe's deadline (default {@link LEDGER_DEFAULTS}): a known-dead endpoint fails calls at once.
     */
    readonly ledgerProbeMs?: number;
    /**
     * Deadline of a point-to-point record fetch from a custodian, which waits for the custodian's delivery
     * transaction to commit (default {@link LEDGER_DEFAULTS}).
     */
    readonly p2pTimeoutMs?: number;
    /**
     * The custodian refuses a grant whose timestamp is further than this from its own clock; the refusal is
     * made and recorded by its delivery transaction (1 s – 5 min).
     */
    readonly grantMaxSkewMs: number;
    /** Per-address limit on the routes anyone may call without a token (patient-signed acts, the directory). */
    readonly rateLimit: { readonly windowMs: number; readonly max: number };
    /** Pino log level. */
    readonly logLevel: string;
    /** The HL7 v2 intake; present at hospitals only. */
    readonly hl7?: Hl7Config;
}

/**
 * The configuration file a gateway is started with (`HEALTHCHAIN_GATEWAY_CONFIG`): what
 * {@link toGatewayConfig} accepts. Every path is absolute; what is left out takes its default, and the
 * body limits are not configurable.
 */
export type GatewayConfigFile = Pick<
    GatewayConfig,
    | 'org'
    | 'channel'
    | 'chaincode'
    | 'dataDir'
    | 'tokensFile'
    | 'storeKeyFile'
    | 'api'
    | 'p2p'
    | 'tls'
    | 'regionTlsCaFiles'
    | 'identity'
    | 'ledger'
> & {
    readonly ledgerTimeoutMs?: number;
    readonly ledgerCommitTimeoutMs?: number;
    readonly ledgerProbeMs?: number;
    readonly p2pTimeoutMs?: number;
    readonly grantMaxSkewMs?: number;
    readonly rateLimit?: Partial<GatewayConfig['rateLimit']>;
    readonly logLevel?: string;
    readonly hl7?: Partial<Omit<Hl7Config, 'pending'>> & { readonly pending?: Partial<Hl7Config['pending']> };
};

/**
 * The ledger and p2p deadlines a configuration leaves out. A caller is told `LEDGER_UNAVAILABLE` within about
 * three seconds: a call's deadline is 2.5 s, and a probe every second finds an endpoint that stopped answering
 * within two seconds, abandoning calls that wait on it (a commit wait included). The commit wait is longer
 * (see {@link GatewayConfig.ledgerCommitTimeoutMs}), and a p2p fetch, which includes the custodian's commit,
 * longer still.
 */
export const LEDGER_DEFAULTS = {
    ledgerTimeoutMs: 2_500,
    ledgerCommitTimeoutMs: 20_000,
    ledgerProbeMs: 1_000,
    p2pTimeoutMs: 30_000,
} as const;

/** Every ledger and p2p deadline of a configuration, defaults filled in. */
export type LedgerTimings = { readonly [K in keyof typeof LEDGER_DEFAULTS]: number };

/**
 * The ledger and p2p deadlines of a configuration, each one it leaves out at its default.
 * @param config - the gateway's configuration
 */
export function toLedgerTimings(config: GatewayConfig): LedgerTimings {
    return {
        ledgerTimeoutMs: config.ledgerTimeoutMs,
        ledgerCommitTimeoutMs: config.ledgerCommitTimeoutMs ?? LEDGER_DEFAULTS.ledgerCommitTimeoutMs,
        ledgerProbeMs: config.ledgerProbeMs ?? LEDGER_DEFAULTS.ledgerProbeMs,
        p2pTimeoutMs: config.p2pTimeoutMs ?? LEDGER_DEFAULTS.p2pTimeoutMs,
    };
}

const DEFAULTS = {
    limits: { recordBytes: 5 * 1024 * 1024, jsonBytes: 64 * 1024 },
    grantMaxSkewMs: 120_000,
    rateLimit: { windowMs: 60_000, max: 120 },
    logLevel: 'info',
} as const;

class ConfigProblems {
    readonly problems: string[] = [];

    object(value: unknown, field: string): Record<string, unknown> {
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
            return value as Record<string, unknown>;
        }
        this.problems.push(`${field} must be an object`);
        return {};
    }

    string(value: unknown, field: string): string {
        if (typeof value === 'string' && value.length > 0 && value.length <= 4096) {
            return value;
        }
        this.problems.push(`${field} must be a non-empty string`);
        return '';
    }

    path(value: unknown, field: string): string {
        const path = this.string(value, field);
        if (path !== '' && !isAbsolute(path)) {
            this.problems.push(`${field} must be an absolute path`);
        }
        return path;
    }

    port(value: unknown, field: string): number {
        if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535) {
            return value;
        }
        this.problems.push(`${field} must be a port number (0 picks a free port)`);
        return 0;
    }

    integer(value: unknown, field: string, fallback: number, bounds: { min: number; max: number }): number {
        if (value === undefined) {
            return fallback;
        }
        if (typeof value === 'number' && Number.isSafeInteger(value) && value >= bounds.min && value <= bounds.max) {
            return value;
        }
        this.problems.push(`${field} must be a whole number from ${bounds.min} to ${bounds.max}`);
        return fallback;
    }

    oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
        if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) {
            return value as T;
        }
        this.problems.push(`${field} must be one of ${allowed.join(', ')}`);
        return allowed[0] as T;
    }
}

function readLedger(p: ConfigProblems, value: unknown): LedgerConfig {
    const ledger = p.object(value, 'ledger');
    if (p.oneOf(ledger.kind, 'ledger.kind', ['embedded', 'fabric']) === 'fabric') {
        return {
            kind: 'fabric',
            peerEndpoint: p.string(ledger.peerEndpoint, 'ledger.peerEndpoint'),
            peerHostAlias: p.string(ledger.peerHostAlias, 'ledger.peerHostAlias'),
            tlsCaFile: p.path(ledger.tlsCaFile, 'ledger.tlsCaFile'),
        };
    }
    return {
        kind: 'embedded',
        url: p.string(ledger.url, 'ledger.url'),
        tlsCaFile: p.path(ledger.tlsCaFile, 'ledger.tlsCaFile'),
    };
}

function readRateLimit(p: ConfigProblems, value: unknown): GatewayConfig['rateLimit'] {
    const limit = value === undefined ? {} : p.object(value, 'rateLimit');
    const { windowMs, max } = DEFAULTS.rateLimit;
    return {
        windowMs: p.integer(limit.windowMs, 'rateLimit.windowMs', windowMs, { min: 1000, max: 3_600_000 }),
        max: p.integer(limit.max, 'rateLimit.max', max, { min: 1, max: 1_000_000 }),
    };
}

function readTimings(p: ConfigProblems, raw: Record<string, unknown>): LedgerTimings {
    const read = (field: keyof LedgerTimings, bounds: { min: number; max: number }): number =>
        p.integer(raw[field], field, LEDGER_DEFAULTS[field], bounds);
    return {
        ledgerTimeoutMs: read('ledgerTimeoutMs', { min: 500, max: 120_000 }),
        ledgerCommitTimeoutMs: read('ledgerCommitTimeoutMs', { min: 1_000, max: 600_000 }),
        ledgerProbeMs: read('ledgerProbeMs', { min: 100, max: 60_000 }),
        p2pTimeoutMs: read('p2pTimeoutMs', { min: 1_000, max: 600_000 }),
    };
}

const SENSITIVE = ['mental-health', 'hiv', 'genetic', 'reproductive', 'substance-use'] as const;

function readWords(p: ConfigProblems, value: unknown, field: string): string[] | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (Array.isArray(value) && value.every((item) => typeof item === 'string' && item.trim() !== '')) {
        return value as string[];
    }
    p.problems.push(`${field} must be a list of non-empty strings`);
    return undefined;
}

function readRules(p: ConfigProblems, value: unknown): Hl7SensitivityRule[] | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (!Array.isArray(value)) {
        p.problems.push('hl7.sensitivity must be a list of rules');
        return undefined;
    }
    return value.map((item: unknown, index): Hl7SensitivityRule => {
        const rule = p.object(item, `hl7.sensitivity[${index}]`);
        const lists = ['loinc', 'codes', 'departments', 'keywords'] as const;
        const entries = lists.flatMap((name) => {
            const words = readWords(p, rule[name], `hl7.sensitivity[${index}].${name}`);
            return words === undefined ? [] : [[name, words] as const];
        });
        return {
            category: p.oneOf(rule.category, `hl7.sensitivity[${index}].category`, SENSITIVE),
            ...Object.fromEntries(entries),
        };
    });
}

function readTimezone(p: ConfigProblems, value: unknown): string {
    if (value === undefined) {
        return '+08:00';
    }
    if (typeof value === 'string' && /^[+-]\d{2}:\d{2}$/.test(value)) {
        return value;
    }
    p.problems.push('hl7.timezone must be a UTC offset such as +08:00');
    return '+08:00';
}

function readOptionalPath(p: ConfigProblems, value: unknown, field: string): { clientCaFile?: string } {
    return value === undefined ? {} : { clientCaFile: p.path(value, field) };
}

function readHl7(p: ConfigProblems, value: unknown, org: GatewayConfig['org']): Hl7Config | undefined {
    if (org.type !== 'hospital') {
        if (value !== undefined) {
            p.problems.push('hl7 is for hospitals only');
        }
        return undefined;
    }
    const hl7 = value === undefined ? {} : p.object(value, 'hl7');
    const pending = hl7.pending === undefined ? {} : p.object(hl7.pending, 'hl7.pending');
    const text = (field: string, fallback: string): string =>
        hl7[field] === undefined ? fallback : p.string(hl7[field], `hl7.${field}`);
    return {
        enabled: hl7.enabled === undefined ? true : hl7.enabled === true,
        host: text('host', '127.0.0.1'),
        port: hl7.port === undefined ? 0 : p.port(hl7.port, 'hl7.port'),
        tls: hl7.tls === true,
        ...readOptionalPath(p, hl7.clientCaFile, 'hl7.clientCaFile'),
        facility: text('facility', org.mspId),
        ...(hl7.application === undefined ? {} : { application: p.string(hl7.application, 'hl7.application') }),
        defaultCharset: text('defaultCharset', 'ASCII'),
        timezone: readTimezone(p, hl7.timezone),
        maxMessageBytes: p.integer(hl7.maxMessageBytes, 'hl7.maxMessageBytes', 8 * 1024 * 1024, {
            min: 64 * 1024,
            max: 64 * 1024 * 1024,
        }),
        pending: {
            maxAgeDays: p.integer(pending.maxAgeDays, 'hl7.pending.maxAgeDays', 30, { min: 1, max: 3650 }),
            maxMessages: p.integer(pending.maxMessages, 'hl7.pending.maxMessages', 100_000, {
                min: 1,
                max: 10_000_000,
            }),
        },
        ...(hl7.sensitivity === undefined ? {} : { sensitivity: readRules(p, hl7.sensitivity) ?? [] }),
    };
}

function readCaFiles(p: ConfigProblems, value: unknown): Record<string, string> {
    const files = p.object(value, 'regionTlsCaFiles');
    return Object.fromEntries(
        Object.entries(files).map(([mspId, file]) => [mspId, p.path(file, `regionTlsCaFiles.${mspId}`)]),
    );
}

/**
 * Validates a parsed configuration object (a {@link GatewayConfigFile}, unchecked).
 * @param value - parsed JSON
 * @throws Error listing every problem
 */
export function toGatewayConfig(value: unknown): GatewayConfig {
    const p = new ConfigProblems();
    const raw = p.object(value, 'config');
    const org = p.object(raw.org, 'org');
    const api = p.object(raw.api, 'api');
    const p2p = p.object(raw.p2p, 'p2p');
    const tls = p.object(raw.tls, 'tls');
    const identity = p.object(raw.identity, 'identity');
    const orgConfig: GatewayConfig['org'] = {
        mspId: p.string(org.mspId, 'org.mspId'),
        type: p.oneOf(org.type, 'org.type', ['hospital', 'insurer', 'commission']),
        name: p.string(org.name, 'org.name'),
        ...(org.contact === undefined ? {} : { contact: p.string(org.contact, 'org.contact') }),
    };
    const hl7 = readHl7(p, raw.hl7, orgConfig);
    const config: GatewayConfig = {
        org: orgConfig,
        channel: p.string(raw.channel, 'channel'),
        chaincode: p.string(raw.chaincode, 'chaincode'),
        dataDir: p.path(raw.dataDir, 'dataDir'),
        tokensFile: p.path(raw.tokensFile, 'tokensFile'),
        storeKeyFile: p.path(raw.storeKeyFile, 'storeKeyFile'),
        api: { host: p.string(api.host, 'api.host'), port: p.port(api.port, 'api.port') },
        p2p: { host: p.string(p2p.host, 'p2p.host'), port: p.port(p2p.port, 'p2p.port') },
        tls: {
            certFile: p.path(tls.certFile, 'tls.certFile'),
            keyFile: p.path(tls.keyFile, 'tls.keyFile'),
            caFile: p.path(tls.caFile, 'tls.caFile'),
        },
        regionTlsCaFiles: readCaFiles(p, raw.regionTlsCaFiles),
        identity: {
            certFile: p.path(identity.certFile, 'identity.certFile'),
            keyFile: p.path(identity.keyFile, 'identity.keyFile'),
        },
        ledger: readLedger(p, raw.ledger),
        limits: DEFAULTS.limits,
        ...readTimings(p, raw),
        grantMaxSkewMs: p.integer(raw.grantMaxSkewMs, 'grantMaxSkewMs', DEFAULTS.grantMaxSkewMs, {
            min: 1000,
            max: 300_000,
        }),
        rateLimit: readRateLimit(p, raw.rateLimit),
        logLevel: typeof raw.logLevel === 'string' ? raw.logLevel : DEFAULTS.logLevel,
        ...(hl7 === undefined ? {} : { hl7 }),
    };
    if (p.problems.length > 0) {
        throw new Error(`Invalid gateway configuration:\n  - ${p.problems.join('\n  - ')}`);
    }
    return Object.freeze(config);
}

/**
 * Reads the configuration named by `HEALTHCHAIN_GATEWAY_CONFIG`.
 * @param env - the environment (process.env by default)
 * @throws Error naming what is missing or invalid
 */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
    const file = env.HEALTHCHAIN_GATEWAY_CONFIG;
    if (!file) {
        throw new Error('HEALTHCHAIN_GATEWAY_CONFIG must name the gateway configuration file');
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (cause) {
        throw new Error(`Cannot read gateway configuration ${file}`, { cause });
    }
    return toGatewayConfig(parsed);
}
