import { DataSource } from 'typeorm';
import { StockBridge } from '../../../src/stock-links/stock-bridge.service';
import { LEGACY_RESEND_WINDOW_SECONDS } from '../../../src/stock-links/stock-delta';
import { insertBareStockLink } from '../../support/stock-link-rows';
import { startTestApp, type TestApp } from '../../support/test-app';

/**
 * The rule for a legacy push resent late, as first written: pair by pair. It is the reference the faster query of
 * StockBridge.staleResends must agree with, row for row.
 */
const RULE_AS_WRITTEN = `SELECT e.id::text FROM stock_events e
  WHERE e.id = ANY($2::bigint[]) AND e.content_hash IS NOT NULL
    AND EXISTS (
      SELECT 1 FROM stock_events earlier
       WHERE earlier.link_id = $1 AND earlier.store_id = e.store_id AND earlier.product_id = e.product_id
         AND earlier.content_hash = e.content_hash AND earlier.id < e.id
         AND earlier.received_at >= e.received_at - make_interval(secs => $3)
         AND EXISTS (
           SELECT 1 FROM stock_events since
            WHERE since.link_id = $1 AND since.store_id = e.store_id AND since.product_id = e.product_id
              AND since.id > earlier.id AND since.id < e.id AND since.amount_after IS DISTINCT FROM e.amount_after))`;

/** A small seeded generator, so a failing sequence can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Receipt {
  kind: 'legacy' | 'platform';
  storeId: string;
  productId: string;
  amountAfter: number | null;
  contentHash: string | null;
  receivedAt: Date;
}

describe('Stock bridge: legacy pushes resent late, found in one pass', () => {
  let t: TestApp;
  let db: DataSource;
  let bridge: StockBridge;
  let tenantId: string;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    bridge = t.app.get(StockBridge);
    tenantId = (await t.createTenant('Resend seller')).tenantId;
  });

  afterAll(async () => {
    await t?.close();
  });

  const newLink = () => insertBareStockLink(db, tenantId);

  /** Stores the receipts in order (ids ascending) and returns their ids. */
  async function store(linkId: string, receipts: Receipt[]): Promise<string[]> {
    const rows = (await db.query(
      `INSERT INTO stock_events (link_id, kind, content_hash, store_id, product_id, amount_after, status, received_at)
       SELECT $1, k, h, s, p, a, 'received', r
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[]) WITH ORDINALITY AS t(k, h, s, p, a, r, n)
        ORDER BY n
       RETURNING id`,
      [
        linkId,
        receipts.map((r) => r.kind),
        receipts.map((r) => r.contentHash),
        receipts.map((r) => r.storeId),
        receipts.map((r) => r.productId),
        receipts.map((r) => r.amountAfter),
        receipts.map((r) => r.receivedAt),
      ],
    )) as Array<{ id: string }>;
    return rows
      .map((row) => BigInt(row.id))
      .sort((a, b) => (a < b ? -1 : 1))
      .map(String);
  }

  const staleResends = (linkId: string, ids: string[]) =>
    (bridge as unknown as { staleResends(linkId: string, events: Array<{ id: string }>): Promise<Set<string>> }).staleResends(
      linkId,
      ids.map((id) => ({ id })),
    );

  async function asWritten(linkId: string, ids: string[]): Promise<Set<string>> {
    const rows = (await db.query(RULE_AS_WRITTEN, [linkId, ids, LEGACY_RESEND_WINDOW_SECONDS])) as Array<{ id: string }>;
    return new Set(rows.map((row) => row.id));
  }

  it('finds exactly the rows the rule as written finds, on random receipts of few amounts, contents and products', async () => {
    let stale = 0;
    let fresh = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const random = generator(seed);
      const linkId = await newLink();
      let at = Date.parse('2026-11-01T00:00:00Z');
      const receipts: Receipt[] = [];
      for (let i = 0; i < 70; i++) {
        // mostly seconds apart, sometimes more than the resend window
        at += random() < 0.08 ? (LEGACY_RESEND_WINDOW_SECONDS + 3600) * 1000 : Math.floor(random() * 600) * 1000;
        const storeId = random() < 0.7 ? '1' : '2';
        const productId = random() < 0.6 ? '8000001' : '8000002';
        if (random() < 0.1) {
          // a Platform event of the same product: its amount is known once its history was read (or not yet)
          const amountAfter = random() < 0.5 ? null : 3 + Math.floor(random() * 3);
          receipts.push({ kind: 'platform', storeId, productId, amountAfter, contentHash: null, receivedAt: new Date(at) });
          continue;
        }
        const amountAfter = 3 + Math.floor(random() * 3);
        // the same amount usually has the same content; sometimes another field differs (another content)
        const contentHash = `${storeId}/${productId}/${amountAfter}${random() < 0.15 ? '/other' : ''}`;
        receipts.push({ kind: 'legacy', storeId, productId, amountAfter, contentHash, receivedAt: new Date(at) });
      }
      const ids = await store(linkId, receipts);
      // the batch: the later half, as the fold reads its oldest received changes after earlier batches were folded
      const batch = ids.slice(30);
      const expected = await asWritten(linkId, batch);
      const found = await staleResends(linkId, batch);
      expect({ seed, stale: [...found].sort() }).toEqual({ seed, stale: [...expected].sort() });
      stale += expected.size;
      fresh += batch.length - expected.size;
    }
    // both answers occur often enough for the comparison to mean something
    expect(stale).toBeGreaterThan(50);
    expect(fresh).toBeGreaterThan(50);
  });

  it('finds every late repeat among thousands of receipts of one amount', async () => {
    const linkId = await newLink();
    const at = Date.now() - 3_600_000;
    const receipts: Receipt[] = Array.from({ length: 3000 }, (_, i) => ({
      kind: 'legacy' as const,
      storeId: '1',
      productId: '8000001',
      amountAfter: i === 1000 ? 6 : 7,
      contentHash: i === 1000 ? 'six' : 'seven',
      receivedAt: new Date(at + i),
    }));
    const ids = await store(linkId, receipts);
    // Every 7 after the single 6 repeats a 7 received before it: all stale. (Asked pair by pair, this took minutes.)
    const found = await staleResends(linkId, ids.slice(2000));
    expect(found.size).toBe(1000);
  });
});
