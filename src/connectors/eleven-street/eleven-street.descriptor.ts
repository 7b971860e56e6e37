import type { SiteDescriptor } from '../sales-site-connector';

export const ELEVEN_STREET_CREDENTIALS = {
  openApiKey: 'openApiKey',
} as const;

export const ELEVEN_STREET_SETTINGS = {
  courierCodes: 'courierCodes',
  deliveryMethodCode: 'deliveryMethodCode',
  lookbackDays: 'lookbackDays',
  overlapMinutes: 'overlapMinutes',
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
      name: ELEVEN_STREET_SETTINGS.courierCodes,
      label: 'Courier codes on 11st',
      type: 'object',
      required: false,
      default: {},
      description:
        'Mallbridge carrier → 11st courier code dlvEtprsCd (5 digits), e.g. {"cj": "00034"}. Built in: cj 00034, lotte 00012, hanjin 00011, epost 00007, logen 00002, qxpress 00108, ems 00058, dhl 00039, fedex 00047, ups 00053, usps 00054. A 5-digit carrier value is sent as is.',
    },
    {
      name: ELEVEN_STREET_SETTINGS.deliveryMethodCode,
      label: 'Delivery method (dlvMthdCd)',
      type: 'string',
      required: false,
      default: '01',
      description: '01 택배 (parcel), 03 직접 (own delivery), 04 퀵서비스, 05 배송없음 (no shipment: courier and invoice sent as null).',
    },
    {
      name: ELEVEN_STREET_SETTINGS.lookbackDays,
      label: 'First pull looks back (days)',
      type: 'number',
      required: false,
      default: 30,
    },
    {
      name: ELEVEN_STREET_SETTINGS.overlapMinutes,
      label: 'Re-read overlap (minutes)',
      type: 'number',
      required: false,
      default: 60,
      description: 'Each pull starts this long before the previous window end, for orders 11st publishes late.',
    },
  ],
  collectableStatuses: [
    { code: '202', name: '결제완료 (決済完了)' },
    { code: '301', name: '배송준비중 (配送準備中)' },
  ],
  unconfirmedStatuses: ['202'],
  authorization: 'none',
  requiresIpAllowList: true,
  // No documented limit for the seller API (UNCONFIRMED); stay gentle.
  rateLimit: { maxConcurrent: 2, minTimeMs: 200 },
};
