import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../../src/config/app-config';
import { DEFAULT_STOCK_EVENTS_RETENTION_DAYS } from '../../../src/config/config.loader';
import { StockBridgeRetention } from '../../../src/stock-links/stock-bridge-retention';
import { insertBareStockLink } from '../../support/stock-link-rows';
import { startTestApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

/**
 * STOCK_EVENTS_RETENTION_DAYS: the hourly prune deletes settled stock-bridge events past the retention, and never
 * one that still has work to do, however old; then the upload runs no kept event names, except each link's newest.
 */
describe('Stock bridge: settled events and upload runs past the retention are pruned', () => {
  let t: TestApp;
  let db: DataSource;
  let retention: StockBridgeRetention;
  let tenantId: string;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    retention = t.app.get(StockBridgeRetention);
    tenantId = (await t.createTenant('Retention seller')).tenantId;
  });

  afterAll(async () => {
    await t?.close();
  });

  const newLink = () => insertBareStockLink(db, tenantId);

  async function newUpload(linkId: string, ageDays = 200, status = 'partial'): Promise<string> {
    const [upload] = (await db.query(
      `INSERT INTO stock_uploads (id, link_id, trigger, status, started_at) VALUES ($1, $2, 'schedule', $3, now() - make_interval(days => $4)) RETURNING id`,
      [randomUUID(), linkId, status, ageDays],
    )) as Array<{ id: string }>;
    return upload.id;
  }

  const uploadsLeft = async (linkId: string) =>
    ((await db.query(`SELECT id FROM stock_uploads WHERE link_id = $1 ORDER BY started_at`, [linkId])) as Array<{ id: string }>).map(
      (row) => row.id,
    );

  /** Events received `ageDays` ago, in the order given (ids ascending, as the webhook draws them). */
  async function store(linkId: string, events: Array<{ status: string; ageDays: number; uploadId?: string }>): Promise<string[]> {
    const rows = (await db.query(
      `INSERT INTO stock_events (link_id, kind, store_id, product_id, amount_after, status, upload_id, received_at)
       SELECT $1, 'legacy', '1', '8000001', 5, s, u, now() - make_interval(days => d)
         FROM unnest($2::text[], $3::int[], $4::uuid[]) WITH ORDINALITY AS t(s, d, u, n)
        ORDER BY n
       RETURNING id::text`,
      [linkId, events.map((e) => e.status), events.map((e) => e.ageDays), events.map((e) => e.uploadId ?? null)],
    )) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  const statusesLeft = async (linkId: string) =>
    (
      (await db.query(`SELECT status, upload_id IS NOT NULL AS reported FROM stock_events WHERE link_id = $1 ORDER BY id`, [
        linkId,
      ])) as Array<{
        status: string;
        reported: boolean;
      }>
    ).map((row) => `${row.status}${row.reported ? ' (reported)' : ''}`);

  it('deletes settled events past the retention; keeps the young ones, and every one with work left however old', async () => {
    const linkId = await newLink();
    const uploadId = await newUpload(linkId);
    const old = DEFAULT_STOCK_EVENTS_RETENTION_DAYS + 10;
    await store(linkId, [
      // settled, past the retention: deleted
      { status: 'uploaded', ageDays: old, uploadId },
      { status: 'netted', ageDays: old, uploadId },
      { status: 'zero', ageDays: old },
      { status: 'ignored', ageDays: old },
      { status: 'unrecognised', ageDays: old },
      { status: 'failed', ageDays: old, uploadId },
      // work left, however old: kept (a failure no upload reported goes to the next upload)
      { status: 'received', ageDays: old },
      { status: 'pending', ageDays: old },
      { status: 'uploading', ageDays: old, uploadId },
      { status: 'failed', ageDays: old },
      // young: kept whatever their status
      { status: 'uploaded', ageDays: DEFAULT_STOCK_EVENTS_RETENTION_DAYS - 1, uploadId },
      { status: 'zero', ageDays: 1 },
    ]);

    expect(await retention.pruneEvents()).toBe(6);
    expect(await statusesLeft(linkId)).toEqual(['received', 'pending', 'uploading (reported)', 'failed', 'uploaded (reported)', 'zero']);
    // the upload the deleted events belonged to stays (its counts are the record of that run)
    expect((await db.query(`SELECT count(*)::int AS n FROM stock_uploads WHERE id = $1`, [uploadId]))[0].n).toBe(1);
    expect(await retention.pruneEvents()).toBe(0);
  });

  it('more old events than one statement looks at are all deleted, once, by two instances pruning at the same time', async () => {
    const linkId = await newLink();
    const count = 12_345;
    await db.query(
      `INSERT INTO stock_events (link_id, kind, store_id, product_id, amount_after, status, received_at)
       SELECT $1, 'legacy', '1', (8000000 + g % 7)::text, g % 9, 'zero', now() - make_interval(days => $2) + g * interval '1 second'
         FROM generate_series(1, $3) AS g`,
      [linkId, DEFAULT_STOCK_EVENTS_RETENTION_DAYS + 30, count],
    );
    const [young] = await store(linkId, [{ status: 'zero', ageDays: 0 }]);

    const [first, second] = await Promise.all([retention.pruneEvents(), retention.pruneEvents()]);
    expect(first + second).toBe(count);
    expect((await db.query(`SELECT id::text FROM stock_events WHERE link_id = $1`, [linkId])).map((row: { id: string }) => row.id)).toEqual(
      [young],
    );
  });

  it('an event that gains work while the prune waits for it is judged as it is then, and kept', async () => {
    const linkId = await newLink();
    const [id] = await store(linkId, [{ status: 'zero', ageDays: DEFAULT_STOCK_EVENTS_RETENTION_DAYS + 1 }]);
    // another transaction holds the row, and changes it, while the prune reaches it
    const other = db.createQueryRunner();
    await other.connect();
    try {
      await other.startTransaction();
      await other.query(`UPDATE stock_events SET status = 'pending' WHERE id = $1`, [id]);
      const pruning = retention.pruneEvents();
      await waitFor(
        async () => {
          const rows = (await db.query(
            // a row lock is waited for on the holder's transaction id, a lock of no database: found by its backend
            `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid AND a.datname = current_database()
              WHERE l.locktype = 'transactionid' AND NOT l.granted`,
          )) as unknown[];
          return rows.length > 0 ? rows : null;
        },
        { what: 'the prune waiting for the row' },
      );
      await other.commitTransaction();
      expect(await pruning).toBe(0);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
    expect(await statusesLeft(linkId)).toEqual(['pending']);
  });

  it('a retention of 0 keeps everything', async () => {
    const linkId = await newLink();
    await store(linkId, [{ status: 'zero', ageDays: 5_000 }]);
    const keepAll = new StockBridgeRetention({ stockEventsRetentionDays: 0 } as AppConfig, db);
    expect(await keepAll.pruneEvents()).toBe(0);
    expect(await statusesLeft(linkId)).toEqual(['zero']);
  });

  describe('upload runs', () => {
    const old = DEFAULT_STOCK_EVENTS_RETENTION_DAYS + 10;

    it('goes once the events it reported are pruned, never before: a reported failure is not made one to send again', async () => {
      const linkId = await newLink();
      const reported = await newUpload(linkId, old + 1);
      const crashed = await newUpload(linkId, old, 'running');
      const newest = await newUpload(linkId, 1, 'succeeded');
      await store(linkId, [
        // settled and old: pruned first, which frees the run that reported them
        { status: 'failed', ageDays: old + 1, uploadId: reported },
        { status: 'uploaded', ageDays: old + 1, uploadId: reported },
        // still to be done: keeps the run it names
        { status: 'uploading', ageDays: old, uploadId: crashed },
      ]);

      // one run of the hourly job (the counts are of every link: other tests' rows are in this database too)
      await retention.prune();
      expect(await uploadsLeft(linkId)).toEqual([crashed, newest]);
      expect(await statusesLeft(linkId)).toEqual(['uploading (reported)']);
      expect(await retention.prune()).toEqual({ events: 0, uploads: 0 });
    });

    it('a run a kept event still names stays, and the event keeps naming it', async () => {
      const linkId = await newLink();
      const reporting = await newUpload(linkId, old);
      await newUpload(linkId, 0, 'succeeded');
      // young, so kept: deleting its run would set its upload_id to null, and the tick would send the failure again
      await store(linkId, [{ status: 'failed', ageDays: 1, uploadId: reporting }]);

      await retention.pruneUploads();
      expect(await uploadsLeft(linkId)).toContain(reporting);
      expect(await statusesLeft(linkId)).toEqual(['failed (reported)']);
    });

    it("a link's newest run stays however old: it is the link's last upload", async () => {
      const linkId = await newLink();
      await newUpload(linkId, old + 2);
      const last = await newUpload(linkId, old + 1, 'succeeded');

      await retention.pruneUploads();
      expect(await uploadsLeft(linkId)).toEqual([last]);
    });

    it('more old runs than one statement deletes are all deleted, once, by two instances pruning at the same time', async () => {
      const linkId = await newLink();
      const count = 12_001;
      await db.query(
        `INSERT INTO stock_uploads (id, link_id, trigger, status, started_at)
         SELECT gen_random_uuid(), $1, 'schedule', 'succeeded', now() - make_interval(days => $2) + g * interval '1 second'
           FROM generate_series(1, $3) AS g`,
        [linkId, old, count],
      );
      const young = await newUpload(linkId, 1, 'succeeded');

      const [first, second] = await Promise.all([retention.pruneUploads(), retention.pruneUploads()]);
      expect(first + second).toBe(count);
      expect(await uploadsLeft(linkId)).toEqual([young]);
    });

    it('a retention of 0 keeps every run', async () => {
      const linkId = await newLink();
      await newUpload(linkId, 5_000);
      await newUpload(linkId, 4_000);
      const keepAll = new StockBridgeRetention({ stockEventsRetentionDays: 0 } as AppConfig, db);
      expect(await keepAll.prune()).toEqual({ events: 0, uploads: 0 });
      expect(await uploadsLeft(linkId)).toHaveLength(2);
    });
  });
});
