import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/**
 * The shared frame of every site simulator: a real HTTP server speaking one site's wire protocol,
 * with seedable state, a controllable clock, injectable faults and an inspection API under `/_sim`.
 *
 * Simulators follow `shared/specs/<site>.md` to the letter: they are the stand-in for the real site,
 * so a client that only passes against a bent simulator fails in production. Never make a simulator
 * more lenient to suit the client.
 */

export interface RecordedRequest {
  at: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body bytes as base64 (sites send EUC-KR, Shift_JIS, XML, forms...). */
  bodyBase64: string;
  /** The body decoded as UTF-8, for convenience when it is text. */
  bodyText: string;
}

export type FaultKind =
  /** answer with `status`, optional `body`/`contentType`/`headers` (e.g. 503, or 429 with Retry-After) */
  | 'http'
  /** accept the request and never answer until the client gives up (client timeout) */
  | 'timeout'
  /** destroy the socket without an answer (network error) */
  | 'reset'
  /** answer with the site's own error envelope for `siteCode` (rendered by the simulator) */
  | 'site-error'
  /**
   * change the simulator's state at that moment, then answer the request normally: `action` names
   * one of the simulator's {@link SiteSimulator.namedActions} (e.g. token expiry at the Nth call),
   * or `run` is a callback (direct use from a test in the same process)
   */
  | 'action';

export interface FaultSpec {
  kind: FaultKind;
  /** only requests whose path contains this substring; all site requests when omitted */
  pathIncludes?: string;
  /** let this many matching requests through first (e.g. "token expiry at the Nth call") */
  afterCalls?: number;
  /** how many matching requests the fault hits; default 1 */
  times?: number;
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  siteCode?: string;
  siteMessage?: string;
  /** delay before answering (ms) — applies to every kind but 'timeout' */
  delayMs?: number;
  /** with kind 'action': the named action to run */
  action?: string;
  /** with kind 'action': a callback to run (not available over HTTP) */
  run?: () => void;
}

interface ActiveFault extends FaultSpec {
  id: number;
  seen: number;
  hits: number;
}

/** A settable clock, so tests can move a simulator past token or key expiry without waiting. */
export class SimClock {
  private offsetMs = 0;
  private fixed: number | null = null;

  now(): Date {
    return new Date(this.fixed ?? Date.now() + this.offsetMs);
  }

  set(at: Date | string): void {
    this.fixed = new Date(at).getTime();
  }

  advance(ms: number): void {
    if (this.fixed !== null) this.fixed += ms;
    else this.offsetMs += ms;
  }

  reset(): void {
    this.offsetMs = 0;
    this.fixed = null;
  }
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): number {
    const id = this.nextId++;
    this.faults.push({ ...spec, id, seen: 0, hits: 0 });
    return id;
  }

  clear(): void {
    this.faults = [];
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault that applies to this request, if any; counts the request against every matching fault. */
  take(path: string): FaultSpec | undefined {
    let chosen: ActiveFault | undefined;
    for (const fault of this.faults) {
      if (fault.pathIncludes && !path.includes(fault.pathIncludes)) continue;
      fault.seen += 1;
      if (chosen) continue;
      if (fault.seen <= (fault.afterCalls ?? 0)) continue;
      if (fault.hits >= (fault.times ?? 1)) continue;
      fault.hits += 1;
      chosen = fault;
    }
    this.faults = this.faults.filter((f) => f.hits < (f.times ?? 1));
    return chosen;
  }
}

export interface SiteRequest extends Request {
  rawBody: Buffer;
}

export abstract class SiteSimulator {
  readonly clock = new SimClock();
  readonly faults = new FaultInjector();
  readonly requests: RecordedRequest[] = [];
  protected readonly app: Express = express();
  private server: Server | null = null;
  private readonly hangingResponses = new Set<Response>();

  protected constructor(readonly name: string) {
    this.app.disable('x-powered-by');
    this.app.set('query parser', 'extended');
    this.mountInspectionApi();
    this.app.use(express.raw({ type: () => true, limit: '50mb' }));
    this.app.use((req: Request, _res: Response, next: NextFunction) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      (req as SiteRequest).rawBody = raw;
      this.requests.push({
        at: new Date().toISOString(),
        method: req.method,
        path: req.path,
        query: { ...(req.query as Record<string, unknown>) },
        headers: { ...req.headers },
        bodyBase64: raw.toString('base64'),
        bodyText: raw.toString('utf8'),
      });
      next();
    });
    this.app.use((req: Request, res: Response, next: NextFunction) => this.applyFault(req, res, next));
    this.mountRoutes(this.app);
    this.app.use((req: Request, res: Response) => {
      res.status(404).type('text/plain').send(`${this.name} simulator: no route ${req.method} ${req.path}`);
    });
  }

  /** The site's own routes. */
  protected abstract mountRoutes(app: Express): void;

  /** Replace the whole state with `seed` (shape is the simulator's own, documented on the class). */
  abstract seed(seed: unknown): void;

  /** Everything a test may want to assert on: accounts, orders, stock, tokens issued... */
  abstract inspect(): unknown;

  /** State changes a test may trigger at the Nth call with an 'action' fault, by name. */
  protected namedActions(): Record<string, () => void> {
    return {};
  }

  /** Render the site's own error envelope for an injected 'site-error' fault. */
  protected abstract renderSiteError(fault: FaultSpec, req: SiteRequest, res: Response): void;

  /** Forget all state, faults, requests and clock changes. */
  reset(): void {
    this.faults.clear();
    this.requests.length = 0;
    this.clock.reset();
    this.seed(undefined);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      const server = this.app.listen(port, host, () => resolve());
      server.once('error', reject);
      this.server = server;
    });
    return this.url;
  }

  get url(): string {
    if (!this.server) throw new Error(`${this.name} simulator is not started`);
    const address = this.server.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hangingResponses) res.destroy();
    this.hangingResponses.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private applyFault(req: Request, res: Response, next: NextFunction): void {
    const fault = this.faults.take(req.path);
    if (!fault) return next();
    if (fault.kind === 'action') {
      const action = fault.run ?? (fault.action ? this.namedActions()[fault.action] : undefined);
      if (!action) {
        res.status(500).type('text/plain').send(`${this.name} simulator: unknown action "${fault.action}"`);
        return;
      }
      if (fault.delayMs) {
        setTimeout(() => {
          action();
          next();
        }, fault.delayMs);
        return;
      }
      action();
      return next();
    }
    if (fault.kind === 'timeout') {
      this.hangingResponses.add(res);
      res.on('close', () => this.hangingResponses.delete(res));
      return;
    }
    const answer = () => {
      switch (fault.kind) {
        case 'reset':
          req.socket.destroy();
          return;
        case 'http':
          if (fault.headers) res.set(fault.headers);
          res
            .status(fault.status ?? 500)
            .type(fault.contentType ?? 'text/plain')
            .send(fault.body ?? 'Injected fault');
          return;
        case 'site-error':
          this.renderSiteError(fault, req as SiteRequest, res);
          return;
      }
    };
    if (fault.delayMs) setTimeout(answer, fault.delayMs);
    else answer();
  }

  private mountInspectionApi(): void {
    const sim = express.Router();
    sim.use(express.json({ limit: '50mb' }));
    sim.get('/requests', (_req, res) => {
      res.json(this.requests);
    });
    sim.delete('/requests', (_req, res) => {
      this.requests.length = 0;
      res.status(204).end();
    });
    sim.get('/state', (_req, res) => {
      res.json(this.inspect());
    });
    sim.post('/seed', (req, res) => {
      this.seed(req.body);
      res.status(204).end();
    });
    sim.post('/reset', (_req, res) => {
      this.reset();
      res.status(204).end();
    });
    sim.get('/clock', (_req, res) => {
      res.json({ now: this.clock.now().toISOString() });
    });
    sim.post('/clock', (req, res) => {
      const body = (req.body ?? {}) as { now?: string; advanceMs?: number; reset?: boolean };
      if (body.reset) this.clock.reset();
      if (body.now) this.clock.set(body.now);
      if (body.advanceMs) this.clock.advance(body.advanceMs);
      res.json({ now: this.clock.now().toISOString() });
    });
    sim.get('/faults', (_req, res) => {
      res.json(this.faults.list());
    });
    sim.post('/faults', (req, res) => {
      res.status(201).json({ id: this.faults.add(req.body as FaultSpec) });
    });
    sim.delete('/faults', (_req, res) => {
      this.faults.clear();
      res.status(204).end();
    });
    this.mountSimHooks(sim);
    this.app.use('/_sim', sim);
  }

  /**
   * A site's own scenario hooks (cancel, hold, merge… as the real site's UI would), under `/_sim` beside the
   * inspection API: like it, never recorded as site requests and never hit by faults. Runs in the base constructor:
   * handlers may use the simulator's state when called, not while mounted.
   */
  protected mountSimHooks(_router: express.Router): void {}
}
