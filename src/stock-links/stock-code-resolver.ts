import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Capability } from '../connections/site-calls';
import { LinkSites } from './link-sites';
import type { StockLink } from './stock-link.entity';

export type Resolution = { ok: true; code: string } | { ok: false; reason: string };

const SMAREGI_ID = /^[0-9]{1,15}$/;

/**
 * Smaregi product id ↔ NextEngine goods code, per link. CSV mode: the uploaded map, ids not listed pass
 * through unchanged. JAN mode: Smaregi's 商品コード equals NE's `goods_jan_code`; each match found is
 * remembered in the link's code table so it is looked up once.
 */
@Injectable()
export class StockCodeResolver {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sites: LinkSites,
  ) {}

  async toNextEngine(link: StockLink, productIds: readonly string[]): Promise<Map<string, Resolution>> {
    const out = new Map<string, Resolution>();
    const wanted = [...new Set(productIds)];
    if (wanted.length === 0) return out;
    const known = (await this.db.query(
      `SELECT smaregi_product_id AS id, nextengine_code AS code FROM stock_link_codes WHERE link_id = $1 AND smaregi_product_id = ANY($2)`,
      [link.id, wanted],
    )) as Array<{ id: string; code: string }>;
    for (const row of known) out.set(row.id, { ok: true, code: row.code });
    const unknown = wanted.filter((id) => !out.has(id));
    if (link.idMatching === 'csv') {
      for (const id of unknown) out.set(id, { ok: true, code: id });
      return out;
    }
    if (unknown.length === 0) return out;

    const productCodes = await this.sites.smaregi(link, Capability.StockHistorySource, (smaregi, ctx) =>
      smaregi.productCodes(ctx, unknown),
    );
    const jans = [...new Set(productCodes.values())];
    const byJan = jans.length
      ? await this.sites.nextEngine(link, Capability.GoodsCatalog, (goods, ctx) => goods.codesByJan(ctx, jans))
      : new Map<string, string[]>();
    const found: Array<{ id: string; code: string }> = [];
    for (const id of unknown) {
      const jan = productCodes.get(id);
      const codes = jan ? (byJan.get(jan) ?? []) : [];
      if (!jan) out.set(id, { ok: false, reason: `Smaregi product ${id} was not found in Smaregi` });
      else if (codes.length === 0) {
        out.set(id, {
          ok: false,
          reason: `Smaregi product ${id} (JAN ${jan}) has no NextEngine goods with that JAN: it exists only in Smaregi`,
        });
      } else if (codes.length > 1) {
        out.set(id, { ok: false, reason: `JAN ${jan} of Smaregi product ${id} matches several NextEngine goods (${codes.join(', ')})` });
      } else {
        out.set(id, { ok: true, code: codes[0] });
        found.push({ id, code: codes[0] });
      }
    }
    await this.remember(link, found);
    return out;
  }

  /** NextEngine goods code → Smaregi product id (NE orders registered as Smaregi shipments). */
  async toSmaregi(link: StockLink, neCodes: readonly string[]): Promise<Map<string, Resolution>> {
    const out = new Map<string, Resolution>();
    const wanted = [...new Set(neCodes)];
    if (wanted.length === 0) return out;
    const known = (await this.db.query(
      `SELECT nextengine_code AS code, array_agg(smaregi_product_id ORDER BY smaregi_product_id) AS ids
         FROM stock_link_codes WHERE link_id = $1 AND nextengine_code = ANY($2) GROUP BY nextengine_code`,
      [link.id, wanted],
    )) as Array<{ code: string; ids: string[] }>;
    for (const row of known) {
      out.set(
        row.code,
        row.ids.length === 1
          ? { ok: true, code: row.ids[0] }
          : { ok: false, reason: `NextEngine goods ${row.code} is mapped from several Smaregi products (${row.ids.join(', ')})` },
      );
    }
    const unknown = wanted.filter((code) => !out.has(code));
    if (link.idMatching === 'csv') {
      for (const code of unknown) {
        out.set(
          code,
          SMAREGI_ID.test(code)
            ? { ok: true, code }
            : {
                ok: false,
                reason: `NextEngine goods ${code} is not in the code map and is not a Smaregi product id: it exists only in NextEngine`,
              },
        );
      }
      return out;
    }
    if (unknown.length === 0) return out;
    const jansByCode = await this.sites.nextEngine(link, Capability.GoodsCatalog, (goods, ctx) => goods.jansByCode(ctx, unknown));
    const jans = [...new Set([...jansByCode.values()].flat())];
    const idsByJan = await this.sites.smaregi(link, Capability.StockHistorySource, (smaregi, ctx) => smaregi.productIdsByCode(ctx, jans));
    const found: Array<{ id: string; code: string }> = [];
    for (const code of unknown) {
      const jan = jansByCode.get(code)?.[0];
      const id = jan ? idsByJan.get(jan) : undefined;
      if (!jan) out.set(code, { ok: false, reason: `NextEngine goods ${code} has no JAN code to match a Smaregi product by` });
      else if (!id)
        out.set(code, {
          ok: false,
          reason: `No Smaregi product has 商品コード ${jan} (NextEngine goods ${code}): it exists only in NextEngine`,
        });
      else {
        out.set(code, { ok: true, code: id });
        found.push({ id, code });
      }
    }
    await this.remember(link, found);
    return out;
  }

  private async remember(link: StockLink, found: Array<{ id: string; code: string }>): Promise<void> {
    if (found.length === 0) return;
    await this.db.query(
      `INSERT INTO stock_link_codes (link_id, smaregi_product_id, nextengine_code, source)
       SELECT $1, s, n, 'jan' FROM unnest($2::text[], $3::text[]) AS t(s, n)
       WHERE n ~ '^[A-Za-z0-9-]{1,30}$'
       ON CONFLICT (link_id, smaregi_product_id) DO NOTHING`,
      [link.id, found.map((f) => f.id), found.map((f) => f.code)],
    );
  }
}
