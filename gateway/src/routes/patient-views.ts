// SPDX-License-Identifier: Apache-2.0
/**
 * The patient's own views, each authorised by a signed `patient.query` made for this gateway, this view and
 * this moment (two minutes), used once: the records anchored for the patient, their consents, every access
 * event about them, and every claim filed on them. `limit` and `cursor` are query parameters.
 */
import { Router, type Request } from 'express';
import type { PatientView } from '../../../chaincode/src/protocol/vocabulary';
import type { AppDeps } from '../app';
import { checkPatientQuery, isQueryRefusal, NonceRegistry, toQueryError } from '../auth/patient';
import type { GatewayConfig } from '../config';
import type { Page, PageRequest, SignedEnvelope } from '../ledger/contracts';
import { toListBody } from '../paging';
import { assertQueryKeys, readPage } from '../validation';

type Lister = (query: SignedEnvelope, page: PageRequest) => Promise<Page<unknown>>;

/**
 * The patient's routes.
 * @param config - this gateway's configuration (its MSP id is every query's audience)
 * @param deps - contracts and clock
 */
export function newPatientViewRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    const nonces = new NonceRegistry(deps.clock().getTime());
    const { contracts } = deps;
    const views: Readonly<Record<string, { view: PatientView; list: Lister }>> = {
        '/patient/records': { view: 'records', list: (q, page) => contracts.listRecordsForPatient(q, page) },
        '/patient/consents': { view: 'consents', list: (q, page) => contracts.listConsentsForPatient(q, page) },
        '/patient/access-log': { view: 'access-log', list: (q, page) => contracts.listAccessForPatient(q, page) },
        '/patient/claims': { view: 'claims', list: (q, page) => contracts.listClaimsForPatient(q, page) },
    };
    for (const [path, { view, list }] of Object.entries(views)) {
        router.post(path, async (req: Request, res) => {
            assertQueryKeys(req.query, ['limit', 'cursor']);
            const page = readPage(req.query);
            const binding = { audience: config.org.mspId, channel: config.channel, view };
            const { envelope, patientId, nonce } = checkPatientQuery(req.body, binding, deps.clock(), nonces);
            const listed = await list(envelope, page).catch((error: unknown) => {
                if (isQueryRefusal(error)) {
                    nonces.release(patientId, nonce);
                }
                throw toQueryError(error);
            });
            res.json(toListBody(listed));
        });
    }
    return router;
}
