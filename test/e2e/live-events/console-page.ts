import { createServer, type Server } from 'node:http';

/**
 * A tiny browser console, as a frontend team would write it against the API on another origin: sign in, list
 * orders, follow the live event stream. EventSource cannot send `Authorization`, so the stream is read with
 * fetch and a ReadableStream (no token in the URL). The test drives it through `window.consoleApp`.
 */
function consolePage(apiBase: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Mallbridge console (test)</title></head>
<body><h1>Console</h1><ul id="events"></ul>
<script>
const API = ${JSON.stringify(apiBase)};
const consoleApp = {
  token: null,
  events: [],
  streamStatus: null,
  streamError: null,
  async signIn(email, password) {
    const response = await fetch(API + '/v1/auth/sign-in', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const body = await response.json();
    if (response.ok) consoleApp.token = body.token;
    return { status: response.status, role: body.user && body.user.role };
  },
  async listOrders() {
    const response = await fetch(API + '/v1/orders?limit=50', { headers: { Authorization: 'Bearer ' + consoleApp.token } });
    const body = await response.json();
    return { status: response.status, rateLimitRemaining: response.headers.get('X-RateLimit-Remaining'), orders: body.data };
  },
  /** Opens the stream; resolves with the status once the headers arrived, then keeps reading in the background. */
  async follow(lastEventId) {
    const headers = { Authorization: 'Bearer ' + consoleApp.token };
    if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
    const response = await fetch(API + '/v1/events/stream', { headers });
    consoleApp.streamStatus = response.status;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\\n\\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = {};
          for (const line of block.split('\\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
          }
          if (!fields.data) continue;
          const event = { seq: Number(fields.id), ...JSON.parse(fields.data) };
          consoleApp.events.push(event);
          const item = document.createElement('li');
          item.textContent = event.type + ' ' + JSON.stringify(event.data);
          document.getElementById('events').appendChild(item);
        }
      }
    })().catch((error) => (consoleApp.streamError = String(error)));
    return response.status;
  },
};
window.consoleApp = consoleApp;
</script></body></html>`;
}

/** Serves the console page on its own origin (127.0.0.1, a free port). */
export async function serveConsolePage(apiBase: () => string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(consolePage(apiBase()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
