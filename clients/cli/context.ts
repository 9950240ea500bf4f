// SPDX-License-Identifier: Apache-2.0
/**
 * What every command works with: the region file (`--region`) and its channel, the organisation it talks to
 * (`--org`, or the command's natural one), the staff token it sends (`--token-file`, or the token of `--role`
 * from the region file), and how it prints (`--json`).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiClient } from '../shared/api-client';
import {
    findRegionOrganization,
    readRegionFile,
    readTokenText,
    RegionRoles,
    type RegionFile,
    type RegionFileOrganization,
    type RegionRole,
} from '../shared/region-file';
import { UsageError } from './errors';
import type { Printer } from './output';
import { defaultRegionFile } from './settings';

/** Options every command takes. */
export interface GlobalOptions {
    readonly region?: string;
    readonly org?: string;
    readonly role?: string;
    readonly tokenFile?: string;
    readonly json?: boolean;
}

/** The organisation type a command talks to when `--org` is not given. */
export type OrgType = RegionFileOrganization['type'];

/** The context of one command run. */
export class CliContext {
    readonly printer: Printer;
    readonly #globals: GlobalOptions;
    #region: RegionFile | undefined;

    /**
     * @param globals - the global options
     * @param printer - where output goes
     */
    constructor(globals: GlobalOptions, printer: Printer) {
        this.#globals = globals;
        this.printer = printer;
    }

    /** Whether to print JSON. */
    get json(): boolean {
        return this.#globals.json === true;
    }

    /** The global `--role`, if given (`token create` takes its role from it). */
    get role(): string | undefined {
        return this.#globals.role;
    }

    /** Whether `--org` was given. */
    get hasOrg(): boolean {
        return this.#globals.org !== undefined;
    }

    /** Path of the region file. */
    get regionFile(): string {
        return this.#globals.region ?? defaultRegionFile();
    }

    /** The data folder holding the region file. */
    get dataDir(): string {
        return dirname(this.regionFile);
    }

    /** The region file, read once. */
    region(): RegionFile {
        try {
            this.#region ??= readRegionFile(this.regionFile);
        } catch (cause) {
            throw new UsageError(cause instanceof Error ? cause.message : String(cause), { cause });
        }
        return this.#region;
    }

    /**
     * The region's channel id (`channel` in the region file), which every patient-signed payload names: it comes
     * from the region file the user trusts, never from the gateway being called.
     */
    channel(): string {
        return this.region().channel;
    }

    /**
     * The organisation to talk to: `--org`, else the first of the given type.
     * @param type - the command's natural organisation type
     */
    org(type: OrgType): RegionFileOrganization {
        const region = this.region();
        const mspId = this.#globals.org;
        if (mspId !== undefined) {
            try {
                return findRegionOrganization(region, mspId);
            } catch (cause) {
                throw new UsageError(cause instanceof Error ? cause.message : String(cause), { cause });
            }
        }
        const org = region.organizations.find((o) => o.type === type);
        if (!org) {
            throw new UsageError(`The region has no ${type}; name one with --org`);
        }
        return org;
    }

    /**
     * A client of an organisation's gateway sending a staff token.
     * @param type - the command's natural organisation type
     * @param role - the role whose token is used unless `--role` or `--token-file` says otherwise
     */
    staff(type: OrgType, role: RegionRole): ApiClient {
        const org = this.org(type);
        return this.#client(org, this.#token(org, role));
    }

    /**
     * A client of an organisation's gateway without a token (patient-signed calls).
     * @param type - the command's natural organisation type
     */
    anonymous(type: OrgType): ApiClient {
        return this.#client(this.org(type), undefined);
    }

    /**
     * Prints a result: JSON with `--json`, else the human text.
     * @param body - the result
     * @param human - its text for people
     */
    print(body: unknown, human: () => string): void {
        this.printer.out(this.json ? JSON.stringify(body, null, 2) : human());
    }

    #token(org: RegionFileOrganization, role: RegionRole): string {
        const chosen = this.#globals.role ?? role;
        if (!(RegionRoles as readonly string[]).includes(chosen)) {
            throw new UsageError(`--role must be one of ${RegionRoles.join(', ')}`);
        }
        const file = this.#globals.tokenFile ?? org.tokens[chosen as RegionRole];
        try {
            return readTokenText(file);
        } catch (cause) {
            throw new UsageError(`Cannot read the token file ${file}`, { cause });
        }
    }

    #client(org: RegionFileOrganization, token: string | undefined): ApiClient {
        let caPem: string;
        try {
            caPem = readFileSync(org.tlsCaFile, 'utf8');
        } catch (cause) {
            throw new UsageError(`Cannot read ${org.mspId}'s TLS CA ${org.tlsCaFile}`, { cause });
        }
        return new ApiClient({ baseUrl: org.apiUrl, caPem, token });
    }
}
