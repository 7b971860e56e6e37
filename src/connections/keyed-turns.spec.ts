import { deferred } from '../common/testing/deferred';
import { KeyedTurns } from './keyed-turns';

/** Lets every already-settled promise run its reactions (one macrotask: no timers, no waiting). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether a promise has settled yet, without waiting for it. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('KeyedTurns', () => {
  it('runs turns for one key strictly one after another, in arrival order, even when the first is slow', async () => {
    const turns = new KeyedTurns();
    const log: string[] = [];
    const gates = { a: deferred<void>(), b: deferred<void>(), c: deferred<void>() };
    const turn = (name: keyof typeof gates) => async () => {
      log.push(`${name}:start`);
      await gates[name].promise;
      log.push(`${name}:end`);
      return name.toUpperCase();
    };

    const a = turns.run('connection-1', turn('a'));
    const b = turns.run('connection-1', turn('b'));
    const c = turns.run('connection-1', turn('c'));
    await settle();
    expect(log).toEqual(['a:start']);

    // The later turns being ready changes nothing while the first still runs.
    gates.c.resolve();
    gates.b.resolve();
    await settle();
    expect(log).toEqual(['a:start']);

    gates.a.resolve();
    await expect(a).resolves.toBe('A');
    await expect(b).resolves.toBe('B');
    await expect(c).resolves.toBe('C');
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('starts the next turn for a key only when the one before it has finished', async () => {
    const turns = new KeyedTurns();
    const first = deferred<string>();
    const second = jest.fn(async () => 'second');

    const running = turns.run('k', () => first.promise);
    const queued = turns.run('k', second);
    await settle();
    expect(second).not.toHaveBeenCalled();

    first.resolve('first');
    await expect(running).resolves.toBe('first');
    await expect(queued).resolves.toBe('second');
    expect(second).toHaveBeenCalledTimes(1);
  });

  it('runs different keys side by side', async () => {
    const turns = new KeyedTurns();
    const log: string[] = [];
    const x = deferred<void>();
    const y = deferred<void>();

    const runX = turns.run('x', async () => {
      log.push('x:start');
      await x.promise;
      log.push('x:end');
      return 'x';
    });
    const runY = turns.run('y', async () => {
      log.push('y:start');
      await y.promise;
      log.push('y:end');
      return 'y';
    });
    const xState = track(runX);
    await settle();
    // both started while neither has finished
    expect(log).toEqual(['x:start', 'y:start']);

    // y, which arrived later, finishes while x still runs
    y.resolve();
    await expect(runY).resolves.toBe('y');
    expect(xState.settled).toBe(false);
    expect(log).toEqual(['x:start', 'y:start', 'y:end']);

    x.resolve();
    await expect(runX).resolves.toBe('x');
  });

  it('ends only its own turn when it fails: the caller gets the error, the next turn still runs', async () => {
    const turns = new KeyedTurns();
    const failing = deferred<string>();
    const failure = new Error('the site fell over');
    const next = jest.fn(async () => 'next');

    const failed = turns.run('k', () => failing.promise);
    const failedOutcome = failed.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    const after = turns.run('k', next);
    await settle();
    expect(next).not.toHaveBeenCalled();

    failing.reject(failure);
    await expect(failedOutcome).resolves.toBe(failure);
    await expect(after).resolves.toBe('next');
    expect(next).toHaveBeenCalledTimes(1);

    // and the key keeps working afterwards
    await expect(turns.run('k', async () => 'later')).resolves.toBe('later');
  });

  it('treats work that throws before returning a promise as a failed turn, not a stuck key', async () => {
    const turns = new KeyedTurns();
    const failure = new Error('thrown synchronously');

    const failed = turns.run('k', (): Promise<string> => {
      throw failure;
    });
    const after = turns.run('k', async () => 'after');

    await expect(failed).rejects.toBe(failure);
    await expect(after).resolves.toBe('after');
  });

  it('starts a turn for an idle key without waiting on earlier, finished turns of other keys', async () => {
    const turns = new KeyedTurns();
    const blocker = deferred<void>();
    const blocked = turns.run('busy', () => blocker.promise);
    await turns.run('k', async () => 'one');

    const started = jest.fn(async () => 'two');
    const second = turns.run('k', started);
    await settle();
    expect(started).toHaveBeenCalledTimes(1);
    await expect(second).resolves.toBe('two');

    blocker.resolve();
    await blocked;
  });
});
