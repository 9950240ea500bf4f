// SPDX-License-Identifier: Apache-2.0
/**
 * The patient's own views, authorised by a signed `patient.query` (valid 5 minutes): index entries,
 * consents and every access event about the patient. `limit` and `cursor` are query parameters.
 */
import { Router, type Request } from 'express';
import type { AppDeps } from '../app';
import { verifyPatientQuery } from '../auth/patient';
import type { GatewayConfig } from '../config';
import type { Page, PageRequest } from '../ledger/contracts';
import { assertQueryKeys, readPage } from '../validation';
import { toListBody } from './consents';

type Lister = (patientId: string, page: PageRequest) => Promise<Page<unknown>>;

/**
 * The patient's routes.
 * @param _config - this gateway's configuration
 * @param deps - contracts and clock
 */
export function newPatientSelfRoutes(_config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    const views: Readonly<Record<string, Lister>> = {
        '/patient/records': (patientId, page) => deps.contracts.listRecordsByPatient(patientId, page),
        '/patient/consents': (patientId, page) => deps.contracts.listConsentsByPatient(patientId, page),
        '/patient/access-log': (patientId, page) => deps.contracts.listAccessByPatient(patientId, page),
    };
    for (const [path, list] of Object.entries(views)) {
        router.post(path, async (req: Request, res) => {
            assertQueryKeys(req.query, ['limit', 'cursor']);
            const page = readPage(req.query);
            const query = await verifyPatientQuery(req.body, deps.contracts, deps.clock());
            res.json(toListBody(await list(query.patientId, page)));
        });
    }
    return router;
}
