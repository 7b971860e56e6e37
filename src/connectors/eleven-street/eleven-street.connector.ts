import { Injectable } from '@nestjs/common';

import type { ConnectionContext, ConnectionTestResult, ExternalOrderLine, ListingKey, SalesSiteConnector } from '../sales-site-connector';
import { runConnectionTest } from '../shared/connection-test';
import { KST_OFFSET_MINUTES, formatInOffset } from '../shared/zoned-time';
import { ElevenStreetClient } from './eleven-street.client';
import { ELEVEN_STREET_DESCRIPTOR } from './eleven-street.descriptor';

const MINUTE_MS = 60_000;

@Injectable()
export class ElevenStreetConnector implements SalesSiteConnector {
  readonly descriptor = ELEVEN_STREET_DESCRIPTOR;

  constructor(private readonly client: ElevenStreetClient) {}

  /** The paid-orders list (결제완료) over the last minute, KST: authenticated and nearly always empty. */
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> {
    return runConnectionTest(async () => {
      const now = ctx.now();
      const start = formatInOffset(new Date(now.getTime() - MINUTE_MS), KST_OFFSET_MINUTES, 'yyyyMMddHHmm');
      const end = formatInOffset(now, KST_OFFSET_MINUTES, 'yyyyMMddHHmm');
      const result = await this.client.get(ctx, `ordservices/complete/${start}/${end}`, { maxAttempts: 2 });
      const orders = (result.document.orders as { order?: unknown[] } | undefined)?.order;
      return { ordersFound: Array.isArray(orders) ? orders.length : 0 };
    });
  }

  /** 셀러재고번호 `sellerStockCd` for option items, else 판매자상품코드 `sellerPrdCd`. */
  listingKey(line: ExternalOrderLine): ListingKey {
    const optionCode = line.optionCode?.trim() || undefined;
    return { key: optionCode ?? line.productCode, productCode: line.productCode, ...(optionCode ? { optionCode } : {}) };
  }
}
