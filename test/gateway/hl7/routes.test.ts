// SPDX-License-Identifier: Apache-2.0
/**
 * `GET /hl7/messages`, the intake's last messages (docs/api.md "HL7 v2 intake"), on Hospital A's gateway with
 * real MLLP on 127.0.0.1: what was kept, newest first, whatever became of it; pages that follow each other
 * without gaps or repeats while messages keep arriving; the query checked; a hospital admin only.
 */
import assert from 'node:assert/strict';
import { MllpClient } from '../../../gateway/src/hl7/mllp-client';
import type { MessageMeta } from '../../../gateway/src/hl7/store';
import { oru, type MessageIds } from '../../fixtures/hl7/messages';
import { newHl7Region, type Hl7Gateway, type Hl7Region } from './harness';

interface Page {
    readonly items: MessageMeta[];
    readonly nextCursor: string | null;
}

let counter = 0;

/** Ids unique to one message: control id and MRN. */
function fresh(overrides: Partial<MessageIds> = {}): MessageIds {
    counter += 1;
    return { controlId: `LAST-${counter}`, mrn: `LAST-MRN-${counter}`, ...overrides };
}

async function get(
    gateway: Hl7Gateway,
    path: string,
    token: string | null = gateway.tokens.admin,
): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${gateway.url}${path}`, {
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function codeOf(body: Record<string, unknown>): unknown {
    return (body.issue as { details?: { text?: string } }[] | undefined)?.[0]?.details?.text;
}

async function pageOf(gateway: Hl7Gateway, query: string): Promise<Page> {
    const answer = await get(gateway, `/hl7/messages?${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as unknown as Page;
}

describe('GET /hl7/messages: the last messages of the HL7 intake', () => {
    let region: Hl7Region;
    let client: MllpClient;

    before(async () => {
        region = await newHl7Region();
        client = await MllpClient.connect(region.gateway().mllpUrl);
    });
    after(async () => {
        await client.close();
        await region.close();
    });

    it('lists every message kept, newest first, with its state and no content; a refused one is not kept', async () => {
        const gateway = region.gateway();
        const linked = fresh();
        await region.register([{ system: 'HOSPA', value: linked.mrn }]);
        const waiting = fresh();
        const broken = fresh();
        const refused = fresh({ receivingFacility: 'Elsewhere' });
        assert.equal((await client.sendOne(oru(linked, linked.controlId))).code, 'AA');
        assert.equal((await client.sendOne(oru(waiting, waiting.controlId))).code, 'AA');
        const malformed = oru(broken, broken.controlId).replace('20250304092000', 'yesterday');
        assert.equal((await client.sendOne(malformed)).code, 'AE');
        assert.equal((await client.sendOne(oru(refused, refused.controlId))).code, 'AR');
        await gateway.waitFor(linked.controlId, ['anchored']);
        await gateway.waitFor(waiting.controlId, ['pending']);

        const page = await pageOf(gateway, 'limit=10');
        assert.deepEqual(
            page.items.map((meta) => [meta.controlId, meta.status]),
            [
                [broken.controlId, 'error'],
                [waiting.controlId, 'pending'],
                [linked.controlId, 'anchored'],
            ],
        );
        assert.equal(page.nextCursor, null);
        const [error] = page.items;
        assert.deepEqual([error?.type, error?.sender.application, error?.error?.code], ['ORU^R01', 'HIS', '102']);
        for (const meta of page.items) {
            assert.equal('content' in meta, false, 'metadata only: the content is read one message at a time');
        }
    });

    it('pages newest first without gaps or repeats, while newer messages arrive at the top', async () => {
        const gateway = region.gateway();
        const sent = [fresh(), fresh(), fresh()];
        for (const ids of sent) {
            assert.equal((await client.sendOne(oru(ids, ids.controlId))).code, 'AA');
        }
        const first = await pageOf(gateway, 'limit=2');
        assert.deepEqual(
            first.items.map((meta) => meta.controlId),
            [sent[2]?.controlId, sent[1]?.controlId],
        );
        assert.ok(first.nextCursor);
        const later = fresh();
        assert.equal((await client.sendOne(oru(later, later.controlId))).code, 'AA');
        const seen = first.items.map((meta) => meta.messageId);
        let cursor: string | null = first.nextCursor;
        while (cursor !== null) {
            const next = await pageOf(gateway, `limit=2&cursor=${cursor}`);
            seen.push(...next.items.map((meta) => meta.messageId));
            cursor = next.nextCursor;
        }
        const all = await pageOf(gateway, 'limit=500');
        assert.equal(all.items[0]?.controlId, later.controlId, 'the newest on top of a fresh first page');
        assert.deepEqual(
            seen,
            all.items.slice(1).map((meta) => meta.messageId),
            'the pages hold every older message once, in order',
        );
        assert.deepEqual(seen, [...seen].sort().reverse());
    });

    it('checks its query: limit 1–500, a cursor it issued, nothing else', async () => {
        const gateway = region.gateway();
        for (const query of ['limit=0', 'limit=501', 'limit=ten', 'status=error', 'cursor=%25%25', 'cursor=']) {
            const refused = await get(gateway, `/hl7/messages?${query}`);
            assert.deepEqual([refused.status, codeOf(refused.body)], [400, 'INVALID_INPUT'], query);
        }
    });

    it('answers a hospital admin only', async () => {
        const gateway = region.gateway();
        for (const role of ['clinician', 'claims', 'auditor'] as const) {
            const refused = await get(gateway, '/hl7/messages', gateway.tokens[role]);
            assert.deepEqual([refused.status, codeOf(refused.body)], [403, 'FORBIDDEN'], role);
        }
        const anonymous = await get(gateway, '/hl7/messages', null);
        assert.deepEqual([anonymous.status, codeOf(anonymous.body)], [401, 'UNAUTHENTICATED']);
    });
});
