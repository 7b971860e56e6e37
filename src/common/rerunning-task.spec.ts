import { RerunningTask } from './rerunning-task';

describe('RerunningTask', () => {
  it('runs once at a time, and once more after a run for any number of asks during it', async () => {
    const releases: Array<() => void> = [];
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const task = new RerunningTask(
      () =>
        new Promise<void>((resolve) => {
          runs++;
          active++;
          maxActive = Math.max(maxActive, active);
          releases.push(() => {
            active--;
            resolve();
          });
        }),
      () => undefined,
    );
    task.wake();
    task.wake();
    task.wake();
    expect(runs).toBe(1);
    releases.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2);
    releases.shift()!();
    await task.settled();
    await new Promise((resolve) => setImmediate(resolve));
    expect([runs, maxActive]).toEqual([2, 1]);
  });

  it('hands a failure over and runs again at the next ask', async () => {
    const failures: unknown[] = [];
    let calls = 0;
    const task = new RerunningTask(
      async () => {
        calls++;
        if (calls === 1) throw new Error('database away');
      },
      (error) => failures.push(error),
    );
    task.wake();
    await task.settled();
    task.wake();
    await task.settled();
    expect([calls, failures.map((error) => (error as Error).message)]).toEqual([2, ['database away']]);
  });
});
