// SPDX-License-Identifier: Apache-2.0
/**
 * The custody database: one `level` database in the organisation's own data folder, with a sublevel for the
 * encrypted records and one for the anchoring outbox, so a record and its outbox entry are written in one
 * atomic, synced batch; and, at the commission, a sublevel for the audit view (docs/design.md "The audit view").
 */
import { join } from 'node:path';
import { Level } from 'level';
import type { AbstractSublevel } from 'abstract-level';

/** The root database: string keys, binary values. */
export type CustodyRoot = Level<string, Uint8Array>;
/** A sublevel of it. */
export type CustodySublevel = AbstractSublevel<CustodyRoot, string | Buffer | Uint8Array, string, Uint8Array>;
/** A sublevel of it with text values. */
export type TextSublevel = AbstractSublevel<CustodyRoot, string | Buffer | Uint8Array, string, string>;

/** The opened database and its sublevels. */
export interface CustodyDb {
    readonly root: CustodyRoot;
    /** recordId → encrypted record. */
    readonly records: CustodySublevel;
    /** recordId → anchor waiting for the ledger. */
    readonly outbox: CustodySublevel;
    /** recordId → anchor the ledger refused for good, kept for operators. */
    readonly refused: CustodySublevel;
    /** The audit view's generations, rows and positions (`gateway/src/audit/view-store.ts`). */
    readonly auditView: TextSublevel;
    close(): Promise<void>;
}

/**
 * Opens (creating if needed) the custody database under a data folder.
 * @param dataDir - the gateway's data folder
 */
export async function openCustodyDb(dataDir: string): Promise<CustodyDb> {
    const root = new Level<string, Uint8Array>(join(dataDir, 'custody'), { valueEncoding: 'view' });
    await root.open();
    const sub = (name: string): CustodySublevel => root.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' });
    return {
        root,
        records: sub('records'),
        outbox: sub('outbox'),
        refused: sub('refused'),
        auditView: root.sublevel('audit-view', { valueEncoding: 'utf8' }),
        close: () => root.close(),
    };
}
