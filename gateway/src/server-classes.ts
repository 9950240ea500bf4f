// SPDX-License-Identifier: Apache-2.0
/**
 * The request and response classes an HTTP(S) server serving an express app is created with.
 *
 * express gives every request and response its own methods by changing their prototypes, in each request,
 * to the app's (`Object.setPrototypeOf(req, app.request)` in `app.handle`). V8 gives an object whose
 * prototype changes a new hidden class, so every property access in Node's HTTP and stream code, in express
 * and in the routes meets objects of two shapes, falls back to its slowest (megamorphic) lookups, and the
 * change itself is costly: on this project's two-core machine it was 0.2–0.3 ms of CPU per request, about as
 * much as all the rest of express and Node's HTTP together (README.md "Performance").
 *
 * A server created with these classes makes its requests and responses with the app's prototypes already,
 * so express's change of prototype is to the one they have, which JavaScript defines to change nothing:
 * express and its routes work exactly as before.
 */
import { IncomingMessage, ServerResponse, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

/** The server options that make requests and responses as `app` will have them. */
export type AppServerClasses = Required<Pick<ServerOptions, 'IncomingMessage' | 'ServerResponse'>>;

/**
 * The request and response classes for a server of `app`: Node's own constructors run on an object whose
 * prototype is the app's. They are applied as functions, which Node's are (a class constructor would throw at
 * the first request, which every gateway test makes). `Reflect.construct` would work for both, but the objects
 * it makes are slower still than express's change of prototype: 0.61 against 0.47 ms a request, 0.23 this way.
 * @param app - the express app the server will serve
 */
export function appServerClasses(app: Express): AppServerClasses {
    function AppRequest(this: IncomingMessage, socket: Socket): void {
        Reflect.apply(IncomingMessage, this, [socket]);
    }
    AppRequest.prototype = app.request;
    function AppResponse(this: ServerResponse, req: IncomingMessage, options?: object): void {
        Reflect.apply(ServerResponse, this, [req, options]);
    }
    AppResponse.prototype = app.response;
    return {
        IncomingMessage: AppRequest as unknown as typeof IncomingMessage,
        ServerResponse: AppResponse as unknown as typeof ServerResponse,
    };
}
