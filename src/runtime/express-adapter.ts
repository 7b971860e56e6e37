import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';

type NodeMessageClass = typeof IncomingMessage | typeof ServerResponse;

/**
 * A constructor for Node's HTTP server (its documented `IncomingMessage` / `ServerResponse` options) whose
 * objects are born with `prototype` — Express's `app.request` or `app.response` — as their prototype.
 *
 * Express re-parents every request and response it takes (`Object.setPrototypeOf(req, app.request)`), and
 * V8 gives an object whose prototype was changed a hidden class of its own: each property the request gains
 * afterwards (`req.params`, `req.user`, `res.locals`…) then makes new hidden classes for that one request,
 * ~30 per request here, which outlive it in V8's young-generation collections and drag the request's objects
 * into the old generation with them. Born with the right prototype, the request is left alone by that
 * `setPrototypeOf` (V8 returns early when the prototype is already the one asked for), and its properties
 * follow shared hidden classes. Measured in issue 19: 40 → 17 KB promoted per request on its own.
 */
function bornWith<T extends NodeMessageClass>(base: T, prototype: object): T {
  // a plain function, not a class: a class's `prototype` cannot be replaced, and this one must be Express's
  function ExpressMessage(this: InstanceType<T>, ...args: unknown[]): void {
    (base as unknown as (...baseArgs: unknown[]) => void).apply(this, args);
  }
  ExpressMessage.prototype = prototype;
  return ExpressMessage as unknown as T;
}

/** Nest's Express adapter, serving over an HTTP server whose requests and responses are Express's from birth. */
export class MallbridgeExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    // HTTPS and connection tracking are Nest's own paths; Mallbridge runs plain HTTP behind its proxy
    if (options?.httpsOptions || options?.forceCloseConnections) return super.initHttpServer(options);
    const app = this.getInstance<((req: IncomingMessage, res: ServerResponse) => void) & { request: object; response: object }>();
    this.setHttpServer(
      createServer(
        { IncomingMessage: bornWith(IncomingMessage, app.request), ServerResponse: bornWith(ServerResponse, app.response) },
        app,
      ),
    );
  }
}
