import { DataSource } from 'typeorm';
import { ELEVEN_STREET_DEFAULT_ACCOUNT, ElevenStreetSimulator } from '../../simulators/eleven-street';
import type { RecordedRequest } from '../../simulators/site-simulator';
import { type AppProcess, startAppProcess } from '../../support/app-processes';
import { fulfillmentApi } from '../../support/fulfillment-api';
import { startTestApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const MUG = { prdNo: '9400000001', sellerPrdCd: 'KR-MUG' };
/** The option pushed: sold on no order, so Mallbridge knows it only through its mapping. */
const BLUE = { prdStckNo: '56100000021', sellerStockCd: 'KR-MUG-BLUE', optWght: 3 };
const RED = { prdStckNo: '56100000022', sellerStockCd: 'KR-MUG-RED', optWght: 1 };

/**
 * 11st option stock (DESIGN §6 `site_listings`, issue 16): a stock push addresses an option by its `prdStckNo`,
 * which 11st shows only through its product and stock API. The real app on real PostgreSQL; the pushes are made by
 * app processes started on the database (`startAppProcess`), the in-test app only serving the API (no workers).
 * The first process finds the option in 11st's product search (no order ever named it) and the address is stored;
 * a process started afterwards, knowing nothing, pushes straight to the stored address.
 */
describe('11st option stock push from a freshly started process with an empty database of listings', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let connectionId: string;
  let skuId: string;
  const eleven = new ElevenStreetSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { createSku, adjust } = fulfillmentApi(() => t, auth);
  const processes: AppProcess[] = [];

  const productCalls = () => eleven.requests.filter((r: RecordedRequest) => r.path.startsWith('/rest/prodmarketservice/'));
  const bluePuts = () =>
    eleven.requests.filter((r: RecordedRequest) => r.method === 'PUT' && r.path === `/rest/prodservices/stockqty/${BLUE.prdStckNo}`);

  async function storedListings(): Promise<Array<{ listing_key: string; address: Record<string, unknown> }>> {
    return t.app
      .get(DataSource)
      .query(`SELECT listing_key, address FROM site_listings WHERE connection_id = $1 ORDER BY listing_key`, [connectionId]);
  }

  async function blueShows(quantity: number): Promise<void> {
    await waitFor(async () => eleven.getStock(BLUE.prdStckNo)!.stckQty === quantity, {
      what: `11st option ${BLUE.sellerStockCd} showing ${quantity}`,
      timeoutMs: 40_000,
    });
  }

  beforeAll(async () => {
    eleven.seed({
      products: [
        // Listed before the mug, so the product search has more than the one product to go through.
        {
          prdNo: '9400000000',
          prdNm: '머그 받침',
          sellerPrdCd: 'KR-COASTER',
          stocks: [{ prdStckNo: '56100000010', sellerStockCd: 'KR-COASTER', stckQty: 4, optWght: 0 }],
        },
        {
          ...MUG,
          prdNm: '도자기 머그컵',
          stocks: [
            { ...BLUE, mixOptNm: '색상', mixDtlOptNm: '블루', stckQty: 40 },
            { ...RED, mixOptNm: '색상', mixDtlOptNm: '레드', stckQty: 7 },
          ],
        },
      ],
    });
    await eleven.start();
    t = await startTestApp({ workersEnabled: false });
    tenant = await t.createTenant('11st listings seller');
    const created = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({
        site: '11st',
        shopId: ELEVEN_STREET_DEFAULT_ACCOUNT.sellerId,
        endpoint: eleven.url,
        credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey },
        options: { autoStockSync: true },
      })
      .expect(201);
    connectionId = created.body.id;
    skuId = await createSku('WH-MUG-BLUE');
    await t.http.post('/v1/sku-mappings').set(auth()).send({ site: '11st', listingKey: BLUE.sellerStockCd, skuId }).expect(201);
  });

  afterAll(async () => {
    for (const instance of processes) await instance.stop();
    await t?.close();
    await eleven.stop();
  });

  it('the first process finds the option through 11st product search, pushes it and stores where it lives', async () => {
    expect(await storedListings()).toEqual([]);
    processes.push(await startAppProcess(t));

    await adjust(skuId, 'stocktake', 6);
    await blueShows(6);

    // Found without an order and without asking sellerprodcode with the option's code.
    expect(productCalls().some((r) => r.method === 'POST' && r.path === '/rest/prodmarketservice/prodmarket')).toBe(true);
    expect(productCalls().filter((r) => r.path.includes(BLUE.sellerStockCd))).toEqual([]);
    expect(bluePuts().at(-1)!.bodyText).toContain(
      `<ProductStock><prdNo>${MUG.prdNo}</prdNo><prdStckNo>${BLUE.prdStckNo}</prdStckNo><stckQty>6</stckQty><optWght>${BLUE.optWght}</optWght></ProductStock>`,
    );
    expect(eleven.getStock(RED.prdStckNo)!.stckQty).toBe(7);
    await waitFor(async () => (await storedListings()).length > 0, { what: 'the listing stored' });
    expect(await storedListings()).toEqual([
      {
        listing_key: BLUE.sellerStockCd,
        address: { prdNo: MUG.prdNo, prdStckNo: BLUE.prdStckNo, optWght: String(BLUE.optWght) },
      },
    ]);
  });

  it('a process started afterwards pushes the next change to the stored address, asking 11st nothing else', async () => {
    await processes.shift()!.stop();
    eleven.requests.length = 0;
    processes.push(await startAppProcess(t));

    await adjust(skuId, 'stocktake', 9);
    await blueShows(9);

    expect(bluePuts()).toHaveLength(1);
    expect(bluePuts()[0].bodyText).toContain(`<stckQty>9</stckQty><optWght>${BLUE.optWght}</optWght>`);
    expect(productCalls()).toEqual([]);
    expect(eleven.getStock(RED.prdStckNo)!.stckQty).toBe(7);
  });
});
