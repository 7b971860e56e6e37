import type { DataSource } from 'typeorm';
import { waitFor } from './wait-for';

/**
 * Ends every connection an app's pool named `applicationName` holds on its database, as a restart, a failover or a
 * proxy's idle timeout would, and waits until the server has let them go. Returns how many were ended.
 */
export async function endBackends(db: DataSource, applicationName: string): Promise<number> {
  const [{ name }] = (await db.query(`SELECT current_database() AS name`)) as Array<{ name: string }>;
  const pids = async () =>
    (
      (await db.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = $2`, [applicationName, name])) as Array<{
        pid: number;
      }>
    ).map((row) => row.pid);
  const ended = await pids();
  await db.query(`SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid`, [ended]);
  await waitFor(async () => (await pids()).every((pid) => !ended.includes(pid)), { what: 'the ended backends to leave' });
  return ended.length;
}
