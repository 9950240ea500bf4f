// SPDX-License-Identifier: Apache-2.0
/**
 * The FHIR R4 view over HTTP, driven by a standard FHIR client (fhir-kit-client) that follows `next` links to
 * the end; every answer is checked with an independent validator, and every search against what the JSON API
 * answers the same caller (docs/api.md "FHIR R4 REST view").
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import type { AuditEvent, Bundle, CapabilityStatement, Consent, DocumentReference, Resource } from '@medplum/fhirtypes';
import { Router } from 'express';
import type { Client, FhirResource } from 'fhir-kit-client' with { 'resolution-mode': 'import' };
import type { CustodyRoutes, RecordFetcher } from '../../../gateway/src/app';
import { ApiError } from '../../../gateway/src/errors';
import type { AccessEvent, Consent as LedgerConsent, RecordEntry } from '../../../gateway/src/ledger/contracts';
import { auditEventHandler } from '../../../gateway/src/fhir/audit-event';
import { consentHandler } from '../../../gateway/src/fhir/consent';
import { documentReferenceHandler } from '../../../gateway/src/fhir/document-reference';
import { parseSearch } from '../../../gateway/src/fhir/search-params';
import { newRecordRoutes } from '../../../gateway/src/routes/records';
import {
    grantPayload,
    newTestPatient,
    registerPayload,
    revokePayload,
    signPayload,
    type TestPatient,
} from '../../chaincode/helpers/patients';
import { assertValidFhir } from '../../helpers/fhir-validator';
import {
    call,
    newTestRegion,
    Orgs,
    outcomeCode,
    type OrgName,
    type TestGateway,
    type TestRegion,
} from '../../helpers/gateway';

type SearchParams = Record<string, string | string[]>;

/**
 * A FHIR client of one gateway's `/fhir`, as a FHIR tool would use it.
 * @param gateway - the gateway
 * @param token - the bearer token it sends
 */
async function newFhirClient(gateway: TestGateway, token?: string): Promise<Client> {
    // fhir-kit-client is an ES module; the tests are CommonJS.
    const { Client } = await import('fhir-kit-client');
    return new Client({ baseUrl: `${gateway.url}/fhir`, ...(token === undefined ? {} : { bearerToken: token }) });
}

/** Searches and follows `next` links to the end; checks every page. Returns the resources and the pages. */
async function searchAll<R extends Resource>(
    client: Client,
    resourceType: string,
    searchParams: SearchParams,
): Promise<{ resources: R[]; pages: Bundle<R>[] }> {
    const pages: Bundle<R>[] = [];
    let answer: unknown = await client.search({ resourceType, searchParams });
    while (answer !== undefined) {
        const bundle = answer as Bundle<R> & { link: { relation: string; url: string }[] };
        assertValidFhir(bundle);
        assert.equal(bundle.type, 'searchset');
        pages.push(bundle);
        assert.ok(pages.length <= 50, 'the walk ends');
        answer = await client.nextPage({ bundle: bundle as unknown as FhirResource & Pick<typeof bundle, 'link'> });
    }
    const resources = pages.flatMap((page) => (page.entry ?? []).map((entry) => entry.resource as R));
    return { resources, pages };
}

/** Reads one resource and checks it. */
async function readResource<R extends Resource>(
    client: Client,
    resourceType: R['resourceType'],
    id: string,
): Promise<R> {
    const resource = (await client.read({ resourceType, id })) as unknown as R;
    assertValidFhir(resource);
    return resource;
}

/** Every item of a JSON list route, following `nextCursor`. */
async function listAll<T>(gateway: TestGateway, token: string, path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
        const separator = path.includes('?') ? '&' : '?';
        const suffix: string = cursor === null ? '' : `${separator}cursor=${cursor}`;
        const result = await call(gateway, 'GET', `${path}${suffix}`, { token });
        assert.equal(result.status, 200, result.text);
        const body = result.body as { items: T[]; nextCursor: string | null };
        items.push(...body.items);
        cursor = body.nextCursor;
    } while (cursor !== null);
    return items;
}

/** Fetches and publishing are not what these tests are about. */
const noFetches: RecordFetcher = {
    fetch: () => Promise.reject(new ApiError('INTERNAL', 'no fetches in the FHIR tests')),
};

/**
 * The JSON record routes (`GET /records`, `GET /records/{recordId}`, of `gateway/src/routes/records.ts`) for
 * every gateway, to compare with; they need the gateway's token store, so they are bound once it is up.
 */
function newLateRecordRoutes(): {
    custody: Record<OrgName, CustodyRoutes>;
    bind: (region: TestRegion) => void;
} {
    const bound = new Map<OrgName, Router>();
    const custodyOf = (name: OrgName): CustodyRoutes => {
        const router = Router();
        router.use((req, res, next) => {
            const routes = bound.get(name);
            if (routes === undefined) {
                next();
                return;
            }
            routes(req, res, next);
        });
        return { router, fetcher: noFetches };
    };
    const names = Object.keys(Orgs) as OrgName[];
    return {
        custody: Object.fromEntries(names.map((name) => [name, custodyOf(name)])) as Record<OrgName, CustodyRoutes>,
        bind: (region) => {
            for (const name of names) {
                const gateway = region.gateways[name];
                const routes = newRecordRoutes(gateway.config, {
                    tokens: gateway.deps.tokens,
                    contracts: gateway.contracts,
                    publish: () => Promise.reject(new ApiError('INTERNAL', 'no publishing in the FHIR tests')),
                    fetcher: noFetches,
                });
                bound.set(name, routes);
            }
        },
    };
}

function idsOf(resources: readonly Resource[]): string[] {
    return resources.map((resource) => resource.id ?? '');
}

describe('FHIR R4 view over HTTP', () => {
    let region: TestRegion;
    let patient: TestPatient;
    const labIds: string[] = [];
    let hivId: string;
    let billingId: string;
    let supersededId: string;
    let replacementId: string;
    let treatmentConsentId: string;
    let paymentConsentId: string;
    let revokedConsentId: string;

    async function grant(gateway: TestGateway, fields: Parameters<typeof grantPayload>[1]): Promise<string> {
        const payload = grantPayload(patient, fields);
        await gateway.contracts.grantConsent({ payload, signature: signPayload(payload, patient.privateKey) });
        return fields.consentId;
    }

    async function anchor(gateway: TestGateway, patientId: string, category: RecordEntry['category']): Promise<string> {
        const recordId = `rec-${randomUUID()}`;
        const contentHash = createHash('sha256').update(recordId).digest('hex');
        await gateway.contracts.anchorRecord({ recordId, patientId, category, contentHash });
        return recordId;
    }

    before(async () => {
        const recordRoutes = newLateRecordRoutes();
        region = await newTestRegion({ custody: recordRoutes.custody });
        recordRoutes.bind(region);
        const { hospitalA, hospitalB, insurer } = region.gateways;
        patient = newTestPatient();
        const now = Date.now();
        const registration = registerPayload(patient, new Date(now).toISOString());
        await hospitalA.contracts.registerPatient({
            payload: registration,
            signature: signPayload(registration, patient.privateKey),
        });
        for (let index = 0; index < 4; index += 1) {
            labIds.push(await anchor(hospitalA, patient.patientId, 'lab'));
        }
        hivId = await anchor(hospitalA, patient.patientId, 'hiv');
        billingId = await anchor(hospitalA, patient.patientId, 'billing');
        supersededId = await anchor(hospitalA, patient.patientId, 'lab');
        replacementId = `rec-${randomUUID()}`;
        await hospitalA.contracts.anchorRecord({
            recordId: replacementId,
            patientId: patient.patientId,
            category: 'lab',
            contentHash: createHash('sha256').update(replacementId).digest('hex'),
            supersedes: supersededId,
        });
        const window = {
            notBefore: new Date(now - 60_000).toISOString(),
            notAfter: new Date(now + 86_400_000).toISOString(),
            issuedAt: new Date(now).toISOString(),
        };
        treatmentConsentId = await grant(hospitalA, {
            consentId: `treat-${randomUUID()}`,
            grantee: 'HospitalBMSP',
            categories: ['lab'],
            custodians: ['HospitalAMSP'],
            ...window,
        });
        revokedConsentId = await grant(hospitalA, {
            consentId: `imaging-${randomUUID()}`,
            grantee: 'HospitalBMSP',
            categories: ['imaging'],
            ...window,
        });
        const revoke = revokePayload(patient, revokedConsentId, window.issuedAt);
        await hospitalA.contracts.revokeConsent({
            payload: revoke,
            signature: signPayload(revoke, patient.privateKey),
        });
        paymentConsentId = await grant(hospitalA, {
            consentId: `pay-${randomUUID()}`,
            grantee: 'InsurerMSP',
            purposes: ['PAYMENT'],
            categories: ['billing'],
            custodians: ['HospitalAMSP'],
            ...window,
        });
        for (const recordId of labIds.slice(0, 3)) {
            await hospitalB.contracts.requestAccess({ recordId, purpose: 'TREATMENT' });
        }
        await hospitalB.contracts.requestAccess({ recordId: hivId, purpose: 'TREATMENT' });
        await hospitalB.contracts.requestAccess({ recordId: billingId, purpose: 'TREATMENT' });
        await insurer.contracts.requestAccess({ recordId: billingId, purpose: 'PAYMENT' });
        await insurer.contracts.requestAccess({ recordId: labIds[0] ?? '', purpose: 'PAYMENT' });
        await hospitalB.contracts.requestAccess({
            recordId: labIds[3] ?? '',
            purpose: 'EMERGENCY',
            justification: 'unconscious on arrival',
        });
        await hospitalA.contracts.requestAccess({ recordId: labIds[0] ?? '', purpose: 'TREATMENT' });
        // Another patient, whose record Hospital B holds: Hospital B is its custodian agent.
        const other = newTestPatient();
        const otherRegistration = registerPayload(other, new Date(now).toISOString());
        await hospitalB.contracts.registerPatient({
            payload: otherRegistration,
            signature: signPayload(otherRegistration, other.privateKey),
        });
        const otherRecord = await anchor(hospitalB, other.patientId, 'lab');
        await hospitalA.contracts.requestAccess({ recordId: otherRecord, purpose: 'TREATMENT' });
    });
    after(async () => {
        await region.close();
    });

    describe('metadata', () => {
        it('announces FHIR 4.0.1, JSON, bearer security and exactly what each gateway serves, without a token', async () => {
            const { commission, hospitalA } = region.gateways;
            for (const [gateway, types] of [
                [commission, ['AuditEvent', 'Consent', 'DocumentReference']],
                [hospitalA, ['Consent', 'DocumentReference']],
            ] as const) {
                const statement = (await (
                    await newFhirClient(gateway)
                ).capabilityStatement()) as unknown as CapabilityStatement;
                assertValidFhir(statement);
                assert.equal(statement.fhirVersion, '4.0.1');
                const [rest] = statement.rest ?? [];
                assert.equal(rest?.mode, 'server');
                assert.deepEqual(
                    rest.resource?.map((resource) => resource.type),
                    types,
                );
            }
            const raw = await call(hospitalA, 'GET', '/fhir/metadata');
            assert.equal(raw.headers.get('content-type'), 'application/fhir+json; charset=utf-8');
        });
    });

    describe('Consent', () => {
        it('pages the commission through every consent of a patient, as GET /consents answers it', async () => {
            const { commission } = region.gateways;
            const client = await newFhirClient(commission, commission.tokens.auditor);
            const { resources, pages } = await searchAll<Consent>(client, 'Consent', {
                patient: patient.patientId,
                _count: '1',
            });
            const json = await listAll<LedgerConsent>(
                commission,
                commission.tokens.auditor,
                `/consents?patientId=${patient.patientId}`,
            );
            assert.equal(pages.length, 3);
            assert.deepEqual(
                idsOf(resources),
                json.map((consent) => consent.consentId),
            );
            assert.deepEqual(
                new Set(idsOf(resources)),
                new Set([treatmentConsentId, revokedConsentId, paymentConsentId]),
            );
            const revoked = resources.find((consent) => consent.id === revokedConsentId);
            assert.equal(revoked?.status, 'inactive');
            assert.equal(pages[0]?.total, undefined);
        });

        it('shows another organisation only the consents naming it, as the JSON API does', async () => {
            const { hospitalA, hospitalB, insurer } = region.gateways;
            const expected: [TestGateway, string[]][] = [
                [hospitalB, [treatmentConsentId, revokedConsentId].sort()],
                [insurer, [paymentConsentId]],
                [hospitalA, []],
            ];
            for (const [gateway, ids] of expected) {
                const client = await newFhirClient(gateway, gateway.tokens.clinician);
                const { resources, pages } = await searchAll<Consent>(client, 'Consent', {
                    patient: patient.patientId,
                });
                const json = await listAll<LedgerConsent>(
                    gateway,
                    gateway.tokens.clinician,
                    `/consents?patientId=${patient.patientId}`,
                );
                assert.deepEqual(
                    idsOf(resources),
                    json.map((consent) => consent.consentId),
                    gateway.name,
                );
                assert.deepEqual([...idsOf(resources)].sort(), ids, gateway.name);
                assert.equal(pages[0]?.total, ids.length, gateway.name);
            }
        });

        it('lists the consents naming this organisation when no patient is given, except at the commission', async () => {
            const { hospitalB, commission } = region.gateways;
            const client = await newFhirClient(hospitalB, hospitalB.tokens.admin);
            const { resources } = await searchAll<Consent>(client, 'Consent', {});
            const json = await listAll<LedgerConsent>(hospitalB, hospitalB.tokens.admin, '/consents');
            assert.deepEqual(
                idsOf(resources),
                json.map((consent) => consent.consentId),
            );
            const refused = await call(commission, 'GET', '/fhir/Consent', { token: commission.tokens.auditor });
            assert.equal(refused.status, 400);
            assertValidFhir(refused.body);
        });

        it('reads a consent its grantee may see, and refuses one it may not (403) as the ledger does', async () => {
            const { hospitalB } = region.gateways;
            const client = await newFhirClient(hospitalB, hospitalB.tokens.clinician);
            const consent = await readResource<Consent>(client, 'Consent', treatmentConsentId);
            assert.equal(consent.provision?.actor?.[0]?.reference.identifier?.value, 'HospitalBMSP');
            const token = hospitalB.tokens.clinician;
            const foreign = await call(hospitalB, 'GET', `/fhir/Consent/${paymentConsentId}`, { token });
            assert.equal(foreign.status, 403);
            assert.equal(outcomeCode(foreign), 'FORBIDDEN');
            const missing = await call(hospitalB, 'GET', '/fhir/Consent/no-such-consent', { token });
            assert.equal(missing.status, 404);
            assertValidFhir(missing.body);
        });
    });

    describe('DocumentReference', () => {
        it('pages a hospital through a patient’s index, as GET /records answers it, sensitive categories restricted', async () => {
            const { hospitalB } = region.gateways;
            const client = await newFhirClient(hospitalB, hospitalB.tokens.clinician);
            const { resources, pages } = await searchAll<DocumentReference>(client, 'DocumentReference', {
                patient: `Patient/${patient.patientId}`,
                _count: '3',
            });
            const json = await listAll<RecordEntry>(
                hospitalB,
                hospitalB.tokens.clinician,
                `/records?patientId=${patient.patientId}`,
            );
            assert.equal(pages.length, 3);
            assert.deepEqual(
                idsOf(resources),
                json.map((entry) => entry.recordId),
            );
            assert.equal(resources.length, labIds.length + 4);
            const categoryOf = (id: string): string | undefined =>
                resources.find((resource) => resource.id === id)?.category?.[0]?.coding?.[0]?.code;
            assert.equal(categoryOf(hivId), 'restricted');
            assert.equal(json.find((entry) => entry.recordId === hivId)?.category, 'restricted');
            const superseded = resources.find((resource) => resource.id === supersededId);
            assert.equal(superseded?.status, 'superseded');
            const replacement = resources.find((resource) => resource.id === replacementId);
            assert.equal(replacement?.relatesTo?.[0]?.target.reference, `DocumentReference/${supersededId}`);
        });

        it('shows the custodian the sensitive category itself', async () => {
            const { hospitalA } = region.gateways;
            const client = await newFhirClient(hospitalA, hospitalA.tokens.clinician);
            const record = await readResource<DocumentReference>(client, 'DocumentReference', hivId);
            assert.equal(record.category?.[0]?.coding?.[0]?.code, 'hiv');
            assert.deepEqual(
                record.securityLabel?.map((label) => label.coding?.[0]?.code),
                ['R', 'HIV'],
            );
        });

        it('refuses an insurer a patient’s index (403) as the JSON API does, and reads it the entries its consent covers', async () => {
            const { insurer } = region.gateways;
            const token = insurer.tokens.claims;
            const fhir = await call(insurer, 'GET', `/fhir/DocumentReference?patient=${patient.patientId}`, { token });
            const json = await call(insurer, 'GET', `/records?patientId=${patient.patientId}`, { token });
            assert.equal(fhir.status, 403);
            assert.equal(json.status, 403);
            assert.equal(outcomeCode(fhir), outcomeCode(json));
            assertValidFhir(fhir.body);
            for (const [recordId, status] of [
                [billingId, 200],
                [labIds[1] ?? '', 403],
            ] as const) {
                const one = await call(insurer, 'GET', `/fhir/DocumentReference/${recordId}`, { token });
                const same = await call(insurer, 'GET', `/records/${recordId}`, { token });
                assert.equal(one.status, status, recordId);
                assert.equal(same.status, status, recordId);
                assertValidFhir(one.body);
            }
        });

        it('needs a patient', async () => {
            const { hospitalB } = region.gateways;
            const result = await call(hospitalB, 'GET', '/fhir/DocumentReference', {
                token: hospitalB.tokens.clinician,
            });
            assert.equal(result.status, 400);
            assert.equal(outcomeCode(result), 'INVALID_INPUT');
        });
    });

    describe('AuditEvent', () => {
        /** Searches at the commission and compares with `GET /audit/events` under the matching filters. */
        async function assertSameAsJson(searchParams: SearchParams, jsonQuery: string): Promise<AuditEvent[]> {
            const { commission } = region.gateways;
            const client = await newFhirClient(commission, commission.tokens.auditor);
            const { resources } = await searchAll<AuditEvent>(client, 'AuditEvent', { ...searchParams, _count: '2' });
            const json = await listAll<AccessEvent>(
                commission,
                commission.tokens.auditor,
                `/audit/events?${jsonQuery}`,
            );
            assert.deepEqual(
                idsOf(resources),
                json.map((event) => event.accessId),
                jsonQuery,
            );
            return resources;
        }

        it('pages the commission through a patient’s access events, as GET /audit/events answers them', async () => {
            const events = await assertSameAsJson({ patient: patient.patientId }, `patientId=${patient.patientId}`);
            assert.equal(events.length, 9);
            const emergency = events.find((event) => event.subtype?.[0]?.code === 'AuthZ-Role');
            assert.equal(emergency?.purposeOfEvent?.[0]?.coding?.[0]?.code, 'ETREAT');
        });

        it('filters by outcome and purpose as GET /audit/events filters by decision and purpose', async () => {
            const p = patient.patientId;
            const denied = await assertSameAsJson({ patient: p, outcome: '4' }, `patientId=${p}&decision=DENIED`);
            assert.equal(denied.length, 4);
            assert.ok(denied.every((event) => event.outcomeDesc?.startsWith('CONSENT_DENY')));
            await assertSameAsJson(
                { patient: `Patient/${p}`, purpose: 'http://terminology.hl7.org/CodeSystem/v3-ActReason|HPAYMT' },
                `patientId=${p}&purpose=PAYMENT`,
            );
            await assertSameAsJson({ purpose: 'EMERGENCY' }, 'purpose=EMERGENCY');
        });

        it('matches an agent as requester or custodian', async () => {
            const { commission } = region.gateways;
            const client = await newFhirClient(commission, commission.tokens.auditor);
            const { resources } = await searchAll<AuditEvent>(client, 'AuditEvent', {
                'agent:identifier': 'urn:healthchain:msp|HospitalBMSP',
                _count: '2',
            });
            const token = commission.tokens.auditor;
            const asRequester = await listAll<AccessEvent>(commission, token, '/audit/events?requester=HospitalBMSP');
            const asCustodian = await listAll<AccessEvent>(commission, token, '/audit/events?custodian=HospitalBMSP');
            const expected = [...asRequester, ...asCustodian].map((event) => event.accessId);
            assert.deepEqual(new Set(idsOf(resources)), new Set(expected));
            // Six requests by Hospital B, and one for the record it holds of another patient.
            assert.equal(resources.length, 7);
            const times = resources.map((event) => event.recorded);
            assert.deepEqual(times, [...times].sort(), 'oldest first');
        });

        it('selects a time range with date=ge…&date=lt… as from/to do', async () => {
            const { commission } = region.gateways;
            const all = await listAll<AccessEvent>(
                commission,
                commission.tokens.auditor,
                `/audit/events?patientId=${patient.patientId}`,
            );
            const from = all[2]?.requestedAt ?? '';
            const to = all[6]?.requestedAt ?? '';
            const inRange = await assertSameAsJson(
                { patient: patient.patientId, date: [`ge${from}`, `lt${to}`] },
                `patientId=${patient.patientId}&from=${from}&to=${to}`,
            );
            assert.equal(inRange.length, 4);
            const client = await newFhirClient(commission, commission.tokens.auditor);
            const { pages } = await searchAll(client, 'AuditEvent', { date: ['ge2030-01-01', 'lt2029'] });
            assert.deepEqual(
                pages.map((page) => [page.total, page.entry]),
                [[0, undefined]],
            );
        });

        it('reads one access event', async () => {
            const { commission } = region.gateways;
            const [first] = await listAll<AccessEvent>(
                commission,
                commission.tokens.auditor,
                `/audit/events?patientId=${patient.patientId}`,
            );
            const client = await newFhirClient(commission, commission.tokens.auditor);
            const event = await readResource<AuditEvent>(client, 'AuditEvent', first?.accessId ?? '');
            assert.equal(event.id, first?.accessId);
        });

        it('serves only the commission’s auditors (403 elsewhere, 401 without a token), as /audit does', async () => {
            const { commission, hospitalA } = region.gateways;
            const path = `/fhir/AuditEvent?patient=${patient.patientId}`;
            for (const [gateway, token, status] of [
                [hospitalA, hospitalA.tokens.auditor, 403],
                [commission, commission.tokens.clinician, 403],
                [commission, undefined, 401],
                [commission, hospitalA.tokens.auditor, 401],
            ] as const) {
                const fhir = await call(gateway, 'GET', path, { token });
                const json = await call(gateway, 'GET', `/audit/events?patientId=${patient.patientId}`, { token });
                assert.equal(fhir.status, status);
                assert.equal(json.status, status);
                assertValidFhir(fhir.body);
            }
        });
    });

    describe('a member that runs the handlers without the gateway’s role and type checks', () => {
        // A member's gateway is its own code: what it may see must come from the ledger, not from the router.
        const paging = { limit: 50, start: { bookmark: '', skip: 0 } };
        const bySearch = (query: string): ReturnType<typeof parseSearch> =>
            parseSearch(new URLSearchParams(query), auditEventHandler.searchParams);

        it('still gets no access events from the ledger as a hospital', async () => {
            const { hospitalA } = region.gateways;
            const context = { contracts: hospitalA.contracts, config: hospitalA.config, now: new Date() };
            for (const query of [`patient=${patient.patientId}`, '', 'agent=HospitalAMSP']) {
                await assert.rejects(
                    auditEventHandler.search(context, bySearch(query), paging),
                    (error: unknown) => error instanceof ApiError && error.code === 'FORBIDDEN',
                    query,
                );
            }
        });

        it('still gets only the consents naming it, and no record index, as an insurer', async () => {
            const { insurer } = region.gateways;
            const context = { contracts: insurer.contracts, config: insurer.config, now: new Date() };
            const search = parseSearch(
                new URLSearchParams(`patient=${patient.patientId}`),
                consentHandler.searchParams,
            );
            const page = await consentHandler.search(context, search, paging);
            assert.deepEqual(idsOf(page.resources), [paymentConsentId]);
            await assert.rejects(
                documentReferenceHandler.search(context, search, paging),
                (error: unknown) => error instanceof ApiError && error.code === 'FORBIDDEN',
            );
            await assert.rejects(
                consentHandler.read(context, treatmentConsentId),
                (error: unknown) => error instanceof ApiError && error.code === 'FORBIDDEN',
            );
        });
    });

    describe('what the view refuses', () => {
        const refusals: [string, string, number, string][] = [
            ['an unsupported parameter', '/fhir/Consent?status=active', 400, 'INVALID_INPUT'],
            ['a modifier', '/fhir/Consent?patient:missing=false', 400, 'INVALID_INPUT'],
            ['a result parameter', '/fhir/DocumentReference?patient=x&_sort=date', 400, 'INVALID_INPUT'],
            ['a parameter on a read', '/fhir/Consent/abc?_elements=id', 400, 'INVALID_INPUT'],
            ['a parameter on the metadata', '/fhir/metadata?mode=terminology', 400, 'INVALID_INPUT'],
            ['a cursor it did not make', '/fhir/Consent?_cursor=bm90LW91cnM', 400, 'INVALID_INPUT'],
            ['XML by _format', '/fhir/metadata?_format=xml', 406, 'NOT_ACCEPTABLE'],
            ['Turtle by _format', '/fhir/Consent?_format=application/fhir%2Bturtle', 406, 'NOT_ACCEPTABLE'],
            ['a resource type it does not serve', '/fhir/Patient', 404, 'NOT_FOUND'],
        ];
        for (const [label, path, status, code] of refusals) {
            it(`answers ${label} with ${status} and an OperationOutcome`, async () => {
                const { hospitalB } = region.gateways;
                const result = await call(hospitalB, 'GET', path, { token: hospitalB.tokens.clinician });
                assert.equal(result.status, status, result.text);
                assert.equal(outcomeCode(result), code);
                assert.equal(result.headers.get('content-type'), 'application/fhir+json; charset=utf-8');
                assertValidFhir(result.body);
            });
        }

        it('negotiates by Accept: FHIR JSON, JSON or anything is served; only XML is 406', async () => {
            const { hospitalB } = region.gateways;
            const path = `${hospitalB.url}/fhir/Consent?patient=${patient.patientId}`;
            const headers = (accept: string): Record<string, string> => ({
                accept,
                authorization: `Bearer ${hospitalB.tokens.clinician}`,
            });
            for (const accept of [
                'application/fhir+json',
                'application/json',
                '*/*',
                'application/fhir+json;q=0.9, application/fhir+xml',
            ]) {
                assert.equal((await fetch(path, { headers: headers(accept) })).status, 200, accept);
            }
            const xml = await fetch(path, { headers: headers('application/fhir+xml') });
            assert.equal(xml.status, 406);
            const json = await fetch(`${path}&_format=json`, { headers: headers('application/fhir+xml') });
            assert.equal(json.status, 200, '_format overrides Accept');
            // As FHIR tools often send it: an unescaped `+`, which a query string reads as a space.
            const unescaped = await fetch(`${path}&_format=application/fhir+json`, { headers: headers('*/*') });
            assert.equal(unescaped.status, 200);
        });

        it('answers writes with 405 and Allow, and changes nothing on the ledger', async () => {
            const { hospitalB } = region.gateways;
            const before = await region.height();
            for (const [method, path] of [
                ['POST', '/fhir/Consent'],
                ['PUT', `/fhir/Consent/${treatmentConsentId}`],
                ['DELETE', `/fhir/DocumentReference/${hivId}`],
                ['POST', '/fhir/metadata'],
            ] as const) {
                const result = await call(hospitalB, method, path, {
                    token: hospitalB.tokens.admin,
                    body: { resourceType: 'Consent' },
                    contentType: 'application/fhir+json',
                });
                assert.equal(result.status, 405, `${method} ${path}`);
                assert.equal(outcomeCode(result), 'METHOD_NOT_ALLOWED');
                assert.equal(result.headers.get('allow'), 'GET, HEAD');
            }
            assert.equal(await region.height(), before);
        });
    });
});
