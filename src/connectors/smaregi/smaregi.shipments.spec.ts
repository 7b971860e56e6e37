import { Logger } from '@nestjs/common';
import nock from 'nock';

import { SiteRejectedError, SiteRetryableError } from '../http/site-errors';
import { testConnectionContext } from '../testing/test-connection-context';
import { SmaregiClient } from './smaregi.client';
import { SMAREGI_DESCRIPTOR } from './smaregi.descriptor';
import { SmaregiShipmentApi } from './smaregi.shipments';

const LEGACY = 'https://webapi.smaregi.jp';
const CONTRACT = 'retail_contract';
const form = (body: unknown) => Object.fromEntries(new URLSearchParams(String(body)));

describe('SmaregiShipmentApi (legacy 出荷)', () => {
  const api = new SmaregiShipmentApi(new SmaregiClient());
  const ctx = (settings: Record<string, unknown> = {}) =>
    testConnectionContext(SMAREGI_DESCRIPTOR, { shopId: CONTRACT, credentials: { accessToken: 'retail-token' }, settings });
  const input = {
    reference: 'NE1001-abcdef12',
    shippingStoreId: '1',
    shippingDate: '2025-01-01',
    memo: 'NE伝票 1001',
    details: [{ productId: '8000001', quantity: 2 }],
  };

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('registers one shipment with the contract headers, the head and detail rows, and our reference', async () => {
    let sent: { headers: Record<string, unknown>; body: Record<string, string> } | undefined;
    nock(LEGACY)
      .post('/access/')
      .reply(200, function (_uri, body) {
        sent = { headers: this.req.headers, body: form(body) };
        return { result: { Shipment: 1, ShipmentDetail: 1 } };
      });
    await expect(api.registerShipment(ctx(), input)).resolves.toEqual({ shipmentId: null });
    expect(sent!.headers).toMatchObject({ x_contract_id: CONTRACT, x_access_token: 'retail-token' });
    expect(sent!.body.proc_name).toBe('shipment_upd');
    expect(JSON.parse(sent!.body.params)).toEqual({
      proc_info: { proc_division: 'U' },
      data: [
        {
          table_name: 'Shipment',
          rows: [{ shippingStoreId: '1', shippingDate: '2025-01-01', status: '1', identificationNo: input.reference, memo: input.memo }],
        },
        { table_name: 'ShipmentDetail', rows: [{ productId: '8000001', quantity: '2' }] },
      ],
    });
  });

  it('never sends a registration twice: a 5xx is an unknown outcome, not a refusal, and is not retried', async () => {
    let calls = 0;
    nock(LEGACY)
      .post('/access/')
      .times(2)
      .reply(() => {
        calls += 1;
        return [503, { error_code: '503', error: 'unavailable' }];
      });
    await expect(api.registerShipment(ctx(), input)).rejects.toBeInstanceOf(SiteRetryableError);
    expect(calls).toBe(1);
  });

  it('a refusal (4xx) is a SiteRejectedError', async () => {
    nock(LEGACY).post('/access/').reply(400, { error_code: '400', error: 'invalid_parameter', error_description: 'shippingDateは必須です' });
    await expect(api.registerShipment(ctx(), input)).rejects.toBeInstanceOf(SiteRejectedError);
  });

  it('finds a shipment by our reference only (a row with another reference is not ours), with the configured proc name', async () => {
    let params: unknown;
    nock(LEGACY)
      .post('/access/')
      .reply(200, (_uri, body) => {
        const sent = form(body);
        params = { proc: sent.proc_name, ...JSON.parse(sent.params) };
        return { total_count: '2', result: [{ shipmentId: '7', identificationNo: 'other' }, { shipmentId: '9', identificationNo: input.reference }] };
      });
    await expect(api.findShipment(ctx({ shipmentReadProc: 'shipping_ref' }), input.reference)).resolves.toEqual({ shipmentId: '9' });
    expect(params).toMatchObject({ proc: 'shipping_ref', table_name: 'Shipment', conditions: [{ identificationNo: input.reference }] });

    nock(LEGACY).post('/access/').reply(200, { total_count: '1', result: [{ shipmentId: '7', identificationNo: 'other' }] });
    await expect(api.findShipment(ctx(), input.reference)).resolves.toBeNull();
  });

  it('takes a shipment back by deleting it (proc_division D)', async () => {
    let params: unknown;
    nock(LEGACY)
      .post('/access/')
      .reply(200, (_uri, body) => {
        params = JSON.parse(form(body).params);
        return { result: { Shipment: 1 } };
      });
    await api.cancelShipment(ctx(), '9');
    expect(params).toEqual({ proc_info: { proc_division: 'D' }, data: [{ table_name: 'Shipment', rows: [{ shipmentId: '9' }] }] });
  });
});
