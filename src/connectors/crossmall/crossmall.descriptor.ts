import type { SiteDescriptor } from '../sales-site-connector';

export const CROSSMALL_CREDENTIALS = {
  /** 会社コード, sent as the `account` parameter */
  companyCode: 'companyCode',
  /** 認証鍵: only ever hashed into `signing`, never sent */
  apiKey: 'apiKey',
} as const;

export const CROSSMALL_SETTINGS = {
  collectPhaseName: 'collectPhaseName',
  shippedPhaseName: 'shippedPhaseName',
  deliveryNames: 'deliveryNames',
  stockQuantityParam: 'stockQuantityParam',
  stockModeParam: 'stockModeParam',
  cancelPhaseNames: 'cancelPhaseNames',
  holdPhaseNames: 'holdPhaseNames',
  callIntervalMs: 'callIntervalMs',
} as const;

export const CROSSMALL_DEFAULTS = {
  collectPhaseName: '発送待機',
  shippedPhaseName: 'QXPRESS発送済み',
  stockQuantityParam: 'stock',
  stockModeParam: 'update_type',
  /** cancellations.md §4.1: some shops mark a cancel or a hold only by the phase, never by cancel_flag */
  cancelPhaseNames: 'キャンセル',
  holdPhaseNames: '保留',
  /**
   * specs/crossmall.md §5: no limit is published (UNCONFIRMED); integrators keep 0.5–1 s between calls and one of
   * them writes "必ず1秒間隔" — the safe end, one call a second, is the default.
   */
  callIntervalMs: 1000,
} as const;

/** The fastest pace a connection may ask for (the 0.5 s integrators use, with room below for a seller CROSS MALL allows more). */
export const CROSSMALL_MIN_CALL_INTERVAL_MS = 200;
export const CROSSMALL_MAX_CALL_INTERVAL_MS = 10_000;

/**
 * The 配送便名 (delivery service names) CROSS MALL is assumed to know for the carriers this service ships with;
 * the `deliveryNames` setting overrides and extends them.
 *
 * UNCONFIRMED: CROSS MALL's own list of default 配送便 was not found in any public source. Its support pages
 * name the carriers ヤマト運輸 and 佐川急便 ("佐川急便のe飛伝や、ヤマト運輸のB2などで発行した送り状",
 * support.crossmall.jp/hc/ja/articles/4409849427737) and match names registered in the account's masters
 * exactly (support.crossmall.jp/hc/ja/articles/42056292790553, 名称マスタ). 日本郵便 is that carrier's company
 * name the same way; `Qxpress` is Qoo10's own spelling of its carrier.
 */
export const CROSSMALL_DEFAULT_DELIVERY_NAMES: Readonly<Record<string, string>> = {
  qxpress: 'Qxpress',
  yamato: 'ヤマト運輸',
  sagawa: '佐川急便',
  japanpost: '日本郵便',
};

/** `qxpress → Qxpress, yamato → ヤマト運輸, …`, for the seller's eyes. */
export const CROSSMALL_DEFAULT_DELIVERY_NAMES_TEXT = Object.entries(CROSSMALL_DEFAULT_DELIVERY_NAMES)
  .map(([carrier, name]) => `${carrier} → ${name}`)
  .join(', ');

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
      name: CROSSMALL_SETTINGS.collectPhaseName,
      label: 'Phase to collect orders from',
      type: 'string',
      required: false,
      default: CROSSMALL_DEFAULTS.collectPhaseName,
      description: 'Exact phase name on this CROSS MALL account (phases are account-defined; spacing and case count).',
    },
    {
      name: CROSSMALL_SETTINGS.shippedPhaseName,
      label: 'Phase for shipped orders',
      type: 'string',
      required: false,
      default: CROSSMALL_DEFAULTS.shippedPhaseName,
      description: 'Exact phase name the order moves to when its waybill number is pushed; it must exist in CROSS MALL.',
    },
    {
      name: CROSSMALL_SETTINGS.deliveryNames,
      label: 'Delivery service names (配送便名)',
      type: 'object',
      required: false,
      default: {},
      description: `Mallbridge carrier → CROSS MALL 配送便名, sent as delivery_name with the waybill, spelled exactly as in CROSS MALL, e.g. {"yamato": "ヤマト宅急便"}. Carrier keys ignore case, spaces, hyphens and underscores. Built in (overridden by this setting): ${CROSSMALL_DEFAULT_DELIVERY_NAMES_TEXT}. A waybill for a carrier neither here nor built in is not sent: its order shows the error until the carrier is added.`,
    },
    {
      name: CROSSMALL_SETTINGS.stockQuantityParam,
      label: 'upd_stock quantity parameter',
      type: 'string',
      required: false,
      default: CROSSMALL_DEFAULTS.stockQuantityParam,
      description: 'The upd_stock parameter names are not published; change only if CROSS MALL support says otherwise.',
    },
    {
      name: CROSSMALL_SETTINGS.stockModeParam,
      label: 'upd_stock mode parameter',
      type: 'string',
      required: false,
      default: CROSSMALL_DEFAULTS.stockModeParam,
      description: 'Sent with "u" (overwrite). The name is not published; change only if CROSS MALL support says otherwise.',
    },
    // Lists of phase names are text (one setting type fits: arrays are not a setting type), names separated
    // by commas or new lines; the connector also reads an array of names.
    {
      name: CROSSMALL_SETTINGS.cancelPhaseNames,
      label: 'Phases that mean cancelled',
      type: 'string',
      required: false,
      default: CROSSMALL_DEFAULTS.cancelPhaseNames,
      description:
        'Exact phase names, separated by commas (, ， 、) or new lines: an order moved into one of them is cancelled, whatever its cancel_flag (moving an order to a phase does not set the flag). Empty: only cancel_flag 2 cancels.',
    },
    {
      name: CROSSMALL_SETTINGS.holdPhaseNames,
      label: 'Phases that mean on hold',
      type: 'string',
      required: false,
      default: CROSSMALL_DEFAULTS.holdPhaseNames,
      description:
        'Exact phase names, separated by commas (, ， 、) or new lines: an order in one of them is held until it leaves it. Empty: only cancel_flag 1 holds.',
    },
    {
      name: CROSSMALL_SETTINGS.callIntervalMs,
      label: 'Pause between API calls (ms)',
      type: 'number',
      required: false,
      default: CROSSMALL_DEFAULTS.callIntervalMs,
      minimum: CROSSMALL_MIN_CALL_INTERVAL_MS,
      maximum: CROSSMALL_MAX_CALL_INTERVAL_MS,
      description: `CROSS MALL publishes no rate limit, so this connection's calls go one at a time, this many milliseconds apart (${CROSSMALL_MIN_CALL_INTERVAL_MS}–${CROSSMALL_MAX_CALL_INTERVAL_MS}). The default, ${CROSSMALL_DEFAULTS.callIntervalMs} ms, is the pace integrators keep to ("必ず1秒間隔"); go lower only if CROSS MALL support agrees for your account. A first pull makes about one call per order (its lines), so this pace sets how fast it goes; its orders appear ten at a time as they are read.`,
    },
  ],
  collectableStatuses: [{ code: '発送待機', name: '発送待機 (or the phase named in the connection settings)' }],
  authorization: 'none',
  requiresIpAllowList: true,
  // Undocumented (UNCONFIRMED); integrators keep 0.5–1 s between calls and one of them writes
  // "必ず1秒間隔" — the conservative end: one call at a time, one per second.
  // The connection's `callIntervalMs` setting replaces minTimeMs (connectionRateLimit).
  rateLimit: { maxConcurrent: 1, minTimeMs: CROSSMALL_DEFAULTS.callIntervalMs },
  pacingSetting: CROSSMALL_SETTINGS.callIntervalMs,
};
