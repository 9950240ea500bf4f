// SPDX-License-Identifier: Apache-2.0
/**
 * Staff bearer tokens. A token belongs to one organisation (the gateway whose file holds it) and one role.
 * Only its SHA-256 is stored; the token itself is shown once, to whoever created it. The file is written
 * atomically at mode 0600 and re-read by the gateway when it changes, so a token made with `npm run token`
 * (or revoked by removing its entry) takes effect without a restart.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';

/** Staff roles (docs/api.md "Staff tokens"). */
export const StaffRoles = ['admin', 'clinician', 'claims', 'auditor'] as const;
/** One of {@link StaffRoles}. */
export type StaffRole = (typeof StaffRoles)[number];

/** A stored token: its id, role and hash, never the token. */
export interface TokenEntry {
    readonly id: string;
    readonly role: StaffRole;
    readonly sha256: string;
    readonly createdAt: string;
    readonly label: string;
}

interface TokenFile {
    readonly version: 1;
    readonly tokens: readonly TokenEntry[];
}

const TOKEN = /^hct_[A-Za-z0-9_-]{43}$/;
const LABEL = /^[\p{L}\p{N} ._@-]{0,64}$/u;

function hashToken(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Whether a value is a staff role.
 * @param value - anything
 */
export function isStaffRole(value: unknown): value is StaffRole {
    return typeof value === 'string' && (StaffRoles as readonly string[]).includes(value);
}

function isTokenEntry(value: unknown): value is TokenEntry {
    if (typeof value !== 'object' || value === null) {
        return false;
    }
    const entry = value as Record<string, unknown>;
    return (
        typeof entry.id === 'string' &&
        isStaffRole(entry.role) &&
        typeof entry.sha256 === 'string' &&
        /^[0-9a-f]{64}$/.test(entry.sha256) &&
        typeof entry.createdAt === 'string' &&
        typeof entry.label === 'string'
    );
}

/**
 * Reads a token file; a missing file has no tokens.
 * @param file - path
 * @throws Error when the file exists but is not a token file
 */
export function readTokenFile(file: string): readonly TokenEntry[] {
    if (!existsSync(file)) {
        return [];
    }
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<TokenFile>;
    if (parsed.version !== 1 || !Array.isArray(parsed.tokens) || !parsed.tokens.every(isTokenEntry)) {
        throw new Error(`${file} is not a health chain token file`);
    }
    return parsed.tokens;
}

function writeTokenFile(file: string, tokens: readonly TokenEntry[]): void {
    const temp = `${file}.${process.pid}.tmp`;
    const content: TokenFile = { version: 1, tokens };
    writeFileSync(temp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
    renameSync(temp, file);
}

/**
 * Creates a token for a role and stores its hash.
 * @param file - the organisation's token file
 * @param role - staff role
 * @param label - who or what it is for (no secrets), e.g. `ward 3 clinician`
 * @returns the token (shown once) and its id
 * @throws Error on an unknown role or a bad label
 */
export function createToken(file: string, role: StaffRole, label = ''): { token: string; id: string } {
    if (!isStaffRole(role)) {
        throw new Error(`Unknown role ${String(role)}: use one of ${StaffRoles.join(', ')}`);
    }
    if (!LABEL.test(label)) {
        throw new Error('A label is at most 64 letters, digits, spaces and ._@-');
    }
    const token = `hct_${randomBytes(32).toString('base64url')}`;
    const sha256 = hashToken(token);
    const entry: TokenEntry = { id: sha256.slice(0, 16), role, sha256, createdAt: new Date().toISOString(), label };
    writeTokenFile(file, [...readTokenFile(file), entry]);
    return { token, id: entry.id };
}

/** Checks bearer tokens against an organisation's token file, re-reading it when it changes. */
export class TokenStore {
    readonly #file: string;
    #entries: readonly TokenEntry[] = [];
    #mtimeMs = -1;

    /**
     * @param file - the token file
     */
    constructor(file: string) {
        this.#file = file;
    }

    #refresh(): void {
        // One system call on every authenticated request: a missing file reads as mtime 0, not as an error.
        const mtimeMs = statSync(this.#file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
        if (mtimeMs !== this.#mtimeMs) {
            this.#entries = readTokenFile(this.#file);
            this.#mtimeMs = mtimeMs;
        }
    }

    /**
     * The token's entry, if the token is valid here.
     * @param token - the bearer token
     */
    authenticate(token: string): TokenEntry | undefined {
        if (!TOKEN.test(token)) {
            return undefined;
        }
        this.#refresh();
        const hash = Buffer.from(hashToken(token), 'hex');
        return this.#entries.find((entry) => timingSafeEqual(Buffer.from(entry.sha256, 'hex'), hash));
    }
}
