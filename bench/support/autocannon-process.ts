import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs one autocannon load in its own process (bench/support/load.ts), so the app under test and the load
 * generator do not share an event loop; resolves with autocannon's result object.
 */
export function runAutocannon<T>(options: Record<string, unknown>): Promise<T> {
  return runLoadProcess<T>('load.ts', options);
}

export interface PacedLoadOptions {
  url: string;
  headers: Record<string, string>;
  /** requests a second */
  rate: number;
  /** seconds measured */
  duration: number;
  connections: number;
  /** seconds of unmeasured load first */
  warmup?: number;
}

/** A steady load at `rate` requests a second in its own process (bench/support/paced-load.ts), for latency at a fixed rate. */
export function runPacedLoad<T>(options: PacedLoadOptions): Promise<T> {
  return runLoadProcess<T>('paced-load.ts', options);
}

function runLoadProcess<T>(script: string, options: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, script), JSON.stringify(options)], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${script} exited with ${code}`))));
  });
}
