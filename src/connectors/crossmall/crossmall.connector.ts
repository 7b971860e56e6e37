import { Injectable } from '@nestjs/common';

import type { ConnectionContext, ConnectionTestResult, ExternalOrderLine, ListingKey, SalesSiteConnector } from '../sales-site-connector';
import { runConnectionTest } from '../shared/connection-test';
import { CrossmallClient } from './crossmall.client';
import { CROSSMALL_DESCRIPTOR } from './crossmall.descriptor';

@Injectable()
export class CrossmallConnector implements SalesSiteConnector {
  readonly descriptor = CROSSMALL_DESCRIPTOR;

  constructor(private readonly client: CrossmallClient) {}

  /**
   * `get_order` for at most one row: an exact match on one management number. get_order has no
   * documented row limit, and this still proves the signature, the company code and the IP allow-list.
   */
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> {
    return runConnectionTest(async () => {
      const result = await this.client.get(
        ctx,
        'get_order',
        [
          ['order_number', '1'],
          ['condition', '0'],
        ],
        { maxAttempts: 2 },
      );
      return { ordersFound: result.total };
    });
  }

  /**
   * CROSS MALL identifies a SKU by item code plus attribute 1 and 2 names, exact text (spacing and
   * case kept): `item_code`, or `item_code:attr1,attr2` (`item_code:attr1` when there is no second
   * attribute). The attributes come from the line's raw `attribute1_name`/`attribute2_name`, else
   * from its option code, taken as the already-joined `attr1,attr2`.
   */
  listingKey(line: ExternalOrderLine): ListingKey {
    const optionCode = crossmallOptionCode(line);
    return {
      key: optionCode === undefined ? line.productCode : `${line.productCode}:${optionCode}`,
      productCode: line.productCode,
      ...(optionCode === undefined ? {} : { optionCode }),
    };
  }
}

function crossmallOptionCode(line: ExternalOrderLine): string | undefined {
  const first = stringOrEmpty(line.raw?.attribute1_name);
  const second = stringOrEmpty(line.raw?.attribute2_name);
  if (first !== '' || second !== '') return second === '' ? first : `${first},${second}`;
  return line.optionCode === undefined || line.optionCode === '' ? undefined : line.optionCode;
}

function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
