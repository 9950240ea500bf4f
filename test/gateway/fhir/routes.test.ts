// SPDX-License-Identifier: Apache-2.0
/**
 * The FHIR R4 view over HTTP, driven by a standard FHIR client (fhir-kit-client) that follows `next` links to
 * the end; every answer is checked with an independent validator, and every search against what the JSON API
 * answers the same caller (docs/api.md "FHIR R4 REST view").
 */
import assert from 'node:assert/strict';
import type { AuditEvent, CapabilityStatement, Consent, DocumentReference } from '@medplum/fhirtypes';
import { ApiError } from '../../../gateway/src/errors';
import { auditEventHandler } from '../../../gateway/src/fhir/audit-event';
import { consentHandler } from '../../../gateway/src/fhir/consent';
import { documentReferenceHandler } from '../../../gateway/src/fhir/document-reference';
import { parseSearch } from '../../../gateway/src/fhir/search-params';
import type { AccessEvent, Consent as LedgerConsent, RecordEntry } from '../../../gateway/src/ledger/contracts';
import { assertValidFhir } from '../../helpers/fhir-validator';
import { call, outcomeCode } from '../../helpers/api-calls';
import type { TestGateway, TestRegion } from '../../helpers/region';
import {
    idsOf,
    listAll,
    newFhirClient,
    newFhirRegion,
    readResource,
    searchAll,
    type FhirRegion,
    type SearchParams,
} from './fhir-region';

describe('FHIR R4 view over HTTP', () => {
    let world: FhirRegion;
    let region: TestRegion;

    before(async () => {
        world = await newFhirRegion();
        region = world.region;
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
                patient: world.patientId,
                _count: '1',
            });
            const json = await listAll<LedgerConsent>(
                commission,
                commission.tokens.auditor,
                `/consents?patientId=${world.patientId}`,
            );
            assert.equal(pages.length, 3);
            assert.deepEqual(
                idsOf(resources),
                json.map((consent) => consent.consentId),
            );
            assert.deepEqual(
                new Set(idsOf(resources)),
                new Set([world.treatmentConsentId, world.revokedConsentId, world.paymentConsentId]),
            );
            const revoked = resources.find((consent) => consent.id === world.revokedConsentId);
            assert.equal(revoked?.status, 'inactive');
            assert.equal(pages[0]?.total, undefined);
        });

        it('shows another organisation only the consents naming it, as the JSON API does', async () => {
            const { hospitalA, hospitalB, insurer } = region.gateways;
            const expected: [TestGateway, string[]][] = [
                [hospitalB, [world.treatmentConsentId, world.revokedConsentId].sort()],
                [insurer, [world.paymentConsentId]],
                [hospitalA, []],
            ];
            for (const [gateway, ids] of expected) {
                const client = await newFhirClient(gateway, gateway.tokens.clinician);
                const { resources, pages } = await searchAll<Consent>(client, 'Consent', {
                    patient: world.patientId,
                });
                const json = await listAll<LedgerConsent>(
                    gateway,
                    gateway.tokens.clinician,
                    `/consents?patientId=${world.patientId}`,
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
            const consent = await readResource<Consent>(client, 'Consent', world.treatmentConsentId);
            assert.equal(consent.provision?.actor?.[0]?.reference.identifier?.value, 'HospitalBMSP');
            const token = hospitalB.tokens.clinician;
            const foreign = await call(hospitalB, 'GET', `/fhir/Consent/${world.paymentConsentId}`, { token });
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
                patient: `Patient/${world.patientId}`,
                _count: '3',
            });
            const json = await listAll<RecordEntry>(
                hospitalB,
                hospitalB.tokens.clinician,
                `/records?patientId=${world.patientId}`,
            );
            assert.equal(pages.length, 3);
            assert.deepEqual(
                idsOf(resources),
                json.map((entry) => entry.recordId),
            );
            assert.equal(resources.length, world.labIds.length + 4);
            const categoryOf = (id: string): string | undefined =>
                resources.find((resource) => resource.id === id)?.category?.[0]?.coding?.[0]?.code;
            assert.equal(categoryOf(world.hivId), 'restricted');
            assert.equal(json.find((entry) => entry.recordId === world.hivId)?.category, 'restricted');
            const superseded = resources.find((resource) => resource.id === world.supersededId);
            assert.equal(superseded?.status, 'superseded');
            const replacement = resources.find((resource) => resource.id === world.replacementId);
            assert.equal(replacement?.relatesTo?.[0]?.target.reference, `DocumentReference/${world.supersededId}`);
        });

        it('shows the custodian the sensitive category itself', async () => {
            const { hospitalA } = region.gateways;
            const client = await newFhirClient(hospitalA, hospitalA.tokens.clinician);
            const record = await readResource<DocumentReference>(client, 'DocumentReference', world.hivId);
            assert.equal(record.category?.[0]?.coding?.[0]?.code, 'hiv');
            assert.deepEqual(
                record.securityLabel?.map((label) => label.coding?.[0]?.code),
                ['R', 'HIV'],
            );
        });

        it('refuses an insurer a patient’s index (403) as the JSON API does, and reads it the entries its consent covers', async () => {
            const { insurer } = region.gateways;
            const token = insurer.tokens.claims;
            const fhir = await call(insurer, 'GET', `/fhir/DocumentReference?patient=${world.patientId}`, { token });
            const json = await call(insurer, 'GET', `/records?patientId=${world.patientId}`, { token });
            assert.equal(fhir.status, 403);
            assert.equal(json.status, 403);
            assert.equal(outcomeCode(fhir), outcomeCode(json));
            assertValidFhir(fhir.body);
            for (const [recordId, status] of [
                [world.billingId, 200],
                [world.labIds[1] ?? '', 403],
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
            const events = await assertSameAsJson({ patient: world.patientId }, `patientId=${world.patientId}`);
            assert.equal(events.length, 9);
            const emergency = events.find((event) => event.subtype?.[0]?.code === 'AuthZ-Role');
            assert.equal(emergency?.purposeOfEvent?.[0]?.coding?.[0]?.code, 'ETREAT');
        });

        it('filters by outcome and purpose as GET /audit/events filters by decision and purpose', async () => {
            const p = world.patientId;
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
                `/audit/events?patientId=${world.patientId}`,
            );
            const from = all[2]?.requestedAt ?? '';
            const to = all[6]?.requestedAt ?? '';
            const inRange = await assertSameAsJson(
                { patient: world.patientId, date: [`ge${from}`, `lt${to}`] },
                `patientId=${world.patientId}&from=${from}&to=${to}`,
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
                `/audit/events?patientId=${world.patientId}`,
            );
            const client = await newFhirClient(commission, commission.tokens.auditor);
            const event = await readResource<AuditEvent>(client, 'AuditEvent', first?.accessId ?? '');
            assert.equal(event.id, first?.accessId);
        });

        it('serves only the commission’s auditors (403 elsewhere, 401 without a token), as /audit does', async () => {
            const { commission, hospitalA } = region.gateways;
            const path = `/fhir/AuditEvent?patient=${world.patientId}`;
            for (const [gateway, token, status] of [
                [hospitalA, hospitalA.tokens.auditor, 403],
                [commission, commission.tokens.clinician, 403],
                [commission, undefined, 401],
                [commission, hospitalA.tokens.auditor, 401],
            ] as const) {
                const fhir = await call(gateway, 'GET', path, { token });
                const json = await call(gateway, 'GET', `/audit/events?patientId=${world.patientId}`, { token });
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
            for (const query of [`patient=${world.patientId}`, '', 'agent=HospitalAMSP']) {
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
            const search = parseSearch(new URLSearchParams(`patient=${world.patientId}`), consentHandler.searchParams);
            const page = await consentHandler.search(context, search, paging);
            assert.deepEqual(idsOf(page.resources), [world.paymentConsentId]);
            await assert.rejects(
                documentReferenceHandler.search(context, search, paging),
                (error: unknown) => error instanceof ApiError && error.code === 'FORBIDDEN',
            );
            await assert.rejects(
                consentHandler.read(context, world.treatmentConsentId),
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
            const path = `${hospitalB.url}/fhir/Consent?patient=${world.patientId}`;
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
                ['PUT', `/fhir/Consent/${world.treatmentConsentId}`],
                ['DELETE', `/fhir/DocumentReference/${world.hivId}`],
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
