// SPDX-License-Identifier: Apache-2.0
/**
 * Consents: granted and revoked by patient-signed payloads (anyone may deliver them; the chaincode checks
 * the signature against the patient's registered key), listed for staff.
 */
import { Router } from 'express';
import type { AppDeps } from '../app';
import { readEnvelope } from '../auth/patient';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors';
import { toTxFields } from '../ledger/contracts';
import { toListBody } from '../paging';
import { assertQueryKeys, queryParam, readId, readPage, readPatientId } from '../validation';

/**
 * The consent routes.
 * @param config - this gateway's configuration
 * @param deps - contracts and tokens
 */
export function newConsentRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    const me = config.org.mspId;
    const isCommission = config.org.type === 'commission';
    router.post('/consents', async (req, res) => {
        const submitted = await deps.contracts.grantConsent(readEnvelope(req.body, 'consent.grant'));
        res.status(201).json({ consentId: submitted.value.consentId, ...toTxFields(submitted) });
    });
    router.post('/consents/:consentId/revoke', async (req, res) => {
        const consentId = readId(req.params.consentId, 'consentId');
        const envelope = readEnvelope(req.body, 'consent.revoke');
        if (envelope.payload.consentId !== consentId) {
            throw new ApiError('INVALID_INPUT', 'payload.consentId must be the consent named in the path');
        }
        const submitted = await deps.contracts.revokeConsent(envelope);
        res.json({ consentId, status: submitted.value.status, ...toTxFields(submitted) });
    });
    router.get('/consents', requireStaff(deps.tokens), async (req, res) => {
        assertQueryKeys(req.query, ['patientId', 'limit', 'cursor']);
        const page = readPage(req.query);
        const patientParam = queryParam(req.query, 'patientId');
        if (patientParam === undefined) {
            if (isCommission) {
                throw new ApiError('INVALID_INPUT', 'patientId is required');
            }
            res.json(toListBody(await deps.contracts.listConsentsByGrantee(me, page)));
            return;
        }
        const patientId = readPatientId(patientParam, 'patientId');
        // The chaincode answers the commission every consent and any other organisation those naming it.
        res.json(toListBody(await deps.contracts.listConsentsByPatient(patientId, page)));
    });
    return router;
}
