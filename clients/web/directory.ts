// SPDX-License-Identifier: Apache-2.0
/**
 * The region's public directory (`GET /directory`: the active organisations' MSP ids, types and names), read
 * once per patient view and shared by the consent form and the lists, and organisations shown by name.
 * Patients do not know MSP ids, so lists show names; the MSP id stays in the `title` for support, and is shown
 * itself when the directory cannot be loaded or no longer lists the organisation (pending or suspended).
 */
import { call, type List } from './api.js';
import { raw } from './dom.js';
import type { OrgType } from '../../chaincode/src/protocol/vocabulary.js';

/** An active organisation as the public directory (`GET /directory`) lists it. */
export interface DirectoryEntry {
    readonly mspId: string;
    readonly type: OrgType;
    readonly name: string;
}

/** The active organisations, or undefined when the directory cannot be loaded (or is empty). */
export type Directory = readonly DirectoryEntry[] | undefined;

/** Reads the directory; never rejects (a failure gives undefined, and callers fall back to MSP ids). */
export async function readDirectory(): Promise<Directory> {
    try {
        const list = await call<List<DirectoryEntry>>('GET', '/directory', { staff: false });
        return list.items.length > 0 ? list.items : undefined;
    } catch {
        // Not ignored: the consent form shows typed fields with a notice, the lists show MSP ids.
        return undefined;
    }
}

/**
 * An organisation as data: its name from the directory, else its MSP id; the MSP id is the `title` either way.
 * @param mspId - the organisation's MSP id
 * @param directory - the directory, if it could be loaded
 */
export function orgName(mspId: string, directory: Directory): HTMLElement {
    const element = raw(directory?.find((org) => org.mspId === mspId)?.name ?? mspId);
    element.title = mspId;
    return element;
}
