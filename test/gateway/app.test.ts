// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { call, outcomeCode } from '../helpers/api-calls';
import { newTestRegion, useTestRegion } from '../helpers/region';

describe('gateway app', () => {
    const region = useTestRegion({ jsonBytes: 1024 });

    it('reports health with the ledger height', async () => {
        const { hospitalA } = region.gateways;
        const result = await call(hospitalA, 'GET', '/health');
        assert.equal(result.status, 200);
        const body = result.body as { status: string; org: string; ledger: { height: number } };
        assert.equal(body.status, 'ok');
        assert.equal(body.org, 'HospitalAMSP');
        assert.equal((result.body as { orgStatus?: string }).orgStatus, 'unknown');
        assert.equal(body.ledger.height, Number(await region.height()));
        assert.match(result.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });

    it('answers an unknown route with a 404 OperationOutcome', async () => {
        const result = await call(region.gateways.hospitalA, 'GET', '/nowhere/at/all');
        assert.equal(result.status, 404);
        assert.equal(outcomeCode(result), 'NOT_FOUND');
        assert.match(result.headers.get('content-type') ?? '', /application\/fhir\+json/);
    });

    it('refuses a body larger than the limit with 413 PAYLOAD_TOO_LARGE', async () => {
        const { hospitalA } = region.gateways;
        const before = await region.height();
        const result = await call(hospitalA, 'POST', '/consents', { body: { payload: { pad: 'x'.repeat(2000) } } });
        assert.equal(result.status, 413);
        assert.equal(outcomeCode(result), 'PAYLOAD_TOO_LARGE');
        assert.equal(await region.height(), before);
    });

    it('refuses __proto__, constructor and prototype keys anywhere in a body', async () => {
        const { hospitalA } = region.gateways;
        const before = await region.height();
        for (const raw of [
            '{"payload":{"__proto__":{"isAdmin":true}},"signature":"x"}',
            '{"payload":{"type":"consent.grant","a":[{"constructor":{"prototype":{}}}]},"signature":"x"}',
            '{"prototype":1}',
        ]) {
            const result = await call(hospitalA, 'POST', '/consents', { raw });
            assert.equal(result.status, 400, raw);
            assert.equal(outcomeCode(result), 'INVALID_INPUT');
        }
        assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
        assert.equal(await region.height(), before);
    });

    it('refuses malformed JSON with 400 and other media types with 415', async () => {
        const { hospitalA } = region.gateways;
        const malformed = await call(hospitalA, 'POST', '/consents', { raw: '{"payload":' });
        assert.equal(malformed.status, 400);
        assert.equal(outcomeCode(malformed), 'INVALID_INPUT');
        const text = await call(hospitalA, 'POST', '/consents', { raw: 'payload=1', contentType: 'text/plain' });
        assert.equal(text.status, 415);
        assert.equal(outcomeCode(text), 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('accepts application/fhir+json bodies', async () => {
        const result = await call(region.gateways.hospitalA, 'POST', '/consents', {
            body: { payload: { type: 'consent.grant' }, signature: 'AAAA' },
            contentType: 'application/fhir+json',
        });
        // parsed and passed to the chaincode, which refuses the incomplete payload
        assert.equal(result.status, 400);
        assert.equal(outcomeCode(result), 'INVALID_INPUT');
    });

    it('serves Prometheus metrics on loopback', async () => {
        const result = await call(region.gateways.hospitalA, 'GET', '/metrics');
        assert.equal(result.status, 200);
        assert.match(result.text, /healthchain_http_requests_total/);
    });

    it('keeps tokens and bodies out of the logs', async () => {
        const { hospitalA } = region.gateways;
        // A refused request is logged at info (a served one at debug): only the commission's auditor verifies.
        const refused = await call(hospitalA, 'GET', '/ledger/verify', { token: hospitalA.tokens.admin });
        assert.equal(refused.status, 403);
        await call(hospitalA, 'POST', '/consents', { body: { payload: { secret: 'do-not-log' }, signature: 'x' } });
        const logs = region.logs.join('');
        assert.ok(logs.includes('"route":"/ledger/verify"'));
        assert.ok(!logs.includes(hospitalA.tokens.admin));
        assert.ok(!logs.includes('do-not-log'));
    });

    it('fails closed with 503 LEDGER_UNAVAILABLE once the ledger is gone', async () => {
        const other = await newTestRegion();
        await other.ledger.close();
        try {
            const { hospitalA } = other.gateways;
            const health = await call(hospitalA, 'GET', '/health');
            assert.equal(health.status, 503);
            assert.equal(outcomeCode(health), 'LEDGER_UNAVAILABLE');
            const orgs = await call(hospitalA, 'GET', '/orgs', { token: hospitalA.tokens.clinician });
            assert.equal(orgs.status, 503);
            assert.equal(outcomeCode(orgs), 'LEDGER_UNAVAILABLE');
        } finally {
            await other.close();
        }
    });
});
