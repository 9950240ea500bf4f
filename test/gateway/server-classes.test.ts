// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { appServerClasses } from '../../gateway/src/server-classes';

describe('gateway server classes', () => {
    let server: Server | undefined;

    afterEach(async () => {
        if (server?.listening) {
            server.closeAllConnections();
            server.close();
            await once(server, 'close');
        }
        server = undefined;
    });

    /** Serves `app` with its classes; `seen` gets each request and response as the server made them. */
    async function serve(
        app: express.Express,
        seen: (req: IncomingMessage, res: ServerResponse) => void,
    ): Promise<string> {
        server = createServer({ ...appServerClasses(app), keepAlive: true }, app);
        // Runs before the app, which is the server's first listener.
        server.prependListener('request', seen);
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
        return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    it("makes requests and responses with the app's prototypes, so express's change of them changes nothing", async () => {
        const app = express();
        const prototypes: { req: unknown; res: unknown }[] = [];
        const url = await serve(app, (req, res) => {
            prototypes.push({ req: Object.getPrototypeOf(req), res: Object.getPrototypeOf(res) });
        });
        app.get('/', (_req, res) => {
            res.json({});
        });
        for (let i = 0; i < 3; i += 1) {
            assert.equal((await fetch(url)).status, 200);
        }
        assert.equal(prototypes.length, 3);
        for (const { req, res } of prototypes) {
            assert.equal(req, app.request);
            assert.equal(res, app.response);
        }
    });

    it('leaves express, its body parser, its params and its error handling working as with Node’s own classes', async () => {
        const app = express();
        app.use(express.json({ limit: 64 }));
        app.post('/things/:thingId', (req, res) => {
            res.locals.seen = req.get('x-probe');
            res.status(201).json({
                thingId: req.params.thingId,
                body: req.body as unknown,
                seen: res.locals.seen as unknown,
            });
        });
        app.use(
            (error: { status?: number }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
                if (res.headersSent) {
                    next(error);
                    return;
                }
                res.status(error.status ?? 500)
                    .type('application/fhir+json')
                    .json({ failed: true });
            },
        );
        const url = await serve(app, () => undefined);
        const post = (body: string): Promise<Response> =>
            fetch(`${url}/things/a%20b`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', 'x-probe': 'p1' },
                body,
            });
        const created = await post('{"n":1}');
        assert.equal(created.status, 201);
        assert.deepEqual(await created.json(), { thingId: 'a b', body: { n: 1 }, seen: 'p1' });
        const tooLarge = await post(JSON.stringify({ pad: 'x'.repeat(100) }));
        assert.equal(tooLarge.status, 413);
        assert.match(tooLarge.headers.get('content-type') ?? '', /application\/fhir\+json/);
        assert.deepEqual(await tooLarge.json(), { failed: true });
    });
});
