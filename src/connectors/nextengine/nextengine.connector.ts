import { BadRequestException, Injectable } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import {
  AUTHORIZATION_STATE_PARAM,
  type ConnectionContext,
  type ConnectionTestResult,
  type ExternalOrderLine,
  type ListingKey,
  type RedirectAuthorization,
  type SalesSiteConnector,
} from '../sales-site-connector';
import { runConnectionTest } from '../shared/connection-test';
import { NextEngineClient, type NextEngineAppCredentials } from './nextengine.client';
import { NEXTENGINE_DESCRIPTOR } from './nextengine.descriptor';

const SIGN_IN_PATH = '/users/sign_in/';
const ACCOUNT_INFO_PATH = '/api_v1_login_user/info';

@Injectable()
export class NextEngineConnector implements SalesSiteConnector {
  readonly descriptor = NEXTENGINE_DESCRIPTOR;

  constructor(
    private readonly client: NextEngineClient,
    private readonly config: AppConfig,
  ) {}

  /** `login_user/info`: cheap, authenticated, and it rotates the tokens when they are due. */
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> {
    return runConnectionTest(async () => {
      const envelope = await this.client.call(ctx, ACCOUNT_INFO_PATH, {}, { maxAttempts: 2 });
      const account = envelope.data?.[0] ?? {};
      return { companyNeId: account.company_ne_id ?? undefined, companyName: account.company_name ?? undefined };
    });
  }

  /**
   * The NextEngine sign-in page for this app. Only `client_id` and `redirect_uri` go in the URL — never
   * the client secret, which Hamee's own SDK puts there. NextEngine answers the redirect URI with its
   * own `uid` and `state`, so Mallbridge's `state` rides inside the redirect URI as
   * {@link AUTHORIZATION_STATE_PARAM}. UNCONFIRMED: whether NextEngine keeps a query string on a
   * redirect URI; the documented flow never shows one.
   */
  authorizationRedirect(ctx: ConnectionContext, state: string, callbackUrl: string): RedirectAuthorization {
    const { clientId } = this.appCredentials();
    const redirectUri = new URL(callbackUrl);
    redirectUri.searchParams.set(AUTHORIZATION_STATE_PARAM, state);
    const signIn = new URL(`${this.signInBase(ctx)}${SIGN_IN_PATH}`);
    signIn.searchParams.set('client_id', clientId);
    signIn.searchParams.set('redirect_uri', redirectUri.toString());
    return { redirectUrl: signIn.toString() };
  }

  /** Completes the sign-in with the callback's `uid` and NextEngine's own `state` (5 minutes to live). */
  async completeAuthorization(ctx: ConnectionContext, params: Record<string, string>): Promise<void> {
    const { uid, state } = params;
    if (!uid || !state) throw new BadRequestException('The NextEngine sign-in callback lacks uid or state');
    await this.client.exchangeSignIn(ctx, { uid, state }, this.appCredentials());
  }

  /**
   * NextEngine has no refresh endpoint: any call carrying the refresh token renews an expired access
   * token in its response (persisted by the client). So renewal is a cheap call; while the access
   * token is still valid NextEngine keeps it and nothing changes. 002004 means the refresh token lapsed
   * too, and only a new sign-in helps.
   */
  async renewCredentials(ctx: ConnectionContext): Promise<void> {
    await this.client.call(ctx, ACCOUNT_INFO_PATH);
  }

  /** 商品コード (`receive_order_row_goods_id`) identifies the goods on NextEngine. */
  listingKey(line: ExternalOrderLine): ListingKey {
    return { key: line.productCode, productCode: line.productCode };
  }

  private appCredentials(): NextEngineAppCredentials {
    const { clientId, clientSecret } = this.config.nextEngine;
    if (!clientId || !clientSecret) {
      throw new Error('The NextEngine app is not configured: set NEXTENGINE_CLIENT_ID and NEXTENGINE_CLIENT_SECRET');
    }
    return { clientId, clientSecret };
  }

  private signInBase(ctx: ConnectionContext): string {
    const override = ctx.settings.signInUrl;
    const base = typeof override === 'string' && override.trim() !== '' ? override : this.config.nextEngine.signInUrl;
    return base.replace(/\/+$/, '');
  }
}
