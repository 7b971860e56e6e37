import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TestApp } from './test-app';

export interface AppProcess {
  child: ChildProcess;
  url: string;
  output: string[];
  /** SIGKILL: no shutdown hooks, exactly like a crash */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts another instance of the app, in its own process, on the same database and with the same
 * credentials key as `t`, with workers and schedulers on.
 */
export async function startAppProcess(t: TestApp, env: Record<string, string> = {}): Promise<AppProcess> {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'test/support/app-process.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: t.config.databaseUrl!,
      CREDENTIALS_KEY: t.config.credentialsKey.toString('base64'),
      PUBLIC_BASE_URL: t.config.publicBaseUrl,
      NEXTENGINE_CLIENT_ID: t.config.nextEngine.clientId ?? '',
      NEXTENGINE_CLIENT_SECRET: t.config.nextEngine.clientSecret ?? '',
      NEXTENGINE_SIGN_IN_URL: t.config.nextEngine.signInUrl,
      WORKERS_ENABLED: 'true',
      SYNC_TICK_SECONDS: '1',
      JOB_POLLING_SECONDS: '0.5',
      LOG_LEVEL: 'warn',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app process did not start:\n${output.join('')}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output.push(text);
      const ready = /READY (\S+)/.exec(text);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app process exited with ${code}:\n${output.join('')}`));
    });
  });
  return {
    child,
    url,
    output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
