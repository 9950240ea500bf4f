// SPDX-License-Identifier: Apache-2.0
/**
 * The FHIR R4 REST view (docs/api.md "FHIR R4 REST view"): `GET /fhir/metadata`, and for each resource type
 * of the table in `gateway/src/fhir/resources.ts` a search (`GET /fhir/{type}?…`) and a read
 * (`GET /fhir/{type}/{id}`), behind the same staff tokens and roles as the matching JSON routes. Other methods
 * on these paths answer 405; other formats than JSON 406.
 */
import { Router, type Request, type RequestHandler } from 'express';
import type { AppDeps } from '../app';
import { requireOrgType } from '../auth/org-type';
import { requireStaff } from '../auth/staff';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors';
import { readSearchPaging, toSearchBundle, type SearchRequest } from '../fhir/bundle';
import { toCapabilityStatement } from '../fhir/capability';
import { fhirErrorMiddleware, negotiateFormat, sendFhir } from '../fhir/format';
import type { FhirContext, FhirResourceHandler } from '../fhir/resource-handler';
import { FhirResources, searchParamsOf } from '../fhir/resources';
import { FORMAT_PARAM, parseSearch } from '../fhir/search-params';

/** The query of a request as given (order and repeats kept), and the same without `_format`. */
function queryOf(req: Request): { given: URLSearchParams; search: URLSearchParams } {
    const given = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const search = new URLSearchParams(given);
    search.delete(FORMAT_PARAM);
    return { given, search };
}

function baseOf(req: Request): string {
    return `${req.protocol}://${req.get('host') ?? 'localhost'}/fhir`;
}

function assertNoParameters(req: Request): void {
    const [name] = [...queryOf(req).search.keys()];
    if (name !== undefined) {
        throw new ApiError('INVALID_INPUT', `the parameter ${name.slice(0, 40)} is not supported here`);
    }
}

const methodNotAllowed: RequestHandler = (req, res) => {
    res.set('Allow', 'GET, HEAD');
    throw new ApiError('METHOD_NOT_ALLOWED', `${req.method} is not supported: the FHIR view is read-only`);
};

function guardOf(config: GatewayConfig, deps: AppDeps, handler: FhirResourceHandler): RequestHandler[] {
    const staff = requireStaff(deps.tokens, ...handler.roles);
    return handler.orgTypes === undefined ? [staff] : [staff, requireOrgType(config, ...handler.orgTypes)];
}

function serveResource(router: Router, config: GatewayConfig, deps: AppDeps, handler: FhirResourceHandler): void {
    const path = `/fhir/${handler.type}`;
    const context = (): FhirContext => ({ contracts: deps.contracts, config, now: deps.clock() });
    const guard = guardOf(config, deps, handler);
    router.get(path, ...guard, async (req, res) => {
        const { given, search } = queryOf(req);
        const parsed = parseSearch(search, searchParamsOf(handler));
        const at = context();
        const page = await handler.search(at, parsed, readSearchPaging(parsed));
        const request: SearchRequest = { base: baseOf(req), type: handler.type, query: given };
        sendFhir(
            res,
            toSearchBundle(request, page, (resource) => handler.urnOf(resource), at.now),
        );
    });
    router.get(`${path}/:id`, ...guard, async (req: Request<{ id: string }>, res) => {
        assertNoParameters(req);
        sendFhir(res, await handler.read(context(), req.params.id));
    });
    router.all([path, `${path}/:id`], methodNotAllowed);
}

/**
 * The FHIR routes.
 * @param config - this gateway's configuration
 * @param deps - contracts, tokens, clock
 */
export function newFhirRoutes(config: GatewayConfig, deps: AppDeps): Router {
    const router = Router();
    router.use('/fhir', negotiateFormat());
    router.get('/fhir/metadata', (req, res) => {
        assertNoParameters(req);
        sendFhir(res, toCapabilityStatement(config, FhirResources, baseOf(req), deps.clock()));
    });
    router.all('/fhir/metadata', methodNotAllowed);
    for (const handler of FhirResources) {
        serveResource(router, config, deps, handler);
    }
    router.use('/fhir', fhirErrorMiddleware());
    return router;
}
