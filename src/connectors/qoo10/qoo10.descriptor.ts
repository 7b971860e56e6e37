import type { CredentialField, SiteDescriptor } from '../sales-site-connector';
import { CARRIER_NAMES_SETTING } from './qoo10.carriers';

export const QOO10_CREDENTIALS = {
  apiKey: 'apiKey',
  /** the QSM password: used for one key exchange, never stored */
  password: 'password',
  /** the seller authorization key (SAK / 販売認証キー) every data call carries */
  certificationKey: 'certificationKey',
} as const;

/**
 * The seller's credential fields. With the service's own API key (`QOO10_API_KEY`) the seller gives only the shop id
 * and, in the sign-in window, the QSM login; a connection may still bring its own API key, which then wins.
 * The password is optional at registration: without it the connection waits for the sign-in window
 * (`GET /v1/connections/{id}/authorize`).
 */
export function qoo10CredentialFields(deployment: { serviceApiKey: boolean }): CredentialField[] {
  return [
    {
      name: QOO10_CREDENTIALS.apiKey,
      label: 'API key',
      secret: true,
      required: !deployment.serviceApiKey,
      lifecycle: 'stored',
      description: deployment.serviceApiKey
        ? "Optional: this service brings its own Qoo10 API key. Give one only to use your own (issued in QSM after applying for API use). The shop id is the QSM login id."
        : 'Issued in QSM after applying for API use. The shop id is the QSM login id.',
    },
    {
      name: QOO10_CREDENTIALS.password,
      label: 'QSM password',
      secret: true,
      required: false,
      lifecycle: 'once',
      description:
        'Used once, with the API key and the QSM login id, to create the seller authorization key; never stored. Leave it out to sign in through the sign-in window (GET /v1/connections/{id}/authorize) instead.',
    },
    {
      name: QOO10_CREDENTIALS.certificationKey,
      label: 'Seller authorization key',
      secret: true,
      required: false,
      lifecycle: 'obtained',
      description: 'Created by "Get Auth" (the sign-in window) or "Renew Tokens"; valid for one year.',
    },
  ];
}

/** QSM API host; the client appends the QAPI root path. */
export const QOO10_DESCRIPTOR: SiteDescriptor = {
  site: 'qoo10-jp',
  displayName: 'Qoo10 JP',
  defaultEndpoint: 'https://api.qoo10.jp',
  credentialFields: qoo10CredentialFields({ serviceApiKey: false }),
  settingFields: [
    {
      name: CARRIER_NAMES_SETTING,
      label: 'Carrier names on Qoo10',
      type: 'object',
      required: false,
      default: {},
      description:
        'Mallbridge carrier → the ShippingCorp name registered on Qoo10, e.g. {"kuroneko": "ヤマト宅急便"}. Carriers match ignoring case, spaces and hyphens. Built in, and overridden by entries here: qxpress → Qxpress, yamato → ヤマト宅急便, sagawa → 佐川急便, japanpost / yupack → ゆうパック. A waybill whose carrier has no name here or built in is not sent: its tracking push fails naming the carrier.',
    },
    {
      name: 'initialLookbackDays',
      label: 'First pull looks back (days)',
      type: 'number',
      required: false,
      default: 30,
      description: 'How far back, by order date, the first order pull of this connection reads.',
    },
    {
      name: 'searchWindowDays',
      label: 'Order search window (days)',
      type: 'number',
      required: false,
      default: 30,
      description: 'Width of one GetShippingInfo / GetClaimInfo date window (Qoo10 limits the period; at most 89).',
    },
    {
      name: 'overlapHours',
      label: 'Order pull overlap (hours)',
      type: 'number',
      required: false,
      default: 168,
      description:
        'Each pull re-reads this much before the previous one. Orders are searched by order date, so it must cover how long buyers take to pay (an order enters 新規注文 when paid).',
    },
    {
      name: 'changeOverlapHours',
      label: 'Change pull overlap (hours)',
      type: 'number',
      required: false,
      default: 6,
      description: 'Each change pull re-reads the claims (cancel, return, exchange requests) requested this much before the previous one.',
    },
    {
      name: 'estimatedShipDays',
      label: 'Estimated ship date (days after confirmation)',
      type: 'number',
      required: false,
      description: 'When set, order confirmation sends EstShipDt = today + this many days (JST).',
    },
  ],
  collectableStatuses: [
    { code: '2', name: '新規注文 (New Order)' },
    { code: '3', name: '配送準備 (Order Confirmed)' },
  ],
  unconfirmedStatuses: ['2'],
  authorization: 'key-exchange',
  requiresIpAllowList: false,
  // No published limit; the only guidance found is "5–10 requests/s is safe" (UNCONFIRMED).
  rateLimit: { maxConcurrent: 2, minTimeMs: 200 },
};
