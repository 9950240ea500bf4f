// SPDX-License-Identifier: Apache-2.0
/**
 * The consent notice from a client's side (docs/design.md "Notice"): the grantee's entry in the gateway's public
 * directory, which is what the chaincode renders the notice from, and the notice the patient is shown and signs.
 */
import type { NoticeLanguage, NoticeRecipient, NoticeRef } from '../../chaincode/src/protocol/notice';
import type { ConsentTerms } from '../../chaincode/src/protocol/payloads';
import type { ApiClient } from './api-client';
import { newNotice } from './patient-keys';

/** The answer of `GET /directory`. */
interface Directory {
    readonly items: readonly { readonly mspId: string; readonly name: string; readonly contact?: string | null }[];
}

/**
 * The grantee's entry in the directory of the gateway asked.
 * @param client - a client of any gateway of the region (no token needed)
 * @param mspId - the grantee
 * @throws Error when the directory does not list it (it is not an active organisation)
 */
export async function readRecipient(client: ApiClient, mspId: string): Promise<NoticeRecipient> {
    const directory = await client.get<Directory>('/directory');
    const entry = directory.items.find((item) => item.mspId === mspId);
    if (entry === undefined) {
        throw new Error(`${mspId} is not an active organisation of the region's directory`);
    }
    return { mspId, name: entry.name, contact: entry.contact ?? null };
}

/**
 * The notice of a consent for its grantee, read from the directory, in a language.
 * @param client - a client of any gateway of the region
 * @param terms - the consent's terms
 * @param language - `zh-CN` or `en`
 * @returns the text to show and the reference to sign
 */
export async function readNotice(
    client: ApiClient,
    terms: ConsentTerms,
    language: NoticeLanguage,
): Promise<{ text: string; notice: NoticeRef }> {
    return newNotice(await readRecipient(client, terms.grantee), terms, language);
}
