// SPDX-License-Identifier: Apache-2.0
/**
 * Where a region on one machine keeps its files under the data folder:
 *
 * ```
 * <data>/crypto/                       identities (network/src/pki)
 * <data>/ledger/                       the ledger node's level store
 * <data>/fabric/                       the loopback Fabric network (`--ledger fabric`)
 * <data>/orgs/<msp>/gateway.json       the gateway's configuration
 * <data>/orgs/<msp>/store/             its record store, outbox and event checkpoint
 * <data>/orgs/<msp>/tokens.json        hashed staff tokens
 * <data>/orgs/<msp>/tokens/<role>.token  one token per role (mode 0600)
 * <data>/logs/                         the children's output
 * <data>/demo/patients/                the demo patients' keys (mode 0600)
 * <data>/region.json                   what clients need (docs/api.md "The region file")
 * ```
 */
import { join } from 'node:path';
import type { RegionRole } from '../../../clients/shared/region-file';

/** Files of one organisation. */
export interface OrgFiles {
    readonly dir: string;
    readonly gatewayConfigFile: string;
    readonly storeDir: string;
    readonly tokensFile: string;
    readonly tokensDir: string;
    /** The file holding a token of a role. */
    tokenFile(role: RegionRole): string;
    readonly logFile: string;
}

/** The data folder's layout. */
export interface DataLayout {
    readonly dataDir: string;
    readonly cryptoDir: string;
    readonly ledgerDir: string;
    /** The loopback Fabric network (`--ledger fabric`). */
    readonly fabricDir: string;
    readonly logsDir: string;
    readonly ledgerLogFile: string;
    readonly demoPatientsDir: string;
    readonly regionFile: string;
    /** An organisation's files. */
    org(mspId: string): OrgFiles;
}

/**
 * The layout of a data folder.
 * @param dataDir - absolute path of the data folder
 */
export function toDataLayout(dataDir: string): DataLayout {
    const logsDir = join(dataDir, 'logs');
    return Object.freeze({
        dataDir,
        cryptoDir: join(dataDir, 'crypto'),
        ledgerDir: join(dataDir, 'ledger'),
        fabricDir: join(dataDir, 'fabric'),
        logsDir,
        ledgerLogFile: join(logsDir, 'ledger.log'),
        demoPatientsDir: join(dataDir, 'demo', 'patients'),
        regionFile: join(dataDir, 'region.json'),
        org(mspId: string): OrgFiles {
            const dir = join(dataDir, 'orgs', mspId);
            const tokensDir = join(dir, 'tokens');
            return Object.freeze({
                dir,
                gatewayConfigFile: join(dir, 'gateway.json'),
                storeDir: join(dir, 'store'),
                tokensFile: join(dir, 'tokens.json'),
                tokensDir,
                tokenFile: (role: RegionRole) => join(tokensDir, `${role}.token`),
                logFile: join(logsDir, `${mspId}.log`),
            });
        },
    });
}
