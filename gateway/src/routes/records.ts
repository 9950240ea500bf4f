// SPDX-License-Identifier: Apache-2.0
/**
 * Records (docs/api.md "Records"): a hospital clinician publishes a FHIR R4 record (stored here, anchored on the
 * ledger); staff read the region-wide index; a hospital clinician or an insurer's claims staff fetch a record
 * from its custodian under a ledger grant.
 */
import { Router, type RequestHandler } from 'express';
import type { RecordFetcher } from '../app';
import { requireOrgType } from '../auth/org-type';
import { requireStaff, staffOf } from '../auth/staff';
import type { TokenStore } from '../auth/tokens';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors';
import type { LedgerContracts } from '../ledger/contracts';
import { assertQueryKeys, queryParam, readObject, readPage, readPatientId, readText, toCursor } from '../validation';
import { readLedgerId, readPublishRequest, type PublishRequest } from '../custody/fhir';
import type { Published } from '../custody/publisher';

/** What the record routes need. */
export interface RecordRoutesDeps {
    readonly tokens: TokenStore;
    readonly contracts: Pick<LedgerContracts, 'readRecord' | 'listRecordsByPatient'>;
    /** Stores and anchors a validated record. */
    readonly publish: (request: PublishRequest) => Promise<Published>;
    readonly fetcher: RecordFetcher;
}

/** Longest justification of a break-the-glass fetch (the chaincode's limit). */
const MAX_JUSTIFICATION = 500;

/**
 * Lets through a hospital's clinicians and an insurer's claims staff only.
 * @param config - this gateway's configuration
 */
function requireFetcherRole(config: GatewayConfig): RequestHandler {
    return (_req, res, next) => {
        const { role } = staffOf(res);
        const allowed =
            (config.org.type === 'hospital' && role === 'clinician') ||
            (config.org.type === 'insurer' && role === 'claims');
        if (!allowed) {
            throw new ApiError('FORBIDDEN', 'Records are fetched by hospital clinicians and insurer claims staff');
        }
        next();
    };
}

/**
 * The record routes.
 * @param config - this gateway's configuration
 * @param deps - tokens, ledger facade, publisher, fetcher
 */
export function newRecordRoutes(config: GatewayConfig, deps: RecordRoutesDeps): Router {
    const router = Router();
    router.post(
        '/records',
        requireStaff(deps.tokens, 'clinician'),
        requireOrgType(config, 'hospital'),
        async (req, res) => {
            const published = await deps.publish(readPublishRequest(req.body));
            res.status(201).json(published);
        },
    );
    router.get('/records', requireStaff(deps.tokens), async (req, res) => {
        assertQueryKeys(req.query, ['patientId', 'limit', 'cursor']);
        const patientId = readPatientId(queryParam(req.query, 'patientId'), 'patientId');
        const page = await deps.contracts.listRecordsByPatient(patientId, readPage(req.query));
        res.json({ items: page.items, nextCursor: toCursor(page.bookmark) });
    });
    router.get('/records/:recordId', requireStaff(deps.tokens), async (req, res) => {
        res.json(await deps.contracts.readRecord(readLedgerId(req.params.recordId, 'recordId')));
    });
    router.post(
        '/records/:recordId/fetch',
        requireStaff(deps.tokens, 'clinician', 'claims'),
        requireFetcherRole(config),
        async (req, res) => {
            const recordId = readLedgerId(req.params.recordId, 'recordId');
            const body = readObject(req.body, 'body', ['purpose'], ['justification']);
            const justification =
                body.justification === undefined
                    ? {}
                    : { justification: readText(body.justification, 'justification', MAX_JUSTIFICATION) };
            const purpose = typeof body.purpose === 'string' ? body.purpose : '';
            res.json(await deps.fetcher.fetch({ recordId, purpose, ...justification }));
        },
    );
    return router;
}
