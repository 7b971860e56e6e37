import type { SiteDescriptor } from '../sales-site-connector';

/** Credential field names, shared by the descriptor, the client and the tests. */
export const NE_CREDENTIALS = {
  accessToken: 'accessToken',
  refreshToken: 'refreshToken',
  /** ISO-8601, kept beside the tokens so that an operator can see when they lapse */
  accessTokenEndDate: 'accessTokenEndDate',
  refreshTokenEndDate: 'refreshTokenEndDate',
} as const;

export const NEXTENGINE_DESCRIPTOR: SiteDescriptor = {
  site: 'nextengine',
  displayName: 'NextEngine',
  defaultEndpoint: 'https://api.next-engine.org',
  credentialFields: [
    {
      name: NE_CREDENTIALS.accessToken,
      label: 'Access token',
      secret: true,
      required: false,
      lifecycle: 'obtained',
      description: 'Obtained by signing in to NextEngine; rotated by NextEngine (lives 1 day).',
    },
    {
      name: NE_CREDENTIALS.refreshToken,
      label: 'Refresh token',
      secret: true,
      required: false,
      lifecycle: 'obtained',
      description: 'Obtained by signing in to NextEngine; rotated with the access token (lives 3 days).',
    },
    { name: NE_CREDENTIALS.accessTokenEndDate, label: 'Access token end date', secret: false, required: false, lifecycle: 'obtained' },
    { name: NE_CREDENTIALS.refreshTokenEndDate, label: 'Refresh token end date', secret: false, required: false, lifecycle: 'obtained' },
  ],
  settingFields: [
    {
      name: 'signInUrl',
      label: 'NextEngine sign-in URL',
      type: 'string',
      required: false,
      description: 'Overrides NEXTENGINE_SIGN_IN_URL (https://base.next-engine.org) for this connection.',
    },
    {
      name: 'deliveryMethodIds',
      label: 'NextEngine delivery methods',
      type: 'object',
      required: false,
      default: {},
      description:
        'Mallbridge carrier → NextEngine 発送方法区分 id (receive_order_delivery_id), e.g. { "yamato": "2" }; set with the waybill number. Unmapped carriers leave the delivery method as it is.',
    },
  ],
  collectableStatuses: [{ code: '20', name: '納品書印刷待ち (印刷待ち: print instruction date reached, not cancelled)' }],
  authorization: 'redirect',
  tokensRotate: true,
  // The refresh token lives 3 days from its last rotation and only a call renews it: a connection whose refresh
  // token has less than 2 days left (no rotation for a day) gets a cheap call, so an idle shop stays signed in.
  keepAliveWithinMs: 2 * 24 * 60 * 60 * 1000,
  requiresIpAllowList: false,
  // Tokens rotate on any response, so calls for one account must never overlap. NextEngine publishes no
  // numeric rate; it throttles through the 003001/003002 "busy" codes, which the client retries.
  rateLimit: { maxConcurrent: 1, minTimeMs: 0 },
};
