import { Injectable } from '@nestjs/common';

import { SiteRejectedError } from '../http/site-errors';
import type { ConnectionContext } from '../sales-site-connector';
import type { RegisteredShipment, ShipmentInput, ShipmentRegistrar } from '../site-ports';
import { SmaregiClient } from './smaregi.client';
import {
  SMAREGI_SETTINGS,
  SMAREGI_SHIPMENT_READ_PROC,
  SMAREGI_SHIPMENT_UPDATE_PROC,
} from './smaregi.descriptor';

export const SHIPMENT_TABLE = 'Shipment';
export const SHIPMENT_DETAIL_TABLE = 'ShipmentDetail';
/** 1 = 出荷済: the quantities leave the store when the shipment is registered (UNCONFIRMED value, see below). */
export const SHIPPED_STATUS = '1';
/** the Platform 出庫 `identificationNo` limit (32) and memo limit (1000) [PF-shipping]; the legacy limits are UNCONFIRMED */
const REFERENCE_MAX = 32;
const MEMO_MAX = 1000;
/** Platform 出庫 detail limits [PF-shipping]: ≤ 1000 rows, quantity ≤ 99999 */
const DETAILS_MAX = 1000;
const QUANTITY_MAX = 99_999;

/**
 * Shipments (出荷) through the LEGACY スマレジAPI with the contract id and access token the seller entered for them
 * (DESIGN §7; 機能設定 17 出荷情報更新 and 24 出荷情報取得 must be 「利用する」). `POST /access/`, `proc_name` + JSON
 * `params` (spec §A.1), in the `*_upd` / `*_ref` shapes of spec §A.3/§A.4.
 *
 * What a shipment carries: the head row `{shippingStoreId, shippingDate, status, identificationNo, memo}` and detail
 * rows `{productId, quantity}`. UNCONFIRMED: the legacy table and field names. They are the Platform API's documented
 * 出庫 resource ([PF-shipping]: `shippingStoreId`, `shippingDate` YYYY-MM-DD, `status`, `memo`, `identificationNo`
 * "出庫/入庫情報を管理するための任意の文字列", `details[].productId`, `details[].quantity`), the Platform API keeping
 * the legacy tables' field names elsewhere (Stock, StockHistory, Product). A 出荷 has no receiving store, so the
 * 出庫's `receivingStoreId` / `receivingExpectedDate*` are not sent; whether the legacy call also wants a 出荷先
 * (recipient) is UNCONFIRMED. The proc names are connection settings (smaregi.descriptor.ts).
 */
@Injectable()
export class SmaregiShipmentApi implements ShipmentRegistrar {
  constructor(private readonly client: SmaregiClient) {}

  async findShipment(ctx: ConnectionContext, reference: string): Promise<RegisteredShipment | null> {
    const answer = await this.client.legacy(ctx, readProc(ctx), {
      table_name: SHIPMENT_TABLE,
      conditions: [{ identificationNo: reference }],
      limit: 10,
      page: 1,
    });
    // The condition is filtered here too: a server that ignored it must not make another shipment ours.
    const row = rows((answer as { result?: unknown }).result).find((candidate) => text(candidate.identificationNo) === reference);
    const shipmentId = row ? (text(row.shipmentId) ?? text(row.shippingId) ?? text(row.id)) : undefined;
    return shipmentId ? { shipmentId } : null;
  }

  /** One call, never retried by the transport: a lost answer may mean the shipment exists. */
  async registerShipment(ctx: ConnectionContext, input: ShipmentInput): Promise<{ shipmentId: string | null }> {
    if (input.reference.length > REFERENCE_MAX) throw new SiteRejectedError(`The shipment reference exceeds ${REFERENCE_MAX} characters`);
    if (input.details.length === 0 || input.details.length > DETAILS_MAX) {
      throw new SiteRejectedError(`A shipment takes 1 to ${DETAILS_MAX} products`);
    }
    const tooMany = input.details.find((detail) => !Number.isInteger(detail.quantity) || detail.quantity < 1 || detail.quantity > QUANTITY_MAX);
    if (tooMany) throw new SiteRejectedError(`Quantity ${tooMany.quantity} of product ${tooMany.productId} is outside 1..${QUANTITY_MAX}`);
    const answer = await this.client.legacy(
      ctx,
      updateProc(ctx),
      {
        proc_info: { proc_division: 'U' },
        data: [
          {
            table_name: SHIPMENT_TABLE,
            rows: [
              {
                shippingStoreId: input.shippingStoreId,
                shippingDate: input.shippingDate,
                status: SHIPPED_STATUS,
                identificationNo: input.reference,
                memo: input.memo.slice(0, MEMO_MAX),
              },
            ],
          },
          {
            table_name: SHIPMENT_DETAIL_TABLE,
            rows: input.details.map((detail) => ({ productId: detail.productId, quantity: String(detail.quantity) })),
          },
        ],
      },
      { maxAttempts: 1 },
    );
    return { shipmentId: shipmentIdOf(answer) };
  }

  /** `proc_division` D on the shipment (spec §A.4: D = delete). UNCONFIRMED that deleting a 出荷 returns its stock. */
  async cancelShipment(ctx: ConnectionContext, shipmentId: string): Promise<void> {
    await this.client.legacy(
      ctx,
      updateProc(ctx),
      { proc_info: { proc_division: 'D' }, data: [{ table_name: SHIPMENT_TABLE, rows: [{ shipmentId }] }] },
      { maxAttempts: 1 },
    );
  }
}

/**
 * The update answer is `{"result":{"Shipment":1}}` or `[{"Shipment":1}]` (spec §A.4: row counts, shape UNCONFIRMED);
 * an id is taken when one is there, else the caller finds the shipment by its reference.
 */
function shipmentIdOf(answer: unknown): string | null {
  const result = (answer as { result?: unknown } | null)?.result;
  const candidates = Array.isArray(result) ? result : [result];
  for (const candidate of candidates) {
    if (candidate === null || typeof candidate !== 'object') continue;
    const record = candidate as Record<string, unknown>;
    const id = text(record.shipmentId) ?? text(record.shippingId);
    if (id) return id;
  }
  return null;
}

function updateProc(ctx: ConnectionContext): string {
  return setting(ctx, SMAREGI_SETTINGS.shipmentUpdateProc) ?? SMAREGI_SHIPMENT_UPDATE_PROC;
}

function readProc(ctx: ConnectionContext): string {
  return setting(ctx, SMAREGI_SETTINGS.shipmentReadProc) ?? SMAREGI_SHIPMENT_READ_PROC;
}

function setting(ctx: ConnectionContext, name: string): string | undefined {
  const value = ctx.settings[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function rows(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((row): row is Record<string, unknown> => row !== null && typeof row === 'object') : [];
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
