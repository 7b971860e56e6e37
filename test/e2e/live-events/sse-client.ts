import { waitFor } from '../../support/wait-for';

export interface ReceivedEvent {
  seq: number;
  type: string;
  id: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/**
 * A live event stream read the way a console reads it: fetch with the bearer token and a streamed body,
 * parsed as Server-Sent Events. Keeps every event and comment it has seen.
 */
export class SseClient {
  readonly events: ReceivedEvent[] = [];
  readonly comments: string[] = [];
  retryMs?: number;
  status = 0;
  headers?: Headers;
  private readonly abort = new AbortController();
  private reading?: Promise<void>;
  /** the server ended the response (or the connection dropped) */
  ended = false;

  private constructor() {}

  /** Opens the stream and resolves once the response headers arrived (any status; read `status`). */
  static async open(baseUrl: string, token: string, options: { lastEventId?: number; query?: string } = {}): Promise<SseClient> {
    const client = new SseClient();
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
    if (options.lastEventId !== undefined) headers['Last-Event-ID'] = String(options.lastEventId);
    const response = await fetch(`${baseUrl}/v1/events/stream${options.query ?? ''}`, { headers, signal: client.abort.signal });
    client.status = response.status;
    client.headers = response.headers;
    if (response.body) client.reading = client.read(response.body);
    return client;
  }

  get lastSeq(): number | undefined {
    return this.events.at(-1)?.seq;
  }

  /** Drops the connection, as a network failure or a closed tab would. */
  async drop(): Promise<void> {
    this.abort.abort();
    await this.reading?.catch(() => undefined);
  }

  /** Waits until at least `count` events arrived; returns them all. */
  async waitForEvents(count: number, what = `${count} events`, timeoutMs = 20_000): Promise<ReceivedEvent[]> {
    await waitFor(async () => this.events.length >= count || this.ended, { what, timeoutMs, intervalMs: 20 });
    if (this.events.length < count) throw new Error(`the stream ended after ${this.events.length} events, waiting for ${what}`);
    return this.events;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.take(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } finally {
      this.ended = true;
    }
  }

  private take(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      fields[name] = (fields[name] ? fields[name] + '\n' : '') + line.slice(colon + 1).replace(/^ /, '');
    }
    if (fields.retry) this.retryMs = Number(fields.retry);
    if (fields.data === undefined) return;
    const body = JSON.parse(fields.data) as Omit<ReceivedEvent, 'seq'>;
    if (body.type !== fields.event) throw new Error(`event line says ${fields.event}, data says ${body.type}`);
    this.events.push({ ...body, seq: Number(fields.id) });
  }
}
