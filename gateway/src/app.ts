// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway's HTTP API as an express app that does not listen (`main.ts` serves it over HTTPS).
 *
 * Interfaces (shared with the custody part, `gateway/src/custody/index.ts`):
 * - {@link AppDeps}: everything a route needs, passed down (no globals) — the `Ledger`, its typed facade
 *   `LedgerContracts`, the staff `TokenStore`, the pino logger, the `Metrics`, a clock, and optionally
 *   `custody`: the record routes (`router`, mounted as is) and the requester-side `fetcher` that the
 *   claims routes use to fetch supporting records under PAYMENT; and, at the commission, the `auditView`
 *   behind `GET /audit/stats`.
 * - Order of middleware: request id (AsyncLocalStorage) → access log and metrics → JSON body (every
 *   route, `POST /records` up to `limits.recordBytes`, everything else up to `limits.jsonBytes`; only
 *   `application/json` and `application/fhir+json`; `__proto__`/`constructor`/`prototype` keys refused)
 *   → routes (custody's router first) → the web portal (`static.ts`) → 404 NOT_FOUND → the one error
 *   middleware (OperationOutcome).
 *   The custody router therefore receives `req.body` already parsed and checked.
 */
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { TokenStore } from './auth/tokens';
import type { GatewayConfig } from './config';
import { ApiError, errorMiddleware } from './errors';
import type { LedgerContracts, RecordEntry } from './ledger/contracts';
import type { Ledger } from '../../network/src/ledger';
import { accessLogMiddleware, requestIdMiddleware } from './logging';
import type { Metrics } from './metrics';
import type { AuditView } from './audit/audit-view';
import { newAuditRoutes } from './routes/audit';
import { newAuditViewRoutes } from './routes/audit-view';
import { newClaimRoutes } from './routes/claims';
import { newConsentRoutes } from './routes/consents';
import { newExplainRoutes } from './routes/explain';
import { newFhirRoutes } from './routes/fhir';
import { newGuardianRoutes } from './routes/guardians';
import { newHealthRoutes } from './routes/health';
import { newLedgerRoutes } from './routes/ledger';
import { newOrgRoutes } from './routes/orgs';
import { newPatientRegistrationRoutes } from './routes/patient-registration';
import { newPatientViewRoutes } from './routes/patient-views';
import { unauthenticatedLimit } from './rate-limit';
import { newPortalRoutes } from './static';
import { jsonBody } from './validation';
import type { Hl7Intake } from './hl7/service';

/** What the requester side of a record fetch returns: the entry, the verified content and the ledger ids. */
export interface FetchResult {
    /** The record's index entry. */
    readonly entry: RecordEntry;
    /** The FHIR content, verified against the entry's salted hash. */
    readonly resource: unknown;
    readonly accessId: string;
    readonly deliveryTxId: string;
}

/** Fetches a record from its custodian after the ledger grants access (custody's requester side). */
export interface RecordFetcher {
    /**
     * @throws ApiError ACCESS_DENIED (extra: `reason`, `accessId`), INTEGRITY_FAILURE, PEER_UNAVAILABLE,
     *   LEDGER_UNAVAILABLE, NOT_FOUND
     */
    fetch(input: { recordId: string; purpose: string; justification?: string }): Promise<FetchResult>;
}

/** The custody part's contribution to the API. */
export interface CustodyRoutes {
    /** `POST /records`, `GET /records`, `GET /records/:id`, `POST /records/:id/fetch`. */
    readonly router: Router;
    readonly fetcher: RecordFetcher;
    /** An organisation's status as the chaincode events last told it (undefined: not seen yet). */
    readonly orgStatus?: (mspId: string) => string | undefined;
}

/** Everything the routes need. */
export interface AppDeps {
    readonly ledger: Ledger;
    readonly contracts: LedgerContracts;
    readonly tokens: TokenStore;
    readonly logger: Logger;
    readonly metrics: Metrics;
    /** The gateway's clock (signed-query freshness, audit defaults). */
    readonly clock: () => Date;
    readonly custody?: CustodyRoutes;
    /** The commission's audit view (docs/design.md "The audit view"); other gateways keep none. */
    readonly auditView?: AuditView;
    /** The HL7 v2 intake, at a hospital: its operator routes and the patient links of `POST /patients`. */
    readonly hl7?: Pick<Hl7Intake, 'router' | 'link' | 'assertLinkable'>;
}

/**
 * Builds the gateway's API.
 * @param config - this gateway's configuration
 * @param deps - ledger, tokens, logger, metrics, clock, and the custody routes when present
 * @returns an express app; it does not listen
 */
export function createApp(config: GatewayConfig, deps: AppDeps): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.set('query parser', 'simple');
    app.use(requestIdMiddleware());
    app.use(accessLogMiddleware(deps.logger, deps.metrics));
    // A body parsed by the first parser is skipped by the second (the request stream is finished).
    app.post('/records', ...jsonBody(config.limits.recordBytes));
    app.use(...jsonBody(config.limits.jsonBytes));
    const limited = unauthenticatedLimit(config.rateLimit);
    app.post(['/consents', '/consents/:consentId/revoke', '/guardians/end', '/patient/*path'], limited);
    app.get('/directory', limited);
    app.use(newHealthRoutes(config, deps));
    if (deps.custody) {
        app.use(deps.custody.router);
    }
    if (deps.hl7) {
        app.use(deps.hl7.router);
    }
    app.use(newOrgRoutes(config, deps));
    app.use(newPatientRegistrationRoutes(config, deps));
    app.use(newConsentRoutes(config, deps));
    app.use(newPatientViewRoutes(config, deps));
    app.use(newExplainRoutes(config, deps));
    app.use(newGuardianRoutes(config, deps));
    app.use(newAuditViewRoutes(config, deps));
    app.use(newAuditRoutes(config, deps));
    app.use(newLedgerRoutes(config, deps));
    app.use(newClaimRoutes(config, deps));
    app.use(newFhirRoutes(config, deps));
    app.use(newPortalRoutes(config, deps));
    app.use((req) => {
        throw new ApiError('NOT_FOUND', `No route ${req.method} ${req.path.slice(0, 100)}`);
    });
    app.use(errorMiddleware(deps.logger));
    return app;
}
