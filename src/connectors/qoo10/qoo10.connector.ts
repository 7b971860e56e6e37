import { BadRequestException, Injectable } from '@nestjs/common';

import type {
  AuthorizationInput,
  ConnectionContext,
  ConnectionTestResult,
  ExternalOrderLine,
  ListingKey,
  SalesSiteConnector,
} from '../sales-site-connector';
import { runConnectionTest } from '../shared/connection-test';
import { JST_OFFSET_MINUTES, formatInOffset } from '../shared/zoned-time';
import { Qoo10Client } from './qoo10.client';
import { QOO10_CREDENTIALS, QOO10_DESCRIPTOR } from './qoo10.descriptor';

// CONFIRMED by two sources: a seller authorization key lives one year from issue.
const CERTIFICATION_KEY_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const NEW_ORDER_STATUS = '2';

@Injectable()
export class Qoo10Connector implements SalesSiteConnector {
  readonly descriptor = QOO10_DESCRIPTOR;

  constructor(private readonly client: Qoo10Client) {}

  /**
   * A one-day order query (new orders, by order date, the last 24 hours). UNCONFIRMED: whether Qoo10
   * answers an empty period with ResultCode 0 and an empty list or with a "no data" code; a non-zero
   * code is reported as a failure with Qoo10's own words.
   */
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> {
    return runConnectionTest(async () => {
      const envelope = await this.client.call(ctx, 'ShippingBasic.GetShippingInfo_v3', this.oneDayOrderQuery(ctx), { maxAttempts: 2 });
      return { ordersFound: Array.isArray(envelope.ResultObject) ? envelope.ResultObject.length : 0 };
    });
  }

  /**
   * "Get Auth": the API key and QSM login id (the connection's shop id) with the password given here
   * create the seller authorization key. Only the key is saved; the password is used for that one
   * request, and a copy found among the stored credentials is removed.
   * `input.apiKey` replaces the stored API key (saved only once Qoo10 accepted it).
   */
  async authorize(ctx: ConnectionContext, input: AuthorizationInput): Promise<void> {
    const password = input.password || ctx.credentials[QOO10_CREDENTIALS.password];
    if (!password) throw new BadRequestException('Qoo10 needs the QSM password to create a seller authorization key');
    const apiKey = input.apiKey || ctx.credentials[QOO10_CREDENTIALS.apiKey];
    if (!apiKey) throw new BadRequestException('Qoo10 needs the API key issued in QSM');

    const certificationKey = await this.client.createCertificationKey(ctx, { apiKey, loginId: ctx.shopId, password });

    const patch: Record<string, string | null> = { [QOO10_CREDENTIALS.certificationKey]: certificationKey };
    if (input.apiKey) patch[QOO10_CREDENTIALS.apiKey] = input.apiKey;
    if (ctx.credentials[QOO10_CREDENTIALS.password] !== undefined) patch[QOO10_CREDENTIALS.password] = null;
    await ctx.saveCredentials(patch, { tokenExpiresAt: new Date(ctx.now().getTime() + CERTIFICATION_KEY_LIFETIME_MS) });
  }

  /**
   * "Renew Tokens" after -90004/-90005: the QSM password again (optionally with a fresh API key) runs
   * the key exchange; or a seller authorization key issued in QSM itself (`certificationKey`) is
   * checked with a one-day order query and stored. A fresh API key alone cannot mint a key.
   */
  async renewCredentials(ctx: ConnectionContext, input: AuthorizationInput = {}): Promise<void> {
    if (input.password) return this.authorize(ctx, input);
    if (input.certificationKey) {
      await this.client.call(ctx, 'ShippingBasic.GetShippingInfo_v3', this.oneDayOrderQuery(ctx), {
        key: input.certificationKey,
        maxAttempts: 2,
      });
      await ctx.saveCredentials(
        { [QOO10_CREDENTIALS.certificationKey]: input.certificationKey },
        // issued outside Mallbridge, so its real issue date is unknown: assume today
        { tokenExpiresAt: new Date(ctx.now().getTime() + CERTIFICATION_KEY_LIFETIME_MS) },
      );
      return;
    }
    throw new BadRequestException(
      input.apiKey
        ? 'Qoo10 needs the QSM password with the new API key to create a seller authorization key'
        : 'Renewing Qoo10 needs the QSM password (and optionally a new API key) or a seller authorization key',
    );
  }

  /** 販売者オプションコード for option items, else 販売者商品コード (sellerItemCode). */
  listingKey(line: ExternalOrderLine): ListingKey {
    const optionCode = line.optionCode?.trim() || undefined;
    return { key: optionCode ?? line.productCode, productCode: line.productCode, ...(optionCode ? { optionCode } : {}) };
  }

  private oneDayOrderQuery(ctx: ConnectionContext): Record<string, string> {
    const now = ctx.now();
    return {
      ShippingStatus: NEW_ORDER_STATUS,
      SearchStartDate: formatInOffset(new Date(now.getTime() - DAY_MS), JST_OFFSET_MINUTES, 'yyyyMMddHHmmss'),
      SearchEndDate: formatInOffset(now, JST_OFFSET_MINUTES, 'yyyyMMddHHmmss'),
      SearchCondition: '1',
    };
  }
}
