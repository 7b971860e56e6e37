import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  /** the body exactly as it arrived, which is what the signature covers */
  rawBody: string;
  body: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
  at: number;
}

/**
 * How the receiver answers one request: a status, a redirect to another of its paths (`{ redirectTo }`, 307), or never
 * (`hang`: the sender's timeout must end the attempt).
 */
export type ReceiverAnswer = number | 'hang' | { redirectTo: string };

/**
 * A seller's webhook receiver on a local port: records every request by path and answers each path from a script
 * (`answers`: one entry per request, the last one repeated), 200 when none is set.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly answers = new Map<string, ReceiverAnswer[]>();
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '/';
      this.received.push({ path, headers: request.headers, rawBody, body: JSON.parse(rawBody), at: Date.now() });
      const script = this.answers.get(path) ?? [200];
      const answer = script.length > 1 ? script.shift()! : script[0];
      if (answer === 'hang') return; // the connection stays open until the sender gives up
      if (typeof answer === 'object') return void response.writeHead(307, { location: this.url(answer.redirectTo) }).end();
      response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'thanks' : `receiver says ${answer}`);
    });
  });

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port><path>` */
  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  answer(path: string, ...script: ReceiverAnswer[]): void {
    this.answers.set(path, script);
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((hit) => hit.path === path);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
