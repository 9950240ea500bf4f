// SPDX-License-Identifier: Apache-2.0
/**
 * `POST /patients`: a hospital clinician registers a patient with the patient's own signed payload, and may
 * link the hospital's own identifiers of that patient (HL7 PID-3: assigning authority and value) so that the
 * HL7 feed finds the patient. The links stay at this hospital (docs/design.md "HL7 v2 intake").
 */
import { Router } from 'express';
import { toPatientId, toSpkiDer } from '../../../chaincode/src/crypto/patient-key';
import type { AppDeps } from '../app';
import { requireOrgType } from '../auth/org-type';
import { readEnvelope } from '../auth/patient';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors';
import type { LocalIdentifier } from '../hl7/links';
import { toTxFields } from '../ledger/contracts';
import { readObject, readText } from '../validation';

/** Most local identifiers one registration links. */
const MAX_IDENTIFIERS = 16;

function readIdentifiers(value: unknown): LocalIdentifier[] {
    if (value === undefined) {
        return [];
    }
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IDENTIFIERS) {
        throw new ApiError('INVALID_INPUT', `identifiers must be a list of 1 to ${MAX_IDENTIFIERS} {system, value}`);
    }
    return value.map((item: unknown, index) => {
        const identifier = readObject(item, `identifiers[${index}]`, ['system', 'value']);
        return {
            system: readText(identifier.system, `identifiers[${index}].system`, 64),
            value: readText(identifier.value, `identifiers[${index}].value`, 64),
        };
    });
}

/** The patient id a registration will have, when its key can be read (the chaincode checks it again). */
function expectedPatientId(payload: Readonly<Record<string, unknown>>): string | undefined {
    try {
        return toPatientId(toSpkiDer(payload.publicKey, 'publicKey'));
    } catch {
        return undefined;
    }
}

/**
 * The patient registration route.
 * @param config - this gateway's configuration
 * @param deps - contracts, tokens, and the HL7 intake that keeps local identifiers
 */
export function newPatientRegistrationRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    router.post(
        '/patients',
        requireStaff(deps.tokens, 'clinician'),
        requireOrgType(config, 'hospital'),
        async (req, res) => {
            const body = readObject(req.body, 'body', ['payload', 'signature'], ['identifiers']);
            const identifiers = readIdentifiers(body.identifiers);
            const envelope = readEnvelope({ payload: body.payload, signature: body.signature }, 'patient.register');
            if (identifiers.length > 0 && deps.hl7 === undefined) {
                throw new ApiError('INVALID_INPUT', 'This gateway keeps no local patient identifiers');
            }
            const expected = expectedPatientId(envelope.payload);
            if (identifiers.length > 0 && expected !== undefined) {
                await deps.hl7?.assertLinkable(expected, identifiers);
            }
            // The chaincode checks the key, the proof-of-possession signature and issuedAt.
            const submitted = await deps.contracts.registerPatient(envelope);
            const patientId = submitted.value.patientId;
            if (identifiers.length > 0) {
                await deps.hl7?.link(patientId, identifiers);
            }
            res.status(201).json({ patientId, ...toTxFields(submitted), identifiers: identifiers.length });
        },
    );
    return router;
}
