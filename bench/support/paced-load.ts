/**
 * A steady load at a fixed rate, in its own process; prints its result as JSON on stdout (options as JSON in
 * argv[2]: url, headers, rate, duration in seconds, connections).
 *
 * autocannon's `overallRate` is not a steady rate: each connection sends its share of a second back to back
 * as the second starts, then idles, and its coordinated-omission correction records every slow answer again
 * once per millisecond of its lateness. Its p99 "at 200 req/s" was the p99 of a full-speed burst, inflated.
 * Here request i is due at start + i / rate; its latency runs from when it was due (so a stall that delays
 * later requests counts against them too: no coordinated omission) to the end of its answer.
 *
 * `warmup` seconds of the same load come first, unmeasured, on the same sockets: this process is new for every
 * run, and its own first seconds (connections opened, its code compiled by V8 on the same two cores as the app
 * and PostgreSQL) showed as a cluster of 50–100 ms answers at the start of every run, the bare route's included.
 * `latencies` lists every measured latency, so runs can be pooled into one percentile.
 */
import { Agent, request } from 'node:http';
import type { PacedLoadOptions } from './autocannon-process';


function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as PacedLoadOptions;
  // fifo: every socket is used in turn. Node's default (lifo) leaves some idle past the server's keep-alive
  // timeout at a low rate, and a request sent as the server closes one fails (ECONNRESET) for no fault of the app.
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, scheduling: 'fifo' });
  const interval = 1000 / options.rate;
  let latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let errorCodes: Record<string, number> = {};
  const send = (due: number) =>
    new Promise<void>((resolve) => {
      const req = request(options.url, { agent, headers: options.headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode! < 200 || res.statusCode! >= 300) {
            non2xx++;
            errorCodes[`HTTP ${res.statusCode}`] = (errorCodes[`HTTP ${res.statusCode}`] ?? 0) + 1;
          }
          latencies.push(performance.now() - due);
          resolve();
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        errors++;
        errorCodes[error.code ?? error.message] = (errorCodes[error.code ?? error.message] ?? 0) + 1;
        resolve();
      });
      req.end();
    });
  /** Sends `total` requests, each at its due time, and waits for their answers; returns when the first was due. */
  const paced = async (total: number): Promise<number> => {
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; ) {
      const now = performance.now();
      for (; i < total && start + i * interval <= now; i++) inFlight.push(send(start + i * interval));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + i * interval - performance.now())));
    }
    await Promise.all(inFlight);
    return start;
  };
  if (options.warmup) {
    await paced(Math.round(options.rate * options.warmup));
    // the warm-up's answers are not the result; its failures would show again below
    latencies = [];
    non2xx = 0;
    errors = 0;
    errorCodes = {};
  }
  const start = await paced(Math.round(options.rate * options.duration));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  const ms = (value: number) => Math.round(value * 10) / 10;
  const measured = latencies.map(ms);
  const sorted = [...latencies].sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      requests: { average: latencies.length / seconds, total: latencies.length },
      latency: {
        p50: ms(percentile(sorted, 50)),
        p99: ms(percentile(sorted, 99)),
        max: ms(sorted[sorted.length - 1] ?? NaN),
        average: ms(sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || 1)),
      },
      non2xx,
      errors,
      errorCodes,
      timeouts: 0,
      latencies: measured,
    }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error) + '\n');
  process.exit(1);
});
