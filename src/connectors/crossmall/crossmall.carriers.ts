import { carrierKey, siteCarrierName } from '../shared/carrier-names';
import { CROSSMALL_DEFAULT_DELIVERY_NAMES, CROSSMALL_DEFAULT_DELIVERY_NAMES_TEXT, CROSSMALL_SETTINGS } from './crossmall.descriptor';

const DEFAULTS_BY_KEY: ReadonlyMap<string, string> = new Map(
  Object.entries(CROSSMALL_DEFAULT_DELIVERY_NAMES).map(([carrier, name]) => [carrierKey(carrier), name] as const),
);

/**
 * The 配送便名 to send for a Mallbridge carrier: the connection's `deliveryNames` mapping first, then the defaults
 * ({@link CROSSMALL_DEFAULT_DELIVERY_NAMES}, UNCONFIRMED names); undefined when neither knows the carrier. The 配送便名
 * itself is exact text and goes out unchanged.
 */
export function deliveryNameFor(settings: Record<string, unknown>, carrier: string): string | undefined {
  return siteCarrierName(settings[CROSSMALL_SETTINGS.deliveryNames], DEFAULTS_BY_KEY, carrier);
}

/** Why a waybill for an unmapped carrier was not sent, naming the carrier and the setting that fixes it. */
export function unmappedCarrierMessage(carrier: string): string {
  return (
    `No CROSS MALL 配送便名 (delivery_name) for carrier "${carrier}": add it to the connection setting ` +
    `${CROSSMALL_SETTINGS.deliveryNames}, spelled exactly as in CROSS MALL, e.g. {"${carrier}": "ヤマト運輸"}. ` +
    `Built in: ${CROSSMALL_DEFAULT_DELIVERY_NAMES_TEXT}.`
  );
}
