// SPDX-License-Identifier: Apache-2.0
/** Builders for ledgers in tests: an in-process embedded ledger with test organisations. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
    EmbeddedLedger,
    type ContractClass,
    type EmbeddedLedgerOptions,
    type StoreLocation,
} from '../../network/src/embedded';
import { newTestOrg, type TestOrg } from './pki';

/** A ledger with its organisations. */
export interface TestLedger {
    readonly ledger: EmbeddedLedger;
    readonly orgs: readonly TestOrg[];
    /** Closes the ledger and removes its folder, if any. */
    close(): Promise<void>;
}

/** Options of {@link newTestLedger}. */
export interface TestLedgerOptions extends Partial<Omit<EmbeddedLedgerOptions, 'contracts' | 'msps' | 'store'>> {
    readonly contracts: readonly ContractClass[];
    readonly mspIds?: readonly string[];
    /** Keep state on disk in a temporary folder (default: memory). */
    readonly onDisk?: boolean | string;
}

/**
 * Makes a temporary folder that the caller removes with the returned function.
 * @param prefix - folder name prefix
 */
export function newTempDir(prefix = 'healthchain-'): { dir: string; remove: () => void } {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    return {
        dir,
        remove: (): void => {
            rmSync(dir, { recursive: true, force: true });
        },
    };
}

/**
 * Opens an embedded ledger for tests.
 * @param options - contracts, organisations, store
 */
export async function newTestLedger(options: TestLedgerOptions): Promise<TestLedger> {
    const mspIds = options.mspIds ?? ['Org1MSP', 'Org2MSP'];
    const orgs = await Promise.all(mspIds.map((mspId) => newTestOrg(mspId)));
    let store: StoreLocation = { kind: 'memory' };
    let remove = (): void => {
        // nothing to remove for an in-memory ledger
    };
    if (typeof options.onDisk === 'string') {
        store = { kind: 'level', path: options.onDisk };
    } else if (options.onDisk) {
        const temp = newTempDir();
        store = { kind: 'level', path: join(temp.dir, 'ledger') };
        remove = temp.remove;
    }
    const ledger = await EmbeddedLedger.open({
        channel: 'testchannel',
        chaincode: 'testcc',
        ...options,
        msps: orgs.map((org) => ({ mspId: org.mspId, rootCertsPem: [org.caCertPem] })),
        store,
    });
    return {
        ledger,
        orgs,
        close: async (): Promise<void> => {
            await ledger.close();
            remove();
        },
    };
}

/**
 * Reads an async iterable to its end.
 * @param items - e.g. a store's range or history
 */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const item of items) {
        out.push(item);
    }
    return out;
}
