// SPDX-License-Identifier: Apache-2.0
/**
 * The operators' view of the HL7 intake (docs/api.md "HL7 v2 intake"): its state, the error and pending
 * queues, the last messages kept, one message with its content, and reprocessing from the error queue. A
 * hospital's `admin` token only: messages hold patients' names and results.
 */
import { Router } from 'express';
import { requireOrgType } from '../auth/org-type';
import { requireStaff } from '../auth/staff';
import type { TokenStore } from '../auth/tokens';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors';
import { readLedgerId } from '../custody/fhir';
import { assertQueryKeys, readPage, toCursor } from '../validation';
import { decodeText, toCharset } from './charset';
import type { CustodySublevel } from '../custody/db';
import type { Hl7Store, MessageMeta } from './store';

/** The intake's state as `GET /hl7/status` answers it. */
export interface Hl7Status {
    readonly enabled: boolean;
    readonly url: string | null;
    readonly facility: string;
    readonly queues: {
        readonly work: number;
        readonly pending: number;
        readonly errors: number;
        readonly anchoring: number;
    };
    readonly dropped: { readonly expired: number; readonly evicted: number };
    readonly pendingBounds: { readonly maxAgeDays: number; readonly maxMessages: number };
}

/** What the routes need from the intake. */
export interface Hl7RouteDeps {
    readonly tokens: TokenStore;
    readonly store: Hl7Store;
    readonly status: () => Promise<Hl7Status>;
    readonly reprocess: (messageId: string) => Promise<MessageMeta>;
}

async function listQueue(
    store: Hl7Store,
    queue: CustodySublevel,
    query: unknown,
): Promise<{ items: MessageMeta[]; nextCursor: string | null }> {
    assertQueryKeys(query, ['limit', 'cursor']);
    const page = readPage(query);
    const ids = await store.keys(queue, page.pageSize + 1, page.bookmark === '' ? undefined : page.bookmark);
    const shown = ids.slice(0, page.pageSize);
    const items = (await Promise.all(shown.map((id) => store.readMeta(id)))).filter(
        (meta): meta is MessageMeta => meta !== undefined,
    );
    return { items, nextCursor: ids.length > page.pageSize ? toCursor(shown.at(-1) ?? '') : null };
}

/** The last messages kept, newest first: what the intake received lately, whatever became of them. */
async function listLatest(
    store: Hl7Store,
    query: unknown,
): Promise<{ items: MessageMeta[]; nextCursor: string | null }> {
    assertQueryKeys(query, ['limit', 'cursor']);
    const page = readPage(query);
    const metas = await store.latestMeta(page.pageSize + 1, page.bookmark === '' ? undefined : page.bookmark);
    const items = metas.slice(0, page.pageSize);
    return { items, nextCursor: metas.length > page.pageSize ? toCursor(items.at(-1)?.messageId ?? '') : null };
}

/** The message's text for an operator: decoded as it was, else as ISO 8859-1, segments on their own lines. */
function toText(bytes: Buffer, charsetName: string): { text: string; charset: string } {
    const charset = toCharset(charsetName);
    if (charset !== undefined) {
        try {
            return { text: decodeText(bytes, charset).replace(/\r\n?/g, '\n'), charset: charset.hl7Name };
        } catch {
            // shown as bytes below
        }
    }
    return { text: bytes.toString('latin1').replace(/\r\n?/g, '\n'), charset: '8859/1' };
}

/**
 * The `/hl7` routes.
 * @param config - this gateway's configuration
 * @param deps - tokens, store, status, reprocess
 */
export function newHl7Routes(config: GatewayConfig, deps: Hl7RouteDeps): Router {
    const router = Router();
    const admin = [requireStaff(deps.tokens, 'admin'), requireOrgType(config, 'hospital')];
    const { store } = deps;
    router.get('/hl7/status', ...admin, async (req, res) => {
        assertQueryKeys(req.query, []);
        res.json(await deps.status());
    });
    router.get('/hl7/errors', ...admin, async (req, res) => {
        res.json(await listQueue(store, store.errors, req.query));
    });
    router.get('/hl7/pending', ...admin, async (req, res) => {
        res.json(await listQueue(store, store.pending, req.query));
    });
    router.get('/hl7/messages', ...admin, async (req, res) => {
        res.json(await listLatest(store, req.query));
    });
    router.get('/hl7/messages/:messageId', ...admin, async (req, res) => {
        assertQueryKeys(req.query, []);
        const messageId = readLedgerId(req.params.messageId, 'messageId');
        const meta = await store.readMeta(messageId);
        if (meta === undefined) {
            throw new ApiError('NOT_FOUND', `No HL7 message ${messageId}`);
        }
        const raw = await store.readRaw(messageId);
        res.set('Cache-Control', 'no-store').json({
            ...meta,
            content: raw === undefined ? null : toText(raw, meta.charset || 'UNICODE UTF-8'),
        });
    });
    router.post('/hl7/messages/:messageId/reprocess', ...admin, async (req, res) => {
        const messageId = readLedgerId(req.params.messageId, 'messageId');
        if (
            req.body !== undefined &&
            !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body as object).length === 0)
        ) {
            throw new ApiError('INVALID_INPUT', 'the body must be empty or {}');
        }
        res.json(await deps.reprocess(messageId));
    });
    return router;
}
