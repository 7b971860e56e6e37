import type { SiteDescriptor } from '../sales-site-connector';

export const CROSSMALL_CREDENTIALS = {
  /** 会社コード, sent as the `account` parameter */
  companyCode: 'companyCode',
  /** 認証鍵: only ever hashed into `signing`, never sent */
  apiKey: 'apiKey',
} as const;

export const CROSSMALL_SETTINGS = {
  pendingShipmentPhaseName: 'pendingShipmentPhaseName',
  shippedPhaseName: 'shippedPhaseName',
} as const;

/** CROSS MALL host; the client appends `/webapi2/{api}`. */
export const CROSSMALL_DESCRIPTOR: SiteDescriptor = {
  site: 'crossmall',
  displayName: 'CROSS MALL',
  defaultEndpoint: 'https://crossmall.jp',
  credentialFields: [
    {
      name: CROSSMALL_CREDENTIALS.companyCode,
      label: '会社コード (company code)',
      secret: false,
      required: true,
      lifecycle: 'stored',
      description: 'CROSSMALL管理画面 > システム設定 > 基本情報 > 会社コード.',
    },
    {
      name: CROSSMALL_CREDENTIALS.apiKey,
      label: '認証鍵 (API key)',
      secret: true,
      required: true,
      lifecycle: 'stored',
      description: 'Set in the CROSS MALL admin screen; our egress IPs must also be on its allow-list.',
    },
  ],
  settingFields: [
    {
      name: CROSSMALL_SETTINGS.pendingShipmentPhaseName,
      label: 'Phase to collect orders from',
      type: 'string',
      required: false,
      default: '発送待機',
      description: 'Exact phase name on this CROSS MALL account (phases are account-defined).',
    },
    {
      name: CROSSMALL_SETTINGS.shippedPhaseName,
      label: 'Phase for shipped orders',
      type: 'string',
      required: false,
      default: 'QXPRESS発送済み',
      description: 'Exact phase name the order moves to when its waybill number is pushed.',
    },
  ],
  collectableStatuses: [{ code: '発送待機', name: '発送待機 (or the phase named in the connection settings)' }],
  capabilities: { orders: true, confirm: false, tracking: true, stock: 'absolute', authorization: 'none' },
  requiresIpAllowList: true,
  // Undocumented; integrators keep 0.5–1 s between calls (UNCONFIRMED).
  rateLimit: { maxConcurrent: 1, minTimeMs: 500 },
};
