/**
 * Polls `probe` until it returns a truthy value, and returns that value; fails after `timeoutMs`
 * with the last value seen. For waiting on work the app does in the background (jobs, cron):
 * the test waits on the observable outcome, never on a fixed delay.
 */
export async function waitFor<T>(
  probe: () => Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${options.what ?? 'a condition'}; last value: ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
