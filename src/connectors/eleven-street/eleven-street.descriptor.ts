import type { SiteDescriptor } from '../sales-site-connector';

export const ELEVEN_STREET_CREDENTIALS = {
  openApiKey: 'openApiKey',
} as const;

/** Seller OpenAPI host (not openapi.11st.co.kr, which hosts the guide); the client appends `/rest`. */
export const ELEVEN_STREET_DESCRIPTOR: SiteDescriptor = {
  site: '11st',
  displayName: '11st (11번가)',
  defaultEndpoint: 'https://api.11st.co.kr',
  credentialFields: [
    {
      name: ELEVEN_STREET_CREDENTIALS.openApiKey,
      label: 'OpenAPI key',
      secret: true,
      required: true,
      lifecycle: 'stored',
      description:
        'Issued in 11st Seller Office once our egress IPs are registered there. The shop id is the 11st seller id. Keys issued from 2026-06-30 are valid for 180 days.',
    },
  ],
  settingFields: [
    {
      name: 'carrierCodes',
      label: 'Courier codes on 11st',
      type: 'object',
      required: false,
      default: {},
      description: 'Mallbridge carrier → 11st courier code dlvEtprsCd (5 digits, e.g. "00034" CJ대한통운, "00108" Qxpress).',
    },
  ],
  collectableStatuses: [
    { code: '202', name: '결제완료 (決済完了)' },
    { code: '301', name: '배송준비중 (配送準備中)' },
  ],
  capabilities: { orders: true, confirm: true, tracking: true, stock: 'absolute', authorization: 'none' },
  requiresIpAllowList: true,
  // No documented limit for the seller API (UNCONFIRMED); stay gentle.
  rateLimit: { maxConcurrent: 2, minTimeMs: 200 },
};
