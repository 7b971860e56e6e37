import type { SiteDescriptor } from '../sales-site-connector';

export const SMAREGI_CREDENTIALS = {
  /** legacy スマレジAPI: the token generated on its 受信設定 screen */
  accessToken: 'accessToken',
  /** Platform API app credentials (client credentials grant); preferred when both are present */
  clientId: 'clientId',
  clientSecret: 'clientSecret',
} as const;

export const SMAREGI_SETTINGS = {
  storeId: 'storeId',
  tokenUrl: 'tokenUrl',
  scopes: 'scopes',
  shipmentUpdateProc: 'shipmentUpdateProc',
  shipmentReadProc: 'shipmentReadProc',
} as const;

/**
 * Legacy proc names of 出荷情報更新 (機能設定 17) and 出荷情報取得 (24). UNCONFIRMED: the legacy spec PDF was not
 * available (spec §A.2 lists 出荷 support without its proc names); they follow the `<table>_upd` / `<table>_ref`
 * pattern of every confirmed proc, and a connection can name others in its settings.
 */
export const SMAREGI_SHIPMENT_UPDATE_PROC = 'shipment_upd';
export const SMAREGI_SHIPMENT_READ_PROC = 'shipment_ref';

export const SMAREGI_PLATFORM_PRODUCTION = 'https://api.smaregi.jp';
export const SMAREGI_LEGACY_PRODUCTION = 'https://webapi.smaregi.jp';
// UNCONFIRMED scope names: they follow the documented `<product>.<resource>:<read|write>` pattern.
export const SMAREGI_DEFAULT_SCOPES = 'pos.products:read pos.stock:read pos.stock:write pos.stores:read';

/**
 * The endpoint is the Platform API host. A legacy connection left on that default talks to the legacy
 * host instead; any other endpoint (a sandbox, a simulator) serves whichever API the credentials pick.
 */
export const SMAREGI_DESCRIPTOR: SiteDescriptor = {
  site: 'smaregi',
  displayName: 'Smaregi (スマレジ)',
  defaultEndpoint: SMAREGI_PLATFORM_PRODUCTION,
  credentialFields: [
    {
      name: SMAREGI_CREDENTIALS.accessToken,
      label: 'Access token (legacy スマレジAPI)',
      secret: true,
      required: false,
      lifecycle: 'stored',
      description: 'From 管理画面 → 設定 → システム連携 → スマレジAPI設定 → API受信設定. The shop id is the contract id (契約ID).',
    },
    {
      name: SMAREGI_CREDENTIALS.clientId,
      label: 'Client id (Platform API)',
      secret: false,
      required: false,
      lifecycle: 'stored',
      description: 'Platform API app credentials; give these or the legacy access token.',
    },
    { name: SMAREGI_CREDENTIALS.clientSecret, label: 'Client secret (Platform API)', secret: true, required: false, lifecycle: 'stored' },
  ],
  settingFields: [
    {
      name: SMAREGI_SETTINGS.storeId,
      label: 'Store id',
      type: 'string',
      required: false,
      description: 'The Smaregi store (店舗ID) whose stock is linked.',
    },
    {
      name: SMAREGI_SETTINGS.tokenUrl,
      label: 'Platform token host',
      type: 'string',
      required: false,
      description:
        'Defaults to https://id.smaregi.jp (https://id.smaregi.dev for the sandbox endpoint; the endpoint itself for any other).',
    },
    { name: SMAREGI_SETTINGS.scopes, label: 'Platform API scopes', type: 'string', required: false, default: SMAREGI_DEFAULT_SCOPES },
    {
      name: SMAREGI_SETTINGS.shipmentUpdateProc,
      label: 'Legacy proc name of 出荷情報更新',
      type: 'string',
      required: false,
      default: SMAREGI_SHIPMENT_UPDATE_PROC,
      description: 'UNCONFIRMED default; check it against the スマレジAPI仕様書 of the contract.',
    },
    {
      name: SMAREGI_SETTINGS.shipmentReadProc,
      label: 'Legacy proc name of 出荷情報取得',
      type: 'string',
      required: false,
      default: SMAREGI_SHIPMENT_READ_PROC,
      description: 'UNCONFIRMED default; check it against the スマレジAPI仕様書 of the contract.',
    },
  ],
  collectableStatuses: [],
  authorization: 'none',
  requiresIpAllowList: false,
  // No published limit (UNCONFIRMED); 429 with Retry-After is honoured by the transport.
  rateLimit: { maxConcurrent: 2, minTimeMs: 100 },
};
