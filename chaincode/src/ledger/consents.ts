// SPDX-License-Identifier: Apache-2.0
/** Reading a patient's consents through the consent-by-patient index. */
import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { renderNotice, toNoticeBytes } from '../protocol/notice';
import type { GrantFields } from '../protocol/payload-readers';
import { Keys, ObjectTypes } from '../model/keys';
import type { Consent, Organization } from '../protocol/state';
import { readAllByPrefix } from './query';

/**
 * The consents a patient gave one organisation, in key order: what an access decision, a claim's payment
 * consent and the visibility of a sensitive category all rest on. Unpaginated (one patient, one grantee: a
 * small set), so it may run in a submitted transaction.
 * @param ctx - transaction context
 * @param patientId - the patient
 * @param grantee - the organisation the consents name
 */
export async function readConsentsNaming(ctx: Context, patientId: string, grantee: string): Promise<Consent[]> {
    const prefix = { objectType: ObjectTypes.consentByPatient, attributes: [patientId, grantee] };
    return readAllByPrefix<Consent>(ctx, prefix, Keys.consent);
}

/**
 * Requires a grant's notice to be the notice the ledger renders for its grantee, from the grantee's entry in the
 * organisation directory (name, contact) and the grant's terms, in the language the grant names: so the ledger
 * holds proof of what the patient was shown (docs/design.md "Notice").
 * @param grantee - the grantee's organisation entry, as committed
 * @param grant - the grant's fields
 * @throws NOTICE_MISMATCH when the hash differs (a notice rendered from another name or contact, other terms, or
 *   another text)
 */
export function assertNoticeShown(grantee: Organization, grant: GrantFields): void {
    const recipient = { mspId: grantee.mspId, name: grantee.name, contact: grantee.contact ?? null };
    const text = renderNotice(recipient, grant, grant.notice.language);
    const sha256 = createHash('sha256').update(toNoticeBytes(text)).digest('hex');
    if (sha256 !== grant.notice.sha256) {
        throw new ChaincodeError(
            ErrorCodes.NOTICE_MISMATCH,
            `payload.notice is not the ${grant.notice.language} notice for ${grantee.mspId} and these terms: render it again from the directory`,
        );
    }
}
