import { toSoldOrder } from './nextengine.sold-orders';

const base = (fields: Record<string, string | null> = {}) => ({
  receive_order_id: '5',
  receive_order_date: '2025-01-01 10:00:00',
  receive_order_order_status_id: '20',
  receive_order_cancel_type_id: '0',
  receive_order_deleted_flag: '0',
  ...fields,
});
const row = (fields: Record<string, string | null> = {}) => ({
  receive_order_row_receive_order_id: '5',
  receive_order_row_goods_id: 'G-1',
  receive_order_row_quantity: '2',
  receive_order_row_cancel_flag: '0',
  receive_order_row_deleted_flag: '0',
  receive_order_include_from_order_id: null,
  ...fields,
});

describe('toSoldOrder', () => {
  it('a valid slip from 納品書印刷待ち on is sold, received at its 受注日 (JST), with its live lines only', () => {
    const order = toSoldOrder('5', base(), [row(), row({ receive_order_row_cancel_flag: '1' }), row({ receive_order_row_goods_id: 'G-2', receive_order_include_from_order_id: '4' })]);
    expect(order).toEqual({
      externalOrderId: '5',
      receivedAt: new Date('2025-01-01T01:00:00Z'),
      sold: true,
      cancelled: false,
      lines: [
        { goodsCode: 'G-1', quantity: 2, mergedFromOrderId: null },
        { goodsCode: 'G-2', quantity: 2, mergedFromOrderId: '4' },
      ],
    });
  });

  it.each([
    ['a slip before 20 (受注メール取込済)', { receive_order_order_status_id: '1' }, false, false],
    ['a shipped slip (50)', { receive_order_order_status_id: '50' }, true, false],
    ['a customer cancel (1)', { receive_order_cancel_type_id: '1' }, false, true],
    ['a cancel after shipping (6), status kept at 50', { receive_order_cancel_type_id: '6', receive_order_order_status_id: '50' }, false, true],
    ['a merge into another slip (3): its lines live on there', { receive_order_cancel_type_id: '3' }, false, false],
    ['a hold (12)', { receive_order_cancel_type_id: '12' }, false, false],
    ['a deleted slip', { receive_order_deleted_flag: '1' }, false, true],
  ])('%s', (_name, fields, sold, cancelled) => {
    expect(toSoldOrder('5', base(fields), [row()])).toMatchObject({ sold, cancelled });
  });
});
