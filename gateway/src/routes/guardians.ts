// SPDX-License-Identifier: Apache-2.0
/**
 * Guardians (docs/api.md "Guardians"): a hospital clinician registers a guardian's key for a patient, with the
 * guardian's signed request and the patient's signed approval or, for a child under fourteen, the hospital's
 * attestation; the patient ends a guardianship with a signed `guardianship.end` (anyone may deliver it, as a
 * revocation); the registering hospital ends it when the child turns fourteen; staff list a patient's
 * guardianships as the ledger lets them. The chaincode checks every signature and rule.
 */
import { Router } from 'express';
import { GuardianAttestationReasons, GuardianshipEndReasons } from '../../../chaincode/src/protocol/vocabulary';
import type { AppDeps } from '../app';
import { requireOrgType } from '../auth/org-type';
import { readEnvelope } from '../auth/patient';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors';
import { toTxFields, type GuardianInput, type Guardianship, type Submitted } from '../ledger/contracts';
import { assertQueryKeys, queryParam, readEnum, readObject, readPatientId } from '../validation';

/** Oldest birth year accepted in an attestation (the chaincode checks the age itself). */
const MIN_BIRTH_YEAR = 1900;

function readAttestation(value: unknown): NonNullable<GuardianInput['attestation']> {
    const body = readObject(value, 'attestation', ['reason'], ['birthYear']);
    const reason = readEnum(body.reason, 'attestation.reason', GuardianAttestationReasons);
    if (body.birthYear === undefined) {
        return { reason };
    }
    if (!Number.isSafeInteger(body.birthYear) || (body.birthYear as number) < MIN_BIRTH_YEAR) {
        throw new ApiError('INVALID_INPUT', `attestation.birthYear must be a year from ${MIN_BIRTH_YEAR}`);
    }
    return { reason, birthYear: body.birthYear as number };
}

/**
 * Reads `{guardian, approval?, attestation?}`: envelopes are shape-checked only, the chaincode verifies them.
 * @param body - the request body
 * @throws ApiError INVALID_INPUT
 */
function readGuardianInput(body: unknown): GuardianInput {
    const input = readObject(body, 'body', ['guardian'], ['approval', 'attestation']);
    if ((input.approval === undefined) === (input.attestation === undefined)) {
        throw new ApiError('INVALID_INPUT', 'Give the patient’s signed approval or the hospital’s attestation');
    }
    return {
        guardian: readEnvelope(input.guardian, 'guardian.register'),
        ...(input.approval === undefined ? {} : { approval: readEnvelope(input.approval, 'guardian.approve') }),
        ...(input.attestation === undefined ? {} : { attestation: readAttestation(input.attestation) }),
    };
}

function toAnswer(submitted: Submitted<Guardianship>): Record<string, unknown> {
    const { patientId, guardianId, status } = submitted.value;
    return { patientId, guardianId, status, ...toTxFields(submitted) };
}

/**
 * The guardian routes.
 * @param config - this gateway's configuration
 * @param deps - contracts and tokens
 */
export function newGuardianRoutes(config: GatewayConfig, deps: Pick<AppDeps, 'contracts' | 'tokens'>): Router {
    const router = Router();
    const clinicianAtHospital = [requireStaff(deps.tokens, 'clinician'), requireOrgType(config, 'hospital')];
    router.post('/guardians', ...clinicianAtHospital, async (req, res) => {
        res.status(201).json(toAnswer(await deps.contracts.registerGuardian(readGuardianInput(req.body))));
    });
    router.post('/guardians/end', async (req, res) => {
        res.json(toAnswer(await deps.contracts.endGuardianship(readEnvelope(req.body, 'guardianship.end'))));
    });
    router.post('/patients/:patientId/guardians/:guardianId/end', ...clinicianAtHospital, async (req, res) => {
        const body = readObject(req.body ?? {}, 'body', ['reason']);
        const request = {
            patientId: readPatientId(req.params.patientId, 'patientId'),
            guardianId: readPatientId(req.params.guardianId, 'guardianId'),
            reason: readEnum(body.reason, 'reason', GuardianshipEndReasons),
        };
        res.json(toAnswer(await deps.contracts.endGuardianshipByHospital(request)));
    });
    router.get('/guardians', requireStaff(deps.tokens), async (req, res) => {
        assertQueryKeys(req.query, ['patientId']);
        const patientId = readPatientId(queryParam(req.query, 'patientId'), 'patientId');
        res.json({ items: await deps.contracts.listGuardians(patientId), nextCursor: null });
    });
    return router;
}
