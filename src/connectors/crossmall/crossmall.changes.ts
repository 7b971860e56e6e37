/**
 * What a CROSS MALL order header says about the order now, as {@link OrderChange}s (specs/cancellations.md §4):
 * `cancel_flag`, `phase_name` against the connection's cancel and hold phases, `bundle_ahead_number` and the
 * `ship_*` fields. Pure functions; the calls are the connector's.
 */
import type { SyncCursor } from '../sales-site-connector';
import type { OrderChange, OrderChangeKind } from '../site-ports';
import { JST_OFFSET_MINUTES, parseInOffset } from '../shared/zoned-time';
import { CROSSMALL_DEFAULTS, CROSSMALL_SETTINGS } from './crossmall.descriptor';
import { type CrossmallRow, bundleParentOf, crossmallRecipient } from './crossmall.mapper';

/** Phase names that mean cancelled or held (cancellations.md §4.1: some shops mark them by phase only). */
export interface CrossmallPhaseRules {
  cancel: ReadonlySet<string>;
  hold: ReadonlySet<string>;
}

export function crossmallPhaseRules(settings: Record<string, unknown>): CrossmallPhaseRules {
  return {
    cancel: new Set(phaseNames(settings[CROSSMALL_SETTINGS.cancelPhaseNames], CROSSMALL_DEFAULTS.cancelPhaseNames)),
    hold: new Set(phaseNames(settings[CROSSMALL_SETTINGS.holdPhaseNames], CROSSMALL_DEFAULTS.holdPhaseNames)),
  };
}

/**
 * A list of phase names from a setting: text with the names separated by commas (`,` `，` `、`) or new lines
 * (the declared type), or an array of names, or an object whose keys with a true value are names. Absent
 * (or null) → the default; set but empty → no names. Each name is trimmed; otherwise matched exactly.
 */
export function phaseNames(value: unknown, fallback: string): string[] {
  if (value === undefined || value === null) return splitNames(fallback);
  if (typeof value === 'string') return splitNames(value);
  if (Array.isArray(value)) return value.filter((name): name is string => typeof name === 'string').flatMap(splitNames);
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, on]) => on === true)
      .flatMap(([name]) => splitNames(name));
  }
  return splitNames(fallback);
}

function splitNames(text: string): string[] {
  return text
    .split(/[\r\n,，、]+/)
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/**
 * The changes one `get_order` header states, all as what is true now (the core applies only what changes):
 * - a merged-away child (non-empty `bundle_ahead_number`, §4.4) → `merged_into` its parent, and nothing else:
 *   it never ships on its own, its lines travel with the parent.
 * - otherwise one state: `cancelled` (`cancel_flag` 2, or a cancel phase) before `on_hold` (`cancel_flag` 1 or
 *   any other non-zero value, or a hold phase) before `released` (`cancel_flag` 0 outside those phases);
 *   no state at all when `cancel_flag` is missing or empty and no phase rule applies (nothing to go by).
 * - `address_changed` with the recipient as the order mapper builds it, when the header carries one.
 * `siteRef` = 管理番号 | `updated_at` | kind: a re-read of the same state gives the same refs.
 */
export function crossmallChangesOf(
  header: CrossmallRow,
  rules: CrossmallPhaseRules,
  externalOrderId: string = header.order_number,
): OrderChange[] {
  const updatedAt = header.updated_at ?? '';
  // `updated_at` format is UNCONFIRMED (§4.3): `-` or `/` separated, read as JST; unreadable → no time.
  const occurredAt = parseInOffset(updatedAt, JST_OFFSET_MINUTES) ?? null;
  const raw = pick(header, ['order_number', 'updated_at', 'phase_name', 'cancel_flag', 'bundle_flag', 'bundle_ahead_number']);
  const change = (kind: OrderChangeKind, extra: Partial<OrderChange>): OrderChange => ({
    externalOrderId,
    kind,
    siteRef: `${header.order_number}|${updatedAt}|${kind}`,
    occurredAt,
    ...extra,
    raw,
  });

  const parent = bundleParentOf(header);
  if (parent !== undefined) {
    return [change('merged_into', { relatedExternalOrderId: parent, reason: `同梱: merged into ${parent} (bundle_ahead_number)` })];
  }

  const changes: OrderChange[] = [];
  const state = stateOf(header, rules);
  if (state) changes.push(change(state.kind, { reason: state.reason }));

  // Only a header with a recipient says where the order goes now; a blank ship_name is a malformed or
  // partial row, never "the recipient has no name".
  if ((header.ship_name ?? '').trim() !== '' && (header.ship_zip !== undefined || header.ship_address1 !== undefined)) {
    changes.push(change('address_changed', { recipient: crossmallRecipient(header) }));
  }
  return changes;
}

function stateOf(header: CrossmallRow, rules: CrossmallPhaseRules): { kind: OrderChangeKind; reason: string } | undefined {
  const phase = header.phase_name;
  const inPhase = (names: ReadonlySet<string>) => phase !== undefined && (names.has(phase) || names.has(phase.trim()));
  const flag = header.cancel_flag?.trim() ?? '';
  const phaseText = phase === undefined ? '' : `phase 「${phase}」`;

  // cancellations.md §4.1: 0 通常 is CONFIRMED; 1 保留 and 2 キャンセル come from the template only
  // (UNCONFIRMED). Any other non-zero value is not documented at all: treated as "do not ship" (hold),
  // with the raw value in the reason so the seller can see it, never as a release or a cancel.
  const cancelByFlag = flag === '2';
  const holdByFlag = flag !== '' && !/^0+$/.test(flag) && !cancelByFlag;
  const flagText = cancelByFlag
    ? 'cancel_flag 2 (キャンセル)'
    : flag === '1'
      ? 'cancel_flag 1 (保留)'
      : holdByFlag
        ? `cancel_flag ${flag} (undocumented value: held until checked)`
        : '';

  if (cancelByFlag || inPhase(rules.cancel)) {
    return { kind: 'cancelled', reason: [cancelByFlag ? flagText : '', inPhase(rules.cancel) ? phaseText : ''].filter(Boolean).join('; ') };
  }
  if (holdByFlag || inPhase(rules.hold)) {
    return { kind: 'on_hold', reason: [holdByFlag ? flagText : '', inPhase(rules.hold) ? phaseText : ''].filter(Boolean).join('; ') };
  }
  if (flag === '') return undefined;
  return { kind: 'released', reason: ['cancel_flag 0', phaseText].filter(Boolean).join('; ') };
}

function pick(row: CrossmallRow, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) if (row[name] !== undefined) out[name] = row[name];
  return out;
}

// ---------------------------------------------------------------- the change cursor

/**
 * Where the change pull stands: `since` = the end of the last window read whole (the next one starts
 * there minus the overlap); or, while a window is being walked page by page, the window itself and the
 * last 管理番号 of the last committed page, so a crashed walk resumes after it.
 */
export type CrossmallChangeCursor = { since: Date } | { from: Date; to: Date; after: string };

export function readChangeCursor(cursor: SyncCursor | null): CrossmallChangeCursor | undefined {
  if (!cursor?.value) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cursor.value);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const value = parsed as Record<string, unknown>;
  const date = (text: unknown) => {
    const at = typeof text === 'string' ? new Date(text) : undefined;
    return at && !Number.isNaN(at.getTime()) ? at : undefined;
  };
  const since = date(value.since);
  if (since) return { since };
  const from = date(value.from);
  const to = date(value.to);
  if (from && to && typeof value.after === 'string' && /^\d+$/.test(value.after)) return { from, to, after: value.after };
  return undefined;
}

export function writeChangeCursor(cursor: CrossmallChangeCursor): SyncCursor {
  return {
    value:
      'since' in cursor
        ? JSON.stringify({ since: cursor.since.toISOString() })
        : JSON.stringify({ from: cursor.from.toISOString(), to: cursor.to.toISOString(), after: cursor.after }),
  };
}
