import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import {
  CROSSMALL_DEFAULT_ACCOUNT,
  CrossmallSimStateError,
  CrossmallSimulator,
  type CrossmallOrderSeed,
  type CrossmallSeed,
} from './crossmall.simulator';

const ACCOUNT = CROSSMALL_DEFAULT_ACCOUNT.account;
const KEY = CROSSMALL_DEFAULT_ACCOUNT.authKey;
const NOW = '2026-03-10T03:00:00.000Z'; // 12:00 JST

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

function order(n: number, partial: Partial<CrossmallOrderSeed> = {}): CrossmallOrderSeed {
  return {
    order_number: n,
    order_date: '2026/03/09 10:00:00',
    shop_name: '楽天市場店',
    order_code: `R-${n}`,
    phase_name: '発送待機',
    client_name: '田中 優子',
    ship_name: '田中 優子',
    ship_zip: '060-0001',
    ship_address1: '北海道札幌市中央区北一条西2-1',
    lines: [
      { item_code: 'SOCKS', item_name: 'ソックス', attribute1_name: 'ブラック', attribute2_name: '23-25cm', amount: 1, unit_price: 990 },
    ],
    ...partial,
  };
}

function testSeed(): CrossmallSeed {
  return {
    accounts: [
      { ...CROSSMALL_DEFAULT_ACCOUNT },
      // the spec's worked example account (§2)
      { account: 'ill', authKey: 'mXCTpnoA' },
    ],
    orders: [
      order(101, {
        lines: [
          {
            item_code: 'SOCKS',
            item_name: 'ソックス',
            attribute1_name: 'ブラック',
            attribute2_name: '23-25cm',
            amount: 2,
            unit_price: 990,
          },
          { item_code: 'TEA', item_name: 'ほうじ茶', amount: 1, unit_price: 1296 },
        ],
      }),
      order(102, { phase_name: '引当待ち' }),
      order(103, {
        bundle_flag: 1,
        bundle_ahead_number: 101,
        lines: [{ item_code: 'TEA', item_name: 'ほうじ茶', amount: 3, unit_price: 1296 }],
      }),
    ],
    skus: [
      {
        item_code: 'SOCKS',
        attribute1_name: 'ブラック',
        attribute2_name: '23-25cm',
        item_sku_code: 'SOCKS-BK',
        jan_code: '4589859570040',
        stock: 10,
      },
      { item_code: 'SOCKS', attribute1_name: 'ホワイト', attribute2_name: '23-25cm', stock: 4 },
      { item_code: 'TEA', stock: 50 },
      { account: 'ill', item_code: '090115-z-01', attribute1_name: 'S', attribute2_name: 'Black', stock: 12 },
    ],
  };
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

describe('CrossmallSimulator (WebAPI2 wire protocol)', () => {
  const sim = new CrossmallSimulator();
  let base: string;

  /** Fetch with a raw query string, signed over exactly that string. */
  async function raw(api: string, query: string, signing?: string, init: RequestInit = {}) {
    const sig = signing ?? md5(query + KEY);
    const res = await fetch(`${base}/webapi2/${api}?${query}&signing=${sig}`, init);
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, doc: parser.parse(text) as any };
  }

  /** Build the query like a client would (URLSearchParams: UTF-8 percent-encoding, space → '+'). */
  function call(api: string, params: Record<string, string | number>) {
    const qs = new URLSearchParams({ account: ACCOUNT, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) });
    return raw(api, qs.toString());
  }

  const rows = (doc: any, root: string): any[] => [].concat(doc[root].ResultSet.Result ?? []);
  /** A scenario hook over HTTP, JSON body. */
  const post = (path: string, body: unknown = {}) =>
    fetch(`${base}/_sim${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    base = await sim.start(0);
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    sim.reset();
    sim.seed(testSeed());
    sim.clock.set(NOW);
  });

  describe('signing and IP allow-list', () => {
    it('accepts exactly the worked example of the spec (§2)', async () => {
      const res = await fetch(
        `${base}/webapi2/get_stock?account=ill&item_code=090115-z-01&attribute1_name=S&attribute2_name=Black&signing=db075c0464bd9cd150a1b60e397d8fb4`,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/xml; charset=UTF-8');
      const text = await res.text();
      const doc = parser.parse(text);
      expect(doc.GetStock['@version']).toBe('1.0');
      expect(doc.GetStock.ResultSet['@TotalResult']).toBe('1');
      expect(doc.GetStock.ResultSet.ResultStatus.GetStatus).toBe('success');
      expect(doc.GetStock.ResultSet.Result).toMatchObject({ '@No': '1', attribute1_name: 'S', attribute2_name: 'Black', stock: '12' });
      expect(text).toContain("<Result No='1'>");
    });

    it('rejects the same parameters signed in sorted order, or upper-case hex', async () => {
      const q = 'account=ill&item_code=090115-z-01&attribute1_name=S&attribute2_name=Black';
      const sorted = await fetch(`${base}/webapi2/get_stock?${q}&signing=8dc70b6ce280458243d5f8b5a4914de5`);
      const sortedDoc = parser.parse(await sorted.text());
      expect(sorted.status).toBe(200);
      expect(sortedDoc.GetStock.ResultSet.ResultStatus.GetStatus).toBe('error');
      expect(sortedDoc.GetStock.ResultSet.ResultStatus.Message).toContain('signing');
      const upper = await fetch(`${base}/webapi2/get_stock?${q}&signing=DB075C0464BD9CD150A1B60E397D8FB4`);
      expect(parser.parse(await upper.text()).GetStock.ResultSet.ResultStatus.GetStatus).toBe('error');
      const none = await fetch(`${base}/webapi2/get_stock?${q}`);
      expect(parser.parse(await none.text()).GetStock.ResultSet.ResultStatus.GetStatus).toBe('error');
    });

    it('hashes the raw, percent-encoded query with Japanese values as sent', async () => {
      const ok = await call('get_order', { phase_name: '発送待機' });
      expect(ok.doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('success');
      expect(rows(ok.doc, 'GetOrder').map((r) => r.order_number)).toEqual(['101', '103']);
      // lower-case percent escapes are a different string: fine when signed over that string...
      const lower = `account=${ACCOUNT}&phase_name=${encodeURIComponent('発送待機').toLowerCase()}`;
      expect((await raw('get_order', lower)).doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('success');
      // ...but a signature over the decoded text does not match the bytes sent
      const upperQs = `account=${ACCOUNT}&phase_name=${encodeURIComponent('発送待機')}`;
      const decodedSig = md5(`account=${ACCOUNT}&phase_name=発送待機${KEY}`);
      const bad = await raw('get_order', upperQs, decodedSig);
      expect(bad.doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('error');
    });

    it('refuses a wrong key and an unknown account', async () => {
      const q = `account=${ACCOUNT}&order_number=101`;
      expect((await raw('get_order', q, md5(q + 'wrong'))).doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('error');
      const q2 = 'account=0000&order_number=101';
      expect((await raw('get_order', q2, md5(q2 + KEY))).doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('error');
    });

    it('refuses callers outside the IP allow-list; 0.0.0.0 denies all, an empty list allows all', async () => {
      sim.setAllowedIps(['198.51.100.4'], ACCOUNT);
      const denied = await call('get_order', { order_number: 101 });
      expect(denied.doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('error');
      expect(denied.doc.GetOrder.ResultSet.ResultStatus.Message).toContain('IP');
      sim.setAllowedIps(['0.0.0.0', '127.0.0.1'], ACCOUNT);
      expect((await call('get_order', { order_number: 101 })).doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('error');
      sim.setAllowedIps([], ACCOUNT);
      expect((await call('get_order', { order_number: 101 })).doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('success');
    });

    it('accepts GET only', async () => {
      const q = `account=${ACCOUNT}&order_number=101`;
      const r = await raw('get_order', q, undefined, { method: 'POST' });
      expect(r.status).toBe(405);
      expect(r.doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('error');
    });
  });

  describe('orders', () => {
    it('get_order for one row (the connection test) returns the order header', async () => {
      const r = await call('get_order', { order_number: 101, condition: 0 });
      expect(r.doc.GetOrder.ResultSet['@TotalResult']).toBe('1');
      expect(rows(r.doc, 'GetOrder')[0]).toMatchObject({
        order_number: '101',
        order_date: '2026/03/09 10:00:00',
        phase_name: '発送待機',
        ship_address1: '北海道札幌市中央区北一条西2-1',
        bundle_flag: '0',
      });
    });

    it('pages by 100 with order_number + condition=1', async () => {
      sim.seed({ orders: Array.from({ length: 250 }, (_, i) => order(1000 + i)) });
      const seen: string[] = [];
      let last = 0;
      let pages = 0;
      for (;;) {
        const r = await call('get_order', { phase_name: '発送待機', order_number: last, condition: 1 });
        const page = rows(r.doc, 'GetOrder');
        pages += 1;
        seen.push(...page.map((x) => x.order_number));
        if (page.length < 100) break;
        expect(r.doc.GetOrder.ResultSet['@TotalResult']).toBe('100');
        last = Number(page[page.length - 1].order_number);
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(250);
      expect(new Set(seen).size).toBe(250);
    });

    it('zero hits is success with TotalResult 0; bad parameters are errors', async () => {
      const none = await call('get_order', { phase_name: '存在しない' });
      expect(none.doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('success');
      expect(none.doc.GetOrder.ResultSet['@TotalResult']).toBe('0');
      expect((await call('get_order', { condition: 2, order_number: 1 })).doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('error');
      expect((await call('get_order', { order_date_fr: '2026/03/01' })).doc.GetOrder.ResultSet.ResultStatus.GetStatus).toBe('error');
    });

    it('get_order_detail serves the lines (child bundle lines under the parent; the child itself is refused)', async () => {
      const r = await call('get_order_detail', { order_number: 101 });
      const lines = rows(r.doc, 'GetOrderDetail');
      expect(lines.map((l) => [l.line_no, l.item_code, l.attribute1_name, l.attribute2_name, l.amount])).toEqual([
        ['1', 'SOCKS', 'ブラック', '23-25cm', '2'],
        ['2', 'TEA', '', '', '1'],
        ['3', 'TEA', '', '', '3'],
      ]);
      const child = await call('get_order_detail', { order_number: 103 });
      expect(child.doc.GetOrderDetail.ResultSet.ResultStatus.GetStatus).toBe('error');
    });

    it('upd_order_phase moves to the exact phase name with ship date and number', async () => {
      const r = await call('upd_order_phase', {
        order_number: 101,
        after_phase_name: 'QXPRESS発送済み',
        delivery_date: '2026-03-10',
        delivery_date_update: 1,
        delivery_no: '503012345678',
      });
      expect(r.text).toContain('<UpdOrderPhase version="1.0">');
      expect(r.doc.UpdOrderPhase.ResultSet.ResultStatus.UpdStatus).toBe('success');
      const o = sim.getOrder(101)!;
      expect(o.phase_name).toBe('QXPRESS発送済み');
      expect(o.delivery_date).toBe('2026-03-10');
      expect(o.delivery_number).toBe('503012345678');
      expect(o.updated_at).toBe('2026-03-10 12:00:00');
      const listed = await call('get_order', { updated_at_fr: '2026-03-10 12:00:00' });
      expect(rows(listed.doc, 'GetOrder').map((x) => x.order_number)).toEqual(['101']);
    });

    it('upd_order_phase refuses an unknown or differently spelled phase name', async () => {
      for (const phase of ['QXPRESS発送済', 'ＱＸＰＲＥＳＳ発送済み', 'qxpress発送済み', ' QXPRESS発送済み']) {
        const r = await call('upd_order_phase', { order_number: 101, after_phase_name: phase });
        expect(r.doc.UpdOrderPhase.ResultSet.ResultStatus.UpdStatus).toBe('error');
        expect(typeof r.doc.UpdOrderPhase.ResultSet.ResultStatus.Message).toBe('string');
      }
      expect(sim.getOrder(101)!.phase_name).toBe('発送待機');
      const missing = await call('upd_order_phase', { order_number: 999, after_phase_name: '発送済み' });
      expect(missing.doc.UpdOrderPhase.ResultSet.ResultStatus.UpdStatus).toBe('error');
    });

    it('upd_order_check_mark sets a mark that get_order can filter on', async () => {
      const r = await call('upd_order_check_mark', { order_number: 102, check_mark_type: 3, check_mark_value: 1 });
      expect(r.doc.UpdOrderCheckMark.ResultSet.ResultStatus.UpdStatus).toBe('success');
      expect(sim.getOrder(102)!.check_mark3).toBe(1);
      const unmarked = await call('get_order', { check_mark3: 0 });
      expect(rows(unmarked.doc, 'GetOrder').map((x) => x.order_number)).toEqual(['101', '103']);
      expect(
        (await call('upd_order_check_mark', { order_number: 102, check_mark_type: 4, check_mark_value: 1 })).doc.UpdOrderCheckMark.ResultSet
          .ResultStatus.UpdStatus,
      ).toBe('error');
    });
  });

  describe('stock', () => {
    it('upd_stock overwrites the SKU keyed by item code + attribute names, visible in get_stock and state', async () => {
      const r = await call('upd_stock', { item_code: 'SOCKS', attribute1_name: 'ホワイト', attribute2_name: '23-25cm', stock: 31 });
      expect(r.doc.UpdStock.ResultSet.ResultStatus.UpdStatus).toBe('success');
      expect(sim.getStock('SOCKS', 'ホワイト', '23-25cm')).toBe(31);
      expect(sim.getStock('SOCKS', 'ブラック', '23-25cm')).toBe(10);
      const read = await call('get_stock', { item_code: 'SOCKS' });
      expect(rows(read.doc, 'GetStock').map((x) => [x.attribute1_name, x.stock])).toEqual([
        ['ブラック', '10'],
        ['ホワイト', '31'],
      ]);
      const byJan = await call('get_stock', { jan_code: '4589859570040' });
      expect(rows(byJan.doc, 'GetStock')[0].stock).toBe('10');
    });

    it('upd_stock refuses a SKU whose attribute text differs, and get_stock needs a key', async () => {
      const r = await call('upd_stock', { item_code: 'SOCKS', attribute1_name: 'ホワイト ', attribute2_name: '23-25cm', stock: 1 });
      expect(r.doc.UpdStock.ResultSet.ResultStatus.UpdStatus).toBe('error');
      expect(sim.getStock('SOCKS', 'ホワイト', '23-25cm')).toBe(4);
      const noKey = await call('get_stock', {});
      expect(noKey.doc.GetStock.ResultSet.ResultStatus.GetStatus).toBe('error');
    });

    it("refuses a seller's edit of an unknown SKU or to a stock that is no whole number, over HTTP too", async () => {
      expect(() => sim.setStock('SOCKS', 'ホワイト ', '23-25cm', 3)).toThrow(CrossmallSimStateError);
      expect(() => sim.setStock('SOCKS', 'ホワイト', '23-25cm', -1)).toThrow('whole number');
      expect((await post('/stock', { item_code: 'SOCKS', attribute1_name: 'ホワイト', stock: 3 })).status).toBe(404);
      expect((await post('/stock', { item_code: 'TEA', stock: 1.5 })).status).toBe(400);
      expect((await post('/stock', { stock: 1 })).status).toBe(400);
      expect((await post('/skus', { item_code: 'TEA', stock: 1 })).status).toBe(409);
      expect((await post('/skus', { item_code: 'CUP' })).status).toBe(400);
      expect((await fetch(`${base}/_sim/stock?item_code=GHOST`)).status).toBe(404);
      expect(sim.getStock('SOCKS', 'ホワイト', '23-25cm')).toBe(4);
      expect(sim.getStock('TEA')).toBe(50);
    });

    it("sets a SKU's stock as a seller does in the screen, unrecorded; get_stock shows it at once", async () => {
      sim.requests.length = 0;
      expect(sim.setStock('SOCKS', 'ホワイト', '23-25cm', 7)).toMatchObject({ item_code: 'SOCKS', attribute1_name: 'ホワイト', stock: 7 });
      expect(await (await post('/stock', { item_code: 'TEA', stock: 0 })).json()).toMatchObject({ item_code: 'TEA', stock: 0 });
      const added = await post('/skus', { item_code: 'CUP', attribute1_name: '白', stock: 6 });
      expect(added.status).toBe(201);
      const query = new URLSearchParams({ item_code: 'CUP', attribute1_name: '白' });
      expect(await (await fetch(`${base}/_sim/stock?${query}`)).json()).toMatchObject({ item_code: 'CUP', attribute2_name: '', stock: 6 });
      expect(sim.requests).toEqual([]);

      const socks = rows((await call('get_stock', { item_code: 'SOCKS' })).doc, 'GetStock');
      expect(socks.map((x) => [x.item_cd, x.attribute1_name, x.attribute2_name, x.stock])).toEqual([
        ['SOCKS', 'ブラック', '23-25cm', '10'],
        ['SOCKS', 'ホワイト', '23-25cm', '7'],
      ]);
      expect(rows((await call('get_stock', { item_code: 'TEA' })).doc, 'GetStock')[0].stock).toBe('0');
      expect(rows((await call('get_stock', { item_code: 'CUP', attribute1_name: '白' })).doc, 'GetStock')[0].stock).toBe('6');
    });
  });

  describe('changes after intake (cancellations.md §4.7)', () => {
    const numbers = (doc: any) => rows(doc, 'GetOrder').map((x) => x.order_number);
    const status = (doc: any, root: string) => doc[root].ResultSet.ResultStatus;

    it('hold, release and cancel move cancel_flag 0→1→0→2, each bumping updated_at; wrong moves are refused', async () => {
      sim.clock.set('2026-03-10T03:05:00Z'); // 12:05 JST
      expect(sim.hold(102)).toMatchObject({ cancel_flag: 1, updated_at: '2026-03-10 12:05:00' });
      expect(() => sim.hold(102)).toThrow(CrossmallSimStateError);
      sim.clock.set('2026-03-10T03:06:00Z');
      expect(sim.release(102)).toMatchObject({ cancel_flag: 0, updated_at: '2026-03-10 12:06:00' });
      expect(() => sim.release(102)).toThrow('cancel_flag is 0');
      sim.clock.set('2026-03-10T03:07:00Z');
      expect(sim.cancel(102)).toMatchObject({ cancel_flag: 2, updated_at: '2026-03-10 12:07:00' });
      expect(() => sim.cancel(102)).toThrow(CrossmallSimStateError);
      expect(() => sim.hold(999)).toThrow('unknown order 999');
      // a held order may be cancelled
      sim.hold(101);
      expect(sim.cancel(101).cancel_flag).toBe(2);

      const r = await call('get_order', { order_number: 102, condition: 0 });
      expect(rows(r.doc, 'GetOrder')[0]).toMatchObject({ cancel_flag: '2', updated_at: '2026-03-10 12:07:00', phase_name: '引当待ち' });
    });

    it('setPhase moves to a キャンセル phase without touching cancel_flag', async () => {
      sim.setPhase(101, 'キャンセル');
      const [row] = rows((await call('get_order', { order_number: 101, condition: 0 })).doc, 'GetOrder');
      expect(row).toMatchObject({ phase_name: 'キャンセル', cancel_flag: '0', updated_at: '2026-03-10 12:00:00' });
    });

    it('get_order filters by updated_at_fr/to as datetime or date (a date-only "to" covers its day)', async () => {
      sim.clock.set('2026-03-10T01:30:00Z'); // 10:30 JST
      sim.hold(101);
      sim.clock.set('2026-03-11T00:00:00Z'); // 09:00 JST next day
      sim.setAddress(102, { ship_zip: '100-0001' });

      const window = async (fr: string, to: string) => numbers((await call('get_order', { updated_at_fr: fr, updated_at_to: to })).doc);
      expect(await window('2026-03-10 10:30:00', '2026-03-10 10:30:00')).toEqual(['101']);
      expect(await window('2026-03-10 10:30:01', '2026-03-11 09:00:00')).toEqual(['102']);
      expect(await window('2026-03-10', '2026-03-10')).toEqual(['101']);
      expect(await window('2026-03-09', '2026-03-11')).toEqual(['101', '102', '103']); // 103 seeded 03-09 10:00
      const bad = await call('get_order', { updated_at_fr: '2026/03/10 10:00:00' });
      expect(status(bad.doc, 'GetOrder').GetStatus).toBe('error');
    });

    it('pages a changed window by order_number with condition=1, 100 rows a call', async () => {
      sim.seed({ orders: Array.from({ length: 230 }, (_, i) => order(5000 + i, { updated_at: '2026-03-01 09:00:00' })) });
      for (let i = 0; i < 230; i += 2) sim.hold(5000 + i); // 115 changed at 12:00 JST
      const seen: string[] = [];
      let last: string | undefined;
      for (;;) {
        const params: Record<string, string> = { updated_at_fr: '2026-03-10 11:00:00', updated_at_to: '2026-03-10 13:00:00' };
        if (last) Object.assign(params, { condition: '1', order_number: last });
        const page = numbers((await call('get_order', params)).doc);
        seen.push(...page);
        if (page.length < 100) break;
        last = page.at(-1);
      }
      expect(seen).toHaveLength(115);
      expect(seen[0]).toBe('5000');
      expect(seen.at(-1)).toBe('5228');
    });

    it("bundle moves the child's lines to the parent; the child's detail and components are refused with a Message", async () => {
      sim.seed({
        orders: [
          order(201, { updated_at: '2026-03-09 10:00:00' }),
          order(202, {
            updated_at: '2026-03-09 10:00:00',
            lines: [
              {
                item_code: 'GIFT',
                item_name: 'ギフトセット',
                amount: 1,
                unit_price: 3000,
                component_flag: '1',
                components: [{ item_code: 'TEA', component_count: 2 }],
              },
            ],
          }),
        ],
      });
      const child = sim.bundle(202, 201);
      expect(child).toMatchObject({ bundle_flag: 1, bundle_ahead_number: 201, updated_at: '2026-03-10 12:00:00', lines: [] });
      expect(sim.getOrder(201)).toMatchObject({ bundle_flag: 1, bundle_ahead_number: 0, updated_at: '2026-03-10 12:00:00' });

      const detail = await call('get_order_detail', { order_number: 201 });
      expect(rows(detail.doc, 'GetOrderDetail').map((l) => [l.line_no, l.item_code, l.component_flag])).toEqual([
        ['1', 'SOCKS', '0'],
        ['2', 'GIFT', '1'],
      ]);
      expect(detail.text).not.toContain('components');
      const component = await call('get_order_component', { order_number: 201, line_no: 2 });
      expect(rows(component.doc, 'GetOrderComponent')).toEqual([
        expect.objectContaining({ order_number: '201', line_no: '2', set_item_code: 'GIFT', item_code: 'TEA', component_count: '2' }),
      ]);

      for (const api of ['get_order_detail', 'get_order_component']) {
        const refused = await call(api, { order_number: 202, line_no: 1 });
        const root = api === 'get_order_detail' ? 'GetOrderDetail' : 'GetOrderComponent';
        expect(status(refused.doc, root).GetStatus).toBe('error');
        expect(status(refused.doc, root).Message).toContain('201');
      }
      const [row] = rows((await call('get_order', { order_number: 202, condition: 0 })).doc, 'GetOrder');
      expect(row).toMatchObject({ bundle_flag: '1', bundle_ahead_number: '201' });

      expect(() => sim.bundle(202, 201)).toThrow('already bundled');
      expect(() => sim.bundle(201, 202)).toThrow(CrossmallSimStateError);
      sim.seed({ orders: [order(301), order(302)] });
      sim.bundle(302, 301, { markParent: false });
      expect(sim.getOrder(301)!.bundle_flag).toBe(0);
    });

    it('get_order_component is keyed by (order_number, line_no) and lists nothing for a line that is no set', async () => {
      sim.seed({
        orders: [
          order(401, {
            lines: [
              { item_code: 'SOCKS', item_name: 'ソックス', amount: 1, unit_price: 990 },
              {
                item_code: 'SET-A',
                item_name: 'セットA',
                amount: 3,
                unit_price: 2000,
                component_flag: '1',
                components: [
                  {
                    item_code: 'SOCKS',
                    attribute1_name: 'ブラック',
                    attribute2_name: '23-25cm',
                    component_count: 2,
                    jan_cd: '4589859570040',
                  },
                  { item_code: 'TEA', item_name: 'ほうじ茶', component_count: 1 },
                ],
              },
            ],
          }),
        ],
      });
      const set = rows((await call('get_order_component', { order_number: 401, line_no: 2 })).doc, 'GetOrderComponent');
      expect(set.map((x) => [x.item_code, x.attribute1_name, x.attribute2_name, x.component_count, x.jan_cd])).toEqual([
        ['SOCKS', 'ブラック', '23-25cm', '2', '4589859570040'],
        ['TEA', '', '', '1', ''],
      ]);
      const plain = await call('get_order_component', { order_number: 401, line_no: 1 });
      expect(status(plain.doc, 'GetOrderComponent').GetStatus).toBe('success');
      expect(plain.doc.GetOrderComponent.ResultSet['@TotalResult']).toBe('0');
      const noLine = await call('get_order_component', { order_number: 401 });
      expect(status(noLine.doc, 'GetOrderComponent').GetStatus).toBe('error');
    });

    it('setAddress changes the recipient fields only', async () => {
      const o = sim.setAddress(101, { ship_name: '佐藤 花子', ship_address1: '東京都千代田区1-1', ship_address2: '' });
      expect(o).toMatchObject({
        ship_name: '佐藤 花子',
        ship_address1: '東京都千代田区1-1',
        ship_zip: '060-0001',
        updated_at: '2026-03-10 12:00:00',
      });
      expect(() => sim.setAddress(101, { client_name: 'x' } as never)).toThrow('not an address field');
    });

    it('offers every hook over HTTP under /_sim, unrecorded and untouched by faults', async () => {
      sim.faults.add({ kind: 'http', status: 503 }); // would hit the next site request
      sim.requests.length = 0;

      expect(await (await post('/orders/102/hold')).json()).toMatchObject({ order_number: 102, cancel_flag: 1 });
      expect((await post('/orders/102/hold')).status).toBe(409);
      expect(await (await post('/orders/102/release')).json()).toMatchObject({ cancel_flag: 0 });
      expect(await (await post('/orders/102/cancel')).json()).toMatchObject({ cancel_flag: 2 });
      expect(await (await post('/orders/101/phase', { phase_name: '保留' })).json()).toMatchObject({ phase_name: '保留', cancel_flag: 0 });
      expect((await post('/orders/101/phase', {})).status).toBe(400);
      expect(await (await post('/orders/101/address', { ship_zip: '100-0001' })).json()).toMatchObject({ ship_zip: '100-0001' });
      expect((await post('/orders/101/address', { order_memo: 'x' })).status).toBe(400);
      const created = await post('/orders', order(104, { updated_at: '2026-03-10 11:00:00' }));
      expect(created.status).toBe(201);
      expect(await (await post('/orders/104/bundle', { parent: 101, markParent: false })).json()).toMatchObject({
        bundle_flag: 1,
        bundle_ahead_number: 101,
      });
      expect(sim.getOrder(101)!.lines.map((l) => l.line_no)).toEqual([1, 2, 3, 4]); // 103's line came at seed time
      expect((await post('/orders/999/cancel')).status).toBe(404);
      expect((await post('/orders/abc/cancel')).status).toBe(400);
      expect(await (await fetch(`${base}/_sim/orders/104`)).json()).toMatchObject({ bundle_ahead_number: 101 });
      expect((await fetch(`${base}/_sim/orders/998`)).status).toBe(404);
      expect((await fetch(`${base}/_sim/state`)).status).toBe(200);

      expect(sim.requests).toEqual([]);
      expect(sim.faults.list()).toHaveLength(1);
      expect((await call('get_order', { order_number: 101 })).status).toBe(503);
    });
  });

  it('renders an injected site error in the API envelope', async () => {
    sim.faults.add({ kind: 'site-error', siteMessage: 'メンテナンス中です', pathIncludes: 'upd_order_phase' });
    const r = await call('upd_order_phase', { order_number: 101, after_phase_name: '発送済み' });
    expect(r.status).toBe(200);
    expect(r.doc.UpdOrderPhase.ResultSet.ResultStatus).toEqual({ UpdStatus: 'error', Message: 'メンテナンス中です' });
    expect(sim.getOrder(101)!.phase_name).toBe('発送待機');
  });

  it('demoSeed has multi-line and bundled orders in the collectable phase', () => {
    const demo = CrossmallSimulator.demoSeed(new Date(NOW));
    expect(demo.orders?.some((o) => o.lines.length > 1 && o.phase_name === '発送待機')).toBe(true);
    expect(demo.orders?.some((o) => o.bundle_flag === 1)).toBe(true);
    expect(() => new CrossmallSimulator(demo)).not.toThrow();
  });
});
