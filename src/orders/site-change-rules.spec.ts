import type { OrderChange } from '../connectors/site-ports';
import { applySiteChange, changeKey, type SiteFacts } from './site-change-rules';

function facts(overrides: Partial<SiteFacts> = {}): SiteFacts {
  return {
    siteState: 'open',
    siteStateReason: null,
    cancelRequest: null,
    mergedInto: null,
    recipient: { name: 'Sato', line1: '1-1' },
    lines: [
      { id: 'l1', externalLineId: 'A', quantity: 3, cancelledQuantity: 0 },
      { id: 'l2', externalLineId: 'B', quantity: 1, cancelledQuantity: 0 },
    ],
    ...overrides,
  };
}

function change(kind: OrderChange['kind'], extra: Partial<OrderChange> = {}): OrderChange {
  return { externalOrderId: 'O1', kind, siteRef: 'r1', ...extra };
}

describe('applySiteChange', () => {
  it('cancels an open order once; a second cancel, or one of a merged order, changes nothing', () => {
    const update = applySiteChange(facts(), change('cancelled', { reason: '顧客依頼によりキャンセル' }));
    expect(update).toMatchObject({ siteState: 'cancelled', siteStateReason: '顧客依頼によりキャンセル', follow: true });
    expect(applySiteChange(facts({ siteState: 'cancelled' }), change('cancelled'))).toBeNull();
    expect(applySiteChange(facts({ siteState: 'merged', mergedInto: 'P' }), change('cancelled'))).toBeNull();
  });

  it('releases only what the site held: a snapshot site restating a valid order writes nothing', () => {
    expect(applySiteChange(facts(), change('released'))).toBeNull();
    expect(applySiteChange(facts({ siteState: 'on_hold' }), change('released'))).toMatchObject({ siteState: 'open', follow: true });
    expect(applySiteChange(facts({ siteState: 'cancel_requested', cancelRequest: { claim: '1' } }), change('released'))).toMatchObject({
      siteState: 'open',
      cancelRequest: null,
    });
    // a cancelled order is never revived by the site restating it
    expect(applySiteChange(facts({ siteState: 'cancelled' }), change('released'))).toBeNull();
  });

  it('holds once per reason, and never holds a cancelled order', () => {
    expect(applySiteChange(facts(), change('on_hold', { reason: '12' }))).toMatchObject({ siteState: 'on_hold', follow: true });
    expect(applySiteChange(facts({ siteState: 'on_hold', siteStateReason: '12' }), change('on_hold', { reason: '12' }))).toBeNull();
    expect(applySiteChange(facts({ siteState: 'cancelled' }), change('on_hold'))).toBeNull();
  });

  it('records a cancel request with what approving it needs; the same request again changes nothing', () => {
    const request = { ordPrdCnSeq: '7', ordNo: 'O1', ordPrdSeq: '1' };
    expect(applySiteChange(facts(), change('cancel_requested', { request }))).toMatchObject({
      siteState: 'cancel_requested',
      cancelRequest: request,
    });
    const held = facts({ siteState: 'cancel_requested', cancelRequest: { ordPrdSeq: '1', ordNo: 'O1', ordPrdCnSeq: '7' } });
    expect(applySiteChange(held, change('cancel_requested', { request }))).toBeNull();
  });

  it('sets each listed line to its live quantity, absolute: restating it changes nothing, and unknown lines are skipped', () => {
    const update = applySiteChange(
      facts(),
      change('line_cancelled', {
        lines: [
          { externalLineId: 'A', liveQuantity: 1 },
          { externalLineId: 'Z', liveQuantity: 0 },
        ],
      }),
    );
    expect(update?.cancelledQuantities).toEqual(new Map([['l1', 2]]));
    expect(update?.siteState).toBeUndefined();
    const after = facts({ lines: [{ id: 'l1', externalLineId: 'A', quantity: 3, cancelledQuantity: 2 }, facts().lines[1]] });
    expect(applySiteChange(after, change('line_cancelled', { lines: [{ externalLineId: 'A', liveQuantity: 1 }] }))).toBeNull();
  });

  it('clamps a live quantity the site states out of range (negative, above what was sold)', () => {
    const update = applySiteChange(
      facts(),
      change('line_cancelled', {
        lines: [
          { externalLineId: 'A', liveQuantity: -4 },
          { externalLineId: 'B', liveQuantity: 9 },
        ],
      }),
    );
    expect(update?.cancelledQuantities).toEqual(new Map([['l1', 3]]));
  });

  it('takes every line cancelled as the order cancelled', () => {
    const update = applySiteChange(
      facts(),
      change('line_cancelled', {
        lines: [
          { externalLineId: 'A', liveQuantity: 0 },
          { externalLineId: 'B', liveQuantity: 0 },
        ],
      }),
    );
    expect(update).toMatchObject({ siteState: 'cancelled', follow: true });
  });

  it('merges once into the named order', () => {
    expect(applySiteChange(facts(), change('merged_into', { relatedExternalOrderId: 'P' }))).toMatchObject({
      siteState: 'merged',
      mergedInto: 'P',
    });
    expect(
      applySiteChange(facts({ siteState: 'merged', mergedInto: 'P' }), change('merged_into', { relatedExternalOrderId: 'P' })),
    ).toBeNull();
  });

  it('changes the address only when it differs (key order does not count)', () => {
    expect(applySiteChange(facts(), change('address_changed', { recipient: { line1: '1-1', name: 'Sato' } }))).toBeNull();
    expect(applySiteChange(facts(), change('address_changed', { recipient: { name: 'Sato', line1: '2-2' } }))).toMatchObject({
      recipient: { name: 'Sato', line1: '2-2' },
      follow: true,
    });
  });

  it('records returns, exchanges and splits without anything to follow', () => {
    expect(applySiteChange(facts(), change('return_requested'))).toMatchObject({ follow: false });
    expect(applySiteChange(facts(), change('split_from', { relatedExternalOrderId: 'O0' }))).toMatchObject({ follow: false });
  });
});

describe('changeKey', () => {
  it('is the same for the same change re-read, and differs when the site says something else', () => {
    expect(changeKey(change('on_hold'))).toBe(changeKey(change('on_hold')));
    expect(changeKey(change('on_hold'))).not.toBe(changeKey(change('on_hold', { siteRef: 'r2' })));
    expect(changeKey(change('line_cancelled', { lines: [{ externalLineId: 'A', liveQuantity: 1 }] }))).not.toBe(
      changeKey(change('line_cancelled', { lines: [{ externalLineId: 'A', liveQuantity: 0 }] })),
    );
  });
});
