import { Injectable } from '@nestjs/common';
import type { ConnectionContext } from '../sales-site-connector';
import type { GoodsCatalog } from '../site-ports';
import { NE_MAX_IN_VALUES, NextEngineClient } from './nextengine.client';

const GOODS_SEARCH = '/api_v1_master_goods/search';
const PAGE = 1000;

/**
 * NextEngine goods-master reads for JAN matching (`master_goods/search`, specs/nextengine.md §6.5): the
 * NextEngine connector's {@link GoodsCatalog} port, which the stock bridge uses to pair Smaregi products.
 */
@Injectable()
export class NextEngineGoodsCatalog implements GoodsCatalog {
  constructor(private readonly client: NextEngineClient) {}

  /** Goods codes by JAN (`goods_jan_code`); a JAN several goods share maps to all of them. */
  async codesByJan(ctx: ConnectionContext, jans: readonly string[]): Promise<Map<string, string[]>> {
    return this.search(ctx, 'goods_jan_code', jans, (row, out) => {
      const jan = row.goods_jan_code;
      const code = row.goods_id;
      if (jan && code) out.set(jan, [...(out.get(jan) ?? []), code]);
    });
  }

  /** JAN codes by goods code; goods without a JAN are absent. */
  async jansByCode(ctx: ConnectionContext, codes: readonly string[]): Promise<Map<string, string[]>> {
    return this.search(ctx, 'goods_id', codes, (row, out) => {
      if (row.goods_id && row.goods_jan_code) out.set(row.goods_id, [row.goods_jan_code]);
    });
  }

  private async search(
    ctx: ConnectionContext,
    field: 'goods_jan_code' | 'goods_id',
    values: readonly string[],
    collect: (row: Record<string, string | null>, out: Map<string, string[]>) => void,
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    // Values go into a comma-separated `-in` list, so one with a comma could match the wrong goods.
    const unique = [...new Set(values.filter((value) => value !== '' && !value.includes(',')))];
    for (let start = 0; start < unique.length; start += NE_MAX_IN_VALUES) {
      const chunk = unique.slice(start, start + NE_MAX_IN_VALUES);
      for await (const rows of this.client.searchAll(
        ctx,
        GOODS_SEARCH,
        ['goods_id', 'goods_jan_code'],
        { [`${field}-in`]: chunk.join(',') },
        PAGE,
      )) {
        for (const row of rows) collect(row, out);
      }
    }
    return out;
  }
}
