// SPDX-License-Identifier: Apache-2.0
/**
 * Consent: granted and revoked only by the patient's own signature, verified here against the key the
 * patient registered. A consent is stored with the exact signed fields and its signature, so anyone can
 * re-verify it; a revocation takes effect at its commit.
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { parseEnvelopeArgument } from '../model/input';
import { readGrantPayload, readRevokePayload } from '../protocol/payload-readers';
import { assertChannel, assertFresh, assertPatientQuery, assertSignedByPatient } from '../ledger/patients';
import { listByPrefix, readPageRequest } from '../ledger/query';
import type { PageRequest } from '../ledger/query';
import { emitEvent, readRequired, readState, writeIndex, writeState } from '../ledger/state';
import { assertActiveCaller, readOrganization, readTx } from '../ledger/tx';
import { assertVisible, readViewer } from '../ledger/viewer';
import { toCanonicalJson } from '../protocol/canonical-json';
import { readId, readMspId, readPatientId } from '../protocol/input';
import { Keys, ObjectTypes } from '../model/keys';
import type { Consent } from '../protocol/state';
import { mayReadConsent } from '../rules/visibility';
import { HealthContract } from './base';

async function listByPatientPrefix(ctx: Context, attributes: string[], page: PageRequest): Promise<string> {
    const prefix = { objectType: ObjectTypes.consentByPatient, attributes };
    return toCanonicalJson(await listByPrefix<Consent>(ctx, prefix, page, Keys.consent));
}

/** Consent. Contract name `consent`. */
@Info({ title: 'consent', description: 'Patient-signed consent: grant, revoke, read, list' })
export class ConsentContract extends HealthContract {
    constructor() {
        super('consent');
    }

    /**
     * Records a consent signed by the patient. Submitting the identical signed grant again returns the
     * stored consent and writes nothing. Any active member organisation may submit it.
     * @param ctx - transaction context
     * @param signedJson - `{payload: {type: "consent.grant", consentId, patientId, grantee, purposes,
     *   categories, custodians, recordIds?, notBefore, notAfter, issuedAt, channel}, signature}`
     * @returns the consent (canonical JSON)
     * @throws INVALID_INPUT, BAD_SIGNATURE, FORBIDDEN (caller not registered), ORG_NOT_ACTIVE, NOT_FOUND
     *   (patient or grantee), CONFLICT (consent id already used)
     */
    @Transaction()
    @Returns('string')
    async grantConsent(ctx: Context, signedJson: string): Promise<string> {
        const envelope = parseEnvelopeArgument(signedJson);
        const grant = readGrantPayload(envelope.payload);
        const tx = readTx(ctx);
        assertFresh(grant.issuedAt, tx);
        assertChannel(ctx, grant.channel);
        await assertActiveCaller(ctx, tx);
        const { signature } = await assertSignedByPatient(ctx, grant.patientId, envelope);
        if ((await readOrganization(ctx, grant.grantee)) === null) {
            throw new ChaincodeError(ErrorCodes.NOT_FOUND, `organisation ${grant.grantee} does not exist`);
        }
        const existing = await readState<Consent>(ctx, Keys.consent(grant.consentId));
        if (existing !== null) {
            if (existing.signature !== signature) {
                throw new ChaincodeError(ErrorCodes.CONFLICT, `consent ${grant.consentId} already exists`);
            }
            return toCanonicalJson(existing);
        }
        const consent: Consent = {
            ...grant,
            signature,
            status: 'active',
            grantedAt: tx.time,
            txId: tx.txId,
            revokedAt: null,
            revokeTxId: null,
        };
        await writeState(ctx, Keys.consent(consent.consentId), consent);
        await writeIndex(
            ctx,
            Keys.consentByPatient(consent.patientId, consent.grantee, consent.consentId),
            consent.consentId,
        );
        await writeIndex(
            ctx,
            Keys.consentByGrantee(consent.grantee, consent.patientId, consent.consentId),
            consent.consentId,
        );
        emitEvent(ctx, 'ConsentGranted', {
            consentId: consent.consentId,
            patientId: consent.patientId,
            grantee: consent.grantee,
            txId: tx.txId,
        });
        return toCanonicalJson(consent);
    }

    /**
     * Revokes a consent, by the patient's signature. From this transaction's commit on, no request or
     * delivery rests on it.
     * @param ctx - transaction context
     * @param signedJson - `{payload: {type: "consent.revoke", consentId, patientId, issuedAt, channel}, signature}`
     * @returns the revoked consent (canonical JSON)
     * @throws INVALID_INPUT, BAD_SIGNATURE, FORBIDDEN (caller not registered; consent of another patient),
     *   ORG_NOT_ACTIVE, NOT_FOUND, CONFLICT (already revoked)
     */
    @Transaction()
    @Returns('string')
    async revokeConsent(ctx: Context, signedJson: string): Promise<string> {
        const envelope = parseEnvelopeArgument(signedJson);
        const revoke = readRevokePayload(envelope.payload);
        const tx = readTx(ctx);
        assertFresh(revoke.issuedAt, tx);
        assertChannel(ctx, revoke.channel);
        await assertActiveCaller(ctx, tx);
        const consent = await readRequired<Consent>(ctx, Keys.consent(revoke.consentId), `consent ${revoke.consentId}`);
        if (consent.patientId !== revoke.patientId) {
            throw new ChaincodeError(ErrorCodes.FORBIDDEN, `consent ${consent.consentId} is another patient's`);
        }
        await assertSignedByPatient(ctx, revoke.patientId, envelope);
        if (consent.status !== 'active') {
            throw new ChaincodeError(ErrorCodes.CONFLICT, `consent ${consent.consentId} is already revoked`);
        }
        const revoked: Consent = { ...consent, status: 'revoked', revokedAt: tx.time, revokeTxId: tx.txId };
        await writeState(ctx, Keys.consent(consent.consentId), revoked);
        emitEvent(ctx, 'ConsentRevoked', {
            consentId: consent.consentId,
            patientId: consent.patientId,
            grantee: consent.grantee,
            txId: tx.txId,
        });
        return toCanonicalJson(revoked);
    }

    /**
     * Reads one consent (the commission, or the organisation it names as grantee).
     * @param ctx - transaction context
     * @param consentId - the consent id
     * @returns the consent (canonical JSON)
     * @throws INVALID_INPUT, NOT_FOUND, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async readConsent(ctx: Context, consentId: string): Promise<string> {
        const id = readId(consentId, 'consentId');
        const consent = await readRequired<Consent>(ctx, Keys.consent(id), `consent ${id}`);
        assertVisible(mayReadConsent(await readViewer(ctx, readTx(ctx)), consent), `consent ${id}`);
        return toCanonicalJson(consent);
    }

    /**
     * Lists a patient's consents, ordered by grantee then consent id: every one to the commission, and to any
     * other organisation only those that name it (a prefix scan of its own, so pages are never short).
     * @param ctx - transaction context
     * @param patientId - the patient id
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns `{items, bookmark, fetchedRecordsCount}` (canonical JSON)
     * @throws INVALID_INPUT
     */
    @Transaction(false)
    @Returns('string')
    async listConsentsByPatient(ctx: Context, patientId: string, pageSize: string, bookmark: string): Promise<string> {
        const id = readPatientId(patientId, 'patientId');
        const viewer = await readViewer(ctx, readTx(ctx));
        const attributes = viewer.isCommission ? [id] : [id, viewer.mspId];
        return listByPatientPrefix(ctx, attributes, readPageRequest(pageSize, bookmark));
    }

    /**
     * The patient's own consents, every grantee: asked through the patient's signed query (view `consents`)
     * by the organisation the query names as its audience.
     * @param ctx - transaction context
     * @param signedQuery - `{payload: {type: "patient.query", …}, signature}`
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns `{items, bookmark, fetchedRecordsCount}` (canonical JSON)
     * @throws INVALID_INPUT, UNAUTHENTICATED, BAD_SIGNATURE
     */
    @Transaction(false)
    @Returns('string')
    async listConsentsForPatient(
        ctx: Context,
        signedQuery: string,
        pageSize: string,
        bookmark: string,
    ): Promise<string> {
        const page = readPageRequest(pageSize, bookmark);
        const query = await assertPatientQuery(ctx, readTx(ctx), signedQuery, 'consents');
        return listByPatientPrefix(ctx, [query.patientId], page);
    }

    /**
     * Lists the consents naming an organisation as grantee, ordered by patient then consent id (that
     * organisation or the commission).
     * @param ctx - transaction context
     * @param grantee - the grantee's MSP id
     * @param pageSize - 1–500
     * @param bookmark - empty for the first page, else the previous page's bookmark
     * @returns `{items, bookmark, fetchedRecordsCount}` (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN
     */
    @Transaction(false)
    @Returns('string')
    async listConsentsByGrantee(ctx: Context, grantee: string, pageSize: string, bookmark: string): Promise<string> {
        const id = readMspId(grantee, 'grantee');
        const page = readPageRequest(pageSize, bookmark);
        const viewer = await readViewer(ctx, readTx(ctx));
        assertVisible(viewer.isCommission || viewer.mspId === id, `the consents naming ${id}`);
        const prefix = { objectType: ObjectTypes.consentByGrantee, attributes: [id] };
        return toCanonicalJson(await listByPrefix<Consent>(ctx, prefix, page, Keys.consent));
    }
}
