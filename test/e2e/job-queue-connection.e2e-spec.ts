import { DataSource } from 'typeorm';
import { JobQueue } from '../../src/jobs/job-queue.service';
import { PlannedOnceJobDb } from '../../src/jobs/planned-once-job-db';
import { startTestApp, type TestApp } from '../support/test-app';
import { endBackends } from '../support/end-backends';
import { waitFor } from '../support/wait-for';

/** pg-boss on a connection of ours: its statements prepared and planned once; its migrations and failures as before. */
describe('The job queue’s connection', () => {
  let t: TestApp;
  let db: DataSource;
  let jobDb: PlannedOnceJobDb;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    jobDb = new PlannedOnceJobDb(t.database.url, () => undefined);
  });

  afterAll(async () => {
    await jobDb?.end();
    await t?.close();
  });

  it('prepares a statement with values once and runs it on the generic plan', async () => {
    for (let n = 0; n < 3; n++) await jobDb.executeSql(`SELECT $1::int + 1 AS n`, [n]);
    // one at a time, the pool hands back the connection just released: the one that prepared the statement
    const { rows } = await jobDb.executeSql(
      `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 1 AS n'`,
    );
    expect(rows).toEqual([{ generic: 3, custom: 0 }]);
  });

  it('sends a text without values as it is, several commands included (pg-boss’s migrations)', async () => {
    const results = (await jobDb.executeSql(`SELECT 1 AS a; SELECT 2 AS b`)) as unknown as Array<{ rows: unknown[] }>;
    expect(results.map((result) => result.rows)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
  });

  it('once ended, answers nothing and rejects nothing, as pg-boss’s own connection (it does not wait for a late job’s completion)', async () => {
    const ended = new PlannedOnceJobDb(t.database.url, () => undefined);
    await ended.executeSql(`SELECT $1::int AS n`, [1]);
    await ended.end();
    // what pg-boss sends for a job that outlived its graceful stop: a rejection here ended the whole process
    await expect(ended.executeSql(`SELECT $1::int AS n`, [2])).resolves.toBeUndefined();
    await expect(ended.executeSql(`SELECT 1`)).resolves.toBeUndefined();
  });

  it('keeps queueing and running jobs after PostgreSQL ended its connections', async () => {
    const queue = t.app.get(JobQueue);
    await queue.define({ name: 'test.connection', retryLimit: 0, retryDelaySeconds: 1, expireInSeconds: 60 });
    expect(await endBackends(db, 'mallbridge-jobs')).toBeGreaterThan(0);

    const done: string[] = [];
    await queue.work<{ value: string }>('test.connection', 1, async (data) => void done.push(data.value));
    const id = await queue.send('test.connection', { value: 'after the restart' });
    expect(id).not.toBeNull();
    await waitFor(async () => (done.length > 0 ? done : null), { what: 'the job to run' });
    expect(done).toEqual(['after the restart']);
  });
});
