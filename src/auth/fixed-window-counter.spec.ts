import { FixedWindowCounter } from './fixed-window-counter';

describe('FixedWindowCounter', () => {
  let now = 1_000_000;
  const counter = () => new FixedWindowCounter(() => now);

  it('counts hits per key within a window and blocks past the limit until the window ends', async () => {
    const counts = counter();
    const hits = [];
    for (let n = 0; n < 4; n++) hits.push(await counts.increment('a', 60_000, 3));
    expect(hits.map((hit) => [hit.totalHits, hit.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(hits[3].timeToBlockExpire).toBe(60);
    expect((await counts.increment('b', 60_000, 3)).totalHits).toBe(1);

    now += 45_000;
    expect(await counts.increment('a', 60_000, 3)).toMatchObject({ isBlocked: true, timeToBlockExpire: 15 });
    now += 15_000;
    expect(await counts.increment('a', 60_000, 3)).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
  });

  it('forgets ended windows of keys that went quiet', async () => {
    const counts = counter();
    for (let n = 0; n < 100; n++) await counts.increment(`key-${n}`, 1_000, 10);
    now += 2_000;
    await counts.increment('fresh', 1_000, 10);
    expect((counts as unknown as { windows: Map<string, unknown> }).windows.size).toBe(1);
  });
});
