// SPDX-License-Identifier: Apache-2.0
/**
 * Patients: a pseudonymous id derived from the patient's own P-256 key, registered by a hospital with
 * the patient's proof-of-possession signature.
 */
// Context is imported as a value: emitDecoratorMetadata records it as the first parameter's type, which
// fabric-contract-api needs to recognise the transaction context.
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { fromSpkiDer, toPatientId, toSpkiDer } from '../crypto/patient-key';
import { assertPatientSignature } from '../crypto/signature';
import { parseEnvelopeArgument } from '../model/input';
import { readRegisterPayload } from '../protocol/payload-readers';
import { assertChannel, assertFresh } from '../ledger/patients';
import { emitEvent, readRequired, readState, writeState } from '../ledger/state';
import { assertActiveCaller, readTx } from '../ledger/tx';
import { toCanonicalJson } from '../protocol/canonical-json';
import { readPatientId } from '../protocol/input';
import { Keys } from '../model/keys';
import type { Patient } from '../protocol/state';
import { HealthContract } from './base';

/** Patients. Contract name `patient`. */
@Info({ title: 'patient', description: 'Patient registration by proof of possession of the patient key' })
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
}
