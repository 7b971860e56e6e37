import { gzipSync } from 'node:zlib';
import * as iconv from 'iconv-lite';
import { NextEngineSimulator, type NextEngineSeed } from './nextengine.simulator';

type Json = Record<string, any>;

const CLIENT_ID = 'sim-ne-client-id';
const CLIENT_SECRET = 'sim-ne-client-secret';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('NextEngineSimulator (wire protocol, spec nextengine.md)', () => {
  const sim = new NextEngineSimulator();
  let base: string;

  beforeAll(async () => {
    base = await sim.start(0);
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    sim.reset();
    sim.clock.set('2025-01-10T01:00:00Z'); // 10:00 JST
    sim.seed(NextEngineSimulator.demoSeed());
  });

  async function post(path: string, params: Record<string, string>): Promise<Json> {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    return (await res.json()) as Json;
  }

  /** Browser sign-in + /api_neauth, as a connector does it. */
  async function authorize(state = 'mb-state-1'): Promise<Json> {
    const signIn = new URL(`${base}/users/sign_in/`);
    signIn.searchParams.set('client_id', CLIENT_ID);
    signIn.searchParams.set('redirect_uri', 'https://mallbridge.example/v1/callbacks/nextengine?conn=42');
    signIn.searchParams.set('state', state);
    const res = await fetch(signIn, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('https://mallbridge.example/v1/callbacks/nextengine');
    expect(location.searchParams.get('conn')).toBe('42');
    const uid = location.searchParams.get('uid')!;
    expect(location.searchParams.get('state')).toBe(state);
    return post('/api_neauth', { uid, state, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  }

  describe('authorization and tokens (spec §2)', () => {
    it('signs in, exchanges uid+state for tokens with 1 day / 3 day end dates', async () => {
      const auth = await authorize();
      expect(auth.result).toBe('success');
      expect(auth.company_ne_id).toBe('NE123456');
      expect(auth.uid).toBe('demo-uid-yamada');
      expect(auth.pic_name).toBe('山田 太郎');
      expect(auth.access_token).toMatch(/\S{16,}/);
      expect(auth.refresh_token).toMatch(/\S{16,}/);
      expect(auth.access_token_end_date).toBe('2025-01-11 10:00:00');
      expect(auth.refresh_token_end_date).toBe('2025-01-13 10:00:00');

      const info = await post('/api_v1_login_user/info', {
        access_token: auth.access_token,
        refresh_token: auth.refresh_token,
      });
      expect(info.result).toBe('success');
      expect(info.count).toBe('1');
      expect(info.data[0]).toMatchObject({ uid: 'demo-uid-yamada', company_ne_id: 'NE123456' });
      expect(info.access_token).toBe(auth.access_token);
      expect(info.refresh_token_end_date).toBe('2025-01-13 10:00:00');
    });

    it('refuses a wrong client_secret, a reused state and a state older than 5 minutes', async () => {
      const signIn = await fetch(sim.signInUrl('https://mb.example/cb', 's-1'), { redirect: 'manual' });
      const uid = new URL(signIn.headers.get('location')!).searchParams.get('uid')!;
      const bad = await post('/api_neauth', { uid, state: 's-1', client_id: CLIENT_ID, client_secret: 'nope' });
      expect(bad).toMatchObject({ result: 'error', code: '001003' });
      expect(bad.access_token).toBeUndefined();
      const noUid = await post('/api_neauth', { state: 's-1', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
      expect(noUid.code).toBe('001001');

      const ok = await post('/api_neauth', { uid, state: 's-1', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
      expect(ok.result).toBe('success');
      const reused = await post('/api_neauth', { uid, state: 's-1', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
      expect(reused).toMatchObject({ result: 'error', code: '001002' });

      await fetch(sim.signInUrl('https://mb.example/cb', 's-2'), { redirect: 'manual' });
      sim.clock.advance(5 * 60_000 + 1000);
      const late = await post('/api_neauth', { uid, state: 's-2', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
      expect(late).toMatchObject({ result: 'error', code: '001002' });
    });

    it('the sign-in host refuses an unknown client_id', async () => {
      const res = await fetch(`${base}/users/sign_in/?client_id=other&redirect_uri=${encodeURIComponent('https://x/cb')}`, {
        redirect: 'manual',
      });
      expect(res.status).toBe(400);
    });

    it('rotates both tokens on the first call after the access token expired, then the old one is stale (002002)', async () => {
      const auth = await authorize();
      sim.clock.advance(DAY + HOUR); // access expired, refresh still valid
      const rotated = await post('/api_v1_login_user/info', {
        access_token: auth.access_token,
        refresh_token: auth.refresh_token,
      });
      expect(rotated.result).toBe('success');
      expect(rotated.access_token).not.toBe(auth.access_token);
      expect(rotated.refresh_token).not.toBe(auth.refresh_token);
      expect(rotated.access_token_end_date).toBe('2025-01-12 11:00:00');
      expect(rotated.refresh_token_end_date).toBe('2025-01-14 11:00:00');

      const stale = await post('/api_v1_login_user/info', {
        access_token: auth.access_token,
        refresh_token: auth.refresh_token,
      });
      expect(stale).toMatchObject({ result: 'error', code: '002002' });
      expect(stale.access_token).toBeUndefined();

      const again = await post('/api_v1_login_user/info', {
        access_token: rotated.access_token,
        refresh_token: rotated.refresh_token,
      });
      expect(again.result).toBe('success');
      expect(again.access_token).toBe(rotated.access_token);
    });

    it('answers 002004 once both tokens expired, redirect without a refresh_token, 002001 without an access_token', async () => {
      const auth = await authorize();
      sim.clock.advance(DAY + 1000);
      const redirect = await post('/api_v1_login_user/info', { access_token: auth.access_token });
      expect(redirect).toMatchObject({ result: 'redirect', code: '002004' });

      sim.clock.advance(2 * DAY);
      const expired = await post('/api_v1_login_user/info', {
        access_token: auth.access_token,
        refresh_token: auth.refresh_token,
      });
      expect(expired).toMatchObject({ result: 'error', code: '002004' });
      expect(expired.access_token).toBeUndefined();

      const missing = await post('/api_v1_login_user/info', { refresh_token: auth.refresh_token });
      expect(missing).toMatchObject({ result: 'error', code: '002001' });
      // Not a form body: the parameters are not read at all.
      const json = await fetch(`${base}/api_v1_login_user/info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ access_token: auth.access_token }),
      }).then((r) => r.json() as Promise<Json>);
      expect(json.code).toBe('002001');
    });

    it('returns rotated tokens even when the call itself fails, and on injected overload errors', async () => {
      const auth = await authorize();
      sim.clock.advance(DAY + 1000);
      const failed = await post('/api_v1_receiveorder_base/search', {
        access_token: auth.access_token,
        refresh_token: auth.refresh_token,
      });
      expect(failed.result).toBe('error'); // no `fields`
      expect(failed.access_token).toBeDefined();
      expect(failed.access_token).not.toBe(auth.access_token);

      sim.faults.add({ kind: 'site-error', siteCode: '003002', pathIncludes: 'login_user' });
      const busy = await post('/api_v1_login_user/info', {
        access_token: failed.access_token,
        refresh_token: failed.refresh_token,
      });
      expect(busy).toMatchObject({ result: 'error', code: '003002' });
      expect(busy.access_token).toBe(failed.access_token);
      const after = await post('/api_v1_login_user/info', {
        access_token: failed.access_token,
        refresh_token: failed.refresh_token,
      });
      expect(after.result).toBe('success');
    });

    it('overload: 003002 without wait_flag, runs with wait_flag=1', async () => {
      const t = sim.issueTokens();
      sim.setOverloaded(true);
      const busy = await post('/api_v1_login_company/info', { access_token: t.accessToken, refresh_token: t.refreshToken });
      expect(busy.code).toBe('003002');
      const waited = await post('/api_v1_login_company/info', {
        access_token: t.accessToken,
        refresh_token: t.refreshToken,
        wait_flag: '1',
      });
      expect(waited.result).toBe('success');
    });

    it('accessTokenTtlMs: 0 rotates the pair on every call, by the same rules; answers are counted by code', async () => {
      sim.seed({ ...NextEngineSimulator.demoSeed(), accessTokenTtlMs: 0 });
      const first = sim.issueTokens();
      let pair = { access_token: first.accessToken, refresh_token: first.refreshToken };
      const seen = new Set([pair.access_token]);
      for (let call = 1; call <= 3; call++) {
        const answer = await post('/api_v1_login_user/info', pair);
        expect(answer.result).toBe('success');
        expect(seen.has(answer.access_token)).toBe(false);
        expect(answer.refresh_token).not.toBe(pair.refresh_token);
        // the new refresh token still lives 3 days; the access token is already due for the next rotation
        expect(answer.access_token_end_date).toBe('2025-01-10 10:00:00');
        expect(answer.refresh_token_end_date).toBe('2025-01-13 10:00:00');
        seen.add(answer.access_token);
        pair = { access_token: answer.access_token, refresh_token: answer.refresh_token };
      }

      // any pair but the newest is stale, and a refresh token that is not the pair's does not rotate
      const stale = await post('/api_v1_login_user/info', { access_token: first.accessToken, refresh_token: first.refreshToken });
      expect(stale).toMatchObject({ result: 'error', code: '002002' });
      const mismatched = await post('/api_v1_login_user/info', { access_token: pair.access_token, refresh_token: first.refreshToken });
      expect(mismatched).toMatchObject({ result: 'error', code: '002004' });

      const state = (await (await fetch(`${base}/_sim/state`)).json()) as Json;
      expect(state.accessTokenTtlMs).toBe(0);
      expect(state.sessions).toEqual([expect.objectContaining({ accessToken: pair.access_token, rotations: 3 })]);
      expect(state.answers).toEqual({ success: 3, '002002': 1, '002004': 1 });

      // the default stays the spec's day: no rotation before it
      sim.seed(NextEngineSimulator.demoSeed());
      const daily = sim.issueTokens();
      const same = await post('/api_v1_login_user/info', { access_token: daily.accessToken, refresh_token: daily.refreshToken });
      expect(same.access_token).toBe(daily.accessToken);
      expect(same.access_token_end_date).toBe('2025-01-11 10:00:00');
      expect(sim.inspect()).toMatchObject({ accessTokenTtlMs: DAY, answers: { success: 1 }, sessions: [{ rotations: 0 }] });
    });
  });

  describe('orders (spec §6.1–6.4)', () => {
    let tokens: { access_token: string; refresh_token: string };
    beforeEach(() => {
      const t = sim.issueTokens();
      tokens = { access_token: t.accessToken, refresh_token: t.refreshToken };
    });

    const nowJst = () => {
      const d = new Date(sim.clock.now().getTime() + 9 * HOUR);
      return d.toISOString().slice(0, 19).replace('T', ' ');
    };

    it('searches with explicit fields, conditions and paging; values and count are strings', async () => {
      const query = {
        ...tokens,
        fields: 'receive_order_id,receive_order_order_status_id,receive_order_shop_cut_form_id',
        'receive_order_order_status_id-in': '20,40',
        'receive_order_cancel_type_id-eq': '0',
        'receive_order_statement_delivery_instruct_printing_date-lte': nowJst(),
        limit: '1',
      };
      const page1 = await post('/api_v1_receiveorder_base/search', { ...query, offset: '0' });
      expect(page1).toMatchObject({ result: 'success', count: '1' });
      expect(page1.data).toEqual([
        { receive_order_id: '1001', receive_order_order_status_id: '20', receive_order_shop_cut_form_id: 'R-20250105-000123' },
      ]);
      const page2 = await post('/api_v1_receiveorder_base/search', { ...query, offset: '1' });
      const page3 = await post('/api_v1_receiveorder_base/search', { ...query, offset: '2' });
      const page4 = await post('/api_v1_receiveorder_base/search', { ...query, offset: '3' });
      expect([page2.data[0].receive_order_id, page3.data[0].receive_order_id]).toEqual(['1002', '1004']);
      expect(page4).toMatchObject({ count: '0', data: [] });
      const total = await post('/api_v1_receiveorder_base/count', {
        ...tokens,
        'receive_order_order_status_id-in': '20,40',
        'receive_order_cancel_type_id-eq': '0',
      });
      expect(total.count).toBe('4'); // includes 1003, still 印刷日待ち

      const noFields = await post('/api_v1_receiveorder_base/search', { ...tokens });
      expect(noFields.result).toBe('error');
      const badField = await post('/api_v1_receiveorder_base/search', { ...tokens, fields: 'receive_order_id,nope' });
      expect(badField.result).toBe('error');
    });

    it('an order waiting for its print date becomes collectable when the sim clock passes it', async () => {
      const collectable = async () => {
        const r = await post('/api_v1_receiveorder_base/search', {
          ...tokens,
          fields: 'receive_order_id',
          'receive_order_order_status_id-eq': '20',
          'receive_order_cancel_type_id-eq': '0',
          'receive_order_statement_delivery_instruct_printing_date-lte': nowJst(),
        });
        return r.data.map((d: Json) => d.receive_order_id);
      };
      expect(await collectable()).toEqual(['1001', '1002']);
      sim.clock.advance(2 * DAY);
      expect(await collectable()).toEqual(['1001', '1002']);
      sim.clock.advance(DAY + 1000);
      // the refresh token (3 days) has lapsed by now: sign in again
      const t = sim.issueTokens();
      tokens = { access_token: t.accessToken, refresh_token: t.refreshToken };
      expect(await collectable()).toEqual(['1001', '1002', '1003']);
      const state = sim.inspect() as Json;
      expect(state.companies[0].orders.find((o: Json) => o.receive_order_id === '1003').uiStatus).toBe('印刷待ち');
    });

    it('searches rows by order id in the fixed order', async () => {
      const rows = await post('/api_v1_receiveorder_row/search', {
        ...tokens,
        fields:
          'receive_order_row_receive_order_id,receive_order_row_no,receive_order_row_goods_id,receive_order_row_quantity,receive_order_row_cancel_flag',
        'receive_order_row_receive_order_id-in': '1002,1001',
      });
      expect(rows.count).toBe('4');
      expect(rows.data.map((r: Json) => `${r.receive_order_row_receive_order_id}/${r.receive_order_row_no}`)).toEqual([
        '1001/1',
        '1001/2',
        '1002/1',
        '1002/2',
      ]);
      expect(rows.data[3]).toMatchObject({ receive_order_row_goods_id: 'TSHIRT-NAVY-M', receive_order_row_cancel_flag: '1' });
    });

    it('update is guarded by last_modified (020006), then shipped sets status 50', async () => {
      const read = async () =>
        (
          await post('/api_v1_receiveorder_base/search', {
            ...tokens,
            fields:
              'receive_order_last_modified_date,receive_order_delivery_cut_form_id,receive_order_order_status_id,receive_order_send_date',
            'receive_order_id-eq': '1001',
          })
        ).data[0];
      const before = await read();
      const xml =
        '<?xml version="1.0" encoding="utf-8"?><root><receiveorder_base>' +
        '<receive_order_delivery_cut_form_id>384912340001</receive_order_delivery_cut_form_id>' +
        '</receiveorder_base></root>';
      const stale = await post('/api_v1_receiveorder_base/update', {
        ...tokens,
        receive_order_id: '1001',
        receive_order_last_modified_date: '2000-01-01 00:00:00',
        data: xml,
      });
      expect(stale).toMatchObject({ result: 'error', code: '020006' });
      expect(stale.access_token).toBe(tokens.access_token);

      const ok = await post('/api_v1_receiveorder_base/update', {
        ...tokens,
        receive_order_id: '1001',
        receive_order_last_modified_date: before.receive_order_last_modified_date,
        data: xml,
      });
      expect(ok.result).toBe('success');
      const mid = await read();
      expect(mid.receive_order_delivery_cut_form_id).toBe('384912340001');
      expect(mid.receive_order_last_modified_date > before.receive_order_last_modified_date).toBe(true);

      const reuse = await post('/api_v1_receiveorder_base/shipped', {
        ...tokens,
        receive_order_id: '1001',
        receive_order_last_modified_date: before.receive_order_last_modified_date,
      });
      expect(reuse.code).toBe('020006');
      const shipped = await post('/api_v1_receiveorder_base/shipped', {
        ...tokens,
        receive_order_id: '1001',
        receive_order_last_modified_date: mid.receive_order_last_modified_date,
      });
      expect(shipped.result).toBe('success');
      const after = await read();
      expect(after.receive_order_order_status_id).toBe('50');
      expect(after.receive_order_send_date).toBe(nowJst());

      const noFlag = await post('/api_v1_receiveorder_base/update', {
        ...tokens,
        receive_order_id: '1001',
        receive_order_last_modified_date: after.receive_order_last_modified_date,
        data: xml,
      });
      expect(noFlag.result).toBe('error');
    });

    it('bulkupdate reports per-order errors with 020500', async () => {
      const lm = sim.getOrder(1002)!.receive_order_last_modified_date;
      const xml =
        '<?xml version="1.0" encoding="utf-8"?><root>' +
        `<receiveorder receive_order_id="1002" receive_order_last_modified_date="${lm}"><receiveorder_base><receive_order_gruoping_tag>[済]</receive_order_gruoping_tag></receiveorder_base></receiveorder>` +
        '<receiveorder receive_order_id="1001" receive_order_last_modified_date="2000-01-01 00:00:00"><receiveorder_base><receive_order_gruoping_tag>[済]</receive_order_gruoping_tag></receiveorder_base></receiveorder>' +
        '</root>';
      // gz data is binary: percent-encode the raw bytes (URLSearchParams would UTF-8-encode them).
      const raw = Buffer.concat([
        Buffer.from(`access_token=${tokens.access_token}&refresh_token=${tokens.refresh_token}&data_type=gz&data=`),
        Buffer.from(percentEncode(gzipSync(Buffer.from(xml)))),
      ]);
      const bulk = (await (
        await fetch(`${base}/api_v1_receiveorder_base/bulkupdate`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: raw,
        })
      ).json()) as Json;
      expect(bulk).toMatchObject({ result: 'error', code: '020500' });
      expect(bulk.message).toEqual([{ receive_order_id: 1001, code: '020006', message: '最終更新日が更新されています' }]);
      expect(sim.getOrder(1002)!.receive_order_gruoping_tag).toBe('[済]');
    });
  });

  describe('stock (spec §6.5–6.8)', () => {
    let tokens: { access_token: string; refresh_token: string };
    beforeEach(() => {
      const t = sim.issueTokens();
      tokens = { access_token: t.accessToken, refresh_token: t.refreshToken };
    });

    const stockOf = async (code: string) =>
      (
        await post('/api_v1_master_stock/search', {
          ...tokens,
          fields: 'stock_goods_id,stock_quantity,stock_free_quantity',
          'stock_goods_id-eq': code,
        })
      ).data[0];
    const queStatus = async (queId: string) =>
      (
        await post('/api_v1_system_que/search', {
          ...tokens,
          fields: 'que_id,que_status_id,que_message',
          'que_id-eq': queId,
        })
      ).data[0];

    it('goods search returns only the requested fields', async () => {
      const res = await post('/api_v1_master_goods/search', {
        ...tokens,
        wait_flag: '1',
        fields: 'goods_id,goods_name,goods_jan_code,stock_quantity',
        'goods_id-like': 'TSHIRT-%',
        offset: '0',
        limit: '100',
      });
      expect(res.count).toBe('3');
      expect(res.data[0]).toEqual({
        goods_id: 'TSHIRT-NAVY-M',
        goods_name: 'ベーシックTシャツ ネイビー M',
        goods_jan_code: '4901234567917',
        stock_quantity: '25',
      });
    });

    it('applies a relative zaiko_su upload only after the queue runs (by the sim clock)', async () => {
      expect(await stockOf('TSHIRT-RED-M')).toEqual({ stock_goods_id: 'TSHIRT-RED-M', stock_quantity: '42', stock_free_quantity: '40' });
      const up = await post('/api_v1_master_goods/upload', {
        ...tokens,
        wait_flag: '1',
        data_type: 'csv',
        data: 'syohin_code,zaiko_su\nTSHIRT-RED-M,5\nHOODIE-GRY-L,-3\nTOTE-NATURAL,\n',
      });
      expect(up.result).toBe('success');
      expect(up.que_id).toMatch(/^\d+$/);
      expect(await queStatus(up.que_id)).toMatchObject({ que_status_id: '0' });
      expect((await stockOf('TSHIRT-RED-M')).stock_quantity).toBe('42');

      sim.clock.advance(10_000);
      expect(await queStatus(up.que_id)).toMatchObject({ que_status_id: '2' });
      expect((await stockOf('TSHIRT-RED-M')).stock_quantity).toBe('47');
      expect((await stockOf('HOODIE-GRY-L')).stock_quantity).toBe('9');
      expect((await stockOf('TOTE-NATURAL')).stock_quantity).toBe('80');
    });

    it('fails the job (-1) on an unknown code or a subtraction beyond free stock, changing nothing', async () => {
      const unknown = await post('/api_v1_master_goods/upload', {
        ...tokens,
        data_type: 'csv',
        data: 'syohin_code,zaiko_su\nTSHIRT-RED-M,1\nNO-SUCH-CODE,1\n',
      });
      const tooMuch = await post('/api_v1_master_goods/upload', {
        ...tokens,
        data_type: 'csv',
        data: 'syohin_code,zaiko_su\nTSHIRT-RED-M,-41\n',
      });
      sim.processQueue();
      const a = await queStatus(unknown.que_id);
      const b = await queStatus(tooMuch.que_id);
      expect(a.que_status_id).toBe('-1');
      expect(a.que_message).toContain('NO-SUCH-CODE');
      expect(b.que_status_id).toBe('-1');
      expect((await stockOf('TSHIRT-RED-M')).stock_quantity).toBe('42');
    });

    describe('an upload answer lost after queuing (/_sim/uploads/lose-answer)', () => {
      const upload = (data: string) =>
        fetch(`${base}/api_v1_master_goods/upload`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...tokens, wait_flag: '1', data_type: 'csv', data }).toString(),
        });
      const loseAnswer = (body: Json) =>
        fetch(`${base}/_sim/uploads/lose-answer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const jobs = async () =>
        (
          await post('/api_v1_system_que/search', {
            ...tokens,
            fields: 'que_id,que_status_id,que_creation_date',
            'que_creation_date-gte': '2025-01-10 09:59:00',
          })
        ).data as Json[];

      it('drop: the connection closes without an answer, the job is queued and changes stock once, the next upload answers', async () => {
        expect((await loseAnswer({ mode: 'drop' })).status).toBe(204);

        await expect(upload('syohin_code,zaiko_su\nTSHIRT-RED-M,-2\n')).rejects.toThrow('fetch failed');
        expect(await jobs()).toEqual([{ que_id: '1', que_status_id: '0', que_creation_date: '2025-01-10 10:00:00' }]);
        sim.clock.advance(10_000);
        expect((await stockOf('TSHIRT-RED-M')).stock_quantity).toBe('40');
        expect((await jobs())[0].que_status_id).toBe('2');

        const next = await upload('syohin_code,zaiko_su\nTSHIRT-RED-M,1\n');
        expect(((await next.json()) as Json).que_id).toBe('2');
      });

      it('http-error: a bare 5xx without the envelope, after the job was queued', async () => {
        await loseAnswer({ mode: 'http-error', status: 503 });

        const answer = await upload('syohin_code,zaiko_su\nTSHIRT-RED-M,3\n');
        expect(answer.status).toBe(503);
        expect(answer.headers.get('content-type')).toMatch(/text\/html/);
        sim.processQueue();
        expect((await stockOf('TSHIRT-RED-M')).stock_quantity).toBe('45');
      });

      it('refuses an unknown mode or a non-5xx status', async () => {
        expect((await loseAnswer({ mode: 'slow' })).status).toBe(400);
        expect((await loseAnswer({ mode: 'http-error', status: 200 })).status).toBe(400);
        const answer = await upload('syohin_code,zaiko_su\nTSHIRT-RED-M,1\n');
        expect(answer.status).toBe(200);
      });
    });

    it('accepts a Shift_JIS CSV', async () => {
      const csv = iconv.encode('syohin_code,zaiko_su,syohin_name\nTOTE-NATURAL,-10,トート\n', 'Shift_JIS');
      const body = Buffer.concat([Buffer.from(`access_token=${tokens.access_token}&data_type=csv&data=`), Buffer.from(percentEncode(csv))]);
      const up = (await (
        await fetch(`${base}/api_v1_master_goods/upload`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        })
      ).json()) as Json;
      sim.processQueue();
      expect((await queStatus(up.que_id)).que_status_id).toBe('2');
      expect((await stockOf('TOTE-NATURAL')).stock_quantity).toBe('70');
    });
  });

  describe('changes after intake (cancellations.md §1.8)', () => {
    let tokens: { access_token: string; refresh_token: string };
    beforeEach(() => {
      const t = sim.issueTokens();
      tokens = { access_token: t.accessToken, refresh_token: t.refreshToken };
    });

    const SLIP_FIELDS = [
      'receive_order_id',
      'receive_order_shop_cut_form_id',
      'receive_order_order_status_id',
      'receive_order_cancel_type_id',
      'receive_order_cancel_type_name',
      'receive_order_cancel_date',
      'receive_order_deleted_flag',
      'receive_order_confirm_check_id',
      'receive_order_include_to_order_id',
      'receive_order_divide_from_order_id',
      'receive_order_goods_amount',
      'receive_order_delivery_fee_amount',
      'receive_order_total_amount',
      'receive_order_last_modified_date',
      'receive_order_last_modified_null_safe_date',
    ].join(',');
    const ROW_FIELDS = [
      'receive_order_row_receive_order_id',
      'receive_order_row_no',
      'receive_order_row_goods_id',
      'receive_order_row_quantity',
      'receive_order_row_cancel_flag',
      'receive_order_row_deleted_flag',
      'receive_order_include_from_order_id',
      'receive_order_include_from_row_no',
      'receive_order_row_divide_from_row_no',
      'receive_order_row_stock_allocation_quantity',
      'receive_order_row_last_modified_newest_date',
      'receive_order_cancel_type_id',
      'receive_order_order_status_id',
    ].join(',');
    const slips = async (conditions: Record<string, string>) =>
      (await post('/api_v1_receiveorder_base/search', { ...tokens, fields: SLIP_FIELDS, ...conditions })).data as Json[];
    const rows = async (conditions: Record<string, string>) =>
      (await post('/api_v1_receiveorder_row/search', { ...tokens, fields: ROW_FIELDS, ...conditions })).data as Json[];
    const ids = (list: Json[]) => list.map((s) => s.receive_order_id);
    const rowKeys = (list: Json[]) => list.map((r) => `${r.receive_order_row_receive_order_id}/${r.receive_order_row_no}`);
    const hook = async (path: string, body: Json = {}) => {
      const res = await fetch(`${base}/_sim/orders/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };

    it('lists the 18 standard cancel types from /api_v1_system_canceltype/info, without fields', async () => {
      const info = await post('/api_v1_system_canceltype/info', tokens);
      expect(info).toMatchObject({ result: 'success', count: '18' });
      expect(info.data).toHaveLength(18);
      expect(info.data[0]).toEqual({ cancel_type_id: '0', cancel_type_name: '有効な受注です。', cancel_type_deleted_flag: '0' });
      expect(info.data.map((t: Json) => t.cancel_type_id)).toEqual([
        '0',
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
        '7',
        '8',
        '11',
        '12',
        '14',
        '15',
        '16',
        '17',
        '18',
        '19',
        '20',
      ]);
      expect(info.data.find((t: Json) => t.cancel_type_id === '12').cancel_type_name).toBe('伝票を確認後、有効にして下さい。');
      expect(info.access_token).toBe(tokens.access_token);
    });

    it('cancel sets the type, its name, the cancel date and every row flag, and moves last-modified on', async () => {
      sim.clock.advance(60_000);
      sim.cancel(1001, 5);

      const changed = await slips({ 'receive_order_last_modified_null_safe_date-gte': '2025-01-10 10:01:00' });
      expect(changed).toEqual([
        expect.objectContaining({
          receive_order_id: '1001',
          receive_order_cancel_type_id: '5',
          receive_order_cancel_type_name: '都合によりキャンセル',
          receive_order_cancel_date: '2025-01-10 10:01:00',
          receive_order_order_status_id: '20',
          receive_order_last_modified_date: '2025-01-10 10:01:00',
          receive_order_last_modified_null_safe_date: '2025-01-10 10:01:00',
        }),
      ]);
      expect(ids(await slips({ 'receive_order_cancel_type_id-neq': '0' }))).toEqual(['1001', '1006']);
      expect(ids(await slips({ 'receive_order_cancel_date-gte': '2025-01-10 10:00:30' }))).toEqual(['1001']);
      const cancelledRows = await rows({ 'receive_order_row_receive_order_id-eq': '1001' });
      expect(cancelledRows.map((r) => r.receive_order_row_cancel_flag)).toEqual(['1', '1']);
      expect(cancelledRows[0]).toMatchObject({
        receive_order_row_last_modified_newest_date: '2025-01-10 10:01:00',
        receive_order_cancel_type_id: '5',
        receive_order_order_status_id: '20',
      });
      // row search filters on the slip's fields too (§1.3c)
      expect(rowKeys(await rows({ 'receive_order_cancel_type_id-neq': '0', 'receive_order_order_status_id-eq': '20' }))).toEqual([
        '1001/1',
        '1001/2',
        '1006/1',
      ]);
      expect(() => sim.cancel(1001, 0)).toThrow(/other than 0/);
      expect(() => sim.cancel(999)).toThrow(/no slip 999/);
    });

    it('hold is type 12 with the rows untouched, or 確認必要; release clears both', async () => {
      sim.hold(1001);
      expect(sim.getOrder(1001)).toMatchObject({ receive_order_cancel_type_id: '12', receive_order_cancel_date: null });
      expect((await rows({ 'receive_order_row_receive_order_id-eq': '1001' })).map((r) => r.receive_order_row_cancel_flag)).toEqual([
        '0',
        '0',
      ]);
      sim.hold(1002, { confirmCheck: true });
      expect(sim.getOrder(1002)).toMatchObject({ receive_order_cancel_type_id: '0', receive_order_confirm_check_id: '1' });
      const held = (sim.inspect() as Json).companies[0].orders;
      expect(held.find((o: Json) => o.receive_order_id === '1001').uiStatus).toBe('キャンセル');

      sim.release(1001);
      sim.release(1002);
      expect(sim.getOrder(1001)).toMatchObject({ receive_order_cancel_type_id: '0', receive_order_cancel_type_name: '有効な受注です。' });
      expect(sim.getOrder(1002)).toMatchObject({ receive_order_confirm_check_id: '0' });
      expect(rowKeys(await rows({ 'receive_order_row_receive_order_id-in': '1001', 'receive_order_row_cancel_flag-eq': '0' }))).toEqual([
        '1001/1',
        '1001/2',
      ]);
    });

    it('release keeps the rows of a cancelled slip cancelled unless asked to restore them, like the update flag', async () => {
      sim.cancel(1001);
      sim.release(1001);
      expect(sim.getOrder(1001)).toMatchObject({ receive_order_cancel_type_id: '0', receive_order_cancel_date: null });
      expect(rowKeys(await rows({ 'receive_order_row_receive_order_id-eq': '1001', 'receive_order_row_cancel_flag-eq': '1' }))).toEqual([
        '1001/1',
        '1001/2',
      ]);
      sim.cancel(1001);
      sim.release(1001, { restoreRows: true });
      expect(rowKeys(await rows({ 'receive_order_row_receive_order_id-eq': '1001', 'receive_order_row_cancel_flag-eq': '0' }))).toEqual([
        '1001/1',
        '1001/2',
      ]);

      // the same through the update API (spec §1.3d, NE-UPD)
      const update = async (type: string, extra: Record<string, string> = {}) =>
        post('/api_v1_receiveorder_base/update', {
          ...tokens,
          receive_order_id: '1002',
          receive_order_last_modified_date: sim.getOrder(1002)!.receive_order_last_modified_date!,
          data: `<?xml version="1.0" encoding="utf-8"?><root><receiveorder_base><receive_order_cancel_type_id>${type}</receive_order_cancel_type_id></receiveorder_base></root>`,
          ...extra,
        });
      expect((await update('1')).result).toBe('success');
      expect(sim.getOrder(1002)).toMatchObject({ receive_order_cancel_type_name: '顧客依頼によりキャンセル' });
      expect((await rows({ 'receive_order_row_receive_order_id-eq': '1002' })).map((r) => r.receive_order_row_cancel_flag)).toEqual([
        '1',
        '1',
      ]);
      expect((await update('0', { receive_order_row_cancel_update_flag: '1' })).result).toBe('success');
      expect((await rows({ 'receive_order_row_receive_order_id-eq': '1002' })).map((r) => r.receive_order_row_cancel_flag)).toEqual([
        '0',
        '0',
      ]);
    });

    it('cancelLine flags one row; its newest date and the slip both move on, the amounts follow', async () => {
      sim.clock.advance(5 * 60_000);
      sim.cancelLine(1001, 2);

      const changed = await rows({ 'receive_order_row_last_modified_newest_date-gte': '2025-01-10 10:05:00' });
      expect(rowKeys(changed)).toEqual(['1001/1', '1001/2']);
      expect(changed.map((r) => r.receive_order_row_cancel_flag)).toEqual(['0', '1']);
      expect(sim.getOrder(1001)).toMatchObject({
        receive_order_last_modified_date: '2025-01-10 10:05:00',
        receive_order_goods_amount: '5960',
        receive_order_total_amount: '6510',
      });
      expect(() => sim.cancelLine(1001, 2)).toThrow(/not live/);
      expect(() => sim.cancelLine(1001, 9)).toThrow(/no row 9/);
    });

    it('merge copies the child rows onto the parent with include_from and cancels the child as type 3', async () => {
      sim.clock.advance(60_000);
      sim.merge(1001, 1004);

      expect(sim.getOrder(1004)).toMatchObject({
        receive_order_cancel_type_id: '3',
        receive_order_cancel_type_name: '他の伝票への統合の為キャンセル',
        receive_order_include_to_order_id: '1001',
        receive_order_cancel_date: '2025-01-10 10:01:00',
      });
      const parentRows = await rows({ 'receive_order_row_receive_order_id-in': '1001,1004' });
      expect(rowKeys(parentRows)).toEqual(['1001/1', '1001/2', '1001/3', '1004/1']);
      expect(parentRows[2]).toMatchObject({
        receive_order_row_goods_id: 'TSHIRT-RED-M',
        receive_order_row_quantity: '1',
        receive_order_row_cancel_flag: '0',
        receive_order_include_from_order_id: '1004',
        receive_order_include_from_row_no: '1',
      });
      expect(parentRows[3].receive_order_row_cancel_flag).toBe('1');
      expect(ids(await slips({ 'receive_order_last_modified_null_safe_date-gte': '2025-01-10 10:01:00' }))).toEqual(['1001', '1004']);
      expect(sim.getOrder(1001)!.receive_order_goods_amount).toBe(String(2 * 2980 + 1980 + 2980));

      expect(() => sim.merge(1001, 1002)).toThrow(/different shops/);
      expect(() => sim.merge(1001, 1005)).toThrow(/status 50/);
      expect(() => sim.merge(1001, 1004)).toThrow(/cancelled/);
    });

    it('split moves units to a new -bk-n slip with divide_from; the source keeps the rest and its fees', async () => {
      sim.clock.advance(60_000);
      const first = sim.split(1001, 1, 1);
      const second = sim.split(1001, 2, 1);

      expect([first, second]).toEqual(['1007', '1008']);
      const all = await slips({ 'receive_order_id-in': '1001,1007,1008' });
      expect(all).toEqual([
        expect.objectContaining({
          receive_order_id: '1001',
          receive_order_goods_amount: '2980',
          receive_order_delivery_fee_amount: '550',
          receive_order_divide_from_order_id: null,
        }),
        expect.objectContaining({
          receive_order_id: '1007',
          receive_order_shop_cut_form_id: 'R-20250105-000123-bk-1',
          receive_order_divide_from_order_id: '1001',
          receive_order_order_status_id: '20',
          receive_order_cancel_type_id: '0',
          receive_order_goods_amount: '2980',
          receive_order_delivery_fee_amount: '0',
          receive_order_last_modified_null_safe_date: '2025-01-10 10:01:00',
        }),
        expect.objectContaining({ receive_order_id: '1008', receive_order_shop_cut_form_id: 'R-20250105-000123-bk-2' }),
      ]);
      const splitRows = await rows({ 'receive_order_row_receive_order_id-in': '1008,1007,1001' });
      expect(splitRows.map((r) => [r.receive_order_row_receive_order_id, r.receive_order_row_no, r.receive_order_row_quantity])).toEqual([
        ['1001', '1', '1'],
        ['1001', '2', '0'],
        ['1007', '1', '1'],
        ['1008', '1', '1'],
      ]);
      // a row moved whole stays on the source with quantity 0, deleted
      expect(splitRows[1]).toMatchObject({ receive_order_row_deleted_flag: '1' });
      expect(splitRows[2]).toMatchObject({ receive_order_row_divide_from_row_no: '1', receive_order_row_goods_id: 'TSHIRT-RED-M' });

      expect(() => sim.split(1005, 1, 1)).toThrow(/cannot be split/);
      expect(() => sim.split(1001, 1, 2)).toThrow(/1\.\.1/);
    });

    it('/shipped lowers 在庫数 and 引当数 by each live line (§1.6); free stock stays', async () => {
      const ship = (id: string) =>
        post('/api_v1_receiveorder_base/shipped', {
          ...tokens,
          receive_order_id: id,
          receive_order_last_modified_date: sim.getOrder(id)!.receive_order_last_modified_date!,
        });
      expect(sim.getStock('TSHIRT-RED-M')).toEqual({ stock: 42, allocation: 2, free: 40 });
      expect((await ship('1001')).result).toBe('success');
      expect(sim.getStock('TSHIRT-RED-M')).toEqual({ stock: 40, allocation: 0, free: 40 });
      // the seed allocated nothing to the tote: 引当数 stays at 0
      expect(sim.getStock('TOTE-NATURAL')).toEqual({ stock: 79, allocation: 0, free: 79 });

      expect((await ship('1002')).result).toBe('success');
      expect(sim.getStock('HOODIE-GRY-L')).toMatchObject({ stock: 11 });
      // 1002's navy T-shirt row is cancelled: not shipped
      expect(sim.getStock('TSHIRT-NAVY-M')).toEqual({ stock: 25, allocation: 1, free: 24 });

      sim.cancel(1004);
      expect((await ship('1004')).result).toBe('error');
      expect(sim.getStock('TSHIRT-RED-M')).toMatchObject({ stock: 40 });
    });

    it('drives every hook over HTTP under /_sim/orders', async () => {
      const split = await hook('1001/split', { rowNo: 1, quantity: 1 });
      expect(split).toMatchObject({ status: 200, body: { receiveOrderId: '1007' } });
      expect(split.body.order).toMatchObject({ receive_order_divide_from_order_id: '1001', rows: [{ receive_order_row_quantity: '1' }] });

      expect(await hook('1002/hold')).toMatchObject({
        status: 200,
        body: { receiveOrderId: '1002', order: { receive_order_cancel_type_id: '12' } },
      });
      expect((await hook('1002/release')).body.order).toMatchObject({ receive_order_cancel_type_id: '0' });
      expect((await hook('1002/hold', { confirmCheck: true })).body.order).toMatchObject({ receive_order_confirm_check_id: '1' });
      expect((await hook('1001/rows/2/cancel')).body.order.rows[1]).toMatchObject({ receive_order_row_cancel_flag: '1' });
      expect((await hook('1001/merge', { childId: 1004 })).body.order.rows).toHaveLength(3);
      expect((await hook('1003/cancel', { cancelTypeId: 20 })).body.order).toMatchObject({
        receive_order_cancel_type_id: '20',
        receive_order_cancel_type_name: '未入金によりキャンセル',
      });
      const restored = await hook('1003/release', { restoreRows: true });
      expect(restored.body.order.rows[0]).toMatchObject({ receive_order_row_cancel_flag: '0' });

      expect(await hook('999/cancel')).toMatchObject({ status: 404, body: { error: 'no slip 999' } });
      expect((await hook('1005/split', { rowNo: 1, quantity: 1 })).status).toBe(409);
      expect((await hook('1001/merge')).status).toBe(400);
      expect((await hook('1001/explode')).status).toBe(404);
    });
  });

  it('seeds over /_sim and reports state', async () => {
    const seed: NextEngineSeed = {
      companies: [
        {
          companyId: '9',
          companyNeId: 'NE999',
          companyName: '別会社',
          companyKana: 'ベツガイシャ',
          users: [{ uid: 'u9', picId: '9', picNeId: 'P9', picName: '担当', picKana: 'タントウ', picMailAddress: 'a@example.jp' }],
        },
      ],
      tokens: [{ uid: 'u9', accessToken: 'AT-fixed', refreshToken: 'RT-fixed' }],
    };
    const r = await fetch(`${base}/_sim/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(seed),
    });
    expect(r.status).toBe(204);
    const info = await post('/api_v1_login_company/info', { access_token: 'AT-fixed' });
    expect(info.data[0].company_ne_id).toBe('NE999');
    const state = (await (await fetch(`${base}/_sim/state`)).json()) as Json;
    expect(state.sessions[0]).toMatchObject({ uid: 'u9', accessToken: 'AT-fixed' });
  });
});

function percentEncode(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += `%${b.toString(16).padStart(2, '0')}`;
  return out;
}
