import { carrierKey, siteCarrierName } from '../shared/carrier-names';

/** The connection setting that maps Mallbridge carriers to Qoo10 ShippingCorp names. */
export const CARRIER_NAMES_SETTING = 'carrierNames';

/**
 * ShippingCorp names Qoo10 knows for the carriers this service ships with, and the carrier keys that mean each.
 * The names are those seen in working code (specs/qoo10.md §6): `Qxpress` in the guide's own SetSendingInfoBulk
 * example ([PO-docs]); `ヤマト宅急便`, `佐川急便`, `ゆうパック` from a production WMS's carrier map ([Sunlogi-java]), the
 * one source that spells all three the way QSM JP lists them (one Korean client sends `Sagawa`; the guide's own
 * SetSendingInfo example is `ゆうパック`). UNCONFIRMED: the authoritative list is the seller's GetDeliveryCompanyInfo,
 * whose shape no source gives; a seller whose account spells a carrier otherwise maps it in `carrierNames`.
 * Japan Post means its parcel service (ゆうパック), not ゆうパケット or クリックポスト, which need their own mapping.
 */
const DEFAULT_SHIPPING_CORPS: ReadonlyArray<{ shippingCorp: string; carriers: readonly string[] }> = [
  { shippingCorp: 'Qxpress', carriers: ['qxpress'] },
  { shippingCorp: 'ヤマト宅急便', carriers: ['yamato', 'yamato transport', 'ヤマト', 'ヤマト運輸', 'ヤマト宅急便'] },
  { shippingCorp: '佐川急便', carriers: ['sagawa', 'sagawa express', '佐川', '佐川急便'] },
  { shippingCorp: 'ゆうパック', carriers: ['japan post', 'jp post', 'yupack', 'yu-pack', '日本郵便', 'ゆうパック'] },
];

const DEFAULTS_BY_KEY: ReadonlyMap<string, string> = new Map(
  DEFAULT_SHIPPING_CORPS.flatMap(({ shippingCorp, carriers }) => carriers.map((carrier) => [carrierKey(carrier), shippingCorp] as const)),
);

/**
 * The ShippingCorp to send for a Mallbridge carrier: the connection's `carrierNames` first, then the built-in names;
 * undefined when neither knows it (Qoo10 would show a name it does not know to the buyer, or refuse it).
 */
export function shippingCorpFor(settings: Record<string, unknown>, carrier: string): string | undefined {
  return siteCarrierName(settings[CARRIER_NAMES_SETTING], DEFAULTS_BY_KEY, carrier);
}

/** Why a waybill was not sent to Qoo10: the carrier has no ShippingCorp, and the setting that gives it one. */
export function unknownCarrierMessage(carrier: string): string {
  const builtIn = DEFAULT_SHIPPING_CORPS.map(({ shippingCorp, carriers }) => `${carriers[0]} → ${shippingCorp}`).join(', ');
  return (
    `Qoo10 knows no ShippingCorp for carrier "${carrier}": add it to the connection setting ${CARRIER_NAMES_SETTING} ` +
    `with the name registered on Qoo10, e.g. {"${carrier}": "ヤマト宅急便"}. Built in: ${builtIn}. No waybill was sent.`
  );
}
