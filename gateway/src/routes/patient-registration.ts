// SPDX-License-Identifier: Apache-2.0
/** `POST /patients`: a hospital clinician registers a patient with the patient's own signed payload. */
import { Router } from 'express';
import type { AppDeps } from '../app';
import { requireOrgType } from '../auth/org-type';
import { readEnvelope } from '../auth/patient';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { toTxFields } from '../ledger/contracts';

/**
 * The patient registration route.
 * @param config - this gateway's configuration
 * @param deps - contracts and tokens
 */
export function newPatientRegistrationRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    router.post(
        '/patients',
        requireStaff(deps.tokens, 'clinician'),
        requireOrgType(config, 'hospital'),
        async (req, res) => {
            // The chaincode checks the key, the proof-of-possession signature and issuedAt.
            const submitted = await deps.contracts.registerPatient(readEnvelope(req.body, 'patient.register'));
            res.status(201).json({ patientId: submitted.value.patientId, ...toTxFields(submitted) });
        },
    );
    return router;
}
