// SPDX-License-Identifier: Apache-2.0
/**
 * Patients: a pseudonymous id derived from the patient's own P-256 key, registered by a hospital with
 * the patient's proof-of-possession signature; and their guardians (docs/design.md "Guardians"), whose keys
 * sign for the patient while their guardianship is active.
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ChaincodeError, ErrorCodes } from '../errors';
import { fromSpkiDer, toPatientId, toSpkiDer } from '../crypto/patient-key';
import { assertPatientSignature } from '../crypto/signature';
import { parseEnvelopeArgument } from '../model/input';
import { readGuardianRequest, readHospitalEndRequest } from '../model/guardian-input';
import { readGuardianshipPayload, readRegisterPayload } from '../protocol/payload-readers';
import { PayloadTypes } from '../protocol/payloads';
import { readActiveGuardianship, readNewGuardianship, toEnded } from '../ledger/guardians';
import { assertChannel, assertFresh, assertPatientQuery, assertSignedByPatient } from '../ledger/patients';
import { readAllValuesByPrefix } from '../ledger/query';
import { emitEvent, readRequired, readState, writeState } from '../ledger/state';
import { assertActiveCaller, readTx } from '../ledger/tx';
import type { Tx } from '../ledger/tx';
import { readViewer } from '../ledger/viewer';
import { toCanonicalJson } from '../protocol/canonical-json';
import { readPatientId } from '../protocol/input';
import { Keys, ObjectTypes } from '../model/keys';
import type { Guardianship, Patient } from '../protocol/state';
import { mayReadGuardianship } from '../rules/visibility';
import { HealthContract } from './base';

async function readGuardianships(ctx: Context, patientId: string): Promise<Guardianship[]> {
    return readAllValuesByPrefix<Guardianship>(ctx, { objectType: ObjectTypes.guardianship, attributes: [patientId] });
}

async function writeEnded(ctx: Context, tx: Tx, ended: Guardianship): Promise<string> {
    await writeState(ctx, Keys.guardianship(ended.patientId, ended.guardianId), ended);
    const { patientId, guardianId, endedBy, endReason } = ended;
    emitEvent(ctx, 'GuardianshipEnded', { patientId, guardianId, endedBy, endReason, txId: tx.txId });
    return toCanonicalJson(ended);
}

/** Patients. Contract name `patient`. */
@Info({ title: 'patient', description: 'Patients (proof of possession of the patient key) and their guardians' })
export class PatientContract extends HealthContract {
    constructor() {
        super('patient');
    }

    /**
     * Registers a patient. The payload `{type: "patient.register", publicKey, issuedAt}` carries the
     * patient's P-256 public key (SPKI PEM or JWK) and is signed by that key. Registering a key again
     * returns the existing entry unchanged.
     * @param ctx - transaction context
     * @param signedJson - `{payload, signature}`
     * @returns the patient `{patientId, publicKey, registeredBy, registeredAt, txId}` (canonical JSON)
     * @throws INVALID_INPUT (shape, key, issuedAt window), FORBIDDEN (caller not a hospital),
     *   ORG_NOT_ACTIVE, BAD_SIGNATURE
     */
    @Transaction()
    @Returns('string')
    async registerPatient(ctx: Context, signedJson: string): Promise<string> {
        const envelope = parseEnvelopeArgument(signedJson);
        const payload = readRegisterPayload(envelope.payload);
        const spki = toSpkiDer(payload.publicKey, 'payload.publicKey');
        const tx = readTx(ctx);
        assertFresh(payload.issuedAt, tx);
        assertChannel(ctx, payload.channel);
        assertPatientSignature(envelope.payload, envelope.signature, fromSpkiDer(spki));
        await assertActiveCaller(ctx, tx, ['hospital']);
        const patientId = toPatientId(spki);
        const existing = await readState<Patient>(ctx, Keys.patient(patientId));
        if (existing !== null) {
            return toCanonicalJson(existing);
        }
        const patient: Patient = {
            patientId,
            publicKey: spki.toString('base64url'),
            registeredBy: tx.caller,
            registeredAt: tx.time,
            txId: tx.txId,
        };
        await writeState(ctx, Keys.patient(patientId), patient);
        emitEvent(ctx, 'PatientRegistered', { patientId, registeredBy: tx.caller, txId: tx.txId });
        return toCanonicalJson(patient);
    }

    /**
     * Reads a patient.
     * @param ctx - transaction context
     * @param patientId - the patient id
     * @returns the patient (canonical JSON)
     * @throws INVALID_INPUT, NOT_FOUND
     */
    @Transaction(false)
    @Returns('string')
    async readPatient(ctx: Context, patientId: string): Promise<string> {
        const id = readPatientId(patientId, 'patientId');
        return toCanonicalJson(await readRequired<Patient>(ctx, Keys.patient(id), `patient ${id}`));
    }

    /**
     * Registers a guardian's key for a patient (an active hospital). The guardian signs a `guardian.register`
     * naming the patient with its own key (proof of possession); the patient approves it with a signed
     * `guardian.approve`, or, for a child under fourteen, the hospital that registered the patient attests it
     * (`minor-under-14`, birth year optional; a birth year more than fourteen years back is refused). From then on
     * the guardian signs grants, revocations and queries for the patient (`signer`). Registering the same guardian
     * again returns the guardianship unchanged.
     * @param ctx - transaction context
     * @param requestJson - `{guardian: {payload: guardian.register, signature}, approval?: {payload:
     *   guardian.approve, signature}, attestation?: {reason: "minor-under-14", birthYear?}}`, exactly one of
     *   approval and attestation
     * @returns the guardianship (canonical JSON)
     * @throws INVALID_INPUT, BAD_SIGNATURE, FORBIDDEN (caller not a hospital; an attestation by another hospital
     *   than the patient's), ORG_NOT_ACTIVE, NOT_FOUND (patient), CONFLICT (this guardianship has ended)
     */
    @Transaction()
    @Returns('string')
    async registerGuardian(ctx: Context, requestJson: string): Promise<string> {
        const request = readGuardianRequest(requestJson);
        const tx = readTx(ctx);
        await assertActiveCaller(ctx, tx, ['hospital']);
        const { guardianship, isNew } = await readNewGuardianship(ctx, tx, request);
        if (isNew) {
            const { patientId, guardianId, basis } = guardianship;
            await writeState(ctx, Keys.guardianship(patientId, guardianId), guardianship);
            emitEvent(ctx, 'GuardianRegistered', {
                patientId,
                guardianId,
                basis,
                registeredBy: tx.caller,
                txId: tx.txId,
            });
        }
        return toCanonicalJson(guardianship);
    }

    /**
     * Ends a guardianship by the patient's signed `guardianship.end`; any active member may submit it. The
     * guardian's later signatures are refused with GUARDIANSHIP_ENDED.
     * @param ctx - transaction context
     * @param signedJson - `{payload: {type: "guardianship.end", patientId, guardianId, issuedAt, channel}, signature}`
     * @returns the ended guardianship (canonical JSON)
     * @throws INVALID_INPUT, BAD_SIGNATURE, FORBIDDEN (caller not registered), ORG_NOT_ACTIVE, NOT_FOUND, CONFLICT
     *   (already ended)
     */
    @Transaction()
    @Returns('string')
    async endGuardianship(ctx: Context, signedJson: string): Promise<string> {
        const envelope = parseEnvelopeArgument(signedJson);
        const end = readGuardianshipPayload(envelope.payload, PayloadTypes.guardianshipEnd);
        const tx = readTx(ctx);
        assertFresh(end.issuedAt, tx);
        assertChannel(ctx, end.channel);
        await assertActiveCaller(ctx, tx);
        await assertSignedByPatient(ctx, end.patientId, envelope);
        const guardianship = await readActiveGuardianship(ctx, end.patientId, end.guardianId);
        return writeEnded(ctx, tx, toEnded(guardianship, tx, end.patientId, 'patient'));
    }

    /**
     * Ends a guardianship the caller registered, when the child has turned fourteen (`reached-14`): from then on
     * the patient signs for themselves.
     * @param ctx - transaction context
     * @param requestJson - `{patientId, guardianId, reason: "reached-14"}`
     * @returns the ended guardianship (canonical JSON)
     * @throws INVALID_INPUT, FORBIDDEN (not a hospital; another hospital registered it), ORG_NOT_ACTIVE,
     *   NOT_FOUND, CONFLICT (already ended)
     */
    @Transaction()
    @Returns('string')
    async endGuardianshipByHospital(ctx: Context, requestJson: string): Promise<string> {
        const request = readHospitalEndRequest(requestJson);
        const tx = readTx(ctx);
        await assertActiveCaller(ctx, tx, ['hospital']);
        const guardianship = await readActiveGuardianship(ctx, request.patientId, request.guardianId);
        if (guardianship.registeredBy !== tx.caller) {
            throw new ChaincodeError(
                ErrorCodes.FORBIDDEN,
                `only ${guardianship.registeredBy}, which registered this guardianship, may end it`,
            );
        }
        return writeEnded(ctx, tx, toEnded(guardianship, tx, tx.caller, request.reason));
    }

    /**
     * A patient's guardianships, active and ended, in guardian id order: every one to the commission, those it
     * registered to a hospital, none to anyone else.
     * @param ctx - transaction context
     * @param patientId - the patient
     * @returns an array of guardianships (canonical JSON)
     * @throws INVALID_INPUT
     */
    @Transaction(false)
    @Returns('string')
    async listGuardians(ctx: Context, patientId: string): Promise<string> {
        const id = readPatientId(patientId, 'patientId');
        const viewer = await readViewer(ctx, readTx(ctx));
        const all = await readGuardianships(ctx, id);
        return toCanonicalJson(all.filter((guardianship) => mayReadGuardianship(viewer, guardianship)));
    }

    /**
     * The patient's own guardianships, asked through a signed query (view `guardians`) by the patient or by one of
     * their guardians, for the organisation the query names as its audience.
     * @param ctx - transaction context
     * @param signedQuery - `{payload: {type: "patient.query", …, view: "guardians"}, signature}`
     * @returns an array of guardianships (canonical JSON)
     * @throws INVALID_INPUT, UNAUTHENTICATED, GUARDIANSHIP_ENDED, BAD_SIGNATURE
     */
    @Transaction(false)
    @Returns('string')
    async listGuardiansForPatient(ctx: Context, signedQuery: string): Promise<string> {
        const query = await assertPatientQuery(ctx, readTx(ctx), signedQuery, 'guardians');
        return toCanonicalJson(await readGuardianships(ctx, query.patientId));
    }
}
